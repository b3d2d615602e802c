//! Webhook durability: a 202 means the body is in the journal. The journal full
//! (503, nothing lost that was accepted) and `kill -9` while a platform posts.

use crate::admin::free_port;
use crate::gateway::{csv_rows, record_id_of_row};
use crate::helpers::wait_for;
use crate::niche::NicheSim;
use crate::webhook::{post_csv, problem, wait_listening, webhook_gateway};
use std::time::Duration;

#[test]
fn a_full_journal_answers_503_and_loses_nothing_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    gw.env.push(("BCGW__STORE__MAX_SIZE_MB".into(), "1".into()));
    gw.start();
    wait_listening(port);
    let mut accepted = Vec::new();
    let mut refused = None;
    for batch in 0..200 {
        let rows = (batch * 50, batch * 50 + 50);
        let r = post_csv(port, &csv_rows(rows.0, rows.1)).unwrap();
        match r.status {
            202 => accepted.push(rows),
            503 => {
                refused = Some((rows, r));
                break;
            }
            other => panic!("unexpected {other}: {r:?}"),
        }
    }
    let (rows, r) = refused.expect("the journal filled up");
    problem(&r, 503, "unavailable");
    assert!(r.header("retry-after").is_some());
    assert!(gw.running());
    gw.kill9();
    // More room: what was accepted is all there, and the refused body now goes in.
    gw.env.retain(|(k, _)| k != "BCGW__STORE__MAX_SIZE_MB");
    gw.start();
    wait_listening(port);
    assert_eq!(
        post_csv(port, &csv_rows(rows.0, rows.1)).unwrap().status,
        202
    );
    let total = (accepted.len() + 1) * 50;
    wait_for(
        "every accepted row delivered",
        Duration::from_secs(180),
        || (sim.occurrences() as usize >= total).then_some(()),
    );
    std::thread::sleep(Duration::from_millis(500));
    let keys = sim.keys();
    assert_eq!(keys.len(), total, "exactly once");
    for (from, to) in accepted.iter().chain([&rows]) {
        for i in *from..*to {
            assert!(keys.contains(&record_id_of_row(i)), "row {i} lost");
        }
    }
}

#[test]
fn kill_9_while_a_platform_posts_2000_reports_loses_and_doubles_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const REPORTS: usize = 2_000;
    const CLIENTS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    gw.start();
    wait_listening(port);
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let acknowledged = acknowledged.clone();
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                for i in (c..REPORTS).step_by(CLIENTS) {
                    // A platform retries until it hears 202 (or 200: already had it).
                    loop {
                        match post_csv(port, &csv_rows(i, i + 1)) {
                            Ok(r) if r.status == 202 || r.status == 200 => {
                                answers.push((i, r.status));
                                acknowledged.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            Ok(r) => assert!(r.status == 503, "unexpected {r:?}"),
                            Err(_) => {}
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                answers
            })
        })
        .collect();
    for kill_at in [400, 1_200] {
        while acknowledged.load(Ordering::Relaxed) < kill_at {
            std::thread::sleep(Duration::from_millis(5));
        }
        gw.kill9();
        std::thread::sleep(Duration::from_millis(500));
        gw.start();
    }
    let answers: Vec<(usize, u16)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert_eq!(answers.len(), REPORTS);
    wait_for(
        "every report in the simulator",
        Duration::from_secs(240),
        || (sim.occurrences() as usize >= REPORTS).then_some(()),
    );
    std::thread::sleep(Duration::from_millis(500));
    let keys = sim.keys();
    let unique: std::collections::HashSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), REPORTS, "no report twice");
    assert_eq!(unique.len(), REPORTS);
    for i in 0..REPORTS {
        assert!(unique.contains(&record_id_of_row(i)), "report {i} lost");
    }
}
