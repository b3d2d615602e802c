//! Adapter tests through the SDK's native harness (no WASM): the same logic the
//! gateway runs sandboxed. `tests/all/json_mapped_wasm.rs` runs it in WASM too.

use super::JsonMapped;
use bcgw_sdk::harness::{Checked, Harness};
use bcgw_sdk::prelude::*;
use chrono::{DateTime, Utc};

mod config;
mod samples;
mod scale;

/// The plugin config a gateway would hand over for this TOML.
pub fn config_from_toml(text: &str) -> serde_json::Value {
    let value: toml::Value = toml::from_str(text).expect("test config is TOML");
    serde_json::to_value(value).expect("TOML converts to JSON")
}

/// A harness with this TOML config, receiving at a fixed time after the fixtures.
pub fn harness(toml_config: &str) -> Harness {
    let received: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
    Harness::new()
        .config(config_from_toml(toml_config))
        .received_at(received)
}

/// The report with this source record id.
pub fn by_id<'a>(out: &'a Checked, id: &str) -> &'a Report {
    out.reports
        .iter()
        .find(|r| r.source_record_id.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no report {id}"))
}

fn utc(r: Option<DateTime<Utc>>) -> String {
    r.map(|t| t.to_rfc3339()).unwrap_or_default()
}

const NESTED: &str = r#"
reports = "/data/incidents"
required = ["source_record_id"]
[fields]
source_record_id = "/ref"
occurred_at = "/when/start"
reported_at = "/when/logged"
category = "/type"
premises_name = "/shop/name"
address_line = ["/shop/street", "/shop/area"]
postcode = "/shop/postcode"
narrative = ["/summary", "/update"]
staff_injured = "/injury"
"evidence.cctv" = "/cctv"
"extension:till" = "/till"
[categories]
"Customer theft" = "theft-from-shop"
[[persons]]
list = "/people"
role = "/kind"
roles = { "Staff" = "victim", "Manager" = "ignore" }
description = ["/build", "/clothes"]
gender = "/sex"
age = "/age"
[[property]]
list = "/stolen"
description = "/what"
quantity = "/count"
value = "/price"
value_pence = "/pence"
[[media]]
list = "/clips"
uri = "/href"
sha256 = "/hash"
kind = "body-worn-video"
"#;

const NESTED_BODY: &str = r#"{"data": {"incidents": [
  {"ref": "A-1", "when": {"start": "03/11/2026 14:05", "logged": 1793716200},
   "type": "customer  THEFT", "shop": {"name": "Boots", "street": "19 Broadmead", "area": null, "postcode": "bs1 3hf"},
   "summary": "Took razors", "update": "Recovered one", "injury": "no", "till": 4,
   "cctv": ["cam-1", "cam-2"],
   "people": [{"kind": "Offender", "build": "slim", "clothes": "grey hoodie", "sex": "M", "age": "30s"},
              {"kind": "Staff", "sex": "female"},
              {"kind": "Manager", "build": "tall"},
              {"build": "short"}],
   "stolen": [{"what": "Razors", "count": 3, "price": "£89.97"},
              {"what": "Blades", "pence": 1250},
              {}],
   "clips": {"href": "https://bwv.example/1", "hash": "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"}},
  {"ref": "A-2", "when": {"start": 1793716200000}, "type": "robbery"}
]}}"#;

#[test]
fn nested_reports_fill_every_part_of_the_schema() {
    let out = harness(NESTED)
        .translate::<JsonMapped>(NESTED_BODY.as_bytes(), "application/json")
        .unwrap();
    out.assert_valid();
    assert_eq!(out.rejects, vec![]);
    let a = by_id(&out, "A-1");
    assert_eq!(utc(a.event.occurred_from), "2026-11-03T14:05:00+00:00");
    // A JSON number in a date field is a Unix time: seconds here, milliseconds below.
    assert_eq!(utc(a.event.reported_at), "2026-11-03T14:30:00+00:00");
    assert_eq!(a.event.category, Category::TheftFromShop);
    assert_eq!(a.event.category_raw.as_deref(), Some("customer  THEFT"));
    assert_eq!(a.location.address_lines, ["19 Broadmead"]);
    assert_eq!(a.location.postcode.as_deref(), Some("BS1 3HF"));
    assert_eq!(
        a.event.narrative.as_deref(),
        Some("Took razors\nRecovered one")
    );
    assert_eq!(a.event.staff_injured, Some(false));
    assert_eq!(a.extension("till"), Some("4"));
    let roles: Vec<_> = a.persons.iter().map(|p| p.role).collect();
    // Schema role names need no table; the manager is dropped by the table; no
    // role wording means the default, suspect.
    assert_eq!(
        roles,
        [
            PersonRole::Offender,
            PersonRole::Victim,
            PersonRole::Suspect
        ]
    );
    let offender = &a.persons[0];
    assert_eq!(offender.description.as_deref(), Some("slim; grey hoodie"));
    assert_eq!(offender.gender, Some(Gender::Male));
    assert_eq!(offender.age_range.and_then(|r| r.max), Some(39));
    assert_eq!(a.persons[1].gender, Some(Gender::Female));
    // An element with nothing mapped adds nothing.
    assert_eq!(a.property.len(), 2);
    assert_eq!(a.property[0].value_pence, Some(8997));
    assert_eq!(a.property[0].quantity, Some(3));
    assert_eq!(a.property[1].value_pence, Some(1250));
    let media: Vec<_> = a.evidence.media.iter().map(|m| m.kind).collect();
    assert_eq!(
        media,
        [MediaKind::Cctv, MediaKind::Cctv, MediaKind::BodyWornVideo]
    );
    assert_eq!(
        a.evidence.media[2].sha256.as_deref(),
        Some("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
    );
    let b = by_id(&out, "A-2");
    assert_eq!(utc(b.event.occurred_from), "2026-11-03T14:30:00+00:00");
    assert_eq!(b.event.category, Category::Robbery);
    assert!(b.persons.is_empty() && b.property.is_empty());
}

#[test]
fn one_report_per_body_or_a_top_level_list() {
    let config = "[fields]\nsource_record_id = \"/id\"\n";
    let one = harness(config)
        .translate::<JsonMapped>(br#"{"id": "X1"}"#, "application/json")
        .unwrap();
    assert_eq!(one.reports.len(), 1);
    assert_eq!(one.reports[0].source_record_id.as_deref(), Some("X1"));
    assert_eq!(one.reports[0].source_system, "bcrp-json");
    let many = harness(config)
        .translate::<JsonMapped>(br#"[{"id": "X1"}, {"id": 2}]"#, "application/vnd.disc+json")
        .unwrap();
    assert_eq!(many.reports.len(), 2);
    assert_eq!(many.reports[1].source_record_id.as_deref(), Some("2"));
    // A reports pointer at an object (a webhook envelope) is one report too.
    let wrapped = harness(&format!("reports = \"/incident\"\n{config}"))
        .translate::<JsonMapped>(
            br#"{"event": "created", "incident": {"id": "W"}}"#,
            "application/json",
        )
        .unwrap();
    assert_eq!(wrapped.reports[0].source_record_id.as_deref(), Some("W"));
}

#[test]
fn ndjson_keeps_the_good_lines_and_rejects_a_bad_one_by_line() {
    let config = "required = [\"source_record_id\"]\n[fields]\nsource_record_id = \"/id\"\n";
    let body = b"{\"id\": \"L1\"}\r\n\n{\"id\": \"L2\"\n[{\"id\": \"L3\"}, {\"id\": \"L4\"}]\n{\"other\": 1}\n{\"id\": \"L5\"}";
    let out = harness(config)
        .translate::<JsonMapped>(body, "application/x-ndjson; charset=utf-8")
        .unwrap();
    out.assert_valid();
    let ids: Vec<_> = out
        .reports
        .iter()
        .map(|r| r.source_record_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["L1", "L3", "L4", "L5"]);
    assert_eq!(out.rejects.len(), 2);
    let (bad, missing) = (&out.rejects[0], &out.rejects[1]);
    assert_eq!((bad.index, bad.line), (1, Some(3)));
    assert!(
        matches!(&bad.error, AdapterError::Malformed(m) if m.contains("line is not JSON")),
        "{:?}",
        bad.error
    );
    assert_eq!((missing.index, missing.line), (4, Some(5)));
    assert_eq!(
        missing.error,
        AdapterError::MissingField("source_record_id (/id)".into())
    );
    let err = harness(config)
        .translate::<JsonMapped>(b"Ref,Date\nR1,03/11/2026\n", "application/jsonl")
        .unwrap_err();
    assert!(matches!(err, AdapterError::Malformed(_)), "{err:?}");
}

#[test]
fn a_bad_item_is_rejected_by_pointer_without_its_value() {
    let config = "reports = \"/items\"\nrequired = [\"occurred_at\"]\n[fields]\noccurred_at = \"/at\"\npostcode = \"/pc\"\n[[property]]\nlist = \"/lost\"\nvalue = \"/v\"\n";
    let body = r#"{"items": [
        {"at": "2026-11-03"},
        {"at": "Tuesday the 3rd, secret-value"},
        "not an object",
        {"pc": "BS1 3XE"},
        {"at": "2026-11-03", "lost": [{"v": "£12.50"}, {"v": "lots-secret"}]},
        {"at": "2026-11-03", "lost": ["x"]},
        {"at": ["2026-11-03", "2026-11-04"]}
    ]}"#;
    let out = harness(config)
        .translate::<JsonMapped>(body.as_bytes(), "application/json")
        .unwrap();
    out.assert_valid();
    assert_eq!(out.reports.len(), 1);
    let got: Vec<_> = out
        .rejects
        .iter()
        .map(|r| (r.index, r.line, r.error.clone()))
        .collect();
    let field = |i: u32| match &got.iter().find(|g| g.0 == i).unwrap().2 {
        AdapterError::InvalidField(e) => e.field.clone(),
        other => panic!("item {i}: {other:?}"),
    };
    assert_eq!(got.len(), 6);
    assert_eq!(field(1), "/at");
    assert_eq!(field(2), "/items/2");
    assert_eq!(
        got[2].2,
        AdapterError::MissingField("occurred_at (/at)".into())
    );
    assert_eq!(field(4), "/lost/1/v");
    assert_eq!(field(5), "/lost/0");
    assert_eq!(field(6), "/at");
    for r in &out.rejects {
        assert!(r.line.is_none());
        assert!(!r.error.to_string().contains("secret"), "{}", r.error);
    }
}

#[test]
fn the_whole_payload_fails_only_when_it_is_not_json_or_has_no_reports() {
    let config = "reports = \"/data\"\n[fields]\nsource_record_id = \"/id\"\n";
    let h = harness(config);
    let not_json = h
        .translate::<JsonMapped>(b"<xml/>", "application/json")
        .unwrap_err();
    assert!(
        matches!(not_json, AdapterError::Malformed(_)),
        "{not_json:?}"
    );
    let missing = h
        .translate::<JsonMapped>(br#"{"items": []}"#, "application/json")
        .unwrap_err();
    assert_eq!(
        missing,
        AdapterError::MissingField("/data (the reports pointer) is not in the body".into())
    );
    let scalar = h
        .translate::<JsonMapped>(br#"{"data": "none"}"#, "application/json")
        .unwrap_err();
    assert!(
        scalar.to_string().contains("/data leads to a string"),
        "{scalar}"
    );
    let empty = h
        .translate::<JsonMapped>(b"\xEF\xBB\xBF{\"data\": []}", "application/json")
        .unwrap();
    assert!(empty.reports.is_empty() && empty.rejects.is_empty());
    let csv = h.translate::<JsonMapped>(b"a,b", "text/csv").unwrap_err();
    assert_eq!(csv, AdapterError::UnsupportedContentType("text/csv".into()));
}
