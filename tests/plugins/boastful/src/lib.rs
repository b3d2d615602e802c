//! A test adapter whose `describe` says far too much: a 20 MB name, a 5 MB
//! description and lists of thousands of entries. The gateway must cap what it
//! keeps and prints (`bcgw plugin inspect`), not carry it whole.

use bcgw_sdk::prelude::*;

/// The boastful adapter.
pub struct Boastful;

// Within the default 64 MiB memory cap, with room for the lists.
const BIG: usize = 20 << 20;

impl Adapter for Boastful {
    type Config = NoConfig;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "b".repeat(BIG),
            version: "1.0.0".into(),
            description: "d".repeat(BIG / 4),
            systems: (0..5_000).map(|i| format!("system-{i}")).collect(),
            content_types: vec!["text/plain".into()],
            config_keys: (0..5_000)
                .map(|i| ConfigKey {
                    name: format!("key-{i}"),
                    description: "k".repeat(1000),
                    required: false,
                })
                .collect(),
        }
    }

    fn translate(payload: Payload, _: NoConfig) -> Result<Translation, AdapterError> {
        let mut r = Report {
            source_system: "boastful-test".into(),
            ..Report::default()
        };
        r.event.narrative = Some(String::from_utf8_lossy(&payload.bytes).into_owned());
        Ok(Translation {
            reports: vec![r],
            rejects: vec![],
        })
    }
}

bcgw_sdk::export_adapter!(Boastful);
