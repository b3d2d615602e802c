//! The radio frame decoders: MOTOTRBO and Hytera text-message frames, and the
//! ShopNet text-line adapter, on any bytes. The first byte picks the decoder;
//! the rest is the payload. Each must answer (items, rejects or an error),
//! never panic, and never hand back a frame longer than the maximum.
#![no_main]

use bcgw_sdk::plugin::{Payload, metadata_keys, translate_with_config};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The ShopNet Bristol example config: patterns, shorthand, offence words.
fn shopnet() -> &'static str {
    static CONFIG: OnceLock<String> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let table: toml::Table =
            toml::from_str(include_str!("../../../examples/plugin-config/shopnet-bristol.toml"))
                .expect("the example parses");
        serde_json::to_string(&table).expect("a table is JSON")
    })
}

fn payload(bytes: &[u8], config: &str) -> Payload {
    Payload {
        bytes: bytes.to_vec(),
        content_type: "application/octet-stream".into(),
        source: "fuzz".into(),
        metadata: vec![(metadata_keys::RECEIVED_AT.into(), "2026-10-01T12:00:00Z".into())],
        config: config.into(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 5 {
        0 => {
            for f in bcgw_plugin_mototrbo_tms::frame::frames(rest, 256).into_iter().flatten() {
                assert!(f.text.len() <= 256 + 16, "a frame past the maximum");
            }
        }
        1 => {
            let _ = bcgw_plugin_hytera_tms::frame::frames(rest, 256);
        }
        2 => {
            let _ = translate_with_config::<bcgw_plugin_mototrbo_tms::MototrboTms>(payload(rest, "{}"));
        }
        3 => {
            let _ = translate_with_config::<bcgw_plugin_hytera_tms::HyteraTms>(payload(rest, "{}"));
        }
        _ => {
            let _ = translate_with_config::<bcgw_plugin_shopnet_text::ShopnetText>(payload(rest, shopnet()));
        }
    }
});
