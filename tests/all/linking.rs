//! Cross-source linking through the running daemon into the Niche simulator: one
//! occurrence per real incident, late reports as updates, the review queue's
//! decisions correcting Niche, and `kill -9` during linking.
//!
//! Three CSV folder sources stand for the three channels (a BCRP export, a radio
//! scheme's alert log, a retailer's export), each through csv-mapped with its
//! `channel` set, so every time and place in the fixtures is exactly as written.

use crate::gateway::{Gateway, niche_sink_toml, store_toml};
use crate::niche::NicheSim;
use bcgw_test_artifacts::CSV_MAPPED;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

/// csv-mapped settings for one channel's export (the same columns for all three).
fn mapping(system: &str, kind: &str) -> String {
    format!(
        r#"
source_system = "{system}"
report_kind = "{kind}"
timezone = "Europe/London"
date_formats = ["%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]
required = ["Ref", "When"]
[columns]
"Ref" = "source_record_id"
"When" = "occurred_at"
"Premises" = "premises_name"
"Town" = "town"
"Postcode" = "postcode"
"Offence" = "category"
"Offender" = "suspect.description"
[categories]
"Shoplifting" = "theft-from-shop"
"THEFT" = "theft-from-shop"
"Abuse of staff" = "violence-against-staff"
"ABUSE" = "violence-against-staff"
"#
    )
}

pub(crate) const HEADER: &str = "Ref,When,Premises,Town,Postcode,Offence,Offender\n";

/// A gateway with sources `bcrp`, `radio` and `retail` (folders `drop-<name>`).
pub(crate) fn gateway(dir: &Path, niche: &str, link: &str) -> Gateway {
    let mut config = store_toml(dir).replace(
        "idle_poll_ms = 20",
        "idle_poll_ms = 20\ntranslate_workers = 1",
    );
    config = config.replace("[link]\nhold_seconds = 0\n", "");
    // No hold unless the test sets one: the fixtures' incidents are old anyway.
    let hold = if link.contains("hold_seconds") {
        ""
    } else {
        "hold_seconds = 0\n"
    };
    config.push_str(&format!("[link]\n{hold}{link}\n"));
    for (name, system, kind, channel) in [
        ("bcrp", "bcrp-export", "crime-report", "bcrp"),
        ("radio", "shopnet", "alert", "radio"),
        ("retail", "retailer-csv", "crime-report", "retailer"),
    ] {
        let folder = dir.join(format!("drop-{name}"));
        std::fs::create_dir_all(&folder).expect("drop folder");
        let mapping_file = dir.join(format!("{name}.toml"));
        std::fs::write(&mapping_file, mapping(system, kind)).expect("mapping");
        config.push_str(&format!(
            r#"
[sources.{name}]
kind = "csv-folder"
plugin = {CSV_MAPPED:?}
plugin_config_file = {mapping_file:?}
channel = "{channel}"
[sources.{name}.csv_folder]
path = {folder:?}
completion = "stable"
settle_ms = 50
"#
        ));
    }
    config.push_str(&niche_sink_toml(niche));
    Gateway::with_config(dir, &config)
}

pub(crate) fn drop_export(dir: &Path, source: &str, name: &str, rows: &str) {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, format!("{HEADER}{rows}")).expect("export");
    std::fs::rename(&tmp, dir.join(format!("drop-{source}")).join(name)).expect("drop");
}

/// What the simulator holds: per active occurrence, the source record ids of
/// its reports (from the latest version's body), and its version.
pub(crate) fn occurrences(sim: &NicheSim, status: &str) -> Vec<(String, BTreeSet<String>, u64)> {
    let list = sim
        .request("GET", &format!("/submissions?status={status}&bodies=1"), "")
        .expect("simulator lists submissions");
    list["submissions"]
        .as_array()
        .expect("submissions")
        .iter()
        .map(|s| {
            let body = s["body"].as_str().unwrap_or_default();
            let ids = body
                .split("sourceRecordId=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .map(str::to_string)
                .collect();
            (
                s["occurrence_reference"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                ids,
                s["version"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

pub(crate) fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Radio alerts and BCRP reports of the hard cases, then a retailer export days
/// later. Each real incident must be exactly one occurrence holding exactly its
/// reports; the late rows arrive as updates of occurrences already made.
#[test]
fn hard_cases_become_one_occurrence_each_and_a_late_export_updates_them() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(dir.path(), &sim.url(), "");
    gw.start();
    // Niche is down until both exports are linked: with no hold (the incidents
    // are old), the radio alerts would otherwise reach Niche before the BCRP
    // reports are read, and the BCRP reports arrive as updates.
    let mut sim = sim;
    sim.kill();
    drop_export(
        dir.path(),
        "radio",
        "alerts.csv",
        "\
RAD-1,2026-11-10 10:15,TESCO EXP BROADMEAD,BRISTOL,,THEFT,M 30S GRY HOODIE BLU JEANS
RAD-2,2026-11-10 16:40,TESCO EXP BROADMEAD,BRISTOL,,ABUSE,F 20S RED COAT
RAD-3,2026-11-10 14:03,BOOTS BROADMEAD,BRISTOL,,THEFT,M 40S BLK JKT GRY TRK
RAD-4,2026-11-10 14:11,SUPERDRUG BROADMEAD,BRISTOL,,THEFT,M 40S BLK JKT GRY TRK
RAD-5,2026-11-09 12:00,COOP GLOUCESTER RD,BRISTOL,,THEFT,M 20S GRN PARKA
RAD-6,2026-11-11 12:05,COOP GLOUCESTER RD,BRISTOL,,THEFT,M 20S GRN PARKA
RAD-9,2026-11-05 00:04,TESCO EXP STOKES CROFT,BRISTOL,,ABUSE,M 40S NVY JKT
",
    );
    drop_export(
        dir.path(),
        "bcrp",
        "bcrp.csv",
        "\
BC-1,2026-11-10 10:12,\"Tesco Express, Broadmead\",Bristol,BS1 3HX,Shoplifting,\"Male, 30s, grey hoodie and blue jeans\"
BC-2,2026-11-10 16:45,\"Tesco Express, Broadmead\",Bristol,BS1 3HX,Abuse of staff,\"Woman in her twenties, red coat\"
BC-3,2026-11-10 14:05,Boots Broadmead,Bristol,BS1 3XD,Shoplifting,\"Male 40s, black jacket, grey tracksuit bottoms\"
BC-4,2026-11-10 14:12,Superdrug Broadmead,Bristol,BS1 3XF,Shoplifting,\"Male 40s, black jacket, grey tracksuit bottoms\"
BC-5,2026-11-09 12:02,Co-op Gloucester Road,Bristol,BS7 8AA,Shoplifting,\"Male 20s, green parka\"
BC-6,2026-11-11 12:07,Co-op Gloucester Road,Bristol,BS7 8AA,Shoplifting,\"Male 20s, green parka\"
BC-7,2026-11-03 15:30,Northgate Broadmead,Bristol,BS1 3XE,Shoplifting,\"White hoodie, blue jeans\"
BC-8,2026-11-05 13:20,Northgate Cabot Circus,Bristol,BS1 3BX,Shoplifting,\"Female 50s, beige mac\"
BC-9,2026-11-04 23:55,Tesco Express Stokes Croft,Bristol,BS1 3QY,Abuse of staff,\"Male 40s, navy jacket, spat at cashier\"
",
    );
    let db = dir.path().join("data/bcgw.sqlite");
    gw.wait("all 16 reports linked", Duration::from_secs(60), || {
        rusqlite::Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM records WHERE incident_id IS NOT NULL",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .is_ok_and(|n| n == 16)
    });
    sim.restart();
    let first: Vec<BTreeSet<String>> = vec![
        set(&["RAD-1", "BC-1"]),
        set(&["RAD-2", "BC-2"]),
        set(&["RAD-3", "BC-3"]),
        set(&["RAD-4", "BC-4"]),
        set(&["RAD-5", "BC-5"]),
        set(&["RAD-6", "BC-6"]),
        set(&["BC-7"]),
        set(&["BC-8"]),
        set(&["RAD-9", "BC-9"]),
    ];
    let expect = |want: &[BTreeSet<String>]| {
        let want: BTreeSet<BTreeSet<String>> = want.iter().cloned().collect();
        gw.wait(
            "the simulator to hold one occurrence per incident",
            Duration::from_secs(60),
            || {
                let got: BTreeSet<BTreeSet<String>> = occurrences(&sim, "active")
                    .into_iter()
                    .map(|(_, ids, _)| ids)
                    .collect();
                if got != want {
                    eprintln!("simulator holds {got:?}");
                }
                got == want
            },
        );
    };
    expect(&first);
    let before: BTreeMap<BTreeSet<String>, String> = occurrences(&sim, "active")
        .into_iter()
        .map(|(r, ids, _)| (ids, r))
        .collect();
    // The retailer's export, days later: a row with a time, a date-only row and a
    // row whose day and month were swapped.
    drop_export(
        dir.path(),
        "retail",
        "week46.csv",
        "\
NG-1,10/11/2026 10:10,Tesco Express Broadmead 0412,Bristol,BS1 3HX,Shoplifting,\"grey hoodie, jeans, male\"
NG-7,11/03/2026,Northgate Broadmead,Bristol,BS1 3XE,Shoplifting,\"White hoodie, blue jeans\"
NG-8,05/11/2026,Northgate Cabot Circus,Bristol,BS1 3BX,Shoplifting,\"Female 50s, beige mac\"
",
    );
    let mut second = first.clone();
    second[0].insert("NG-1".into());
    second[6].insert("NG-7".into());
    second[7].insert("NG-8".into());
    expect(&second);
    // Updates of the occurrences already made, not new ones.
    let after = occurrences(&sim, "active");
    for (reference, ids, version) in &after {
        let was: BTreeSet<String> = ids
            .iter()
            .filter(|i| !i.starts_with("NG-"))
            .cloned()
            .collect();
        assert_eq!(
            before.get(&was),
            Some(reference),
            "{ids:?} kept its occurrence"
        );
        let updated = ids.len() > was.len();
        assert_eq!(*version > 1, updated, "{ids:?}: version {version}");
    }
    assert_eq!(
        sim.stats()["total"].as_u64(),
        Some(9),
        "no occurrence made twice"
    );
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .arg("status")
        .arg(&gw.config)
        .output()
        .expect("bcgw status");
    let out = String::from_utf8_lossy(&status.stdout);
    assert!(out.contains("incidents:                 9"), "{out}");
}

/// A case officer splits a wrongly linked report out: Niche's occurrence is
/// updated without it and the report gets an occurrence of its own. Then a near
/// match from the review queue is linked: the two occurrences are merged.
#[test]
fn review_decisions_correct_niche() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    // Auto-linking only on near certainty, so a good match waits for review.
    let mut gw = gateway(
        dir.path(),
        &sim.url(),
        "auto_threshold = 0.9995\nreview_threshold = 0.05",
    );
    gw.start();
    drop_export(
        dir.path(),
        "radio",
        "alerts.csv",
        "RAD-1,2026-11-10 10:15,BOOTS BROADMEAD,BRISTOL,,THEFT,M 30S GRY HOODIE\n",
    );
    drop_export(
        dir.path(),
        "bcrp",
        "bcrp.csv",
        "BC-1,2026-11-10 10:40,Boots Broadmead,Bristol,BS1 3XD,Shoplifting,\"Male 30s, grey hoodie\"\n",
    );
    gw.wait("two occurrences", Duration::from_secs(60), || {
        occurrences(&sim, "active").len() == 2
    });
    let list = gw.cli(&["review", "list", "--json"]);
    let text = String::from_utf8_lossy(&list.stdout).to_string();
    let item: serde_json::Value = serde_json::from_str(
        text.lines()
            .next()
            .unwrap_or_else(|| panic!("a review item: {text}")),
    )
    .unwrap();
    let id = item["id"].to_string();
    let shown = gw.cli(&["review", "show", &id]);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("evidence"),
        "{shown:?}"
    );
    let linked = gw.cli(&[
        "review",
        "link",
        &id,
        "--by",
        "PC 1234",
        "--reason",
        "same CCTV",
    ]);
    assert!(linked.status.success(), "{linked:?}");
    gw.wait("the occurrences merged", Duration::from_secs(60), || {
        let active = occurrences(&sim, "active");
        active.len() == 1
            && active[0].1 == set(&["RAD-1", "BC-1"])
            && occurrences(&sim, "merged").len() == 1
    });
    // Deciding the same item again is refused.
    let again = gw.cli(&[
        "review", "link", &id, "--by", "PC 1234", "--reason", "again",
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already decided"));
    // Now the split: the BCRP report leaves the incident.
    let record = item["record_id"].as_str().unwrap().to_string();
    let split = gw.cli(&[
        "review",
        "split",
        &record,
        "--by",
        "DC 99",
        "--reason",
        "different offender",
    ]);
    assert!(split.status.success(), "{split:?}");
    gw.wait("the split in Niche", Duration::from_secs(60), || {
        let active: BTreeSet<BTreeSet<String>> = occurrences(&sim, "active")
            .into_iter()
            .map(|(_, ids, _)| ids)
            .collect();
        active.len() == 2 && active.iter().all(|ids| ids.len() == 1)
    });
    let incident = gw.cli(&["review", "show", &format!("{record}~1"), "--json"]);
    let view: serde_json::Value = serde_json::from_slice(&incident.stdout).expect("incident JSON");
    let links = view["links"].as_array().unwrap();
    assert!(
        links.iter().any(|l| l["kind"] == "review-split"
            && l["decided_by"] == "DC 99"
            && l["reason"] == "different offender"),
        "{links:?}"
    );
}

fn cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A generated corpus (the link crate's own generator) as the three channels'
/// exports, in this crate's columns: (radio, bcrp, retail) rows.
fn corpus_exports(incidents: usize, seed: u64) -> [String; 3] {
    let corpus =
        bcgw_link::corpus::generate(&bcgw_link::corpus::CorpusSettings::new(incidents, seed));
    let mut out: [String; 3] = Default::default();
    for (i, r) in corpus.rows.iter().enumerate() {
        let slot = match r.source.as_str() {
            "radio" => 0,
            "bcrp" => 1,
            _ => 2,
        };
        // Radio alerts carry no reference of their own; the bridge's line number
        // stands in.
        let reference = if r.source_record_id.is_empty() {
            format!("RAD-{i}")
        } else {
            r.source_record_id.clone()
        };
        out[slot].push_str(&format!(
            "{},{},{},,{},{},{}\n",
            cell(&reference),
            cell(&r.occurred_at),
            cell(&r.premises_name),
            cell(&r.premises_postcode),
            cell(&r.offence),
            cell(&r.offender_description),
        ));
    }
    out
}

/// Every active occurrence's reports, as a partition of source record ids.
pub(crate) fn partition(sim: &NicheSim) -> BTreeSet<BTreeSet<String>> {
    occurrences(sim, "active")
        .into_iter()
        .map(|(_, ids, _)| ids)
        .collect()
}

/// Drops the three exports one after another, each once the last was taken, so
/// the journal's order (and with it every link decision) is the same in every
/// run; `between` runs after each drop.
fn feed(
    gw: &mut Gateway,
    dir: &Path,
    exports: &[String; 3],
    mut between: impl FnMut(&mut Gateway),
) {
    for (source, rows) in ["radio", "bcrp", "retail"].into_iter().zip(exports) {
        drop_export(dir, source, "export.csv", rows);
        let done = dir.join(format!("drop-{source}/done/export.csv"));
        let mut tries = 0;
        while !done.exists() {
            between(gw);
            tries += 1;
            assert!(
                tries < 200,
                "{source} export never taken; log:\n{}",
                gw.logs()
            );
        }
    }
}

/// `kill -9` at random moments while records are being linked: afterwards Niche
/// holds exactly what a run without kills gives — every report in one
/// occurrence, no occurrence made twice.
#[test]
fn kill_9_during_linking_loses_no_link_and_delivers_nothing_twice() {
    let exports = corpus_exports(150, 11);
    let reports: usize = exports.iter().map(|e| e.lines().count()).sum();
    // Small link batches: more commits for a kill to land between or inside.
    let link = "batch = 8";

    let calm = tempfile::tempdir().unwrap();
    let calm_sim = NicheSim::start(calm.path());
    let mut gw = gateway(calm.path(), &calm_sim.url(), link);
    gw.start();
    feed(&mut gw, calm.path(), &exports, |_| {
        std::thread::sleep(Duration::from_millis(50))
    });
    gw.terminate(Duration::from_secs(20));
    let (status, _) = gw.run_until_idle(Duration::from_secs(120));
    assert!(status.success());
    let expected = partition(&calm_sim);

    let held: usize = expected.iter().map(BTreeSet::len).sum();
    assert_eq!(held, reports, "every report is in one occurrence");
    assert!(expected.len() < reports, "some reports were linked");

    let rough = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(rough.path());
    let mut gw = gateway(rough.path(), &sim.url(), link);
    let mut seed: u64 = 0x5eed;
    let mut kills = 0;
    gw.start();
    feed(&mut gw, rough.path(), &exports, |gw| {
        // A pseudo-random pause, then kill -9 and start again.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Long enough for a start-up to get somewhere, short enough to land
        // inside the work.
        std::thread::sleep(Duration::from_millis(250 + seed % 900));
        gw.kill9();
        kills += 1;
        gw.start();
    });
    for _ in 0..3 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(100 + seed % 400));
        gw.kill9();
        kills += 1;
        gw.start();
    }
    gw.terminate(Duration::from_secs(20));
    let (status, _) = gw.run_until_idle(Duration::from_secs(120));
    assert!(status.success());
    assert!(kills >= 3);
    assert_eq!(
        partition(&sim),
        expected,
        "the same incidents as without kills"
    );
    let (calm_stats, stats) = (calm_sim.stats(), sim.stats());
    assert_eq!(
        stats["created"], calm_stats["created"],
        "no occurrence made twice"
    );
    assert_eq!(stats["merges"], calm_stats["merges"]);
}

/// A radio alert, then the BCRP report of the same incident a moment later
/// (keyed late: its own hold has passed, so it is decided at once): it is decided
/// with the alert still waiting for its hold, so Niche gets one occurrence with
/// both reports — not an occurrence and then an update.
#[test]
fn the_hold_makes_an_alert_and_the_report_after_it_one_delivery() {
    use chrono_tz::Europe::London;
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    // A hold long enough that a loaded machine still sees the alert waiting;
    // the test does not wait for it to end.
    let mut gw = gateway(dir.path(), &sim.url(), "hold_seconds = 60");
    gw.start();
    let now = chrono::Utc::now().with_timezone(&London);
    let at = |seconds_ago: i64| {
        (now - chrono::Duration::seconds(seconds_ago))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    };
    let status = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_bcgw"))
            .arg("status")
            .arg(&gw.config)
            .output()
            .expect("bcgw status");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    drop_export(
        dir.path(),
        "radio",
        "alerts.csv",
        &format!(
            "RAD-1,{},BOOTS BROADMEAD,BRISTOL,,THEFT,M 30S GRY HOODIE\n",
            at(0)
        ),
    );
    gw.wait(
        "the alert waiting for its hold",
        Duration::from_secs(8),
        || status().contains("records not linked yet:    1 (1 waiting for their hold)"),
    );
    assert_eq!(sim.occurrences(), 0, "the alert is held");
    drop_export(
        dir.path(),
        "bcrp",
        "bcrp.csv",
        &format!(
            "BC-1,{},Boots Broadmead,Bristol,BS1 3XD,Shoplifting,\"Male 30s, grey hoodie\"\n",
            at(60)
        ),
    );
    gw.wait(
        "one occurrence with both reports",
        Duration::from_secs(30),
        || {
            occurrences(&sim, "active")
                .iter()
                .any(|(_, ids, _)| *ids == set(&["RAD-1", "BC-1"]))
        },
    );
    let stats = sim.stats();
    assert_eq!(stats["created"], 1, "{stats}");
    assert_eq!(stats["updated"], 0, "one delivery, no update: {stats}");
    // What /metrics-style counters and status say about it.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .arg("status")
        .arg(&gw.config)
        .output()
        .expect("bcgw status");
    let out = String::from_utf8_lossy(&status.stdout);
    assert!(
        out.contains("incidents:                 1 (1 link(s)"),
        "{out}"
    );
}

/// The linker's window on restart is counted from the most recent reports, and
/// one report with a wrong date (a day/month swap months ahead) does not move it:
/// before, it left every real candidate out after a restart.
#[test]
fn a_report_with_a_wrong_date_does_not_move_the_restart_window() {
    use bcgw::pipeline::link::window::{Recent, cutoff, earliest_kept};
    use bcgw::store::{LinkBatch, LinkDecision, Store, TranslationOutcome};
    use bcgw_sdk::schema::{Envelope, Report, SourceRecord};
    use chrono::{TimeZone, Utc};
    let dir = tempfile::tempdir().unwrap();
    let store = crate::helpers::open_store(&dir.path().join("bcgw.sqlite"));
    let january =
        |i: i64| Utc.with_ymd_and_hms(2025, 1, 5, 9, 0, 0).unwrap() + chrono::Duration::minutes(i);
    let mut whens: Vec<_> = (0..40).map(january).collect();
    whens.push(Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap());
    let payload = crate::helpers::journal_one(&store, "shop", "text/csv", b"export", Utc::now());
    let records: Vec<SourceRecord> = whens
        .iter()
        .enumerate()
        .map(|(i, when)| {
            let mut report = Report {
                source_system: "retailer-csv".into(),
                source_record_id: Some(format!("R{i}")),
                ..Default::default()
            };
            report.event.occurred_from = Some(*when);
            SourceRecord {
                envelope: Envelope {
                    record_id: format!("rec-{i}"),
                    source: "shop".into(),
                    received_at: Utc::now(),
                    raw_sha256: "00".repeat(32),
                    schema_version: "1".into(),
                    isa: None,
                    plugin: "test@1".into(),
                    premises: None,
                },
                report,
            }
        })
        .collect();
    store
        .complete_translation(TranslationOutcome {
            payload_id: payload,
            records: records
                .into_iter()
                .map(|r| bcgw::store::TranslatedRecord::new(r).expect("encodes"))
                .collect(),
            quarantined: vec![],
            sinks: vec![],
            audit: Default::default(),
        })
        .expect("translated");
    let decisions = whens
        .iter()
        .enumerate()
        .map(|(i, when)| LinkDecision {
            record_id: format!("rec-{i}"),
            incident_id: format!("rec-{i}"),
            new_incident: true,
            merged: vec![],
            linked_to: None,
            score: None,
            explanation: None,
            review: None,
            occurred_at: Some(*when),
            journaled_at: Utc::now(),
            deliver_after: Utc::now(),
        })
        .collect();
    store
        .commit_links(LinkBatch {
            generation: store.link_generation().expect("generation"),
            sinks: vec![],
            decisions,
            anchor: None,
        })
        .expect("linked");
    // What a restarted link stage counts its window back from.
    let window = store.link_window(255).expect("window");
    assert_eq!(window.recent_days.len(), 41);
    let anchor = Recent::from_days(window.recent_days)
        .anchor()
        .expect("an anchor");
    assert_eq!(anchor, chrono::NaiveDate::from_ymd_opt(2025, 1, 5).unwrap());
    let mut restored = 0;
    store
        .linked_records(earliest_kept(cutoff(anchor, 14)), &mut |_| restored += 1)
        .expect("read");
    assert_eq!(restored, 41, "the January reports and the odd one");
}
