//! Reloading plugins without a stop: `bcgw reload` (SIGHUP) swaps a changed
//! plugin config into the running daemon; a config with errors is refused and
//! the running one stays.

use crate::gateway::{Gateway, record_id_of_row};
use crate::niche::NicheSim;
use std::time::Duration;

/// Row `R{i}` of source `shop`, of offence type `kind`.
fn row(i: usize, kind: &str) -> String {
    format!(
        "Ref,Date,Store,Postcode,Type,Narrative\r\nR{i},01/10/2026 10:00,Store 1,BS1 3XE,{kind},\"row {i}\"\r\n"
    )
}

/// The category and plugin of row `R{i}`'s record, once stored.
fn stored(db: &std::path::Path, i: usize) -> Option<(String, String)> {
    let c = rusqlite::Connection::open(db).ok()?;
    let json: String = c
        .query_row(
            "SELECT v.record FROM records r JOIN record_versions v
             ON v.record_id = r.record_id AND v.version = r.version WHERE r.record_id = ?1",
            [record_id_of_row(i)],
            |r| r.get(0),
        )
        .ok()?;
    let v: serde_json::Value = serde_json::from_str(&json).ok()?;
    Some((
        v["report"]["event"]["category"].as_str()?.to_string(),
        v["envelope"]["plugin"].as_str()?.to_string(),
    ))
}

#[test]
fn a_changed_plugin_config_is_swapped_in_and_a_bad_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = Gateway::new(dir.path(), &sim.url(), None, "");
    let db = dir.path().join("data/bcgw.sqlite");
    gw.start();
    gw.drop_file("a.csv", &row(90, "Abuse"));
    gw.wait("R90 stored", Duration::from_secs(60), || {
        stored(&db, 90).is_some()
    });
    assert_eq!(stored(&db, 90).unwrap().0, "other");
    assert!(dir.path().join("data/bcgw.pid").is_file());

    // The mapping learns "Abuse"; the daemon is told to reload.
    let text = std::fs::read_to_string(&gw.config).unwrap();
    let anchor = "[sources.shop.plugin_config.categories]\n";
    assert!(text.contains(anchor));
    let good = text.replace(
        anchor,
        &format!("{anchor}\"Abuse\" = \"violence-against-staff\"\n"),
    );
    std::fs::write(&gw.config, &good).unwrap();
    let out = gw.cli(&["reload"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    gw.wait_for_log("plugins reloaded", Duration::from_secs(60));
    assert!(
        // (the log may colour the key apart from its value)
        gw.logs().contains(r#"["sources.shop"]"#),
        "{}",
        gw.logs()
    );
    gw.drop_file("b.csv", &row(91, "Abuse"));
    gw.wait("R91 stored", Duration::from_secs(60), || {
        stored(&db, 91).is_some()
    });
    assert_eq!(stored(&db, 91).unwrap().0, "violence-against-staff");
    // What was made before the reload stays as it was made.
    assert_eq!(stored(&db, 90).unwrap().0, "other");

    // A mapping with an error is refused; the running one stays.
    std::fs::write(
        &gw.config,
        good.replace("\"violence-against-staff\"", "\"not-a-category\""),
    )
    .unwrap();
    assert_eq!(gw.cli(&["reload"]).status.code(), Some(0));
    gw.wait_for_log("config reload refused", Duration::from_secs(60));
    gw.drop_file("c.csv", &row(92, "Abuse"));
    gw.wait("R92 stored", Duration::from_secs(60), || {
        stored(&db, 92).is_some()
    });
    assert_eq!(stored(&db, 92).unwrap().0, "violence-against-staff");
    assert!(gw.running(), "the daemon stopped");
    gw.terminate(Duration::from_secs(30));
    assert!(
        !dir.path().join("data/bcgw.pid").exists(),
        "the pid file outlived the daemon"
    );
    // With no daemon, reload says so.
    let out = gw.cli(&["reload"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no running bcgw"));
}
