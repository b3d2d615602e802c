//! `kind = "file-drop"`: writes each submission atomically into a folder an
//! import service watches.
//!
//! - `config.rs`: the `[sinks.<name>.file_drop]` table, its checks, `build`;
//! - `sink.rs`: the atomic write.

pub mod config;
pub mod sink;

pub use config::FileDropConfig;
pub use sink::FileDropSink;

/// The registration of this kind.
pub const KIND: super::SinkKind = super::SinkKind {
    name: "file-drop",
    parse: super::parse_as::<FileDropConfig>,
};
