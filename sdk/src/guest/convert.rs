//! Conversions between the SDK types and this crate's `wit-bindgen` types.

crate::schema_conversions!(crate::wit::adapter::bcgw::adapter::schema);
crate::plugin_conversions!(
    crate::wit::adapter::bcgw::adapter::types,
    crate::wit::adapter::exports::bcgw::adapter::translator,
    crate::wit::renderer::exports::bcgw::adapter::renderer
);
