//! The translate stage: journaled payloads in, records and quarantine entries out.

use super::held::{Held, Holding};
use super::record_id::record_id;
use crate::events::{InternalEvent, TranslatePanicked};
use crate::plugins::{AdapterPlugin, PluginError};
use crate::store::{
    CollectionAudit, QuarantineEntry, Stage, Store, StoredPayload, TranslatedRecord,
    TranslationOutcome, Work,
};
use bcgw_sdk::plugin::{Payload, metadata_keys};
use bcgw_sdk::schema::{Envelope, SCHEMA_VERSION, SourceRecord, validate_report};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Translates payloads of one source with its adapter.
pub struct Translator {
    /// The configured source name.
    pub source: String,
    /// Its adapter.
    pub plugin: Arc<AdapterPlugin>,
    /// The adapter's config as JSON text.
    pub config_json: String,
    /// The information sharing agreement: its id is recorded on every record,
    /// its field policy applied before a record is stored.
    pub isa: Option<Arc<crate::policy::IsaPolicy>>,
    /// The member registers its reports' premises are resolved against, if any.
    pub members: Option<crate::members::SourceMembers>,
}

impl Translator {
    fn entry(
        &self,
        payload: &StoredPayload,
        stage: Stage,
        kind: &str,
        reason: String,
    ) -> QuarantineEntry {
        let mut q = QuarantineEntry::new(stage, &self.source, kind, reason)
            .with_plugin(self.plugin.name_version(), self.plugin.sha256());
        q.payload_id = Some(payload.id);
        q
    }

    /// Translates and validates one payload. Never fails: whatever goes wrong becomes
    /// a quarantine entry in the outcome.
    pub fn translate(&self, payload: &StoredPayload, sinks: &[String]) -> TranslationOutcome {
        let mut outcome = TranslationOutcome {
            payload_id: payload.id,
            records: Vec::new(),
            quarantined: Vec::new(),
            sinks: sinks.to_vec(),
            audit: CollectionAudit {
                source: self.source.clone(),
                plugin: self.plugin.name_version(),
                isa: self.isa.as_ref().map(|i| i.id.clone()),
                removed: Vec::new(),
            },
        };
        let mut metadata = payload.metadata.clone();
        if !metadata
            .iter()
            .any(|(k, _)| k == metadata_keys::RECEIVED_AT)
        {
            metadata.push((
                metadata_keys::RECEIVED_AT.into(),
                payload.received_at.to_rfc3339(),
            ));
        }
        let input = Payload {
            bytes: payload.bytes.clone(),
            content_type: payload.content_type.clone(),
            source: payload.source.clone(),
            metadata,
            config: self.config_json.clone(),
        };
        let translated = match self.plugin.translate(input, payload.received_at) {
            Ok(t) => t,
            Err(e) => {
                let kind = match &e {
                    PluginError::Adapter { error, .. } => error.kind(),
                    other => other.kind(),
                };
                tracing::warn!(payload = payload.id, source = %self.source, kind, "payload quarantined: plugin failed");
                outcome.quarantined.push(self.entry(
                    payload,
                    Stage::Translate,
                    kind,
                    e.to_string(),
                ));
                return outcome;
            }
        };
        for reject in translated.rejects {
            let mut q = self.entry(
                payload,
                Stage::Translate,
                reject.error.kind(),
                reject.error.to_string(),
            );
            q.item_index = Some(reject.index);
            q.line = reject.line;
            outcome.quarantined.push(q);
        }
        let plugin = self.plugin.name_version();
        // The journal's identity may include a scope (an MQTT topic); the envelope
        // carries the digest of the raw bytes alone.
        let raw_sha256 = crate::plugins::sha256_hex(&payload.bytes);
        let fields = self.isa.as_ref().and_then(|i| i.fields.as_ref());
        for (i, mut report) in translated.reports.into_iter().enumerate() {
            // Fields outside the agreement go before anything else sees the
            // report: they are never stored, hashed into an id or sent.
            let removed = fields.map(|f| f.apply(&mut report)).unwrap_or_default();
            // A report refused here: its place in the payload and, once known, its id.
            let refuse = |kind: &str, reason: String, id: Option<String>| {
                let mut q = self.entry(payload, Stage::Validate, kind, reason);
                q.item_index = u32::try_from(i).ok();
                q.record_id = id;
                q
            };
            let id = match record_id(&self.source, &report) {
                Ok(id) => id,
                Err(e) => {
                    outcome
                        .quarantined
                        .push(refuse("record-id", e.to_string(), None));
                    continue;
                }
            };
            let violations = validate_report(&report, payload.received_at);
            if !violations.is_empty() {
                let reason = violations
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                let reason = format!("report breaks schema rules: {reason}");
                outcome.quarantined.push(refuse("schema", reason, Some(id)));
                continue;
            }
            // Which member premises it is: resolved once, here, and kept.
            let premises = self
                .members
                .as_ref()
                .map(|m| m.resolve(&report, &payload.metadata));
            let record = SourceRecord {
                envelope: Envelope {
                    record_id: id,
                    source: self.source.clone(),
                    received_at: payload.received_at,
                    raw_sha256: raw_sha256.clone(),
                    schema_version: SCHEMA_VERSION.into(),
                    isa: self.isa.as_ref().map(|i| i.id.clone()),
                    plugin: plugin.clone(),
                    premises,
                },
                report,
            };
            let id = record.envelope.record_id.clone();
            match TranslatedRecord::new(record) {
                Ok(r) => {
                    if !removed.is_empty() {
                        outcome.audit.removed.push((id, removed));
                    }
                    outcome.records.push(r)
                }
                Err(e) => {
                    let reason = format!("the report cannot be stored as JSON: {e}");
                    outcome
                        .quarantined
                        .push(refuse("encoding", reason, Some(id)));
                }
            }
        }
        outcome
    }
}

/// Runs translation for every source: takes pending payloads from the journal,
/// translates them on a blocking pool, commits each outcome.
#[derive(Clone)]
pub struct TranslateStage {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Translators by source name, as now (a reload swaps them).
    pub plugins: Arc<crate::reload::LivePlugins>,
    /// Sinks every record is queued for.
    pub sinks: Vec<String>,
    /// Payloads translated at once.
    pub workers: usize,
    /// How long to wait when there is nothing to do.
    pub idle_poll: Duration,
    /// When each record falls due for linking (its hold).
    pub timing: super::link::LinkTiming,
}

/// The outcome of a payload the stage will not translate: one quarantine entry
/// of `kind` for `reason`, nothing stored.
fn refused(
    payload: &StoredPayload,
    translator: Option<&Translator>,
    sinks: &[String],
    kind: &str,
    reason: String,
) -> TranslationOutcome {
    let mut q = QuarantineEntry::new(Stage::Translate, &payload.source, kind, reason);
    q.payload_id = Some(payload.id);
    if let Some(t) = translator {
        q = q.with_plugin(t.plugin.name_version(), t.plugin.sha256());
    }
    TranslationOutcome {
        payload_id: payload.id,
        records: Vec::new(),
        quarantined: vec![q],
        sinks: sinks.to_vec(),
        audit: CollectionAudit {
            source: payload.source.clone(),
            plugin: translator
                .map(|t| t.plugin.name_version())
                .unwrap_or_default(),
            isa: translator.and_then(|t| t.isa.as_ref().map(|i| i.id.clone())),
            ..CollectionAudit::default()
        },
    }
}

fn unknown_source(payload: &StoredPayload, sinks: &[String]) -> TranslationOutcome {
    let reason = format!(
        "source {} is not in the configuration; add it back and replay this entry",
        payload.source
    );
    refused(payload, None, sinks, "unknown-source", reason)
}

/// What a translation task returns: whether its outcome was committed.
type TaskResult = Result<(), crate::store::StoreError>;

impl TranslateStage {
    /// Translates until `shutdown` turns true. Returns when in-flight work is committed.
    ///
    /// A task that panics (a bug in bcgw: a plugin's panic is a trap, an error
    /// like any other) gives its payload back: it is translated again after a
    /// backoff, and quarantined with the reason once it has panicked
    /// [`MAX_PANICS`](super::held::MAX_PANICS) times; each panic is a
    /// [`TranslatePanicked`] event.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let sinks: Arc<[String]> = self.sinks.clone().into();
        let mut held = Held::default();
        let mut tasks: JoinSet<TaskResult> = JoinSet::new();
        let mut cursor: Option<i64> = None;
        let mut failures: u32 = 0;
        // Journal commits wake the stage; the idle poll is the fallback.
        let mut journaled = self.store.wakeups().listen(Work::Translate);
        loop {
            if *shutdown.borrow() {
                break;
            }
            crate::supervise::progress();
            while tasks.len() < self.workers {
                // Before reading: a payload journaled after this wakes the wait below.
                journaled.mark_heard();
                let Some(batch) = self.pending(cursor).await else {
                    break;
                };
                let now = Instant::now();
                let fresh: Vec<_> = batch.into_iter().filter(|p| held.free(p.id, now)).collect();
                if fresh.is_empty() {
                    // Start again from the oldest: replayed payloads may have lower ids.
                    cursor = None;
                    break;
                }
                cursor = fresh.last().map(|p| p.id);
                for payload in fresh {
                    self.start(&mut tasks, &mut held, payload, &sinks);
                    if tasks.len() >= self.workers * 2 {
                        break;
                    }
                }
            }
            if tasks.is_empty() {
                tokio::select! {
                    _ = journaled.wait(self.idle_poll) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            match tasks.join_next_with_id().await {
                Some(Ok((task, result))) => {
                    let committed = result.is_ok();
                    let holding = held.finish(task, committed);
                    match result {
                        Ok(()) => failures = 0,
                        Err(e) => {
                            // The payload stays pending and is retried, backing off
                            // while the store cannot take writes (full, read-only).
                            failures = failures.saturating_add(1);
                            let wait = (self.idle_poll * 2u32.saturating_pow(failures.min(8)))
                                .min(Duration::from_secs(5));
                            let payload = holding.map(|h| h.payload);
                            tracing::error!(payload, error = %e, retry_in_ms = wait.as_millis() as u64, "cannot commit a translation");
                            tokio::time::sleep(wait).await;
                        }
                    }
                }
                Some(Err(e)) => released(&mut held, e.id()),
                None => {}
            }
        }
        while let Some(joined) = tasks.join_next_with_id().await {
            match joined {
                Ok((_, Err(e))) => {
                    tracing::error!(error = %e, "cannot commit a translation at shutdown; it will be redone on restart");
                }
                Ok(_) => {}
                Err(e) => released(&mut held, e.id()),
            }
        }
    }

    /// Pending payloads after `cursor`; `None` if the journal cannot be read.
    async fn pending(&self, cursor: Option<i64>) -> Option<Vec<StoredPayload>> {
        let store = self.store.clone();
        let want = self.workers * 4;
        let read = tokio::task::spawn_blocking(move || store.pending_payloads(cursor, want))
            .await
            .unwrap_or_else(|e| {
                Err(crate::store::StoreError::Database {
                    context: "reading pending payloads",
                    message: e.to_string(),
                })
            });
        read.map_err(|e| tracing::error!(error = %e, "cannot read the journal"))
            .ok()
    }

    /// Starts translating `payload` (or, once it has panicked too often,
    /// quarantining it) and commits the outcome, on the blocking pool.
    fn start(
        &self,
        tasks: &mut JoinSet<TaskResult>,
        held: &mut Held,
        payload: StoredPayload,
        sinks: &Arc<[String]>,
    ) {
        // The plugin now: a reload after this leaves this payload on it.
        let translator = self.plugins.translator(&payload.source);
        let store = self.store.clone();
        let sinks = sinks.clone();
        let timing = self.timing;
        let panics = held
            .to_quarantine(payload.id)
            .then(|| held.panics(payload.id));
        let holding = Holding {
            payload: payload.id,
            source: payload.source.clone(),
        };
        let task = tasks.spawn_blocking(move || {
            let mut outcome = match (&translator, panics) {
                (_, Some(n)) => {
                    let reason = format!(
                        "translating this payload panicked {n} times: a bug in bcgw, not in the \
                         payload or its plugin (the daemon's log has the panic); replay this \
                         entry once bcgw is fixed"
                    );
                    refused(&payload, translator.as_deref(), &sinks, "panic", reason)
                }
                (Some(t), None) => t.translate(&payload, &sinks),
                (None, None) => unknown_source(&payload, &sinks),
            };
            for r in &mut outcome.records {
                let e = &r.record.report.event;
                let occurred = e.occurred_from.or(e.reported_at);
                r.link_due_at = Some(timing.due(occurred, payload.received_at));
            }
            let id = payload.id;
            store.complete_translation(outcome).map(|stats| {
                tracing::debug!(
                    payload = id,
                    new = stats.new_records,
                    duplicates = stats.duplicates,
                    quarantined = stats.quarantined,
                    "payload translated"
                );
            })
        });
        held.start(task.id(), holding);
    }
}

/// A task panicked: its payload is released, to be translated again (or
/// quarantined) after a backoff.
fn released(held: &mut Held, task: tokio::task::Id) {
    if let Some((holding, r)) = held.panicked(task, Instant::now()) {
        TranslatePanicked {
            source: &holding.source,
            payload: holding.payload,
            panics: r.panics,
            retry_in: r.retry_in,
            quarantine: r.quarantine,
        }
        .emit();
    }
}
