//! When the link stage decides, and what it still remembers: a monthly export
//! links to reports weeks older, a restart remembers exactly what the running
//! linker held, linking off means no hold, and a backfill is linked before
//! Niche sees any of it.

use crate::linking::{drop_export, gateway, occurrences, partition, set};
use crate::niche::NicheSim;
use std::collections::BTreeSet;
use std::time::Duration;

/// One BCRP report a day from `from` (day of October 2026) to `to`, each at a
/// shop of its own, so the newest report moves on day by day.
fn daily_reports(from: u32, to: u32) -> String {
    (from..=to)
        .map(|d| {
            format!(
                "FILL-{d},2026-10-{d:02} 11:00,Corner Shop {d} Street,Bristol,BS{n} {d}AB,Shoplifting,\"Female 20s, red coat\"\n",
                n = 2 + d % 7
            )
        })
        .collect()
}

fn linked(gw: &crate::gateway::Gateway, n: i64) -> bool {
    let db = gw.dir.join("data/bcgw.sqlite");
    rusqlite::Connection::open(db)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM records WHERE incident_id IS NOT NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .is_ok_and(|got| got == n)
}

/// The retailer's export comes monthly: a row weeks after the BCRP report of the
/// same theft, after a restart in between, is still an update of that
/// occurrence (the default window covers a monthly export, and a restart
/// rebuilds the whole window).
#[test]
fn a_monthly_export_after_a_restart_updates_the_occurrence_weeks_old() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(dir.path(), &sim.url(), "");
    gw.start();
    let mut rows = String::from(
        "BC-1,2026-10-01 10:12,\"Tesco Express, Broadmead\",Bristol,BS1 3HX,Shoplifting,\"Male, 30s, grey hoodie and blue jeans\"\n",
    );
    rows.push_str(&daily_reports(2, 31));
    drop_export(dir.path(), "bcrp", "october.csv", &rows);
    gw.wait("the BCRP reports linked", Duration::from_secs(60), || {
        linked(&gw, 31)
    });
    gw.kill9();
    gw.start();
    drop_export(
        dir.path(),
        "retail",
        "october-export.csv",
        "NG-1,01/10/2026 10:10,Tesco Express Broadmead 0412,Bristol,BS1 3HX,Shoplifting,\"grey hoodie, jeans, male\"\n",
    );
    gw.wait(
        "the export row in the BCRP report's occurrence",
        Duration::from_secs(60),
        || {
            occurrences(&sim, "active")
                .iter()
                .any(|(_, ids, _)| *ids == set(&["BC-1", "NG-1"]))
        },
    );
    assert_eq!(sim.stats()["created"], 31, "no occurrence for the late row");
}

/// What the linker holds after a restart is exactly what it held running: a
/// report too old for the window links the same way (here: not at all, and
/// the log says so) whether or not the gateway restarted before it came.
#[test]
fn a_restart_remembers_exactly_what_the_running_linker_held() {
    let link = "window_days = 3";
    let first = {
        let mut rows = String::from(
            "BC-X,2026-10-02 15:00,Boots Broadmead,Bristol,BS1 3XD,Shoplifting,\"Male 40s, black jacket\"\n",
        );
        rows.push_str(&daily_reports(1, 20));
        rows
    };
    let late = "NG-X,02/10/2026 15:02,Boots Broadmead,Bristol,BS1 3XD,Shoplifting,\"Male 40s, black jacket\"\n";
    let mut results: Vec<BTreeSet<BTreeSet<String>>> = Vec::new();
    for restart in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let sim = NicheSim::start(dir.path());
        let mut gw = gateway(dir.path(), &sim.url(), link);
        gw.start();
        drop_export(dir.path(), "bcrp", "bcrp.csv", &first);
        gw.wait("the BCRP reports linked", Duration::from_secs(60), || {
            linked(&gw, 21)
        });
        if restart {
            gw.kill9();
            gw.start();
        }
        drop_export(dir.path(), "retail", "late.csv", late);
        gw.wait("the late row linked", Duration::from_secs(60), || {
            linked(&gw, 22)
        });
        gw.wait("every incident delivered", Duration::from_secs(60), || {
            partition(&sim).iter().map(BTreeSet::len).sum::<usize>() == 22
        });
        gw.wait_for_log("before the link window", Duration::from_secs(10));
        results.push(partition(&sim));
    }
    assert_eq!(
        results[0], results[1],
        "the same incidents with or without a restart"
    );
}

/// With linking off every report is its own incident: there is nothing to
/// wait for, so a live alert goes to Niche at once, whatever the hold.
#[test]
fn with_linking_off_a_live_report_is_not_held() {
    use chrono_tz::Europe::London;
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(
        dir.path(),
        &sim.url(),
        "enabled = false\nhold_seconds = 600",
    );
    gw.start();
    let now = chrono::Utc::now()
        .with_timezone(&London)
        .format("%Y-%m-%dT%H:%M:%S");
    drop_export(
        dir.path(),
        "radio",
        "alerts.csv",
        &format!("RAD-1,{now},BOOTS BROADMEAD,BRISTOL,,THEFT,M 30S GRY HOODIE\n"),
    );
    gw.wait("the alert in Niche", Duration::from_secs(30), || {
        sim.occurrences() == 1
    });
}

/// A backfill — a year of exports loaded at once — reaches Niche linked: one
/// occurrence made per incident, none made and then updated or merged.
#[test]
fn a_backfill_is_linked_before_anything_is_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(dir.path(), &sim.url(), "");
    drop_export(
        dir.path(),
        "radio",
        "alerts.csv",
        "\
RAD-1,2026-03-10 10:15,TESCO EXP BROADMEAD,BRISTOL,,THEFT,M 30S GRY HOODIE BLU JEANS
RAD-3,2026-03-12 14:03,BOOTS BROADMEAD,BRISTOL,,THEFT,M 40S BLK JKT GRY TRK
",
    );
    drop_export(
        dir.path(),
        "bcrp",
        "bcrp.csv",
        "\
BC-1,2026-03-10 10:12,\"Tesco Express, Broadmead\",Bristol,BS1 3HX,Shoplifting,\"Male, 30s, grey hoodie and blue jeans\"
BC-2,2026-03-11 16:45,Co-op Gloucester Road,Bristol,BS7 8AA,Abuse of staff,\"Woman in her twenties, red coat\"
BC-3,2026-03-12 14:05,Boots Broadmead,Bristol,BS1 3XD,Shoplifting,\"Male 40s, black jacket, grey tracksuit bottoms\"
",
    );
    drop_export(
        dir.path(),
        "retail",
        "export.csv",
        "\
NG-1,10/03/2026 10:10,Tesco Express Broadmead 0412,Bristol,BS1 3HX,Shoplifting,\"grey hoodie, jeans, male\"
NG-2,11/03/2026 16:40,Co-op Gloucester Rd,Bristol,BS7 8AA,Abuse of staff,\"female 20s red coat\"
",
    );
    let (status, out) = gw.run_until_idle_with(&["--backfill"], Duration::from_secs(120));
    assert!(status.success(), "{out}\n{}", gw.logs());
    let want: BTreeSet<BTreeSet<String>> = [
        set(&["RAD-1", "BC-1", "NG-1"]),
        set(&["BC-2", "NG-2"]),
        set(&["RAD-3", "BC-3"]),
    ]
    .into_iter()
    .collect();
    assert_eq!(partition(&sim), want);
    let stats = sim.stats();
    assert_eq!(stats["created"], 3, "{stats}");
    assert_eq!(
        stats["updated"], 0,
        "nothing sent before it was linked: {stats}"
    );
    assert_eq!(stats["merges"], 0, "{stats}");
}

/// A backfill is linked in the order things happened, not the order the
/// archive is read: a BCRP archive of a year, newest first, and the retailer's
/// export of the oldest month still make one incident of the same theft (read
/// in file order, the year's later months would have moved the window past
/// January before January was linked).
#[test]
fn a_backfill_read_newest_first_is_linked_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    // Small link batches, as a large archive has many.
    let mut gw = gateway(dir.path(), &sim.url(), "batch = 16");
    // Newest first, as platforms export: a report every third day at a shop
    // of its own, from December back to January.
    let mut archive = String::new();
    for n in (0..110).rev() {
        let day =
            chrono::NaiveDate::from_ymd_opt(2025, 1, 8).unwrap() + chrono::Duration::days(3 * n);
        archive.push_str(&format!(
            "FILL-{n},{day} 11:00,Corner Shop {n} Street,Bristol,BS{d} {n}AB,Shoplifting,\"Female 20s, red coat\"\n",
            d = 2 + n % 7
        ));
    }
    archive.push_str(
        "BC-OLD,2025-01-05 10:12,\"Tesco Express, Broadmead\",Bristol,BS1 3HX,Shoplifting,\"Male, 30s, grey hoodie and blue jeans\"\n",
    );
    drop_export(dir.path(), "bcrp", "archive.csv", &archive);
    drop_export(
        dir.path(),
        "retail",
        "january.csv",
        "NG-OLD,05/01/2025 10:10,Tesco Express Broadmead 0412,Bristol,BS1 3HX,Shoplifting,\"grey hoodie, jeans, male\"\n",
    );
    let (status, out) = gw.run_until_idle_with(&["--backfill"], Duration::from_secs(120));
    assert!(status.success(), "{out}\n{}", gw.logs());
    let together = partition(&sim)
        .into_iter()
        .any(|group| group == set(&["BC-OLD", "NG-OLD"]));
    assert!(together, "{:?}\n{}", partition(&sim), gw.logs());
    assert!(
        !gw.logs().contains("happened before the link window"),
        "{}",
        gw.logs()
    );
    assert_eq!(sim.stats()["created"], 111, "{}", sim.stats());
}
