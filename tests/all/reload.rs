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

/// The narratives of the records stored so far, each with its plugin config's
/// mark (`slow:` from the old config), oldest first.
fn narratives(db: &std::path::Path) -> Vec<String> {
    let Ok(c) = rusqlite::Connection::open(db) else {
        return Vec::new();
    };
    let Ok(mut q) = c.prepare("SELECT record FROM record_versions ORDER BY rowid") else {
        return Vec::new();
    };
    q.query_map([], |r| r.get::<_, String>(0))
        .map(|rows| {
            rows.filter_map(Result::ok)
                .filter_map(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
                .filter_map(|v| {
                    v["report"]["event"]["narrative"]
                        .as_str()
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_payload_in_flight_during_a_reload_finishes_on_the_plugin_it_started_with() {
    let dir = tempfile::tempdir().unwrap();
    let drop = dir.path().join("drop");
    std::fs::create_dir_all(&drop).unwrap();
    let config = |attack: &str| {
        format!(
            r#"{store}
[sources.shop]
kind = "csv-folder"
plugin = {hostile:?}
[sources.shop.limits]
deadline_ms = 60000
[sources.shop.plugin_config]
attack = "{attack}"
iterations = 10000000000
[sources.shop.csv_folder]
path = {drop:?}
completion = "rename"
poll_interval_ms = 20
"#,
            store = crate::gateway::store_toml(dir.path()),
            hostile = bcgw_test_artifacts::HOSTILE,
        )
    };
    let mut gw = Gateway::with_config(dir.path(), &config("slow-echo"));
    let db = dir.path().join("data/bcgw.sqlite");
    gw.start();
    // The CSV folder source sends a header and a row as one payload; the hostile
    // plugin echoes the payload.
    gw.drop_file("first.csv", "line\nfirst\n");
    gw.wait_for_log("file journaled", Duration::from_secs(60));
    // The translate stage is woken by the journal commit and starts at once; the
    // slow plugin then works for about 4 s on this machine (longer on a slower
    // one). Half a second in, the payload is in flight: swap the config.
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(&gw.config, config("echo")).unwrap();
    assert_eq!(gw.cli(&["reload"]).status.code(), Some(0));
    gw.wait_for_log("plugins reloaded", Duration::from_secs(60));
    gw.drop_file("second.csv", "line\nsecond\n");
    gw.wait("both payloads' records", Duration::from_secs(120), || {
        narratives(&db).len() == 2
    });
    let got = narratives(&db);
    // The one in flight kept the config it started with; the next got the new one.
    let first = got
        .iter()
        .find(|n| n.contains("first"))
        .expect("first's record");
    let second = got
        .iter()
        .find(|n| n.contains("second"))
        .expect("second's record");
    assert!(first.starts_with("slow: "), "{got:?}");
    assert!(!second.starts_with("slow: "), "{got:?}");
}
