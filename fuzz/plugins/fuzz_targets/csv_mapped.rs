//! csv-mapped's parsing: any bytes as a CSV export, under the messy fixture's
//! mapping (every kind of column, date and value parsing). The adapter must
//! answer with reports, rejects or an error: never panic.
#![no_main]

use bcgw_plugin_csv_mapped::CsvMapped;
use bcgw_sdk::plugin::{Payload, metadata_keys, translate_with_config};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn config() -> &'static str {
    static CONFIG: OnceLock<String> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let table: toml::Table = toml::from_str(include_str!("../../../plugins/csv-mapped/fixtures/messy.toml"))
            .expect("the fixture parses");
        serde_json::to_string(&table).expect("a table is JSON")
    })
}

fuzz_target!(|data: &[u8]| {
    let payload = Payload {
        bytes: data.to_vec(),
        content_type: "text/csv".into(),
        source: "fuzz".into(),
        metadata: vec![(metadata_keys::RECEIVED_AT.into(), "2026-10-01T12:00:00Z".into())],
        config: config().to_string(),
    };
    let _ = translate_with_config::<CsvMapped>(payload);
});
