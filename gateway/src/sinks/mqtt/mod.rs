//! `kind = "mqtt"`: tells the radio net that police have an alert. Once an
//! incident is through the sink named by `after` (the niche sink), one message per
//! report from the configured sources is published at QoS 1 to a topic made from
//! a template (`shopnet/{town}/acks`):
//! `{"source_record_id": ..., "record_id": ..., "occurrence_reference": ..., "status": ...}`.
//! A delivery counts only once the broker has acknowledged every message of it;
//! until then it is retried like any delivery, so the outbox makes it durable.
//!
//! - `config.rs`: the `[sinks.<name>.mqtt]` table, its checks, `build`;
//! - `message.rs`: topic and body of one report's acknowledgement;
//! - `publisher.rs`: the connection task that publishes and matches broker acks.

pub mod config;
pub mod message;
mod publisher;
pub mod sink;

pub use config::MqttSinkConfig;
pub use sink::MqttSink;

/// The registration of this kind.
pub const KIND: super::SinkKind = super::SinkKind {
    name: "mqtt",
    parse: config::parse,
};
