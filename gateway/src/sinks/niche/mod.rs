//! `kind = "niche"`: POSTs rendered submissions to a Niche import endpoint over
//! HTTP(S), with the incident id as the idempotency key.
//!
//! - `config.rs`: the `[sinks.<name>.niche]` table, its checks, `build`;
//! - `sink.rs`: the HTTP client and how answers map to [`Attempt`](super::Attempt).

pub mod config;
pub mod sink;

pub use config::{NicheAuth, NicheSinkConfig};
pub use sink::{IDEMPOTENCY_KEY, NicheSink};

/// The registration of this kind.
pub const KIND: super::SinkKind = super::SinkKind {
    name: "niche",
    parse: super::parse_as::<NicheSinkConfig>,
};
