//! The one place the gateway generates host bindings from `sdk/wit/`.
//!
//! Two worlds share the schema: `adapter` (source side) and `sink-renderer`
//! (sink side). The renderer bindings reuse the adapter's schema and types modules
//! so one set of [`Conv`](bcgw_sdk::convert::Conv) impls serves both.
#![allow(missing_docs, clippy::all)]

/// Bindings for the `adapter` world.
pub mod adapter {
    wasmtime::component::bindgen!({
        world: "adapter",
        path: "../sdk/wit",
    });
}

/// Bindings for the `sink-renderer` world.
pub mod renderer {
    wasmtime::component::bindgen!({
        world: "sink-renderer",
        path: "../sdk/wit",
        with: {
            "bcgw:adapter/schema": super::adapter::bcgw::adapter::schema,
            "bcgw:adapter/types": super::adapter::bcgw::adapter::types,
        },
    });
}

bcgw_sdk::schema_conversions!(self::adapter::bcgw::adapter::schema);
bcgw_sdk::plugin_conversions!(
    self::adapter::bcgw::adapter::types,
    self::adapter::exports::bcgw::adapter::translator,
    self::renderer::exports::bcgw::adapter::renderer
);
