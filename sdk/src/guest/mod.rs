//! Guest side of the WIT contract: generated bindings, the export macros, and the glue
//! that lets an adapter be one `impl` of [`Adapter`](crate::plugin::Adapter).
//!
//! Only this module calls `wit_bindgen::generate!`; everything it generates stays
//! hidden behind [`wit`], and adapters see the curated types of [`crate::plugin`].

mod convert;
mod glue;

/// Generated bindings. Not part of the public API: use [`crate::prelude`].
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod wit {
    /// The `adapter` world (source side).
    pub mod adapter {
        wit_bindgen::generate!({
            world: "adapter",
            path: "wit",
            pub_export_macro: true,
            export_macro_name: "__export_adapter_world",
            default_bindings_module: "bcgw_sdk::wit::adapter",
        });
    }

    /// The `sink-renderer` world (sink side). Shares the schema types of [`adapter`].
    pub mod renderer {
        wit_bindgen::generate!({
            world: "sink-renderer",
            path: "wit",
            pub_export_macro: true,
            export_macro_name: "__export_renderer_world",
            default_bindings_module: "bcgw_sdk::wit::renderer",
            with: {
                "bcgw:adapter/schema@1.0.0": crate::wit::adapter::bcgw::adapter::schema,
                "bcgw:adapter/types@1.0.0": crate::wit::adapter::bcgw::adapter::types,
            },
        });
    }
}

/// Exports a type implementing [`Adapter`](crate::plugin::Adapter) as the plugin's
/// `translator` interface. Use once per plugin crate, at the crate root.
///
/// On targets other than `wasm32` this expands to nothing, so the same crate also
/// builds natively for unit tests with the [harness](crate::harness).
#[macro_export]
macro_rules! export_adapter {
    ($adapter:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::wit::adapter::__export_adapter_world!($adapter with_types_in $crate::wit::adapter);
    };
}

/// Exports a type implementing [`Renderer`](crate::plugin::Renderer) as the plugin's
/// `renderer` interface. Use once per plugin crate, at the crate root.
#[macro_export]
macro_rules! export_renderer {
    ($renderer:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::wit::renderer::__export_renderer_world!($renderer with_types_in $crate::wit::renderer);
    };
}
