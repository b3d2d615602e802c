//! json-mapped in the sandbox: each illustrative BCRP sample in examples/bcrp/
//! translates exactly as it does natively, and a bad config is named by key.

use crate::helpers::{engine, load, toml_config, workspace};
use bcgw::plugins::SandboxLimits;
use bcgw_plugin_json_mapped::JsonMapped;
use bcgw_sdk::harness::Harness;
use bcgw_sdk::schema::validate_report;
use bcgw_test_artifacts::JSON_MAPPED;
use chrono::{DateTime, Utc};

/// (plugin config, fixture, content type, reports, rejects)
const SAMPLES: [(&str, &str, &str, usize, usize); 6] = [
    (
        "disc-like",
        "disc-like-webhooks.ndjson",
        "application/x-ndjson",
        3,
        1,
    ),
    (
        "disc-like",
        "disc-like-webhook-amended.json",
        "application/json",
        1,
        0,
    ),
    (
        "auror-like",
        "auror-like-events-page-1.json",
        "application/json",
        3,
        1,
    ),
    (
        "auror-like",
        "auror-like-events-page-2.json",
        "application/json",
        2,
        0,
    ),
    (
        "sentrysis-like",
        "sentrysis-like-export-2026-11-04.json",
        "application/json",
        3,
        1,
    ),
    (
        "sentrysis-like",
        "sentrysis-like-export-2026-11-05.json",
        "application/json",
        2,
        0,
    ),
];

fn received() -> DateTime<Utc> {
    "2026-11-28T12:00:00Z".parse().expect("a time")
}

#[test]
fn wasm_and_native_translate_every_bcrp_sample_identically() {
    let engine = engine();
    let plugin = load(&engine, JSON_MAPPED, SandboxLimits::default());
    for (config, fixture, content_type, reports, rejects) in SAMPLES {
        let config_path = workspace().join(format!("examples/plugin-config/{config}.toml"));
        let config = toml_config(&std::fs::read_to_string(config_path).expect("sample config"));
        let bytes =
            std::fs::read(workspace().join("examples/bcrp").join(fixture)).expect("sample fixture");
        let harness = Harness::new().config(config).received_at(received());
        plugin
            .validate_config(&harness.payload(b"", content_type).config)
            .unwrap_or_else(|e| panic!("{fixture}: config refused: {e}"));
        let native = harness
            .translate::<JsonMapped>(&bytes, content_type)
            .unwrap_or_else(|e| panic!("{fixture}: native: {e}"));
        let sandboxed = plugin
            .translate(harness.payload(&bytes, content_type), received())
            .unwrap_or_else(|e| panic!("{fixture}: sandboxed: {e}"));
        assert_eq!(sandboxed.reports.len(), reports, "{fixture}");
        assert_eq!(sandboxed.rejects.len(), rejects, "{fixture}");
        assert_eq!(sandboxed.reports, native.reports, "{fixture}");
        assert_eq!(sandboxed.rejects, native.rejects, "{fixture}");
        for r in &sandboxed.reports {
            assert_eq!(validate_report(r, received()), vec![], "{fixture}");
        }
    }
}

#[test]
fn a_bad_plugin_config_is_reported_by_key() {
    let engine = engine();
    let plugin = load(&engine, JSON_MAPPED, SandboxLimits::default());
    let err = plugin
        .validate_config(r#"{"fields": {"occurred_at": "occurrence/started"}}"#)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("fields.\"occurred_at\": 'occurrence/started' is not a JSON Pointer"),
        "{err}"
    );
    let err = plugin
        .validate_config(r#"{"fields": {"premises": "/site/name"}}"#)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("fields.\"premises\": unknown target 'premises'"),
        "{err}"
    );
    plugin
        .validate_config(r#"{"reports": "/data", "fields": {"premises_name": "/site/name"}}"#)
        .unwrap();
}
