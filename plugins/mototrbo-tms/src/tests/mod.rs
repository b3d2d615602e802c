//! The adapter through the SDK's native harness, on frames built here: the
//! simplified layout an earlier DESIGN.md gave in this file, the TMS layout
//! bridges send in [`tms`].

mod tms;

use super::MototrboTms;
use bcgw_sdk::harness::{Checked, Harness};
use bcgw_sdk::prelude::*;
use chrono::{DateTime, Utc};
use serde_json::json;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for unit in bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16()) {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

/// A frame: length, header (with one extension byte when `0x80` is set), id, text.
fn frame(header: u8, id: u8, text: &[u8]) -> Vec<u8> {
    let mut body = vec![header];
    if header & 0x80 != 0 {
        body.push(0x01);
    }
    body.push(id);
    body.extend_from_slice(text);
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend(body);
    out
}

fn run(config: serde_json::Value, bytes: &[u8]) -> Checked {
    let out = Harness::new()
        .config(config)
        .received_at(at("2026-11-28T15:00:00Z"))
        .translate::<MototrboTms>(bytes, "application/octet-stream")
        .unwrap();
    out.assert_valid();
    out
}

const ALERT: &str = "ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: took razors";

#[test]
fn both_byte_orders_with_and_without_a_bom_decode_the_same() {
    for (big_endian, bom) in [(false, false), (true, false), (false, true), (true, true)] {
        let bytes = frame(0xC0, 9, &utf16(ALERT, big_endian, bom));
        let out = run(json!({"town": "Bristol"}), &bytes);
        assert_eq!(out.rejects, vec![], "be={big_endian} bom={bom}");
        let r = &out.reports[0];
        assert_eq!(
            r.location.premises_name.as_deref(),
            Some("BOOTS BROADMEAD"),
            "be={big_endian}"
        );
        assert_eq!(r.event.occurred_from, Some(at("2026-11-28T14:03:00Z")));
        assert_eq!(r.event.category, Category::TheftFromShop);
        assert_eq!(r.persons[0].description.as_deref(), Some("BLUE hooded top"));
        assert_eq!(r.location.town.as_deref(), Some("Bristol"));
        assert_eq!(r.extension("mototrbo-message-id"), Some("9"));
        assert_eq!(r.extension("mototrbo-ack-wanted"), Some("true"));
        assert_eq!(
            r.extension("utf16-byte-order"),
            Some(if big_endian { "be" } else { "le" })
        );
    }
}

#[test]
fn a_configured_byte_order_applies_without_a_bom() {
    // Read in the configured order; read in the other one it is garbage and
    // matches no pattern.
    let text = "ALERT 10:00 CAFÉ ÉÉ M 30S THEFT";
    let bytes = frame(0x00, 1, &utf16(text, true, false));
    let out = run(json!({"byte_order": "be"}), &bytes);
    assert_eq!(
        out.reports[0].location.premises_name.as_deref(),
        Some("CAFÉ ÉÉ")
    );
    assert_eq!(
        out.reports[0].extension("mototrbo-ack-wanted"),
        Some("false")
    );
    let out = run(json!({"byte_order": "le"}), &bytes);
    assert_eq!(out.reports.len(), 0);
    assert_eq!(out.rejects.len(), 1);
}

#[test]
fn two_frames_in_one_payload_are_two_items() {
    let mut bytes = frame(0x40, 1, &utf16(ALERT, false, false));
    bytes.extend(frame(
        0x00,
        2,
        &utf16("ALERT 14:10 GREGGS F 20S S/L", true, false),
    ));
    let out = run(json!({}), &bytes);
    assert_eq!(out.reports.len(), 2);
    assert_eq!(
        out.reports[1].location.premises_name.as_deref(),
        Some("GREGGS")
    );
    assert_eq!(out.reports[1].extension("mototrbo-message-id"), Some("2"));
}

#[test]
fn oversized_odd_and_invalid_frames_are_rejected_and_the_next_one_still_read() {
    let mut bytes = frame(0x00, 1, &utf16(&"X".repeat(100), false, false));
    bytes.extend(frame(0x00, 2, &[0x41, 0x00, 0x42]));
    bytes.extend(frame(0x00, 3, &[0x00, 0xD8, 0x41, 0x00]));
    bytes.extend(frame(
        0x00,
        4,
        &utf16("ALERT 14:10 GREGGS F 20S S/L", false, false),
    ));
    let out = run(json!({"max_frame_bytes": 64}), &bytes);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.reports[0].extension("mototrbo-message-id"), Some("4"));
    let got: Vec<_> = out
        .rejects
        .iter()
        .map(|r| (r.index, r.error.to_string()))
        .collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].0, 0);
    assert!(
        got[0].1.contains("oversized frame: 202 bytes"),
        "{}",
        got[0].1
    );
    assert!(got[1].1.contains("odd number of bytes"), "{}", got[1].1);
    assert!(got[2].1.contains("invalid UTF-16"), "{}", got[2].1);
}

#[test]
fn a_truncated_frame_is_reported_and_ends_the_payload() {
    let mut bytes = frame(0x00, 1, &utf16(ALERT, false, false));
    let second = frame(0x00, 2, &utf16(ALERT, false, false));
    bytes.extend(&second[..second.len() - 5]);
    let out = run(json!({}), &bytes);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].index, 1);
    let shown = out.rejects[0].error.to_string();
    assert!(shown.contains("truncated frame"), "{shown}");
}

#[test]
fn frame_and_text_keys_share_one_table_and_unknown_keys_are_refused() {
    bcgw_sdk::plugin::validate_adapter_config::<MototrboTms>(
        r#"{"byte_order": "be", "max_frame_bytes": 512, "town": "Bath"}"#,
    )
    .unwrap();
    let err =
        bcgw_sdk::plugin::validate_adapter_config::<MototrboTms>(r#"{"byte_order": "middle"}"#)
            .unwrap_err();
    assert!(err.to_string().contains("middle"), "{err}");
    let err = bcgw_sdk::plugin::validate_adapter_config::<MototrboTms>(r#"{"byte_ordre": "le"}"#)
        .unwrap_err();
    assert!(err.to_string().contains("byte_ordre"), "{err}");
}

#[test]
fn the_simplified_sample_still_decodes_as_before() {
    // The gateway's sandbox tests read this file too.
    let bytes = include_bytes!("../../../../examples/radio/mototrbo-two-frames.bin");
    let out = run(json!({}), bytes);
    assert_eq!(out.rejects, vec![]);
    let got: Vec<_> = out
        .reports
        .iter()
        .map(|r| {
            (
                r.extension("mototrbo-message-id"),
                r.extension("utf16-byte-order"),
                r.extension("radio-id"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("17"), Some("le"), None),
            (Some("18"), Some("be"), None)
        ]
    );
}
