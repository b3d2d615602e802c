//! The radio frame decoders: MOTOTRBO and Hytera text-message frames, alone and
//! through their adapters, on any bytes. The first byte picks which; the rest
//! is the payload. Each must answer (items, rejects or an error), never panic,
//! and never hand back a frame longer than the maximum. (The ShopNet text
//! adapter is `shopnet_text`: it compiles its patterns per payload, which
//! would slow this target down fifty-fold.)
#![no_main]

use bcgw_sdk::plugin::{Payload, metadata_keys, translate_with_config};
use libfuzzer_sys::fuzz_target;
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
    match pick % 4 {
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
        _ => {
            let _ = translate_with_config::<bcgw_plugin_hytera_tms::HyteraTms>(payload(rest, "{}"));
        }
    }
});
