//! Every long-running task of the daemon runs supervised: a stage that panics, or
//! returns while the daemon is not stopping, is counted, logged as a typed event
//! and started again after a backoff. What a stage held in memory (the payloads
//! it was translating, the outbox rows it had claimed) goes with it: the stages
//! keep those sets in memory only, and the store hands the same work to the
//! restarted stage.
//!
//! Each stage reports progress with [`progress`] from its main loop (once per
//! poll, batch or message); [`Health`] keeps when each stage last did, which
//! `/readyz` and `/metrics` read. Stages that only wait for their routes or
//! their broker (a webhook source) need not report: for them running is ready.

#[cfg(debug_assertions)]
pub mod fault;
mod health;

pub use health::{Health, STALL_AFTER, StageCell, StageReport, StageState};

use crate::events::{InternalEvent, StageAborted, StageEnded, StagePanicked};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

tokio::task_local! {
    /// The cell of the supervised stage this task runs.
    static STAGE: Arc<StageCell>;
}

/// Notes that the calling stage made progress. Outside a supervised stage (a
/// unit test, `bcgw translate`) it does nothing.
pub fn progress() {
    let _ = STAGE.try_with(|cell| cell.tick());
}

/// The calling stage's progress, to carry onto a thread of its own (task-locals
/// stay with the task).
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<StageCell>>);

impl Progress {
    /// The progress of the supervised stage the caller runs in (none outside one).
    pub fn current() -> Progress {
        Progress(STAGE.try_with(|cell| cell.clone()).ok())
    }

    /// Notes progress now.
    pub fn tick(&self) {
        if let Some(cell) = &self.0 {
            cell.tick();
        }
    }
}

/// The first wait before a restart; it doubles with each failure in a row.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// The longest wait before a restart.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A stage that ran this long before failing starts its backoff afresh.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// How long a stage has, once the daemon is stopping, to finish what it is doing.
pub const STOP_DEADLINE: Duration = Duration::from_secs(30);

/// Runs the daemon's tasks and starts again any that fail.
pub struct Supervisor {
    tasks: JoinSet<()>,
    health: Arc<Health>,
    shutdown: watch::Receiver<bool>,
    stop_deadline: Duration,
}

impl Supervisor {
    /// A supervisor whose tasks stop when `shutdown` turns true, reporting to `health`.
    pub fn new(health: Arc<Health>, shutdown: watch::Receiver<bool>) -> Supervisor {
        Supervisor {
            tasks: JoinSet::new(),
            health,
            shutdown,
            stop_deadline: STOP_DEADLINE,
        }
    }

    /// Stages still running this long after shutdown are aborted.
    pub fn with_stop_deadline(mut self, deadline: Duration) -> Supervisor {
        self.stop_deadline = deadline;
        self
    }

    /// Runs the stage `make` builds, as `name`, and builds and runs it again
    /// whenever it panics or ends before shutdown. `make` is called once per
    /// start, so each start begins from what the store holds.
    pub fn spawn<F, Fut>(&mut self, name: impl Into<String>, mut make: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let name = name.into();
        let cell = self.health.register(&name);
        let mut shutdown = self.shutdown.clone();
        let deadline = self.stop_deadline;
        self.tasks.spawn(async move {
            let mut failures = 0u32;
            let mut failed_at: Option<Instant> = None;
            loop {
                cell.started();
                if let Some(at) = failed_at.take() {
                    tracing::info!(stage = %name, down_ms = at.elapsed().as_millis() as u64, "stage started again");
                }
                let began = Instant::now();
                let mut stage = tokio::spawn(STAGE.scope(cell.clone(), make()));
                let outcome = tokio::select! {
                    outcome = &mut stage => outcome,
                    _ = stopping(&mut shutdown) => {
                        // Stopping: the stage has until the deadline to finish.
                        if tokio::time::timeout(deadline, &mut stage).await.is_err() {
                            StageAborted { stage: &name, after: deadline }.emit();
                            stage.abort();
                        }
                        break;
                    }
                };
                if *shutdown.borrow() {
                    break;
                }
                match outcome {
                    Ok(()) => StageEnded { stage: &name }.emit(),
                    Err(e) if e.is_panic() => StagePanicked { stage: &name }.emit(),
                    // Cancelled: the runtime is going down.
                    Err(_) => break,
                }
                if began.elapsed() >= HEALTHY_RUN {
                    failures = 0;
                }
                failed_at = Some(Instant::now());
                let wait = backoff(failures);
                failures = failures.saturating_add(1);
                cell.restarting(wait);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopping(&mut shutdown) => break,
                }
            }
            cell.stopped();
        });
    }

    /// Waits until every task has stopped (after shutdown).
    pub async fn join(&mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Resolves once the daemon is stopping (or the sender is gone).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// The wait before the restart after `failures` failures in a row.
fn backoff(failures: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests;
