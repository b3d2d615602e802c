use super::health::STALL_AFTER;
use super::*;
use std::sync::atomic::{AtomicU32, Ordering};

fn supervisor() -> (Supervisor, Arc<Health>, watch::Sender<bool>) {
    let health = Arc::new(Health::default());
    let (stop, shutdown) = watch::channel(false);
    (
        Supervisor::new(health.clone(), shutdown).with_stop_deadline(Duration::from_millis(300)),
        health,
        stop,
    )
}

async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..500 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_stage_that_panics_is_counted_and_started_again() {
    let (mut sup, health, stop) = supervisor();
    let starts = Arc::new(AtomicU32::new(0));
    let s = starts.clone();
    sup.spawn("test-panics", move || {
        let n = s.fetch_add(1, Ordering::SeqCst);
        async move {
            progress();
            if n < 2 {
                panic!("stage failure {n}");
            }
            std::future::pending::<()>().await;
        }
    });
    until("a third start", || starts.load(Ordering::SeqCst) == 3).await;
    let report = health.reports().into_iter().next().expect("one stage");
    assert_eq!(report.name, "test-panics");
    assert_eq!(report.restarts, 2);
    until("running", || {
        health.reports()[0].state == StageState::Running
    })
    .await;
    assert!(health.reports()[0].ready());
    let panics = crate::events::component_errors()
        .into_iter()
        .find(|((c, k, s), _)| c == "test-panics" && *k == "stage" && *s == "panic")
        .map(|(_, n)| n);
    assert_eq!(panics, Some(2));
    stop.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(5), sup.join())
        .await
        .expect("stops at shutdown");
    assert_eq!(health.reports()[0].state, StageState::Stopped);
}

#[tokio::test]
async fn a_stage_that_returns_early_is_restarted_and_one_that_returns_at_shutdown_is_not() {
    let (mut sup, health, stop) = supervisor();
    let starts = Arc::new(AtomicU32::new(0));
    let s = starts.clone();
    let shutdown = sup.shutdown.clone();
    sup.spawn("test-returns", move || {
        let n = s.fetch_add(1, Ordering::SeqCst);
        let mut shutdown = shutdown.clone();
        async move {
            if n == 0 {
                return;
            }
            let _ = shutdown.wait_for(|s| *s).await;
        }
    });
    until("a second start", || starts.load(Ordering::SeqCst) == 2).await;
    stop.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(5), sup.join())
        .await
        .expect("stops");
    assert_eq!(starts.load(Ordering::SeqCst), 2);
    assert_eq!(health.reports()[0].restarts, 1);
}

#[test]
fn backoff_doubles_to_its_ceiling() {
    assert_eq!(backoff(0), FIRST_BACKOFF);
    assert_eq!(backoff(1), FIRST_BACKOFF * 2);
    assert_eq!(backoff(40), MAX_BACKOFF);
}

#[test]
fn a_stage_without_progress_for_long_is_not_ready() {
    let report = StageReport {
        name: "link".into(),
        state: StageState::Running,
        state_for: Duration::from_secs(600),
        last_progress_ago: Some(STALL_AFTER + Duration::from_secs(1)),
        restarts: 0,
    };
    assert!(!report.ready());
    assert!(report.problem().expect("a problem").contains("no progress"));
    let quiet = StageReport {
        last_progress_ago: None,
        ..report
    };
    assert!(
        quiet.ready(),
        "a stage that does not report is ready while running"
    );
}
