//! `kind = "serial"`: a radio bridge on a serial port (`/dev/ttyUSB0`, `COM3`).
//!
//! The port is read on a thread of its own; the byte stream is cut into frames
//! (`crate::sources::framing`), and each batch of frames is journaled (group
//! commit) before it counts as received. When the device disappears the source
//! drops any partial frame and reopens with backoff. A frame that is too long, or
//! bytes outside any frame, are journaled but held in the quarantine with the
//! reason; the stream goes on.
//!
//! - `config.rs`: the `[sources.<name>.serial]` table, its checks, `build`;
//! - `source.rs`: the read loop.

pub mod config;
pub mod source;

pub use config::SerialSourceConfig;

/// The registration of this kind.
pub const KIND: super::SourceKind = super::SourceKind {
    name: "serial",
    parse: super::parse_as::<SerialSourceConfig>,
};
