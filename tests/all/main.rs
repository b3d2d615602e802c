//! End-to-end tests of bcgw, built into one binary (`cargo nextest run`), one
//! module per area. They use real components: plugins built to wasm32-wasip2 by
//! `tests/artifacts`, the `bcgw` binary, loopback sockets.

mod admin;
mod amendments;
mod cli_config;
mod cli_link;
mod cli_plugin;
mod config_files;
mod csv_mapped_wasm;
mod data_protection;
mod gateway;
mod helpers;
mod http_client;
mod json_mapped_wasm;
mod linking;
mod linking_window;
mod log_privacy;
mod members;
mod mosquitto;
mod mqtt_source;
mod niche;
mod niche_sim_updates;
mod openapi;
mod pipeline;
mod plugin_diff;
mod plugin_sandbox;
mod poll_source;
mod python_plugin;
mod radio_adapters_wasm;
mod reload;
mod serial_source;
mod signed_plugins;
mod stage_panics;
mod store_faults;
mod store_reads;
mod store_upgrade;
mod supervision;
mod webhook;
mod webhook_durability;
mod webhook_tls;
