//! The delivery loop of one sink: claim due outbox entries, render, deliver,
//! record; back off per entry; stop hammering a dead endpoint (circuit breaker).

use super::backoff;
use super::breaker::Breaker;
use super::delivery::RetryConfig;
use super::recorder::Recorder;
use super::{Attempt, Outgoing, Sink};
use crate::assembly::LoadedRenderer;
use crate::events::{DeliveryPanicked, InternalEvent};
use crate::plugins::PluginError;
use crate::store::{
    Delivery, DeliveryAction, DeliveryResult, QuarantineEntry, Stage, Store, StoreError, Work,
};
use bcgw_sdk::plugin::Incident;
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::{self, JoinError, JoinSet};

/// What a delivery task came back with.
enum Outcome {
    Sent(Attempt),
    RenderFailed(PluginError),
}

/// A finished delivery task: the row, what happened, and the renderer it used
/// (named in a dead letter, even if a reload has swapped it since).
struct Finished {
    delivery: Delivery,
    outcome: Outcome,
    renderer: Option<LoadedRenderer>,
}

/// What a delivery task holds: enough of its row to give it back if the task
/// panics.
#[derive(Debug, Clone, Copy)]
struct Claim {
    outbox_id: i64,
    attempts: u32,
}

/// The delivery tasks running, and the row each holds.
#[derive(Default)]
struct Running {
    tasks: JoinSet<Finished>,
    rows: HashMap<task::Id, Claim>,
}

/// Delivers one sink's outbox.
#[derive(Clone)]
pub struct DeliveryWorker {
    /// The sink's configured name.
    pub name: String,
    /// The store.
    pub store: Arc<dyn Store>,
    /// Renders incidents into submissions, for kinds that use a renderer: this
    /// sink's entry, as now (a reload swaps it).
    pub plugins: Arc<crate::reload::LivePlugins>,
    /// Deliver an incident only once this sink has finished with it.
    pub after: Option<String>,
    /// Where submissions go.
    pub sink: Arc<dyn Sink>,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// Retry timing.
    pub retry: RetryConfig,
    /// The circuit breaker.
    pub breaker: Breaker,
    /// Longest sleep when idle.
    pub idle_poll: Duration,
}

/// Runs a blocking store call on the blocking pool; a call that panicked is a
/// store error like any other.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(StoreError::Database {
            context: "running a store call",
            message: e.to_string(),
        })
    })
}

impl DeliveryWorker {
    fn start(&self, running: &mut Running, mut delivery: Delivery) {
        // The renderer now: a reload after this leaves this delivery on it.
        let renderer = self.plugins.renderer(&self.name);
        let sink = self.sink.clone();
        let claim = Claim {
            outbox_id: delivery.outbox_id,
            attempts: delivery.attempts,
        };
        let task = running.tasks.spawn(async move {
            let used = renderer.clone();
            let finish = |delivery, outcome| Finished {
                delivery,
                outcome,
                renderer: used,
            };
            // Settling needs only the delivery's ids: its records move here.
            let incident = Incident {
                incident_id: delivery.incident_id.clone(),
                reports: std::mem::take(&mut delivery.records),
            };
            let submission = match renderer {
                // Only a submission is rendered: a merge or withdrawal names
                // occurrences, not reports.
                _ if delivery.action != DeliveryAction::Submit => None,
                None => None,
                Some(r) => {
                    let copy = incident.clone();
                    let rendered = tokio::task::spawn_blocking(move || {
                        r.plugin.render(copy, &r.config_json, Utc::now())
                    })
                    .await;
                    match rendered {
                        Ok(Ok(submission)) => Some(submission),
                        Ok(Err(e)) => return finish(delivery, Outcome::RenderFailed(e)),
                        Err(e) => {
                            let retry = Attempt::Retry {
                                error: format!("render task failed: {e}"),
                                retry_after: None,
                            };
                            return finish(delivery, Outcome::Sent(retry));
                        }
                    }
                }
            };
            let outgoing = Outgoing {
                key: &delivery.incident_id,
                incident: &incident,
                submission: submission.as_ref(),
                upstream_reference: delivery.upstream_reference.as_deref(),
                revision: delivery.revision,
                existing_reference: delivery.reference.as_deref(),
                action: &delivery.action,
            };
            let attempt = sink.deliver(&outgoing).await;
            finish(delivery, Outcome::Sent(attempt))
        });
        running.rows.insert(task.id(), claim);
    }

    /// A task ended: its result (or, if it panicked, its row given back to be
    /// retried after the backoff) goes to the recorder.
    fn joined(
        &mut self,
        running: &mut Running,
        joined: Result<(task::Id, Finished), JoinError>,
        recorder: &mut Recorder,
    ) {
        let (outbox_id, result) = match joined {
            Ok((task, finished)) => {
                running.rows.remove(&task);
                self.settle(finished)
            }
            Err(e) => match running.rows.remove(&e.id()) {
                Some(claim) => self.panicked(claim),
                None => return,
            },
        };
        recorder.record(outbox_id, result);
    }

    /// A delivery task panicked: a temporary failure of its row (and of the
    /// endpoint, for the breaker, so a trial that panicked does not hold it
    /// half-open), retried after the backoff.
    fn panicked(&mut self, claim: Claim) -> (i64, DeliveryResult) {
        self.breaker.failure(Instant::now());
        let wait = backoff::delay(&self.retry, claim.attempts, None, claim.outbox_id as u64);
        DeliveryPanicked {
            sink: &self.name,
            outbox: claim.outbox_id,
            attempts: claim.attempts.saturating_add(1),
            retry_in: wait,
        }
        .emit();
        let result = DeliveryResult::Retry {
            outbox_id: claim.outbox_id,
            error: "the delivery panicked (a bug in the sink or in bcgw; the daemon's log has the panic)".into(),
            next_attempt_at: Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
        };
        (claim.outbox_id, result)
    }

    fn dead_letter(
        &self,
        d: &Delivery,
        renderer: Option<&LoadedRenderer>,
        kind: &str,
        reason: String,
    ) -> DeliveryResult {
        DeliveryResult::DeadLetter {
            outbox_id: d.outbox_id,
            entry: Box::new({
                let mut q = QuarantineEntry::new(Stage::Deliver, &self.name, kind, reason);
                q.outbox_id = Some(d.outbox_id);
                q.record_id = Some(d.incident_id.clone());
                match renderer {
                    Some(r) => q.with_plugin(r.plugin.name_version(), r.plugin.sha256()),
                    None => q,
                }
            }),
        }
    }

    /// Turns a finished task into a store update and feeds the breaker.
    fn settle(&mut self, finished: Finished) -> (i64, DeliveryResult) {
        let Finished {
            delivery: d,
            outcome,
            renderer,
        } = finished;
        let result = match outcome {
            Outcome::Sent(Attempt::Delivered(reference)) => {
                self.breaker.success();
                tracing::debug!(sink = %self.name, outbox = d.outbox_id, incident = %d.incident_id, "delivered");
                DeliveryResult::Delivered {
                    outbox_id: d.outbox_id,
                    reference,
                    revision: d.revision,
                    update: d.reference.is_some(),
                }
            }
            Outcome::Sent(Attempt::Retry { error, retry_after }) => {
                if self.breaker.failure(Instant::now()) {
                    tracing::warn!(sink = %self.name, error = %error, "circuit opened: pausing deliveries to a failing endpoint");
                }
                let wait = backoff::delay(&self.retry, d.attempts, retry_after, d.outbox_id as u64);
                tracing::debug!(sink = %self.name, outbox = d.outbox_id, attempts = d.attempts + 1, wait_ms = wait.as_millis() as u64, error = %error, "delivery failed; will retry");
                DeliveryResult::Retry {
                    outbox_id: d.outbox_id,
                    error,
                    next_attempt_at: Utc::now()
                        + chrono::Duration::from_std(wait).unwrap_or_default(),
                }
            }
            Outcome::Sent(Attempt::Rejected(reason)) => {
                // The endpoint answered: it is alive, whatever it thought of this one.
                self.breaker.success();
                tracing::warn!(sink = %self.name, outbox = d.outbox_id, incident = %d.incident_id, "delivery refused permanently; quarantined");
                self.dead_letter(
                    &d,
                    renderer.as_ref(),
                    "rejected",
                    format!("sink {} refused the submission: {reason}", self.name),
                )
            }
            Outcome::RenderFailed(e) => {
                tracing::warn!(sink = %self.name, outbox = d.outbox_id, kind = e.kind(), "renderer failed; quarantined");
                self.dead_letter(&d, renderer.as_ref(), e.kind(), e.to_string())
            }
        };
        (d.outbox_id, result)
    }

    /// Delivers until `shutdown`; then waits for in-flight deliveries and records them.
    ///
    /// A delivery task that panics gives its row back: it is retried after the
    /// backoff like a temporary failure, and counted ([`DeliveryPanicked`]).
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let mut running = Running::default();
        // Claimed rows not yet recorded: sent, being sent, or waiting for their
        // result's commit. Never claimed again meanwhile.
        let mut in_flight: HashSet<i64> = HashSet::new();
        let mut recorder = Recorder::start(self.store.clone(), self.name.clone(), self.idle_poll);
        // Outbox commits wake the worker; the idle poll is the fallback.
        let mut queued = self.store.wakeups().listen(Work::Deliver);
        loop {
            crate::supervise::progress();
            for id in recorder.take_recorded() {
                in_flight.remove(&id);
            }
            let stopping = *shutdown.borrow();
            if !stopping {
                // Before reading: a row queued after this wakes the wait below.
                queued.mark_heard();
                self.claim(&mut running, &mut in_flight).await;
            } else if running.tasks.is_empty() {
                recorder.finish().await;
                return;
            }
            if running.tasks.is_empty() {
                // Nothing being sent: sleep until something is due, something is
                // queued, a result is recorded (its row may be due again: an update
                // queued meanwhile), or shutdown.
                let wait = self.idle_wait().await;
                // While the breaker holds deliveries back, new rows cannot go out.
                let held = !self.breaker.blocked_for(Instant::now()).is_zero();
                tokio::select! {
                    _ = queued.wait(wait), if !held => {}
                    _ = tokio::time::sleep(wait), if held => {}
                    _ = shutdown.changed() => {}
                    ids = recorder.next_recorded() => {
                        for id in ids {
                            in_flight.remove(&id);
                        }
                    }
                }
                continue;
            }
            if let Some(joined) = running.tasks.join_next_with_id().await {
                self.joined(&mut running, joined, &mut recorder);
            }
            while let Some(joined) = running.tasks.try_join_next_with_id() {
                self.joined(&mut running, joined, &mut recorder);
            }
        }
    }

    /// Claims due rows for the free slots (as the breaker allows) and starts them.
    async fn claim(&mut self, running: &mut Running, in_flight: &mut HashSet<i64>) {
        let permits = self.breaker.permits(Instant::now());
        let trial = matches!(permits, Ok(Some(_)));
        let slots = match permits {
            Ok(limit) => limit
                .unwrap_or(self.concurrency)
                .saturating_sub(running.tasks.len()),
            Err(_) => 0,
        };
        if slots == 0 {
            if trial {
                // Deliveries from before the circuit opened are still in flight.
                self.breaker.release_trial(Instant::now());
            }
            return;
        }
        let store = self.store.clone();
        let name = self.name.clone();
        let skip: Vec<i64> = in_flight.iter().copied().collect();
        let after = self.after.clone();
        match blocking(move || {
            store.due_deliveries(&name, after.as_deref(), Utc::now(), slots, &skip)
        })
        .await
        {
            Ok(due) => {
                if trial && due.is_empty() {
                    self.breaker.release_trial(Instant::now());
                }
                for d in due {
                    in_flight.insert(d.outbox_id);
                    self.start(running, d);
                }
            }
            Err(e) => {
                tracing::error!(sink = %self.name, error = %e, "cannot read the outbox")
            }
        }
    }

    /// How long to sleep with nothing in flight: until the next due retry, the
    /// breaker's trial, or the idle poll, whichever is first.
    async fn idle_wait(&self) -> Duration {
        let store = self.store.clone();
        let name = self.name.clone();
        let after = self.after.clone();
        let next = blocking(move || store.next_due(&name, after.as_deref()))
            .await
            .ok()
            .flatten();
        let until_due = next
            .map(|t| (t - Utc::now()).to_std().unwrap_or_default())
            .unwrap_or(self.idle_poll);
        let until_trial = self.breaker.blocked_for(Instant::now());
        until_due
            .max(until_trial)
            .min(self.idle_poll)
            .max(Duration::from_millis(5))
    }
}
