//! `bcgw plugin diff`: a source's deployed plugin against a candidate config,
//! over the payloads it journaled, read-only.

use crate::gateway::{Gateway, MAPPING, csv_rows, record_id_of_row};
use crate::niche::NicheSim;
use std::time::Duration;

/// Rows, quarantine entries and payload states: what a read-only command must
/// leave as it found them.
fn store_counts(db: &std::path::Path) -> (i64, i64, String) {
    let c = rusqlite::Connection::open(db).expect("store opens");
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
    let states: String = c
        .query_row("SELECT group_concat(state) FROM payloads", [], |r| r.get(0))
        .expect("payload states");
    (
        count("SELECT count(*) FROM records"),
        count("SELECT count(*) FROM quarantine"),
        states,
    )
}

#[test]
fn a_candidate_config_shows_which_records_change_go_and_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = Gateway::new(dir.path(), &sim.url(), None, "");
    let mut export = csv_rows(0, 5);
    export.push_str("R90,01/10/2026 10:00,Store 1,BS1 3XE,Abuse,\"Shouted at staff\"\r\n");
    export.push_str("R91,01/10/2026 11:00,Store 2,BS1 3XE,Shoplifting,\r\n");
    gw.drop_file("export.csv", &export);
    let (status, _) = gw.run_until_idle(Duration::from_secs(60));
    assert!(status.success());
    let db = dir.path().join("data/bcgw.sqlite");
    let before = store_counts(&db);
    assert_eq!(before.0, 7, "{before:?}");

    // The deployed plugin and config against themselves: nothing differs.
    let same = gw.cli(&["plugin", "diff", "--source", "shop"]);
    let out = String::from_utf8_lossy(&same.stdout);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(
        out.contains("1 payload(s) compared, 0 differ: records 7 the same"),
        "{out}"
    );

    // A new mapping: "Abuse" now has a category, and a narrative is required.
    let candidate = dir.path().join("candidate.toml");
    std::fs::write(
        &candidate,
        MAPPING
            .replace(
                "required = [\"Ref\"]",
                "required = [\"Ref\", \"Narrative\"]",
            )
            .replace(
                "[categories]",
                "[categories]\n\"Abuse\" = \"violence-against-staff\"",
            ),
    )
    .unwrap();
    let diff = gw.cli(&[
        "plugin",
        "diff",
        "--source",
        "shop",
        "--candidate-config",
        candidate.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&diff.stdout);
    assert_eq!(
        diff.status.code(),
        Some(1),
        "{out}{}",
        String::from_utf8_lossy(&diff.stderr)
    );
    assert!(out.contains("payload 1 (export.csv):"), "{out}");
    assert!(
        out.contains(&format!(
            "changed  {}: event.category",
            record_id_of_row(90)
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("gone     {}", record_id_of_row(91))),
        "{out}"
    );
    assert!(out.contains("now rejected        line 8 (item 6)"), "{out}");
    assert!(
        out.contains("records 5 the same, 1 changed, 0 new, 1 gone; rejects: 1 now, 0 no longer"),
        "{out}"
    );
    // Field names only: no value from the payload is printed.
    assert!(!out.contains("Shouted"), "{out}");
    assert!(!out.contains("violence-against-staff"), "{out}");
    assert_eq!(store_counts(&db), before, "the store was written to");
}
