//! End-to-end tests of bcgw, built into one binary (`cargo nextest run`), one
//! module per area. They use real components: plugins built to wasm32-wasip2 by
//! `tests/artifacts`, the `bcgw` binary, loopback sockets.

mod admin;
mod cli_config;
mod cli_link;
mod cli_plugin;
mod csv_mapped_wasm;
mod gateway;
mod helpers;
mod mosquitto;
mod mqtt_source;
mod niche;
mod pipeline;
mod plugin_sandbox;
mod radio_adapters_wasm;
mod serial_source;
mod store_faults;
