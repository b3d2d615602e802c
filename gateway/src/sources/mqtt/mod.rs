//! `kind = "mqtt"`: radio bridges publishing alerts to an MQTT broker.
//!
//! The source subscribes at QoS 1 on a persistent session (clean session off, a
//! stable client id), so the broker queues alerts while the gateway is down. It
//! acknowledges each message (manual acks) only after the journal commit that
//! holds it; many messages share one group commit. It reconnects with jittered
//! backoff and subscribes again on every new connection.
//!
//! - `config.rs`: the `[sources.<name>.mqtt]` table, its checks, `build`;
//! - `source.rs`: the receive loop (connection, subscriptions, backpressure);
//! - `journal.rs`: journal then acknowledge, in order, commits pipelined.
//!
//! Connection settings and the protocol client are shared with the `mqtt` sink
//! in `crate::common::mqtt`.

pub mod config;
mod journal;
pub mod source;

pub use config::{MqttIntake, MqttSourceConfig};

/// The registration of this kind.
pub const KIND: super::SourceKind = super::SourceKind {
    name: "mqtt",
    parse: config::parse,
};
