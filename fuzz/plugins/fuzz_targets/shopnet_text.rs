//! The ShopNet text adapter (radio alert lines: patterns, shorthand, offence
//! words, the midnight rule) on any bytes, under the ShopNet Bristol example
//! config. It must answer with items, rejects or an error: never panic.
#![no_main]

use bcgw_sdk::plugin::{Payload, metadata_keys, translate_with_config};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn config() -> &'static str {
    static CONFIG: OnceLock<String> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let table: toml::Table =
            toml::from_str(include_str!("../../../examples/plugin-config/shopnet-bristol.toml"))
                .expect("the example parses");
        serde_json::to_string(&table).expect("a table is JSON")
    })
}

fuzz_target!(|data: &[u8]| {
    let payload = Payload {
        bytes: data.to_vec(),
        content_type: "text/plain".into(),
        source: "fuzz".into(),
        metadata: vec![(metadata_keys::RECEIVED_AT.into(), "2026-10-01T00:01:00Z".into())],
        config: config().to_string(),
    };
    let _ = translate_with_config::<bcgw_plugin_shopnet_text::ShopnetText>(payload);
});
