//! MQTT, shared by the `mqtt` source and sink: which broker and how to reach it
//! ([`Broker`]), checked without connecting, and one client over MQTT 3.1.1 and 5
//! ([`client`]) that hands back normalised events, so the source and sink code is
//! the same for both protocol versions.

pub mod broker;
pub mod client;
pub mod topic;

pub use broker::{Broker, ProtocolVersion, TlsSettings};
pub use client::{Incoming, Message, MqttClient, MqttConnection, connect};
