//! A stage task that panics gives back what it held, without a restart: the
//! payload is translated again (quarantined with the reason after repeated
//! panics), the outbox row is claimed again after a backoff, and each panic is
//! counted. In process, over a real SQLite store and a real adapter: what panics
//! is a store that flinches while committing chosen payloads, and a sink that
//! flinches on its first delivery.

use crate::helpers::{journal_one, open_store, wait_for};
use bcgw::pipeline::link::LinkTiming;
use bcgw::pipeline::{TranslateStage, Translator};
use bcgw::reload::LivePlugins;
use bcgw::sinks::breaker::Breaker;
use bcgw::sinks::{Attempt, BreakerConfig, DeliveryWorker, Outgoing, RetryConfig, Sink};
use bcgw::store::sqlite::SqliteStore;
use bcgw::store::*;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often `component` has counted a panic of `kind`.
fn panics_counted(component: &str, kind: &str) -> u64 {
    bcgw::events::component_errors()
        .into_iter()
        .find(|((c, k, s), _)| c == component && *k == kind && *s == "panic")
        .map_or(0, |(_, n)| n)
}

/// A real store that panics while committing the translation of chosen payloads,
/// as many times as planned, and notes when each commit was tried.
struct Flinching {
    inner: SqliteStore,
    /// Panics left, by payload id.
    plan: Mutex<HashMap<i64, u32>>,
    /// When a commit was tried, by payload id, and whether it panicked.
    tried: Mutex<HashMap<i64, Vec<(Instant, bool)>>>,
}

impl Flinching {
    fn tries(&self, payload: i64) -> Vec<(Instant, bool)> {
        let tried = self.tried.lock().unwrap_or_else(|e| e.into_inner());
        tried.get(&payload).cloned().unwrap_or_default()
    }
}

impl Store for Flinching {
    fn complete_translation(&self, outcome: TranslationOutcome) -> Result<CommitStats, StoreError> {
        let id = outcome.payload_id;
        let flinch = {
            let mut plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
            match plan.get_mut(&id) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        };
        self.tried
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id)
            .or_default()
            .push((Instant::now(), flinch));
        if flinch {
            panic!("test store: flinching at payload {id}");
        }
        self.inner.complete_translation(outcome)
    }

    fn append_payloads(&self, batch: Vec<NewPayload>) -> Result<Vec<Appended>, StoreError> {
        self.inner.append_payloads(batch)
    }
    fn append_page(
        &self,
        batch: Vec<NewPayload>,
        source: &str,
        cursor: Option<String>,
    ) -> Result<Vec<Appended>, StoreError> {
        self.inner.append_page(batch, source, cursor)
    }
    fn cursor(&self, source: &str) -> Result<Option<String>, StoreError> {
        self.inner.cursor(source)
    }
    fn pending_payloads(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredPayload>, StoreError> {
        self.inner.pending_payloads(after, limit)
    }
    fn due_deliveries(
        &self,
        sink: &str,
        after: Option<&str>,
        now: DateTime<Utc>,
        limit: usize,
        in_flight: &[i64],
    ) -> Result<Vec<Delivery>, StoreError> {
        self.inner
            .due_deliveries(sink, after, now, limit, in_flight)
    }
    fn finish_deliveries(&self, results: Vec<DeliveryResult>) -> Result<(), StoreError> {
        self.inner.finish_deliveries(results)
    }
    fn next_due(
        &self,
        sink: &str,
        after: Option<&str>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.inner.next_due(sink, after)
    }
    fn quarantine_list(
        &self,
        filter: &QuarantineFilter,
    ) -> Result<Vec<QuarantineEntry>, StoreError> {
        self.inner.quarantine_list(filter)
    }
    fn quarantine_get(
        &self,
        id: i64,
    ) -> Result<Option<(QuarantineEntry, Option<StoredPayload>)>, StoreError> {
        self.inner.quarantine_get(id)
    }
    fn quarantine_replay(&self, ids: &[i64]) -> Result<ReplayStats, StoreError> {
        self.inner.quarantine_replay(ids)
    }
    fn receipt(&self, source: &str, payload_id: i64) -> Result<Option<Receipt>, StoreError> {
        self.inner.receipt(source, payload_id)
    }
    fn unlinked_records(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<LinkableRecord>, StoreError> {
        self.inner.unlinked_records(after, limit)
    }
    fn linked_records(
        &self,
        since: DateTime<Utc>,
        each: &mut dyn FnMut(LinkableRecord),
    ) -> Result<(), StoreError> {
        self.inner.linked_records(since, each)
    }
    fn link_window(&self, recent: usize) -> Result<LinkWindow, StoreError> {
        self.inner.link_window(recent)
    }
    fn release_held(&self) -> Result<usize, StoreError> {
        self.inner.release_held()
    }
    fn link_generation(&self) -> Result<i64, StoreError> {
        self.inner.link_generation()
    }
    fn commit_links(&self, batch: LinkBatch) -> Result<LinkStats, StoreError> {
        self.inner.commit_links(batch)
    }
    fn reviews(&self, all: bool, limit: usize) -> Result<Vec<ReviewItem>, StoreError> {
        self.inner.reviews(all, limit)
    }
    fn review_item(&self, id: i64) -> Result<Option<ReviewItem>, StoreError> {
        self.inner.review_item(id)
    }
    fn incident(&self, id: &str) -> Result<Option<IncidentView>, StoreError> {
        self.inner.incident(id)
    }
    fn incident_of(&self, record_id: &str) -> Result<Option<String>, StoreError> {
        self.inner.incident_of(record_id)
    }
    fn decide(&self, decision: Decision, by: DecidedBy) -> Result<DecisionOutcome, StoreError> {
        self.inner.decide(decision, by)
    }
    fn stats(&self) -> Result<StoreStats, StoreError> {
        self.inner.stats()
    }
    fn unresolved_premises(
        &self,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UnresolvedPremises>, StoreError> {
        self.inner.unresolved_premises(source, limit)
    }
    fn backlog(&self) -> Result<Backlog, StoreError> {
        self.inner.backlog()
    }
    fn wakeups(&self) -> &Wakeups {
        self.inner.wakeups()
    }
    fn purge(&self, cut: RetentionCut, chunk: usize) -> Result<PurgeStats, StoreError> {
        self.inner.purge(cut, chunk)
    }
    fn subject_access(
        &self,
        q: &subject::SubjectQuery,
        actor: &str,
        reason: &str,
    ) -> Result<subject::SubjectFindings, StoreError> {
        self.inner.subject_access(q, actor, reason)
    }
    fn erase(
        &self,
        q: &subject::SubjectQuery,
        actor: &str,
        reason: &str,
    ) -> Result<subject::ErasureReport, StoreError> {
        self.inner.erase(q, actor, reason)
    }
    fn audit(&self, events: Vec<bcgw::audit::AuditEvent>) -> Result<(), StoreError> {
        self.inner.audit(events)
    }
    fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.inner.audit_head()
    }
    fn audit_evidence(&self) -> Result<bcgw::audit::Evidence, StoreError> {
        self.inner.audit_evidence()
    }
    fn audit_entries(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        each: &mut dyn FnMut(bcgw::audit::StoredEntry) -> bool,
    ) -> Result<(), StoreError> {
        self.inner.audit_entries(from, to, each)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn a_translation_that_panics_gives_its_payload_back_and_repeated_panics_quarantine_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = "panicky-shop";
    let store = Arc::new(Flinching {
        inner: open_store(&dir.path().join("bcgw.sqlite")),
        plan: Mutex::default(),
        tried: Mutex::default(),
    });
    let now = Utc::now();
    let journal =
        |text: &str| journal_one(store.as_ref(), source, "text/plain", text.as_bytes(), now);
    let (once, thrice, calm) = (
        journal("panics once"),
        journal("panics thrice"),
        journal("calm"),
    );
    store.plan.lock().unwrap().extend([(once, 1), (thrice, 3)]);
    let engine = crate::helpers::engine();
    let plugin = crate::helpers::load(
        &engine,
        bcgw_test_artifacts::HOSTILE,
        bcgw::plugins::SandboxLimits::default(),
    );
    let translator = Translator {
        source: source.into(),
        plugin: Arc::new(plugin),
        config_json: r#"{"attack": "echo"}"#.into(),
        isa: None,
        members: None,
    };
    let stage = TranslateStage {
        store: store.clone(),
        plugins: Arc::new(LivePlugins::new(
            HashMap::from([(source.to_string(), Arc::new(translator))]),
            HashMap::new(),
        )),
        sinks: vec![],
        workers: 2,
        idle_poll: Duration::from_millis(20),
        timing: LinkTiming {
            enabled: false,
            hold: chrono::Duration::zero(),
        },
    };
    let rt = runtime();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = rt.spawn(stage.run(stopped));

    // The payload whose commit panicked once is translated, no restart needed.
    let records = |id| {
        store
            .receipt(source, id)
            .unwrap()
            .map_or(0, |r| r.records.len())
    };
    wait_for(
        "the payload that panicked once",
        Duration::from_secs(10),
        || (records(once) == 1 && records(calm) == 1).then_some(()),
    );
    let tries = store.tries(once);
    assert_eq!(tries.iter().map(|t| t.1).collect::<Vec<_>>(), [true, false]);
    eprintln!(
        "a panicked payload was taken again {} ms after its panic",
        (tries[1].0 - tries[0].0).as_millis()
    );
    // The one that panics thrice is quarantined with the reason, not retried for ever.
    let quarantined = wait_for(
        "the payload that panics thrice",
        Duration::from_secs(20),
        || {
            let q = store
                .quarantine_list(&QuarantineFilter {
                    open_only: true,
                    component: Some(source.into()),
                    limit: None,
                })
                .unwrap();
            q.into_iter().find(|e| e.payload_id == Some(thrice))
        },
    );
    assert_eq!(quarantined.error_kind, "panic");
    assert!(
        quarantined.reason.contains("panicked 3 times"),
        "{}",
        quarantined.reason
    );
    assert_eq!(store.backlog().unwrap().payloads_pending, 0);
    rt.block_on(async {
        let _ = stop.send(true);
        running.await
    })
    .expect("the stage ran to its end");
    // Three panics of it, then its quarantine entry (no records): nothing after.
    assert_eq!(records(thrice), 0);
    let tries = store.tries(thrice);
    assert_eq!(tries.iter().filter(|t| t.1).count(), 3, "{tries:?}");
    assert_eq!(tries.len(), 4, "{tries:?}");
    assert_eq!(panics_counted(source, "translate"), 4);
}

/// A sink that panics on its first delivery, then delivers.
#[derive(Default)]
struct FlinchingSink {
    attempts: Mutex<Vec<Instant>>,
}

#[async_trait::async_trait]
impl Sink for FlinchingSink {
    async fn deliver(&self, outgoing: &Outgoing<'_>) -> Attempt {
        let first = {
            let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
            attempts.push(Instant::now());
            attempts.len() == 1
        };
        if first {
            panic!("test sink: flinching at {}", outgoing.key);
        }
        Attempt::Delivered(format!("OCC-{}", outgoing.key))
    }
}

#[test]
fn a_delivery_that_panics_gives_its_row_back_to_be_retried_after_a_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open_store(&dir.path().join("bcgw.sqlite")));
    let sink_name = "flinching-niche";
    let payload = journal_one(store.as_ref(), "shop", "text/plain", b"one", Utc::now());
    let record = bcgw_sdk::schema::SourceRecord {
        envelope: bcgw_sdk::schema::Envelope {
            record_id: "rec-panic-1".into(),
            source: "shop".into(),
            received_at: Utc::now(),
            raw_sha256: "00".repeat(32),
            schema_version: "1".into(),
            isa: None,
            plugin: "test@1".into(),
            premises: None,
        },
        report: bcgw_sdk::schema::Report {
            source_system: "shop".into(),
            ..Default::default()
        },
    };
    store
        .complete_translation(TranslationOutcome {
            payload_id: payload,
            records: vec![TranslatedRecord::new(record).expect("encodes")],
            quarantined: vec![],
            sinks: vec![sink_name.into()],
            audit: Default::default(),
        })
        .unwrap();
    store
        .commit_links(LinkBatch {
            generation: store.link_generation().unwrap(),
            sinks: vec![sink_name.into()],
            decisions: vec![LinkDecision {
                record_id: "rec-panic-1".into(),
                incident_id: "rec-panic-1".into(),
                new_incident: true,
                merged: vec![],
                linked_to: None,
                score: None,
                explanation: None,
                review: None,
                occurred_at: None,
                journaled_at: Utc::now(),
                deliver_after: Utc::now(),
            }],
            anchor: None,
        })
        .unwrap();
    let sink = Arc::new(FlinchingSink::default());
    let worker = DeliveryWorker {
        name: sink_name.into(),
        store: store.clone(),
        plugins: Arc::new(LivePlugins::default()),
        after: None,
        sink: sink.clone(),
        concurrency: 2,
        retry: RetryConfig {
            initial_ms: 200,
            max_ms: 2_000,
            max_retry_after_ms: 2_000,
        },
        breaker: Breaker::new(BreakerConfig::default()),
        idle_poll: Duration::from_millis(20),
    };
    let rt = runtime();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = rt.spawn(worker.run(stopped));

    let delivered = || store.stats().unwrap().delivered;
    wait_for(
        "the row claimed again and delivered",
        Duration::from_secs(10),
        || (delivered() == [(sink_name.to_string(), 1)]).then_some(()),
    );
    rt.block_on(async {
        let _ = stop.send(true);
        running.await
    })
    .expect("the worker ran to its end");
    let attempts = sink.attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 2, "one panic, one delivery");
    let gap = attempts[1] - attempts[0];
    eprintln!(
        "a panicked delivery was claimed again {} ms after its panic",
        gap.as_millis()
    );
    // Retried after the backoff (200 ms, jittered down to half), not at once.
    assert!(gap >= Duration::from_millis(100), "{gap:?}");
    assert_eq!(panics_counted(sink_name, "sink"), 1);
}
