//! The link stage: after translate, every new record is linked into an incident
//! (joins one, starts one, or bridges two that then merge), and the decision is
//! committed with its outbox change in one store transaction.
//!
//! The linker ([`bcgw_link::incremental::IncrementalLinker`]) lives in memory; the
//! store is the truth. On start — and whenever a case officer's review decision
//! moves the link generation, or a commit fails — the linker is rebuilt from the
//! linked records of the window. Records stay unlinked in the store until their
//! batch commits, so a `kill -9` at any moment loses no link and makes none twice:
//! the rebuilt linker sees exactly what was committed and links the rest.

pub mod config;

use crate::store::{
    LinkBatch, LinkDecision, LinkableRecord, Listener, ReviewCandidate, Store, StoreError, Work,
};
use bcgw_link::Channel;
use bcgw_link::incremental::{Assignment, IncrementalLinker};
use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use chrono_tz::Europe::London;
pub use config::LinkSection;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The link stage.
pub struct LinkStage {
    /// The store.
    pub store: Arc<dyn Store>,
    /// `[link]`.
    pub settings: LinkSection,
    /// The scoring model.
    pub model: bcgw_link::Model,
    /// Sinks every incident is queued for.
    pub sinks: Vec<String>,
    /// The channel of each source that names one (`[sources.<name>] channel`).
    pub channels: HashMap<String, Channel>,
    /// How long to wait when there is nothing to link.
    pub idle_poll: Duration,
}

/// What the stage waits on when idle.
struct Waiting {
    records: Listener,
    shutdown: watch::Receiver<bool>,
    runtime: tokio::runtime::Handle,
}

/// The linker and what it was built from.
struct View {
    linker: IncrementalLinker,
    generation: i64,
    /// When the most recently linked reports happened: the window is counted
    /// back from their median, so one report with a wrong year or a swapped
    /// date cannot move it.
    recent: Recent,
    added_since_eviction: usize,
}

/// The channel a record came through, for the linker: its source's configured
/// channel, else what the report says (an alert is radio; otherwise its source
/// system, e.g. `retailer-csv`, or a BCRP platform's name).
fn channel(channels: &HashMap<String, Channel>, record: &LinkableRecord) -> Channel {
    if let Some(c) = channels.get(&record.record.envelope.source) {
        return *c;
    }
    match Channel::of_report(&record.record.report) {
        Channel::Other
            if record
                .record
                .report
                .source_system
                .to_ascii_lowercase()
                .contains("bcrp") =>
        {
            Channel::Bcrp
        }
        c => c,
    }
}

/// When the record's incident happened (the start), if the report says.
fn occurred(record: &LinkableRecord) -> Option<DateTime<Utc>> {
    let e = &record.record.report.event;
    e.occurred_from.or(e.reported_at)
}

impl LinkStage {
    /// Links until `shutdown` turns true. The work is CPU-bound and the store
    /// calls block, so it runs on a thread of its own.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let runtime = tokio::runtime::Handle::current();
        let joined =
            tokio::task::spawn_blocking(move || self.run_blocking(shutdown, runtime)).await;
        if let Err(e) = joined {
            tracing::error!(error = %e, "link stage stopped unexpectedly");
        }
    }

    fn run_blocking(self, shutdown: watch::Receiver<bool>, runtime: tokio::runtime::Handle) {
        let mut view: Option<View> = None;
        let mut failures: u32 = 0;
        // Record commits (and review decisions) wake the stage; polling is the
        // fallback, e.g. for a decision made by `bcgw review` in another process.
        let mut ear = Waiting {
            records: self.store.wakeups().listen(Work::Link),
            shutdown: shutdown.clone(),
            runtime,
        };
        while !*shutdown.borrow() {
            let current = match &mut view {
                Some(v) => v,
                None => match self.rebuild() {
                    Ok(v) => view.insert(v),
                    Err(e) => {
                        failures += 1;
                        tracing::error!(error = %e, "cannot rebuild the linker from the store");
                        self.pause(&mut ear, failures);
                        continue;
                    }
                },
            };
            // Before reading: a record committed after this wakes the pause.
            ear.records.mark_heard();
            match self.link_some(current) {
                Ok(0) => {
                    failures = 0;
                    // Idle: a case officer may have decided something meanwhile.
                    match self.store.link_generation() {
                        Ok(g) if g != current.generation => view = None,
                        Ok(_) => self.pause(&mut ear, 0),
                        Err(e) => {
                            tracing::error!(error = %e, "cannot read the link generation");
                            self.pause(&mut ear, 1);
                        }
                    }
                }
                Ok(_) => failures = 0,
                Err(StoreError::Stale) => {
                    tracing::info!("review decisions changed the incidents: rebuilding the linker");
                    view = None;
                }
                Err(e) => {
                    // The linker may now hold decisions the store does not: start
                    // again from what the store holds.
                    failures += 1;
                    tracing::error!(error = %e, "cannot commit links; they will be made again");
                    view = None;
                    self.pause(&mut ear, failures);
                }
            }
        }
    }

    /// Waits `idle_poll` (longer after failures, and then deaf to new records:
    /// the store is what failed), waking early on new records or shutdown.
    fn pause(&self, ear: &mut Waiting, failures: u32) {
        let wait =
            (self.idle_poll * 2u32.saturating_pow(failures.min(6))).min(Duration::from_secs(5));
        let Waiting {
            records,
            shutdown,
            runtime,
        } = ear;
        // This thread is outside the runtime's workers, so it may block on it.
        runtime.block_on(async {
            tokio::select! {
                _ = records.wait(wait), if failures == 0 => {}
                _ = tokio::time::sleep(wait) => {}
                _ = async {
                    // A dropped sender is no stop: wait out the pause.
                    if shutdown.wait_for(|stop| *stop).await.is_err() {
                        std::future::pending::<()>().await
                    }
                } => {}
            }
        });
    }

    fn new_linker(&self) -> IncrementalLinker {
        IncrementalLinker::new(self.settings.link_config(), self.model.clone())
    }

    /// A linker holding every linked record of the window, as the store has them.
    fn rebuild(&self) -> Result<View, StoreError> {
        let started = std::time::Instant::now();
        // The generation first: a decision landing during the read moves it, and
        // the first commit then refuses and the view is rebuilt again.
        let generation = self.store.link_generation()?;
        let mut linker = self.new_linker();
        let mut recent = Recent::default();
        // A day more than the window: eviction keeps whole days.
        let window = Days::days(i64::from(self.settings.window_days) + 1);
        if self.settings.enabled {
            self.store.linked_records(window, &mut |r| {
                if let Some(incident) = &r.incident_id {
                    recent.push(occurred(&r));
                    linker.restore(
                        &r.record.envelope.record_id,
                        &r.record.report,
                        channel(&self.channels, &r),
                        r.record.envelope.premises.as_ref(),
                        incident,
                    );
                }
            })?;
        }
        tracing::info!(
            reports = linker.len(),
            generation,
            ms = started.elapsed().as_millis() as u64,
            "linker rebuilt from the store"
        );
        Ok(View {
            linker,
            generation,
            recent,
            added_since_eviction: 0,
        })
    }

    /// Links one batch of unlinked records and commits it. Returns how many.
    fn link_some(&self, view: &mut View) -> Result<usize, StoreError> {
        let records = self.store.unlinked_records(self.settings.batch.max(1))?;
        if records.is_empty() {
            return Ok(0);
        }
        let now = Utc::now();
        let hold = Days::seconds(self.settings.hold_seconds.min(86_400 * 7) as i64);
        let mut decisions = Vec::with_capacity(records.len());
        for r in &records {
            let when = occurred(r);
            view.recent.push(when);
            let id = &r.record.envelope.record_id;
            let assignment = if self.settings.enabled {
                view.linker
                    .add(id, &r.record.report, channel(&self.channels, r))
            } else {
                alone(id)
            };
            // The hold runs from when it happened, never past `hold` from now.
            let happened = when.unwrap_or(r.record.envelope.received_at);
            let deliver_after = (happened + hold).clamp(now, now + hold);
            decisions.push(decision(
                id,
                assignment,
                when,
                r.journaled_at,
                deliver_after,
            ));
        }
        let count = decisions.len();
        let stats = self.store.commit_links(LinkBatch {
            generation: view.generation,
            sinks: self.sinks.clone(),
            decisions,
        })?;
        tracing::debug!(
            records = stats.records,
            new = stats.new_incidents,
            joined = stats.joined,
            merged = stats.merged,
            reviews = stats.reviews,
            "records linked"
        );
        view.added_since_eviction += count;
        if view.added_since_eviction >= 10_000 {
            view.added_since_eviction = 0;
            if let Some(newest) = view.recent.median() {
                let cutoff = newest - Days::days(i64::from(self.settings.window_days));
                let gone = view.linker.evict_before(cutoff);
                if gone > 0 {
                    tracing::debug!(gone, %cutoff, "old reports left the linker");
                }
            }
        }
        Ok(count)
    }
}

/// The days of the last reports linked, and their median: "now" for the window.
#[derive(Debug, Default)]
struct Recent {
    days: std::collections::VecDeque<NaiveDate>,
}

impl Recent {
    /// How many recent reports the median is taken over.
    const KEEP: usize = 255;

    /// Notes when a report linked now happened (its London day), if it says.
    fn push(&mut self, when: Option<DateTime<Utc>>) {
        if let Some(t) = when {
            self.days.push_back(t.with_timezone(&London).date_naive());
            if self.days.len() > Self::KEEP {
                self.days.pop_front();
            }
        }
    }

    fn median(&self) -> Option<NaiveDate> {
        let mut d: Vec<NaiveDate> = self.days.iter().copied().collect();
        d.sort_unstable();
        d.get(d.len() / 2).copied()
    }
}

/// With linking off: every record is its own incident, named after it.
fn alone(id: &str) -> Assignment {
    Assignment {
        incident_id: id.to_string(),
        new_incident: true,
        merged: Vec::new(),
        explanation: None,
        linked_to: None,
        score: None,
        review: None,
    }
}

fn decision(
    id: &str,
    a: Assignment,
    occurred_at: Option<DateTime<Utc>>,
    journaled_at: DateTime<Utc>,
    deliver_after: DateTime<Utc>,
) -> LinkDecision {
    LinkDecision {
        record_id: id.to_string(),
        incident_id: a.incident_id,
        new_incident: a.new_incident,
        merged: a.merged,
        linked_to: a.linked_to,
        score: a.score,
        explanation: a.explanation.map(|e| e.to_line()),
        review: a.review.map(|r| ReviewCandidate {
            incident_id: r.incident_id,
            linked_to: r.linked_to,
            score: r.score,
            explanation: r.explanation.to_line(),
        }),
        occurred_at,
        journaled_at,
        deliver_after,
    }
}
