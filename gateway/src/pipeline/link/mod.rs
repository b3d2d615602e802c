//! The link stage: after translate, every new record is linked into an incident
//! (joins one, starts one, or bridges two that then merge), and the decision is
//! committed with its outbox change in one store transaction.
//!
//! A record is linked when its hold ends ([`due`]): the reports of one incident
//! that arrive within the hold (the radio alert, the BCRP report minutes later)
//! fall due together and the reports of one payload falling due together are
//! decided together, so the first delivery carries them all. With linking off
//! nothing is held.
//!
//! The linker ([`bcgw_link::incremental::IncrementalLinker`]) lives in memory; the
//! store is the truth. On start — and whenever a case officer's review decision
//! moves the link generation, or a commit fails — the linker is rebuilt from the
//! linked records of the window ([`window`]: the anchor it counts back from is
//! committed with every batch, so the rebuilt linker holds exactly what the
//! running one held). Records stay unlinked in the store until their batch
//! commits, so a `kill -9` at any moment loses no link and makes none twice.
//! While a backfill is being linked (`bcgw run --backfill`), first deliveries
//! are held until it is done, so Niche gets its linked result, not its history.

pub mod config;
pub mod due;
pub mod window;

use crate::store::{
    HELD_UNTIL_RELEASED, LinkBatch, LinkDecision, LinkableRecord, Listener, ReviewCandidate, Store,
    StoreError, Work,
};
use bcgw_link::Channel;
use bcgw_link::incremental::{Assignment, IncrementalLinker, NewReport};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
pub use config::LinkSection;
pub use due::LinkTiming;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use window::{RECENT, Recent, cutoff, earliest_kept};

/// The link stage.
#[derive(Clone)]
pub struct LinkStage {
    /// The store.
    pub store: Arc<dyn Store>,
    /// `[link]`, with `window_days` the longest of its own and every source's
    /// `link_window_days`.
    pub settings: LinkSection,
    /// The scoring model.
    pub model: bcgw_link::Model,
    /// Sinks every incident is queued for.
    pub sinks: Vec<String>,
    /// The channel of each source that names one (`[sources.<name>] channel`).
    pub channels: HashMap<String, Channel>,
    /// How long to wait when there is nothing to link.
    pub idle_poll: Duration,
    /// While true, a backfill is being linked: first deliveries of new
    /// incidents are held until the backfill is done (`bcgw run --backfill`).
    pub holding: Arc<AtomicBool>,
    /// While false, a backfill's archive is still being read: its records
    /// wait, undecided, so that once it is all in they are linked in the
    /// order they happened — an archive is read in no such order (a platform's
    /// export newest first, a year of files at once), and linked as read the
    /// window would pass the old months before they were linked.
    pub loaded: Arc<AtomicBool>,
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
    /// The days of the most recently linked reports: the window's anchor.
    recent: Recent,
    /// The first day the linker keeps, once known.
    cutoff: Option<NaiveDate>,
    /// The last record read ([`LinkableRecord::seq`]).
    cursor: i64,
    /// Records read and not decided yet, by when their hold ends.
    waiting: BTreeMap<(DateTime<Utc>, i64), LinkableRecord>,
    /// Where each waiting record is in `waiting`, by record id.
    waiting_at: HashMap<String, (DateTime<Utc>, i64)>,
    /// A loaded backfill's records, in the order they happened, still to be
    /// decided (`None`: no backfill being linked).
    backfill: Option<std::collections::VecDeque<String>>,
}

impl View {
    /// Takes a waiting record out, if it still waits.
    fn take(&mut self, record_id: &str) -> Option<LinkableRecord> {
        let at = self.waiting_at.remove(record_id)?;
        self.waiting.remove(&at)
    }
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
        let progress = crate::supervise::Progress::current();
        let joined =
            tokio::task::spawn_blocking(move || self.run_blocking(shutdown, runtime, progress))
                .await;
        // A panic on the stage's thread is the stage's panic: the supervisor
        // counts it and starts the stage again.
        if let Err(e) = joined
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    }

    fn run_blocking(
        self,
        shutdown: watch::Receiver<bool>,
        runtime: tokio::runtime::Handle,
        progress: crate::supervise::Progress,
    ) {
        let mut view: Option<View> = None;
        let mut failures: u32 = 0;
        // Record commits (and review decisions) wake the stage; polling is the
        // fallback, e.g. for a decision made by `bcgw review` in another process,
        // and for holds ending.
        let mut ear = Waiting {
            records: self.store.wakeups().listen(Work::Link),
            shutdown: shutdown.clone(),
            runtime,
        };
        while !*shutdown.borrow() {
            progress.tick();
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

    /// A linker holding exactly what the running one held: every linked record
    /// from the window's committed anchor on, old days evicted by the same rule.
    fn rebuild(&self) -> Result<View, StoreError> {
        let started = std::time::Instant::now();
        // The generation first: a decision landing during the read moves it, and
        // the first commit then refuses and the view is rebuilt again.
        let generation = self.store.link_generation()?;
        let mut linker = self.new_linker();
        let w = self.store.link_window(RECENT)?;
        let recent = Recent::from_days(w.recent_days);
        // A store from before anchors were committed: the recent days say.
        let cutoff = w
            .anchor
            .or_else(|| recent.anchor())
            .map(|a| cutoff(a, self.settings.window_days));
        if self.settings.enabled {
            let since = cutoff.map_or(DateTime::<Utc>::MIN_UTC, earliest_kept);
            self.store.linked_records(since, &mut |r| {
                if let Some(incident) = &r.incident_id {
                    linker.restore(
                        &r.record.envelope.record_id,
                        &r.record.report,
                        channel(&self.channels, &r),
                        r.record.envelope.premises.as_ref(),
                        incident,
                    );
                }
            })?;
            if let Some(c) = cutoff {
                linker.evict_before(c);
            }
        }
        tracing::info!(
            reports = linker.len(),
            generation,
            cutoff = ?cutoff,
            ms = started.elapsed().as_millis() as u64,
            "linker rebuilt from the store"
        );
        Ok(View {
            linker,
            generation,
            recent,
            cutoff,
            cursor: 0,
            waiting: BTreeMap::new(),
            waiting_at: HashMap::new(),
            backfill: None,
        })
    }

    /// Reads the records stored since the last read: each waits (in the
    /// linker too, where the records decided meanwhile can meet it) until its
    /// hold ends.
    fn read_new(&self, view: &mut View) -> Result<usize, StoreError> {
        let records = self
            .store
            .unlinked_records(view.cursor, self.settings.batch.max(1))?;
        let read = records.len();
        for r in records {
            view.cursor = view.cursor.max(r.seq);
            let id = r.record.envelope.record_id.clone();
            if view.waiting_at.contains_key(&id) {
                continue;
            }
            if self.settings.enabled {
                view.linker.add_provisional(NewReport {
                    id: &id,
                    report: &r.record.report,
                    channel: channel(&self.channels, &r),
                    premises: r.record.envelope.premises.as_ref(),
                });
            }
            // A record stored by an older release has no hold: due at once.
            let at = (r.link_due_at.unwrap_or(DateTime::<Utc>::MIN_UTC), r.seq);
            view.waiting_at.insert(id, at);
            view.waiting.insert(at, r);
        }
        Ok(read)
    }

    /// The records to decide now: a loaded backfill's in the order they
    /// happened (every one is in, so none needs its hold), else those whose
    /// hold has ended, in that order.
    fn due_now(&self, view: &mut View, now: DateTime<Utc>) -> Vec<LinkableRecord> {
        let batch = self.settings.batch.max(1);
        if self.holding.load(Ordering::Relaxed) && view.backfill.is_none() {
            let mut order: Vec<(Option<DateTime<Utc>>, i64, String)> = view
                .waiting
                .values()
                .map(|r| (occurred(r), r.seq, r.record.envelope.record_id.clone()))
                .collect();
            // Undated records last, in the order they were stored.
            order.sort_by_key(|r| (r.0.is_none(), r.0, r.1));
            tracing::info!(
                records = order.len(),
                "backfill read: linking it in the order things happened"
            );
            view.backfill = Some(order.into_iter().map(|(_, _, id)| id).collect());
        }
        if let Some(queue) = view.backfill.as_mut() {
            let mut due = Vec::new();
            while due.len() < batch {
                let Some(id) = queue.pop_front() else { break };
                if let Some(at) = view.waiting_at.get(&id)
                    && let Some(r) = view.waiting.get(at)
                {
                    due.push(r.clone());
                }
            }
            if !due.is_empty() {
                return due;
            }
        }
        view.waiting
            .range(..=(now, i64::MAX))
            .take(batch)
            .map(|(_, r)| r.clone())
            .collect()
    }

    /// Reads what arrived, decides the records whose hold has ended (with the
    /// waiting records they are one with) and commits it. The records of one
    /// payload falling due together are decided together. Returns how many
    /// were decided.
    fn link_some(&self, view: &mut View) -> Result<usize, StoreError> {
        let read = self.read_new(view)?;
        if self.holding.load(Ordering::Relaxed) && !self.loaded.load(Ordering::Relaxed) {
            // The archive is still coming in: read on, decide nothing yet.
            return Ok(read);
        }
        let now = Utc::now();
        let due = self.due_now(view, now);
        if due.is_empty() {
            return Ok(0);
        }
        let deliver_after = if self.holding.load(Ordering::Relaxed) {
            HELD_UNTIL_RELEASED
        } else {
            now
        };
        let mut decisions = Vec::with_capacity(due.len());
        let mut late: BTreeMap<String, usize> = BTreeMap::new();
        for group in
            due.chunk_by(|a, b| (a.payload_id, a.link_due_at) == (b.payload_id, b.link_due_at))
        {
            // Records pulled into an earlier group's decision are decided.
            let ids: Vec<&str> = group
                .iter()
                .map(|r| r.record.envelope.record_id.as_str())
                .filter(|id| view.waiting_at.contains_key(*id))
                .collect();
            let decided: Vec<(String, Assignment)> = if self.settings.enabled {
                view.linker.decide(&ids)
            } else {
                ids.iter().map(|id| (id.to_string(), alone(id))).collect()
            };
            for (id, a) in decided {
                let Some(r) = view.take(&id) else { continue };
                let when = occurred(&r);
                view.recent.push(when);
                let day = when.map(|t| t.with_timezone(&London).date_naive());
                if let (Some(d), Some(c)) = (day, view.cutoff)
                    && d < c
                {
                    *late.entry(r.record.envelope.source.clone()).or_default() += 1;
                }
                decisions.push(decision(&id, a, when, r.journaled_at, deliver_after));
            }
        }
        let count = decisions.len();
        let anchor = view.recent.anchor();
        let stats = self.store.commit_links(LinkBatch {
            generation: view.generation,
            sinks: self.sinks.clone(),
            decisions,
            anchor,
        })?;
        tracing::debug!(
            records = stats.records,
            new = stats.new_incidents,
            joined = stats.joined,
            merged = stats.merged,
            reviews = stats.reviews,
            "records linked"
        );
        for (source, n) in late {
            tracing::warn!(
                source = %source,
                records = n,
                window_days = self.settings.window_days,
                cutoff = ?view.cutoff,
                "records happened before the link window: they can only start incidents of their own; if this source's reports come this late, raise sources.<name>.link_window_days (or link.window_days)"
            );
        }
        if let Some(a) = anchor {
            let c = cutoff(a, self.settings.window_days);
            if view.cutoff.is_none_or(|old| c > old) {
                let gone = if self.settings.enabled {
                    view.linker.evict_before(c)
                } else {
                    0
                };
                if gone > 0 {
                    tracing::debug!(gone, cutoff = %c, "old reports left the linker");
                }
                view.cutoff = Some(c);
            }
        }
        Ok(count)
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
