//! The adapter through the SDK's native harness, on frames built here: the
//! simplified layout an earlier DESIGN.md gave in this file, the public TMP
//! layout in [`tmp`].

mod tmp;

use super::HyteraTms;
use bcgw_sdk::harness::{Checked, Harness};
use bcgw_sdk::prelude::*;
use chrono::{DateTime, Utc};
use serde_json::json;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A frame: service type, request id, source and destination ids, UTF-16LE text, 0x0000.
fn frame(service: u8, request: u32, source: u32, destination: u32, text: &str) -> Vec<u8> {
    let mut out = vec![service];
    for id in [request, source, destination] {
        out.extend(id.to_be_bytes());
    }
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out.extend([0, 0]);
    out
}

fn run(config: serde_json::Value, bytes: &[u8]) -> Checked {
    let out = Harness::new()
        .config(config)
        .received_at(at("2026-07-10T13:30:00Z"))
        .translate::<HyteraTms>(bytes, "application/octet-stream")
        .unwrap();
    out.assert_valid();
    out
}

#[test]
fn every_service_type_decodes_with_its_radio_ids() {
    let mut bytes = Vec::new();
    let services = [
        (0xA1, "private"),
        (0xA2, "private-ack"),
        (0xB1, "group"),
        (0xB2, "group-ack"),
    ];
    for (i, (service, _)) in services.iter().enumerate() {
        let text = format!("ALERT 14:0{i} BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: took razors");
        bytes.extend(frame(
            *service,
            0x0102_0300 + i as u32,
            2_001_234,
            9_000_001,
            &text,
        ));
    }
    let out = run(json!({"town": "Bristol"}), &bytes);
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 4);
    for (i, (r, (_, name))) in out.reports.iter().zip(services).enumerate() {
        assert_eq!(r.extension("hytera-service-type"), Some(name));
        assert_eq!(
            r.extension("radio-request-id"),
            Some((16_909_056 + i).to_string().as_str())
        );
        assert_eq!(r.extension("radio-source-id"), Some("2001234"));
        assert_eq!(r.extension("radio-destination-id"), Some("9000001"));
        // 14:0i BST is 13:0i UTC.
        assert_eq!(
            r.event.occurred_from,
            Some(at(&format!("2026-07-10T13:0{i}:00Z")))
        );
        assert_eq!(r.location.premises_name.as_deref(), Some("BOOTS BROADMEAD"));
        assert_eq!(r.location.town.as_deref(), Some("Bristol"));
        assert_eq!(r.event.category, Category::TheftFromShop);
        assert_eq!(r.persons[0].gender, Some(Gender::Male));
    }
}

#[test]
fn a_missing_terminator_is_reported_and_ends_the_payload() {
    let mut bytes = frame(0xB1, 1, 2, 3, "ALERT 14:00 GREGGS F 20S S/L");
    let mut cut = frame(0xB1, 4, 5, 6, "ALERT 14:01 GREGGS F 20S S/L");
    cut.truncate(cut.len() - 2);
    bytes.extend(cut);
    let out = run(json!({}), &bytes);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].index, 1);
    let shown = out.rejects[0].error.to_string();
    assert!(shown.contains("no 0x0000 terminator"), "{shown}");
}

#[test]
fn an_unknown_service_type_is_reported_by_its_byte() {
    let mut bytes = frame(0xA1, 1, 2, 3, "ALERT 14:00 GREGGS F 20S S/L");
    bytes.extend(frame(0xC3, 4, 5, 6, "ALERT 14:01 GREGGS F 20S S/L"));
    let out = run(json!({}), &bytes);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].index, 1);
    let shown = out.rejects[0].error.to_string();
    assert!(shown.contains("unknown service type 0xC3"), "{shown}");
}

#[test]
fn oversized_frames_and_unmatched_text_reject_only_their_own_frame() {
    let mut bytes = frame(
        0xA1,
        1,
        2,
        3,
        &format!("ALERT 14:00 {} M 30S THEFT", "X".repeat(60)),
    );
    bytes.extend(frame(0xA1, 4, 5, 6, "John Smith 07700 900123"));
    bytes.extend(frame(0xA2, 7, 8, 9, "ALERT 14:02 GREGGS F 20S S/L"));
    bytes.extend(frame(0xA2, 7, 8, 9, ""));
    let out = run(json!({"max_frame_bytes": 100}), &bytes);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.reports[0].extension("radio-request-id"), Some("7"));
    let got: Vec<_> = out
        .rejects
        .iter()
        .map(|r| (r.index, r.error.to_string()))
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].0, 0);
    assert!(
        got[0].1.contains("oversized frame: 183 bytes"),
        "{}",
        got[0].1
    );
    assert_eq!(got[1].0, 1);
    assert!(
        got[1].1.contains("matches none") && !got[1].1.contains("Smith"),
        "{}",
        got[1].1
    );
    assert_eq!(got[2].0, 3);
}

#[test]
fn unknown_keys_are_refused_and_mototrbo_keys_are_not_hytera_keys() {
    bcgw_sdk::plugin::validate_adapter_config::<HyteraTms>(
        r#"{"max_frame_bytes": 512, "town": "Bath"}"#,
    )
    .unwrap();
    let err = bcgw_sdk::plugin::validate_adapter_config::<HyteraTms>(r#"{"byte_order": "le"}"#)
        .unwrap_err();
    assert!(err.to_string().contains("byte_order"), "{err}");
}

#[test]
fn the_simplified_sample_still_decodes_as_before() {
    // The gateway's sandbox tests read this file too.
    let bytes = include_bytes!("../../../../examples/radio/hytera-two-frames.bin");
    let out = run(json!({}), bytes);
    assert_eq!(out.rejects, vec![]);
    let got: Vec<_> = out
        .reports
        .iter()
        .map(|r| {
            (
                r.extension("hytera-service-type"),
                r.extension("radio-id"),
                r.extension("radio-destination-id"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("group-ack"), Some("2001234"), Some("9000001")),
            (Some("private"), Some("2001234"), Some("2001999"))
        ]
    );
}
