//! The durable pipeline end to end, with real processes over loopback: the `bcgw`
//! binary, the Niche simulator, CSV files dropped into a folder.

use crate::gateway::{Gateway, csv_rows, record_id_of_row};
use crate::helpers::wait_for;
use crate::niche::NicheSim;
use std::collections::HashSet;
use std::time::Duration;

fn expected_keys(rows: impl Iterator<Item = usize>) -> HashSet<String> {
    rows.map(record_id_of_row).collect()
}

fn assert_exactly_once(sim: &NicheSim, expected: &HashSet<String>) {
    let keys = sim.keys();
    let unique: HashSet<String> = keys.iter().cloned().collect();
    assert_eq!(
        keys.len(),
        unique.len(),
        "the simulator holds an occurrence twice"
    );
    assert_eq!(
        unique.len(),
        expected.len(),
        "occurrences held vs rows dropped"
    );
    assert!(
        unique == *expected,
        "the simulator holds other records than the rows dropped"
    );
    assert_eq!(
        sim.stats()["replayed_with_different_body"],
        0,
        "a resend differed from the first send"
    );
}

#[test]
fn the_same_file_twice_and_overlapping_files_create_no_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = Gateway::new(dir.path(), &sim.url(), None, "");
    gw.drop_file("week1.csv", &csv_rows(0, 300));
    gw.drop_file("week1-again.csv", &csv_rows(0, 300));
    // Overlaps rows 200..300 of week 1, chunked differently.
    gw.drop_file("week2.csv", &csv_rows(200, 450));
    let (status, summary) = gw.run_until_idle(Duration::from_secs(120));
    assert!(status.success(), "{}", gw.logs());
    assert_exactly_once(&sim, &expected_keys(0..450));
    assert_eq!(sim.stats()["replayed"], 0, "nothing was sent twice");
    assert!(
        summary.contains("records out:               450"),
        "{summary}"
    );
    assert!(
        summary.contains("exact duplicates removed:  100"),
        "{summary}"
    );
    assert!(
        summary.contains("1 repeated payload(s) ignored"),
        "{summary}"
    );
    for f in ["week1.csv", "week1-again.csv", "week2.csv"] {
        assert!(gw.done(f), "{f} was not acknowledged");
    }
    // Dropping week 1 yet again, in a later run, creates nothing new either.
    gw.drop_file("week1-third-time.csv", &csv_rows(0, 300));
    let (status, _) = gw.run_until_idle(Duration::from_secs(60));
    assert!(status.success());
    assert_exactly_once(&sim, &expected_keys(0..450));
}

#[test]
fn kill_minus_nine_at_random_moments_loses_nothing_and_duplicates_nothing() {
    const ROWS: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = Gateway::new(dir.path(), &sim.url(), None, "");
    // Four files, so kills land during journaling, translation and delivery.
    for (n, (from, to)) in [(0, 5000), (5000, 10_000), (10_000, 15_000), (15_000, ROWS)]
        .into_iter()
        .enumerate()
    {
        gw.drop_file(&format!("export-{n}.csv"), &csv_rows(from, to));
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    eprintln!("kill schedule seed {seed}");
    let mut kills = 0;
    for _ in 0..5 {
        gw.start();
        let delay = Duration::from_millis(300 + next() % 2500);
        std::thread::sleep(delay);
        if !gw.running() {
            break;
        }
        gw.kill9();
        kills += 1;
        eprintln!(
            "killed after {delay:?}; simulator holds {}",
            sim.occurrences()
        );
    }
    assert!(
        kills >= 3,
        "the gateway finished before it could be killed: make the test bigger"
    );
    let (status, summary) = gw.run_until_idle(Duration::from_secs(300));
    assert!(status.success(), "{}", gw.logs());
    assert_exactly_once(&sim, &expected_keys(0..ROWS));
    assert!(
        summary.contains(&format!("records out:               {ROWS}")),
        "{summary}"
    );
}

#[test]
fn a_thirty_second_outage_delays_delivery_but_loses_and_duplicates_nothing() {
    const ROWS: usize = 3000;
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = Gateway::new(dir.path(), &sim.url(), None, "");
    gw.drop_file("first.csv", &csv_rows(0, 1000));
    gw.start();
    wait_for("the first deliveries", Duration::from_secs(60), || {
        (sim.occurrences() > 0).then_some(())
    });
    sim.faults(serde_json::json!({"unavailable_for_ms": 30_000, "retry_after_s": 2}));
    gw.drop_file("second.csv", &csv_rows(1000, ROWS));
    std::thread::sleep(Duration::from_secs(10));
    let during = sim.occurrences();
    assert!(
        during < ROWS as u64,
        "nothing should get through a 503 outage"
    );
    let refused = sim.stats()["injected_unavailable"].as_u64().unwrap();
    assert!(refused > 0, "the gateway kept trying during the outage");
    // Backoff, Retry-After and the circuit breaker keep the gateway from hammering.
    assert!(
        refused < 200,
        "{refused} requests in 10 s of outage: the gateway is hammering"
    );
    gw.wait(
        "every row delivered after the outage",
        Duration::from_secs(120),
        || sim.occurrences() == ROWS as u64,
    );
    gw.kill9();
    let (status, _) = gw.run_until_idle(Duration::from_secs(60));
    assert!(status.success());
    assert_exactly_once(&sim, &expected_keys(0..ROWS));
}

#[test]
fn a_simulator_that_is_down_then_back_gets_everything_once() {
    const ROWS: usize = 1500;
    let dir = tempfile::tempdir().unwrap();
    let mut sim = NicheSim::start(dir.path());
    let mut gw = Gateway::new(dir.path(), &sim.url(), None, "");
    sim.kill();
    gw.drop_file("while-down.csv", &csv_rows(0, ROWS));
    gw.start();
    gw.wait(
        "the file to be journaled while Niche is down",
        Duration::from_secs(60),
        || gw.done("while-down.csv"),
    );
    std::thread::sleep(Duration::from_secs(3));
    sim.restart();
    gw.wait(
        "every row delivered once Niche is back",
        Duration::from_secs(120),
        || sim.occurrences() == ROWS as u64,
    );
    gw.kill9();
    assert_exactly_once(&sim, &expected_keys(0..ROWS));
    assert!(
        gw.logs().contains("circuit opened"),
        "the breaker should have opened while Niche was down"
    );
}
