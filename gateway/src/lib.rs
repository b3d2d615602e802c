//! bcgw, the Business Crime Gateway.
//!
//! Sources (CSV folders, webhooks, MQTT, serial radio bridges) hand raw payloads to
//! sandboxed WebAssembly adapter [`plugins`], which translate them into the common
//! schema of [`bcgw_sdk::schema`]. See `ARCHITECTURE.md` for the life of a payload.

pub mod assembly;
pub mod audit;
pub mod cli;
pub mod common;
pub mod config;
pub mod daemon;
pub mod events;
pub mod http;
pub mod members;
pub mod observability;
pub mod pipeline;
pub mod plugins;
pub mod policy;
pub mod reload;
pub mod sinks;
pub mod sources;
pub mod store;
pub mod supervise;
