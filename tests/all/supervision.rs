//! Supervised stages (issue 22): a stage that panics mid-work is counted,
//! releases what it held and comes back without a restart of the daemon;
//! `/readyz` names every stage and says which is not running; `/metrics` has each
//! stage's restarts and last progress. The panics are injected through
//! `BCGW_TEST_PANIC`, which only debug builds read.

use crate::admin::{free_port, get, sample};
use crate::gateway::{Gateway, csv_rows};
use crate::helpers::wait_for;
use crate::niche::NicheSim;
use std::time::Duration;

#[test]
fn stages_that_panic_mid_work_come_back_and_nothing_is_lost_or_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = Gateway::new(
        dir.path(),
        &sim.url(),
        None,
        &format!("[admin]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    // Each fails once, at its second pass through its loop: the worker with
    // rows claimed, translate with payloads in hand, link between batches.
    gw.env.push((
        "BCGW_TEST_PANIC".into(),
        "sink:niche@2,translate@2,link@2".into(),
    ));
    gw.drop_file("a.csv", &csv_rows(0, 30));
    gw.start();
    std::thread::sleep(Duration::from_millis(300));
    gw.drop_file("b.csv", &csv_rows(30, 60));
    let page = wait_for("all 60 delivered", Duration::from_secs(90), || {
        let (_, page) = get(port, "/metrics")?;
        (sample(&page, "bcgw_deliveries_delivered_total{sink=\"niche\"}") == Some(60))
            .then_some(page)
    });
    for stage in ["sink:niche", "translate", "link"] {
        assert_eq!(
            sample(
                &page,
                &format!("bcgw_stage_restarts_total{{stage=\"{stage}\"}}")
            ),
            Some(1),
            "{stage}: {page}"
        );
        assert_eq!(
            sample(&page, &format!("bcgw_stage_up{{stage=\"{stage}\"}}")),
            Some(1),
            "{page}"
        );
        assert!(
            page.contains(&format!(
                "bcgw_stage_last_progress_timestamp_seconds{{stage=\"{stage}\"}}"
            )),
            "{page}"
        );
    }
    // One occurrence per row: nothing lost with the panics, nothing doubled.
    assert_eq!(sim.occurrences(), 60);
    assert_eq!(sim.stats()["updated"].as_u64(), Some(0), "{}", sim.stats());
    let (status, body) = get(port, "/readyz").expect("/readyz answers");
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).expect("json");
    let stages: Vec<&str> = ready["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["stage"].as_str().expect("name"))
        .collect();
    for stage in ["translate", "link", "sink:niche", "retention", "reload"] {
        assert!(stages.contains(&stage), "{stage} missing: {body}");
    }
    assert!(stages.iter().any(|s| s.starts_with("source:")), "{body}");
    gw.terminate(Duration::from_secs(30));
    let logs = gw.logs();
    assert_eq!(
        logs.matches("stage panicked: restarting it").count(),
        3,
        "{logs}"
    );
    // Each came back (and says how long it was down: the figure in the note).
    let back: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("stage started again"))
        .collect();
    assert_eq!(back.len(), 3, "{logs}");
    // Where each panic happened is logged, never its message.
    assert!(logs.contains("panic (its message is not logged"), "{logs}");
    assert!(!logs.contains("fails at progress"), "{logs}");
    for line in back {
        eprintln!("{line}");
    }
}

#[test]
fn readyz_names_a_stage_that_keeps_failing_and_healthz_stays_alive() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = Gateway::new(
        dir.path(),
        &sim.url(),
        None,
        &format!("[admin]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    // The link stage fails at every pass: its backoff grows, and it is down
    // most of the time.
    gw.env.push(("BCGW_TEST_PANIC".into(), "link@1+".into()));
    gw.start();
    let body = wait_for(
        "/readyz to say link is down",
        Duration::from_secs(30),
        || {
            let (status, body) = get(port, "/readyz")?;
            let again = body.contains("link failed and is restarting (failures so far: 2;")
                || body.contains("link failed and is restarting (failures so far: 3;");
            (status == 503 && again).then_some(body)
        },
    );
    let ready: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(ready["ready"], false);
    let link = ready["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == "link")
        .expect("link listed");
    assert_eq!(link["state"], "restarting", "{body}");
    assert!(link["restarts"].as_u64() >= Some(2), "{body}");
    // The other stages are fine, and the process is alive.
    assert!(
        ready["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .filter(|s| s["stage"] != "link")
            .all(|s| s["state"] == "running")
    );
    assert_eq!(get(port, "/healthz").map(|r| r.0), Some(200));
    gw.terminate(Duration::from_secs(30));
}
