//! Paths of the plugins built for tests and benchmarks.
//!
//! `build.rs` compiles every plugin crate to a `wasm32-wasip2` component (installing
//! the target with rustup if it is missing) into its own target directory, and
//! this crate hands the paths over as constants.

/// The `csv-mapped` adapter (`plugins/csv-mapped`).
pub const CSV_MAPPED: &str = env!("BCGW_PLUGIN_CSV_MAPPED");

/// The `json-mapped` adapter (`plugins/json-mapped`).
pub const JSON_MAPPED: &str = env!("BCGW_PLUGIN_JSON_MAPPED");

/// The `niche-xml` renderer (`plugins/niche-xml`).
pub const NICHE_XML: &str = env!("BCGW_PLUGIN_NICHE_XML");

/// The `shopnet-text` radio adapter (`plugins/shopnet-text`).
pub const SHOPNET_TEXT: &str = env!("BCGW_PLUGIN_SHOPNET_TEXT");

/// The `mototrbo-tms` radio adapter (`plugins/mototrbo-tms`).
pub const MOTOTRBO_TMS: &str = env!("BCGW_PLUGIN_MOTOTRBO_TMS");

/// The `hytera-tms` radio adapter (`plugins/hytera-tms`).
pub const HYTERA_TMS: &str = env!("BCGW_PLUGIN_HYTERA_TMS");

/// The README's first plugin (`examples/first-plugin`).
pub const FIRST_PLUGIN: &str = env!("BCGW_PLUGIN_FIRST_PLUGIN");

/// The deliberately hostile adapter (`tests/plugins/hostile`).
pub const HOSTILE: &str = env!("BCGW_PLUGIN_HOSTILE");

/// A test adapter whose `describe` says far too much (`tests/plugins/boastful`).
pub const BOASTFUL: &str = env!("BCGW_PLUGIN_BOASTFUL");
