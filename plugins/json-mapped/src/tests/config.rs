//! Config checking (`validate-config`), dates and time zones, categories and
//! `keep_unmapped`.

use super::{harness, utc};
use crate::JsonMapped;
use crate::config::Mapping;
use bcgw_sdk::prelude::*;

fn config_error(json: &str) -> String {
    bcgw_sdk::plugin::validate_adapter_config::<JsonMapped>(json)
        .expect_err("the config is refused")
        .to_string()
}

#[test]
fn bad_configs_are_refused_naming_the_key() {
    let cases = [
        (
            r#"{"fields": {"occurred_at": "occurrence/started"}}"#,
            "fields.\"occurred_at\": 'occurrence/started' is not a JSON Pointer: it must start with '/'",
        ),
        (
            r#"{"reports": "data", "fields": {"town": "/t"}}"#,
            "reports: 'data' is not a JSON Pointer",
        ),
        (r#"{"fields": {"town": "/a~2"}}"#, "write '~' as ~0"),
        (
            r#"{"fields": {"occured_at": "/t"}}"#,
            "fields.\"occured_at\": unknown target 'occured_at'; use one of",
        ),
        (
            r#"{"fields": {"town": 5}}"#,
            "fields.town: invalid type: integer `5`, expected a JSON Pointer",
        ),
        (
            r#"{"fields": {"town": []}}"#,
            "fields.\"town\": give a JSON Pointer",
        ),
        (r#"{"fields": {}}"#, "fields: map at least one schema field"),
        (
            r#"{"fields": {"category": "/c"}, "categories": {"Lifting": "theft"}}"#,
            "categories.\"Lifting\": 'theft' is not a schema category",
        ),
        (
            r#"{"fields": {"town": "/t"}, "default_category": "misc"}"#,
            "default_category: 'misc'",
        ),
        (
            r#"{"fields": {"town": "/t"}, "required": ["postcode"]}"#,
            "required: 'postcode' is not a key of the fields table",
        ),
        (
            r#"{"fields": {"town": "/t"}, "timezone": "Mars/Base"}"#,
            "timezone: 'Mars/Base'",
        ),
        (
            r#"{"fields": {"town": "/t"}, "date_formats": ["dd/mm/yyyy"]}"#,
            "date_formats: 'dd/mm/yyyy'",
        ),
        (
            r#"{"fields": {"town": "/t"}, "source_system": "DISC"}"#,
            "source_system: 'DISC'",
        ),
        (
            r#"{"fields": {"town": "/t"}, "colums": {}}"#,
            "unknown field `colums`",
        ),
        (
            r#"{"fields": {"town": "/t"}, "persons": [{"list": "/p", "nme": "/n"}]}"#,
            "persons[0].nme: unknown field `nme`, expected one of `list`",
        ),
        (
            r#"{"fields": {"town": "/t"}, "persons": [{"list": "p", "name": "/n"}]}"#,
            "persons[0].list: 'p' is not a JSON Pointer",
        ),
        (
            r#"{"fields": {"town": "/t"}, "persons": [{"list": "/p", "name": "/n", "roles": {"Staff": "employee"}}]}"#,
            "persons[0].roles.\"Staff\": 'employee' is not a person role",
        ),
        (
            r#"{"fields": {"town": "/t"}, "property": [{"list": "/p"}]}"#,
            "property[0]: map at least one field",
        ),
        (
            r#"{"fields": {"town": "/t"}, "media": [{"list": "/m", "uri": "/u", "kind": "video"}]}"#,
            "media[0].kind: unknown variant `video`",
        ),
    ];
    for (config, expected) in cases {
        let e = config_error(config);
        assert!(
            e.contains(expected),
            "{config}\n  gave: {e}\n  want: {expected}"
        );
        assert!(!e.contains(" at line "), "{e}");
    }
    bcgw_sdk::plugin::validate_adapter_config::<JsonMapped>(r#"{"fields": {"town": "/t"}}"#)
        .unwrap();
}

#[test]
fn every_example_config_is_valid() {
    for name in ["disc-like", "auror-like", "sentrysis-like"] {
        let path = format!(
            "{}/../../examples/plugin-config/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("example config");
        Mapping::from_json(&super::config_from_toml(&text).to_string())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn dates_times_and_time_zones() {
    let config = r#"
timezone = "America/New_York"
date_formats = ["%d/%m/%Y %H:%M", "%d/%m/%Y", "iso8601", "epoch"]
[fields]
source_record_id = "/id"
occurred_date = "/date"
occurred_time = "/time"
occurred_at = "/at"
occurred_to = "/to"
reported_at = "/logged"
"#;
    let body = br#"[
      {"id": "local", "at": "01/07/2026 14:00"},
      {"id": "offset", "at": "2026-07-01T14:00:00+01:00"},
      {"id": "day", "at": "01/07/2026", "to": "02/07/2026"},
      {"id": "split", "date": "01/07/2026", "time": "2:05 pm"},
      {"id": "epoch", "at": "1793714700", "logged": 1793714700.5},
      {"id": "time-only", "time": "14:00"},
      {"id": "negative", "at": -5}
    ]"#;
    let out = harness(config)
        .translate::<JsonMapped>(body, "application/json")
        .unwrap();
    out.assert_valid();
    let at = |id: &str| utc(super::by_id(&out, id).event.occurred_from);
    // New York is UTC-4 in July.
    assert_eq!(at("local"), "2026-07-01T18:00:00+00:00");
    assert_eq!(at("offset"), "2026-07-01T13:00:00+00:00");
    assert_eq!(at("day"), "2026-07-01T04:00:00+00:00");
    assert_eq!(
        utc(super::by_id(&out, "day").event.occurred_to),
        "2026-07-03T03:59:59+00:00"
    );
    assert_eq!(at("split"), "2026-07-01T18:05:00+00:00");
    assert_eq!(at("epoch"), "2026-11-03T14:05:00+00:00");
    assert_eq!(
        utc(super::by_id(&out, "epoch").event.reported_at),
        "2026-11-03T14:05:00.500+00:00"
    );
    let rejects: Vec<_> = out
        .rejects
        .iter()
        .map(|r| (r.index, r.error.kind()))
        .collect();
    assert_eq!(rejects, [(5, "missing-field"), (6, "invalid-field")]);
}

#[test]
fn categories_by_table_by_schema_name_or_default() {
    let config = r#"
default_category = "asb"
[fields]
category = "/type"
[categories]
"Shop  Theft" = "theft-from-shop"
"#;
    let body = br#"[{"type": "shop theft"}, {"type": "Public-Order"}, {"type": "Loitering"}, {}]"#;
    let out = harness(config)
        .translate::<JsonMapped>(body, "application/json")
        .unwrap();
    let got: Vec<_> = out.reports.iter().map(|r| r.event.category).collect();
    assert_eq!(
        got,
        [
            Category::TheftFromShop,
            Category::PublicOrder,
            Category::Asb,
            Category::Asb
        ]
    );
    assert_eq!(
        out.reports[2].event.category_raw.as_deref(),
        Some("Loitering")
    );
    assert_eq!(out.reports[3].event.category_raw, None);
}

#[test]
fn keep_unmapped_keeps_what_no_pointer_reads_except_what_is_ignored() {
    let config = r#"
keep_unmapped = true
[fields]
source_record_id = "/id"
ignore = ["/reporter", "/internal_notes"]
extension = "/till"
[[persons]]
list = "/people"
description = "/d"
"#;
    let body = br#"{"id": "K1", "till": 7, "shift": "late", "tags": ["a", "b"],
        "site": {"a/b": true, "empty": "", "none": null},
        "reporter": {"name": "secret"}, "internal_notes": "secret",
        "people": [{"d": "tall", "name": "secret"}], "rows": [{"x": 1}]}"#;
    let out = harness(config)
        .translate::<JsonMapped>(body, "application/json")
        .unwrap();
    out.assert_valid();
    assert_eq!(out.rejects, vec![]);
    let ext = &out.reports[0].extensions;
    let keys: Vec<_> = ext.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(
        keys,
        [
            "/till=7",
            "/rows/0/x=1",
            "/shift=late",
            "/site/a~1b=true",
            "/tags=a",
            "/tags=b"
        ]
    );
}
