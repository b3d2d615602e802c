//! Volume: a back-fill of a hundred thousand reports, one per NDJSON line.

use super::harness;
use crate::JsonMapped;

#[test]
fn a_hundred_thousand_ndjson_lines_translate() {
    let mut body = String::new();
    for i in 0..100_000u32 {
        let at = if i == 73_456 {
            "\"not a date\"".to_string()
        } else {
            format!("\"{:02}/10/2026 {:02}:{:02}\"", i % 28 + 1, i % 24, i % 60)
        };
        body.push_str(&format!(
            "{{\"incident\": {{\"id\": \"R{i}\", \"at\": {at}, \"type\": \"Shoplifting\", \
             \"offenders\": [{{\"d\": \"Male, {}0s\"}}], \"losses\": [{{\"v\": \"£{}.99\"}}]}}}}\n",
            i % 6 + 2,
            i % 100
        ));
    }
    let config = r#"
reports = "/incident"
required = ["source_record_id", "occurred_at"]
[fields]
source_record_id = "/id"
occurred_at = "/at"
category = "/type"
[[persons]]
list = "/offenders"
description = "/d"
[[property]]
list = "/losses"
value = "/v"
"#;
    let out = harness(config)
        .translate::<JsonMapped>(body.as_bytes(), "application/x-ndjson")
        .unwrap();
    assert_eq!(out.reports.len(), 99_999);
    assert_eq!(out.rejects.len(), 1);
    // Line 73,457: lines count from 1.
    assert_eq!(out.rejects[0].line, Some(73_457));
    assert_eq!(out.rejects[0].index, 73_456);
    out.assert_valid();
}
