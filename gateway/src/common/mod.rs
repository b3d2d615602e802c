//! What a source and a sink of the same protocol share (connection settings,
//! clients), so each protocol's connection code is written once.

pub mod mqtt;
pub mod reconnect;
pub mod retry_after;
