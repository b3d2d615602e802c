//! The radio alert adapters (shopnet-text, mototrbo-tms, hytera-tms) compiled to
//! wasm32-wasip2 and run in the real sandbox, on the sample files in examples/radio.

use crate::helpers::{code_cache, engine, load, toml_config, workspace};
use bcgw::plugins::{SandboxLimits, Translated};
use bcgw_plugin_shopnet_text::ShopnetText;
use bcgw_sdk::harness::Harness;
use bcgw_sdk::schema::{Category, Gender, Report, ReportKind, validate_report};
use bcgw_test_artifacts::{HYTERA_TMS, MOTOTRBO_TMS, SHOPNET_TEXT};
use chrono::{DateTime, Utc};
use std::process::Command;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(workspace().join("examples/radio").join(name)).expect("sample file")
}

fn bristol_config() -> serde_json::Value {
    let path = workspace().join("examples/plugin-config/shopnet-bristol.toml");
    toml_config(&std::fs::read_to_string(path).expect("sample config"))
}

fn received() -> DateTime<Utc> {
    "2026-11-28T17:30:00Z".parse().expect("a time")
}

/// Translates `bytes` with the plugin at `path` in the sandbox and checks every
/// report against the schema, as the gateway does.
fn sandboxed(path: &str, harness: Harness, bytes: &[u8], content_type: &str) -> Translated {
    let engine = engine();
    let plugin = load(&engine, path, SandboxLimits::default());
    plugin
        .validate_config(&harness.payload(b"", content_type).config)
        .expect("the config is valid");
    let out = plugin
        .translate(harness.payload(bytes, content_type), received())
        .expect("the payload translates");
    for r in &out.reports {
        assert_eq!(validate_report(r, received()), vec![]);
    }
    out
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(s.parse().expect("a time"))
}

#[test]
fn shopnet_text_in_the_sandbox_matches_the_native_run() {
    let harness = Harness::new()
        .config(bristol_config())
        .received_at(received())
        .metadata("mqtt-topic", "shopnet/bristol/alerts");
    let text = sample("shopnet-bristol.txt");
    let out = sandboxed(SHOPNET_TEXT, harness.clone(), &text, "text/plain");
    let native = harness
        .translate::<ShopnetText>(&text, "text/plain")
        .unwrap();
    assert_eq!(out.reports, native.reports);
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 4);
    let r = &out.reports[0];
    assert_eq!(r.event.kind, ReportKind::Alert);
    assert_eq!(r.event.occurred_from, at("2026-11-28T14:03:00Z"));
    assert_eq!(r.event.reported_at, at("2026-11-28T17:30:00Z"));
    assert_eq!(r.location.premises_name.as_deref(), Some("BOOTS BROADMEAD"));
    assert_eq!(r.location.town.as_deref(), Some("bristol"));
    assert_eq!(r.event.category, Category::TheftFromShop);
    assert_eq!(r.persons[0].description.as_deref(), Some("BLUE hooded top"));
    assert_eq!(r.extension("mqtt-topic"), Some("shopnet/bristol/alerts"));
    // 23:58 received at 17:30 the same day is more than an hour ahead: the day before.
    assert_eq!(
        out.reports[3].event.occurred_from,
        at("2026-11-27T23:58:00Z")
    );
    assert_eq!(
        out.reports[3].event.category,
        Category::ViolenceAgainstStaff
    );
}

#[test]
fn mototrbo_frames_in_both_byte_orders_translate_in_the_sandbox() {
    let harness = Harness::new()
        .config(serde_json::json!({"town": "Bristol", "max_frame_bytes": 512}))
        .received_at(received());
    let out = sandboxed(
        MOTOTRBO_TMS,
        harness,
        &sample("mototrbo-two-frames.bin"),
        "application/octet-stream",
    );
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 2);
    let (le, be) = (&out.reports[0], &out.reports[1]);
    assert_eq!(
        le.location.premises_name.as_deref(),
        Some("BOOTS BROADMEAD")
    );
    assert_eq!(
        le.event.narrative.as_deref(),
        Some("took razors, made off towards Cabot Circus")
    );
    assert_eq!(le.extension("mototrbo-message-id"), Some("17"));
    assert_eq!(le.extension("mototrbo-ack-wanted"), Some("true"));
    assert_eq!(le.extension("utf16-byte-order"), Some("le"));
    assert_eq!(be.location.premises_name.as_deref(), Some("GREGGS WINE ST"));
    assert_eq!(be.event.occurred_from, at("2026-11-28T14:10:00Z"));
    assert_eq!(be.persons[0].gender, Some(Gender::Female));
    assert_eq!(be.persons[0].description.as_deref(), Some("grey tracksuit"));
    assert_eq!(be.extension("utf16-byte-order"), Some("be"));
    // A frame cut short is an item error, not a trap or a lost payload.
    let mut bytes = sample("mototrbo-two-frames.bin");
    bytes.truncate(bytes.len() - 3);
    let harness = Harness::new().received_at(received());
    let out = sandboxed(MOTOTRBO_TMS, harness, &bytes, "application/octet-stream");
    assert_eq!((out.reports.len(), out.rejects.len()), (1, 1));
    assert!(out.rejects[0].error.to_string().contains("truncated frame"));
}

#[test]
fn hytera_frames_keep_their_radio_ids_in_the_sandbox() {
    let harness = Harness::new()
        .config(serde_json::json!({"town": "Bristol", "scheme": "Bristol Shopwatch"}))
        .received_at(received());
    let out = sandboxed(
        HYTERA_TMS,
        harness,
        &sample("hytera-two-frames.bin"),
        "application/octet-stream",
    );
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 2);
    let (group, private) = (&out.reports[0], &out.reports[1]);
    assert_eq!(group.extension("hytera-service-type"), Some("group-ack"));
    assert_eq!(group.extension("radio-request-id"), Some("42"));
    assert_eq!(group.extension("radio-source-id"), Some("2001234"));
    assert_eq!(group.extension("radio-destination-id"), Some("9000001"));
    assert_eq!(group.event.category, Category::Asb);
    assert!(group.persons.is_empty());
    assert_eq!(private.extension("hytera-service-type"), Some("private"));
    assert_eq!(private.extension("radio-destination-id"), Some("2001999"));
    assert_eq!(private.event.category, Category::ViolenceAgainstStaff);
    assert_eq!(private.event.occurred_from, at("2026-11-28T16:45:00Z"));
    assert_eq!(
        private.location.bcrp_area.as_deref(),
        Some("Bristol Shopwatch")
    );
}

#[test]
fn plugin_test_runs_shopnet_text_on_the_bristol_sample_with_a_topic() {
    let out = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args([
            "plugin",
            "test",
            "--plugin",
            SHOPNET_TEXT,
            "--config",
            "examples/plugin-config/shopnet-bristol.toml",
            "--input",
            "examples/radio/shopnet-bristol.txt",
            "--metadata",
            "mqtt-topic=shopnet/bristol/alerts",
        ])
        .env(
            "XDG_CACHE_HOME",
            code_cache().parent().expect("cache dir has a parent"),
        )
        .current_dir(workspace())
        .output()
        .expect("bcgw runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("4 report(s) translated, 0 item(s) failed"),
        "{stderr}"
    );
    let reports: Vec<Report> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let premises: Vec<_> = reports
        .iter()
        .map(|r| r.location.premises_name.clone().unwrap())
        .collect();
    assert_eq!(
        premises,
        [
            "BOOTS BROADMEAD",
            "CO-OP GLOUCESTER RD",
            "SUPERDRUG HORSEFAIR",
            "TESCO EXPRESS STOKES CROFT"
        ]
    );
    assert!(
        reports
            .iter()
            .all(|r| r.location.town.as_deref() == Some("bristol"))
    );
    assert_eq!(reports[2].event.category, Category::TheftFromShop);
    assert_eq!(
        reports[2].persons[0].description.as_deref(),
        Some("GREY tracksuit, black baseball cap")
    );
}
