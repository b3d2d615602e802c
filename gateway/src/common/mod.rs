//! What a source and a sink of the same protocol share (connection settings,
//! clients, media types), so each protocol's code is written once.

pub mod media;
pub mod mqtt;
pub mod reconnect;
pub mod retry_after;
