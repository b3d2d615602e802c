//! csv-mapped in the sandbox: the same results as natively, at scale.

use crate::helpers::{engine, load, toml_config, workspace};
use bcgw::plugins::SandboxLimits;
use bcgw::sources::csv_folder::chunks::CsvChunker;
use bcgw_plugin_csv_mapped::CsvMapped;
use bcgw_sdk::harness::Harness;
use bcgw_sdk::plugin::{AdapterError, Payload, metadata_keys};
use bcgw_sdk::schema::validate_report;
use bcgw_test_artifacts::CSV_MAPPED;
use chrono::{DateTime, Utc};

fn fixture(name: &str) -> std::path::PathBuf {
    workspace().join("plugins/csv-mapped/fixtures").join(name)
}

#[test]
fn wasm_and_native_translate_the_messy_fixture_identically() {
    let csv = std::fs::read(fixture("messy.csv")).unwrap();
    let config = toml_config(&std::fs::read_to_string(fixture("messy.toml")).unwrap());
    let received: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
    let native = Harness::new()
        .config(config.clone())
        .received_at(received)
        .translate::<CsvMapped>(&csv, "text/csv")
        .unwrap();
    let engine = engine();
    let plugin = load(&engine, CSV_MAPPED, SandboxLimits::default());
    let sandboxed = plugin
        .translate(
            Harness::new()
                .config(config)
                .received_at(received)
                .payload(&csv, "text/csv"),
            received,
        )
        .unwrap();
    assert_eq!(sandboxed.reports.len(), 5);
    assert_eq!(sandboxed.reports, native.reports);
    assert_eq!(sandboxed.rejects, native.rejects);
    assert_eq!(sandboxed.rejects[0].line, Some(8));
}

#[test]
fn a_hundred_thousand_row_file_streams_through_the_sandbox_in_chunks() {
    let mut csv = String::from("Ref,Date,Store,Postcode,Type,Value,Description,Narrative\r\n");
    for i in 0..100_000u32 {
        let date = if i == 73_456 {
            "not a date".to_string()
        } else {
            format!("{:02}/10/2026 {:02}:{:02}", i % 28 + 1, i % 24, i % 60)
        };
        csv.push_str(&format!(
            "R{i},{date},Store {},BS1 3XE,Shoplifting,£{}.99,\"Male, {}0s\",\"Row {i}, line two\"\r\n",
            i % 500,
            i % 100,
            i % 6 + 2
        ));
    }
    let config = toml_config(&std::fs::read_to_string(fixture("messy.toml")).unwrap());
    let engine = engine();
    let plugin = load(&engine, CSV_MAPPED, SandboxLimits::default());
    let received = Utc::now();
    let (mut reports, mut rejects, mut chunks) = (0usize, Vec::new(), 0);
    for chunk in CsvChunker::new(csv.as_bytes(), 1000) {
        let chunk = chunk.unwrap();
        chunks += 1;
        let out = plugin
            .translate(
                Payload {
                    bytes: chunk.bytes,
                    content_type: "text/csv".into(),
                    source: "big".into(),
                    metadata: vec![(
                        metadata_keys::FIRST_LINE.into(),
                        chunk.first_line.to_string(),
                    )],
                    config: config.to_string(),
                },
                received,
            )
            .unwrap();
        for r in &out.reports {
            assert_eq!(validate_report(r, received), vec![]);
        }
        reports += out.reports.len();
        rejects.extend(out.rejects);
    }
    assert_eq!(chunks, 100);
    assert_eq!(reports, 99_999);
    assert_eq!(rejects.len(), 1);
    // Row 73,456 (0-based) is on file line 73,458: the header is line 1.
    assert_eq!(rejects[0].line, Some(73_458));
    assert!(matches!(&rejects[0].error, AdapterError::InvalidField(f) if f.field == "Date"));
}

#[test]
fn a_bad_plugin_config_is_reported_by_key() {
    let engine = engine();
    let plugin = load(&engine, CSV_MAPPED, SandboxLimits::default());
    let err = plugin
        .validate_config(r#"{"columns": {"Ref": "reference"}}"#)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("columns.\"Ref\": unknown target 'reference'"),
        "{err}"
    );
    plugin
        .validate_config(r#"{"columns": {"Ref": "source_record_id"}}"#)
        .unwrap();
}
