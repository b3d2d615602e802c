//! Adapter tests through the SDK's native harness (no WASM): the same logic the
//! gateway runs sandboxed. `tests/` at the workspace root runs it in WASM too.

use super::CsvMapped;
use bcgw_sdk::harness::{Checked, Harness};
use bcgw_sdk::prelude::*;
use chrono::{DateTime, Utc};

const MESSY_CSV: &[u8] = include_bytes!("../fixtures/messy.csv");
const MESSY_TOML: &str = include_str!("../fixtures/messy.toml");

fn config_from_toml(text: &str) -> serde_json::Value {
    let value: toml::Value = toml::from_str(text).expect("fixture config is TOML");
    serde_json::to_value(value).expect("TOML converts to JSON")
}

fn harness(toml_config: &str) -> Harness {
    let received: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
    Harness::new()
        .config(config_from_toml(toml_config))
        .received_at(received)
}

fn by_id<'a>(out: &'a Checked, id: &str) -> &'a Report {
    out.reports
        .iter()
        .find(|r| r.source_record_id.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no report {id}"))
}

#[test]
fn messy_real_world_csv_keeps_every_good_row() {
    let out = harness(MESSY_TOML)
        .translate::<CsvMapped>(MESSY_CSV, "text/csv")
        .unwrap();
    out.assert_valid();
    let ids: Vec<_> = out
        .reports
        .iter()
        .map(|r| r.source_record_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["R1", "R2", "R3", "R5", "R6"]);

    // The unparseable date rejects only its own row, with its line number.
    assert_eq!(out.rejects.len(), 1);
    let reject = &out.rejects[0];
    assert_eq!((reject.index, reject.line), (3, Some(8)));
    assert!(
        matches!(&reject.error, AdapterError::InvalidField(f) if f.field == "Date"),
        "{:?}",
        reject.error
    );

    // BOM stripped: the first column still maps; UTF-8 pound sign parses.
    let r1 = by_id(&out, "R1");
    assert_eq!(r1.location.postcode.as_deref(), Some("BS1 3XE"));
    assert_eq!(r1.property[0].value_pence, Some(1000));
    assert_eq!(r1.event.category, Category::TheftFromShop);
    assert_eq!(r1.event.category_raw.as_deref(), Some("Shoplifting"));
    assert_eq!(
        r1.event.occurred_from.unwrap().to_rfc3339(),
        "2026-11-03T14:05:00+00:00"
    );
    assert_eq!(
        r1.persons[0].description.as_deref(),
        Some("Male, 30s, blue hoodie")
    );

    // Quoted comma in a field, quoted newline and doubled quotes in another.
    let r2 = by_id(&out, "R2");
    assert_eq!(
        r2.location.premises_name.as_deref(),
        Some("Tesco Express, Queens Rd")
    );
    assert_eq!(
        r2.event.narrative.as_deref(),
        Some("Pushed staff,\r\nthen ran \"towards the bus station\"")
    );
    assert_eq!(r2.event.category, Category::ViolenceAgainstStaff);

    // Latin-1 bytes decode; a date alone covers the whole local day.
    let r3 = by_id(&out, "R3");
    assert_eq!(r3.location.premises_name.as_deref(), Some("Café Nero"));
    assert_eq!(r3.property[0].value_pence, Some(1250));
    assert_eq!(
        r3.event.occurred_from.unwrap().to_rfc3339(),
        "2026-11-04T00:00:00+00:00"
    );
    assert_eq!(
        r3.event.occurred_to.unwrap().to_rfc3339(),
        "2026-11-04T23:59:59+00:00"
    );

    // A short row: the missing cells are empty, not an error.
    let r5 = by_id(&out, "R5");
    assert_eq!(r5.event.category, Category::Other);
    assert_eq!(r5.event.narrative, None);
    assert!(r5.property.is_empty());

    // ISO 8601 with offset, and a thousands separator inside quotes.
    let r6 = by_id(&out, "R6");
    assert_eq!(r6.property[0].value_pence, Some(120_000));
    assert_eq!(r6.event.category, Category::Robbery);
}

#[test]
fn a_mapped_column_missing_from_the_header_fails_the_payload_by_name() {
    let csv = b"Ref,Date\r\nR1,03/11/2026\r\n";
    let err = harness(MESSY_TOML)
        .translate::<CsvMapped>(csv, "text/csv")
        .unwrap_err();
    let AdapterError::MissingField(msg) = err else {
        panic!("wrong error {err:?}")
    };
    assert!(
        msg.contains("Narrative") && msg.contains("optional_columns"),
        "{msg}"
    );
}

#[test]
fn optional_columns_may_be_absent() {
    let config =
        "optional_columns = [\"Town\"]\n[columns]\nRef = \"source_record_id\"\nTown = \"town\"\n";
    let out = harness(config)
        .translate::<CsvMapped>(b"Ref\nA1\n", "text/csv")
        .unwrap();
    out.assert_valid();
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.reports[0].location.town, None);
}

#[test]
fn an_empty_required_cell_rejects_the_row_by_column_name() {
    let out = harness(MESSY_TOML)
        .translate::<CsvMapped>(
            b"Ref,Date,Store,Postcode,Type,Value,Description,Narrative\n,03/11/2026,S,,,,,\nR9,,,,,,,\n",
            "text/csv",
        )
        .unwrap();
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].line, Some(2));
    assert_eq!(
        out.rejects[0].error,
        AdapterError::MissingField("Ref".into())
    );
}

#[test]
fn line_numbers_follow_the_original_file_when_a_payload_is_a_chunk() {
    let csv = b"Ref,Date,Store,Postcode,Type,Value,Description,Narrative\nR1,bad,,,,,,\n";
    let out = harness(MESSY_TOML)
        .metadata(metadata_keys::FIRST_LINE, "1001")
        .translate::<CsvMapped>(csv, "text/csv")
        .unwrap();
    assert_eq!(out.rejects[0].line, Some(1001));
}

#[test]
fn other_content_types_are_refused() {
    let err = harness(MESSY_TOML)
        .translate::<CsvMapped>(b"{}", "application/json")
        .unwrap_err();
    assert_eq!(
        err,
        AdapterError::UnsupportedContentType("application/json".into())
    );
}

#[test]
fn the_example_retailer_export_translates_completely() {
    let out = harness(include_str!(
        "../../../examples/plugin-config/northgate-retail.toml"
    ))
    .translate::<CsvMapped>(
        include_bytes!("../../../examples/exports/northgate-retail-week45.csv"),
        "text/csv",
    )
    .unwrap();
    out.assert_valid();
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 5);
    let first = &out.reports[0];
    assert_eq!(first.persons[0].role, PersonRole::Suspect);
    assert_eq!(first.persons[0].gender, Some(Gender::Male));
    assert_eq!(
        first.persons[0].age_range,
        Some(AgeRange {
            min: Some(30),
            max: Some(39)
        })
    );
    assert_eq!(first.evidence.media[0].kind, MediaKind::Cctv);
    assert_eq!(
        first.extensions,
        vec![("till".to_string(), "T4".to_string())]
    );
    assert_eq!(out.reports[1].event.staff_injured, Some(true));
}

#[test]
fn a_hundred_thousand_rows_translate() {
    let mut csv = String::from("Ref,Date,Store,Postcode,Type,Value,Description,Narrative\n");
    for i in 0..100_000 {
        csv.push_str(&format!(
            "R{i},{:02}/11/2026 {:02}:{:02},Store {},BS1 3XE,Shoplifting,£{}.99,\"Male, {}0s\",Row {i}\n",
            i % 28 + 1,
            i % 24,
            i % 60,
            i % 500,
            i % 100,
            i % 6 + 2
        ));
    }
    let out = harness(MESSY_TOML)
        .translate::<CsvMapped>(csv.as_bytes(), "text/csv")
        .unwrap();
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 100_000);
    assert_eq!(
        out.reports[99_999].source_record_id.as_deref(),
        Some("R99999")
    );
    out.assert_valid();
}

#[test]
fn newlines_are_counted_as_one_by_one() {
    let text: Vec<u8> = (0..300u32)
        .map(|i| match i % 7 {
            0 | 3 => b'\n',
            1 => b'\r',
            2 => 0x8a, // '\n' with the top bit set
            _ => b'a' + (i % 26) as u8,
        })
        .collect();
    for start in 0..10 {
        for end in [start, start + 1, start + 9, 100, 299, 300] {
            let bytes = &text[start..end];
            let expected = bytes.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(super::count_newlines(bytes), expected, "{start}..{end}");
        }
    }
}

#[test]
fn a_character_split_across_two_fields_is_two_latin1_fields() {
    // "Caf\xc2" and "\xa3x" are each invalid UTF-8, though end to end they are not.
    let config =
        "[columns]\nRef = \"source_record_id\"\nStore = \"premises_name\"\nTown = \"town\"";
    let out = harness(config)
        .translate::<CsvMapped>(b"Ref,Store,Town\r\nR1,Caf\xc2,\xa3x\r\n", "text/csv")
        .unwrap();
    let r1 = by_id(&out, "R1");
    assert_eq!(r1.location.premises_name.as_deref(), Some("Caf\u{c2}"));
    assert_eq!(r1.location.town.as_deref(), Some("\u{a3}x"));
}
