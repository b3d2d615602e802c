//! The translate stage: journaled payloads in, records and quarantine entries out.

use super::record_id::record_id;
use crate::plugins::{AdapterPlugin, PluginError};
use crate::store::{
    CollectionAudit, QuarantineEntry, Stage, Store, StoredPayload, TranslatedRecord,
    TranslationOutcome, Work,
};
use bcgw_sdk::plugin::{Payload, metadata_keys};
use bcgw_sdk::schema::{Envelope, SCHEMA_VERSION, SourceRecord, validate_report};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
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

fn unknown_source(payload: &StoredPayload, sinks: &[String]) -> TranslationOutcome {
    TranslationOutcome {
        payload_id: payload.id,
        records: Vec::new(),
        quarantined: vec![{
            let mut q = QuarantineEntry::new(
                Stage::Translate,
                &payload.source,
                "unknown-source",
                format!(
                    "source {} is not in the configuration; add it back and replay this entry",
                    payload.source
                ),
            );
            q.payload_id = Some(payload.id);
            q
        }],
        sinks: sinks.to_vec(),
        audit: CollectionAudit {
            source: payload.source.clone(),
            ..CollectionAudit::default()
        },
    }
}

impl TranslateStage {
    /// Translates until `shutdown` turns true. Returns when in-flight work is committed.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let sinks: Arc<[String]> = self.sinks.clone().into();
        let mut in_flight: HashSet<i64> = HashSet::new();
        let mut tasks: JoinSet<(i64, Result<(), crate::store::StoreError>)> = JoinSet::new();
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
                let store = self.store.clone();
                let want = self.workers * 4;
                let after = cursor;
                let batch =
                    tokio::task::spawn_blocking(move || store.pending_payloads(after, want))
                        .await
                        .unwrap_or_else(|e| {
                            Err(crate::store::StoreError::Database {
                                context: "reading pending payloads",
                                message: e.to_string(),
                            })
                        });
                let batch = match batch {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the journal");
                        break;
                    }
                };
                let fresh: Vec<_> = batch
                    .into_iter()
                    .filter(|p| !in_flight.contains(&p.id))
                    .collect();
                if fresh.is_empty() {
                    // Start again from the oldest: replayed payloads may have lower ids.
                    cursor = None;
                    break;
                }
                cursor = fresh.last().map(|p| p.id);
                for payload in fresh {
                    in_flight.insert(payload.id);
                    // The plugin now: a reload after this leaves this payload on it.
                    let translator = self.plugins.translator(&payload.source);
                    let store = self.store.clone();
                    let sinks = sinks.clone();
                    let timing = self.timing;
                    tasks.spawn_blocking(move || {
                        let mut outcome = match &translator {
                            Some(t) => t.translate(&payload, &sinks),
                            None => unknown_source(&payload, &sinks),
                        };
                        for r in &mut outcome.records {
                            let e = &r.record.report.event;
                            let occurred = e.occurred_from.or(e.reported_at);
                            r.link_due_at = Some(timing.due(occurred, payload.received_at));
                        }
                        let id = payload.id;
                        let result = store.complete_translation(outcome).map(|stats| {
                            tracing::debug!(
                                payload = id,
                                new = stats.new_records,
                                duplicates = stats.duplicates,
                                quarantined = stats.quarantined,
                                "payload translated"
                            );
                        });
                        (id, result)
                    });
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
            if let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok((id, result)) => {
                        in_flight.remove(&id);
                        match result {
                            Ok(()) => failures = 0,
                            Err(e) => {
                                // The payload stays pending and is retried, backing off
                                // while the store cannot take writes (full, read-only).
                                failures = failures.saturating_add(1);
                                let wait = (self.idle_poll * 2u32.saturating_pow(failures.min(8)))
                                    .min(Duration::from_secs(5));
                                tracing::error!(payload = id, error = %e, retry_in_ms = wait.as_millis() as u64, "cannot commit a translation");
                                tokio::time::sleep(wait).await;
                            }
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "translate task failed"),
                }
            }
        }
        while let Some(joined) = tasks.join_next().await {
            if let Ok((_, Err(e))) = joined {
                tracing::error!(error = %e, "cannot commit a translation at shutdown; it will be redone on restart");
            }
        }
    }
}
