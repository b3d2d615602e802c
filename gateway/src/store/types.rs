//! What goes in and out of the store.

use super::states::{QuarantineState, Stage};
use bcgw_sdk::schema::SourceRecord;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A raw payload as a source received it, before it is journaled.
#[derive(Debug, Clone)]
pub struct NewPayload {
    /// The configured source name.
    pub source: String,
    /// When the source received it.
    pub received_at: DateTime<Utc>,
    /// Media type.
    pub content_type: String,
    /// Source metadata (file name, first line, topic...).
    pub metadata: Vec<(String, String)>,
    /// The raw bytes.
    pub bytes: Vec<u8>,
    /// Where it came from, for the audit trail (e.g. `week45.csv#2`). No personal data.
    pub origin: String,
    /// What else, beside the bytes, makes this payload the one it is. `None`: the
    /// same bytes from the same source are the same payload (a re-dropped file).
    /// An MQTT source sets the topic (the same alert text on two towns' topics is
    /// two alerts); a source that never receives a payload twice sets something
    /// unique, so identical frames stay separate reports.
    pub identity_scope: Option<String>,
    /// Set when the source already knows the bytes cannot be used (a serial frame
    /// too long, bytes outside any frame): the payload is journaled but held out of
    /// translation, with a quarantine entry at the `receive` stage giving the
    /// reason. `bcgw quarantine replay` sends it to the adapter after all.
    pub hold: Option<Hold>,
}

/// Why a source holds a payload back from translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// A short stable kind, e.g. `frame-too-long`.
    pub error_kind: String,
    /// The reason, without the bytes.
    pub reason: String,
}

/// The result of journaling one payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Stored with this id.
    New(i64),
    /// Already in the journal with this id; nothing stored.
    Duplicate(i64),
}

/// A journaled payload.
#[derive(Debug, Clone)]
pub struct StoredPayload {
    /// Journal id.
    pub id: i64,
    /// The configured source name.
    pub source: String,
    /// When the source received it.
    pub received_at: DateTime<Utc>,
    /// Media type.
    pub content_type: String,
    /// Source metadata.
    pub metadata: Vec<(String, String)>,
    /// The raw bytes.
    pub bytes: Vec<u8>,
    /// The payload's identity in the journal, hex: the SHA-256 of the bytes, or of
    /// the identity scope and the bytes when the source set one
    /// ([`NewPayload::identity_scope`]).
    pub sha256: String,
    /// Where it came from.
    pub origin: String,
}

/// Something kept aside with the reason, for a person to look at and replay.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineEntry {
    /// Id (0 before it is stored).
    pub id: i64,
    /// The stage that refused it.
    pub stage: Stage,
    /// The payload it came from (translate and validate stages).
    pub payload_id: Option<i64>,
    /// The outbox entry (deliver stage).
    pub outbox_id: Option<i64>,
    /// The configured source or sink name.
    pub component: String,
    /// Position of the item in the payload, if the problem is one item.
    pub item_index: Option<u32>,
    /// Line in the original file, if known.
    pub line: Option<u32>,
    /// The record id, if the report got that far.
    pub record_id: Option<String>,
    /// A short stable kind (`invalid-field`, `deadline-exceeded`, `schema`...).
    pub error_kind: String,
    /// The full reason. Never contains field values.
    pub reason: String,
    /// The plugin as `name@version`.
    pub plugin: String,
    /// The plugin file's SHA-256.
    pub plugin_sha256: String,
    /// When it was quarantined.
    pub created_at: DateTime<Utc>,
    /// Open, or replayed once sent back through the pipeline.
    pub state: QuarantineState,
}

impl QuarantineEntry {
    /// A new open entry, not yet stored, for the source or sink `component`:
    /// nothing about the item's place or the plugin yet (see the `with_*` methods
    /// and the public fields).
    pub fn new(
        stage: Stage,
        component: impl Into<String>,
        error_kind: impl Into<String>,
        reason: impl Into<String>,
    ) -> QuarantineEntry {
        QuarantineEntry {
            id: 0,
            stage,
            payload_id: None,
            outbox_id: None,
            component: component.into(),
            item_index: None,
            line: None,
            record_id: None,
            error_kind: error_kind.into(),
            reason: reason.into(),
            plugin: String::new(),
            plugin_sha256: String::new(),
            created_at: Utc::now(),
            state: QuarantineState::Open,
        }
    }

    /// The plugin that was running, as `name@version` and its file's SHA-256.
    pub fn with_plugin(mut self, name_version: String, sha256: impl Into<String>) -> Self {
        self.plugin = name_version;
        self.plugin_sha256 = sha256.into();
        self
    }
}

/// A translated record with its stored form, made where the translation ran
/// (many at once on the blocking pool) so that the store's single writer thread
/// only writes it.
#[derive(Debug, Clone)]
pub struct TranslatedRecord {
    /// The record.
    pub record: SourceRecord,
    /// The record as stored: compact JSON.
    pub json: String,
    /// [`report_content_sha256`] of its report.
    pub content_sha256: String,
    /// When the link stage should decide its incident: the end of its hold
    /// (`crate::pipeline::link::due`). `None`: at once.
    pub link_due_at: Option<DateTime<Utc>>,
}

impl TranslatedRecord {
    /// Encodes `record` for the store.
    pub fn new(record: SourceRecord) -> Result<TranslatedRecord, serde_json::Error> {
        Ok(TranslatedRecord {
            json: serde_json::to_string(&record)?,
            content_sha256: report_content_sha256(&record.report)?,
            record,
            link_due_at: None,
        })
    }
}

/// The content hash of a report: what tells an amendment (same record id, new
/// content) from a repeat. The envelope (receipt time, raw payload hash, plugin)
/// is left out: the same report in another payload is the same content.
pub fn report_content_sha256(
    report: &bcgw_sdk::schema::Report,
) -> Result<String, serde_json::Error> {
    Ok(crate::plugins::sha256_hex(&serde_json::to_vec(report)?))
}

/// The outcome of translating one payload.
#[derive(Debug, Clone)]
pub struct TranslationOutcome {
    /// The payload.
    pub payload_id: i64,
    /// Valid records, with envelopes, encoded for the store.
    pub records: Vec<TranslatedRecord>,
    /// Items (or the whole payload) that failed.
    pub quarantined: Vec<QuarantineEntry>,
    /// Sinks every new record is queued for.
    pub sinks: Vec<String>,
    /// What the audit entry of this collection says beyond the records.
    pub audit: CollectionAudit,
}

/// What the translate stage knows for the audit log that the store does not:
/// who translated, under which agreement, and which fields it took out.
#[derive(Debug, Clone, Default)]
pub struct CollectionAudit {
    /// The source.
    pub source: String,
    /// The adapter, `name@version`.
    pub plugin: String,
    /// The source's agreement id.
    pub isa: Option<String>,
    /// Per record id, the fields the agreement took out (paths, never values).
    pub removed: Vec<(String, crate::policy::fields::Removed)>,
}

/// What committing a translation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Records stored for the first time.
    pub new_records: usize,
    /// Records already stored from another payload (exact duplicates removed).
    pub duplicates: usize,
    /// Known records with new content: a new version, and an update queued.
    pub amended: usize,
    /// New content for a known record from a payload received before the current
    /// version's: kept in the history, not made current.
    pub superseded: usize,
    /// Quarantine entries written.
    pub quarantined: usize,
}

/// One delivery to make: an incident for a sink.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Outbox id.
    pub outbox_id: i64,
    /// The sink.
    pub sink: String,
    /// The incident id, also the idempotency key.
    pub incident_id: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The records of the incident.
    pub records: Vec<SourceRecord>,
    /// For a sink that delivers after another (`after = "<sink>"`): what that
    /// sink answered (the Niche occurrence reference), or `None` when it gave up
    /// on the incident (dead-lettered).
    pub upstream_reference: Option<String>,
    /// The incident's revision this delivery brings the sink to: 0 for the first
    /// delivery, higher once reports were amended (or linked) after it.
    pub revision: i64,
    /// What this sink answered when it first took the incident (the occurrence
    /// reference): set when this delivery is an update of it.
    pub reference: Option<String>,
    /// What to do.
    pub action: DeliveryAction,
}

/// What a delivery asks of its sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryAction {
    /// Make the occurrence, or (with a reference) update it to show every report.
    Submit,
    /// The incident was merged into another: merge this occurrence into that
    /// one's (`reference`: what the sink answered for it; `None` when the sink gave
    /// up on it, so there is nothing to merge into).
    MergeInto {
        /// The surviving incident.
        incident_id: String,
        /// Its occurrence at this sink.
        reference: Option<String>,
    },
    /// The incident has no reports left: withdraw its occurrence.
    Withdraw,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub enum DeliveryResult {
    /// The sink accepted it; `reference` is what it answered (e.g. a Niche occurrence reference).
    Delivered {
        /// Outbox id.
        outbox_id: i64,
        /// The sink's reference.
        reference: String,
        /// The revision delivered ([`Delivery::revision`]).
        revision: i64,
        /// Whether it updated an occurrence the sink had already made.
        update: bool,
    },
    /// A temporary failure: try again at `next_attempt_at`.
    Retry {
        /// Outbox id.
        outbox_id: i64,
        /// What went wrong.
        error: String,
        /// When to try again.
        next_attempt_at: DateTime<Utc>,
    },
    /// A permanent failure: the delivery goes to quarantine.
    DeadLetter {
        /// Outbox id.
        outbox_id: i64,
        /// The quarantine entry to write.
        entry: Box<QuarantineEntry>,
    },
}

/// Which quarantine entries to list.
#[derive(Debug, Clone, Default)]
pub struct QuarantineFilter {
    /// Only open entries (not yet replayed).
    pub open_only: bool,
    /// Only this source or sink.
    pub component: Option<String>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// What a replay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// Payloads queued for translation again.
    pub payloads: usize,
    /// Deliveries queued again.
    pub deliveries: usize,
    /// Entries marked replayed.
    pub entries: usize,
}

/// Work still to do, from [`crate::store::Store::backlog`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Payloads waiting for translation.
    pub payloads_pending: u64,
    /// Deliveries pending, including scheduled retries, over all sinks.
    pub deliveries_pending: u64,
    /// Records waiting for the link stage.
    pub records_unlinked: u64,
}

/// Counts across the store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoreStats {
    /// Payloads journaled.
    pub payloads: u64,
    /// Payloads waiting for translation.
    pub payloads_pending: u64,
    /// Duplicate payloads the journal refused (same source and bytes).
    pub duplicate_payloads: u64,
    /// Records stored.
    pub records: u64,
    /// Exact duplicate records removed.
    pub duplicate_records: u64,
    /// Amendments: new versions of known records (same source id, new content).
    pub amended_records: u64,
    /// Updates of occurrences already delivered, per sink.
    pub updates_delivered: Vec<(String, u64)>,
    /// Deliveries made, per sink.
    pub delivered: Vec<(String, u64)>,
    /// Deliveries pending (including scheduled retries), per sink.
    pub pending: Vec<(String, u64)>,
    /// Deliveries dead-lettered, per sink.
    pub dead: Vec<(String, u64)>,
    /// Open quarantine entries by kind and reason, with counts.
    pub quarantine: Vec<(String, String, u64)>,
    /// Open quarantine entries in all.
    pub quarantined: u64,
    /// Incidents, links and the review queue.
    pub link: super::LinkCounts,
    /// How records' premises resolved against the member registers: per source
    /// and method (`bcrp-id`, `fuzzy`, `ambiguous`, `unresolved`...), the count
    /// (empty without registers).
    pub premises: Vec<(String, String, u64)>,
}

/// Premises the registers could not place (or not to one member), as the
/// reports wrote them: what a scheme manager fixes the register with.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnresolvedPremises {
    /// The source the reports came from.
    pub source: String,
    /// `unresolved` or `ambiguous`.
    pub method: String,
    /// The premises name as written.
    pub premises: String,
    /// The postcode as written, if any.
    pub postcode: Option<String>,
    /// For an ambiguous name: the members it could be.
    pub candidates: Vec<String>,
    /// How many records.
    pub records: u64,
    /// When the latest was stored.
    pub last_seen: DateTime<Utc>,
}

/// What became of one journaled payload, as the receipts endpoint tells the
/// platform that sent it. Ids, states and references only: no report content,
/// and no quarantine reasons (they may quote the payload).
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    /// The receipt id (the journal id), as the 202 gave it.
    pub receipt_id: String,
    /// The configured source.
    pub source: String,
    /// `journaled` (waiting for translation), `held` (kept out of translation,
    /// see `quarantined`) or `translated`.
    pub state: &'static str,
    /// When the gateway received it.
    pub received_at: DateTime<Utc>,
    /// When it was translated, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translated_at: Option<DateTime<Utc>>,
    /// The reports it held that were stored (new, amended, or repeats of stored ones).
    pub records: Vec<ReceiptRecord>,
    /// Items of it that were quarantined.
    pub quarantined: Vec<ReceiptProblem>,
}

/// One report of a receipt.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptRecord {
    /// The stable record id.
    pub record_id: String,
    /// `new`, `amended` (a new version of a known report), `superseded` (a
    /// version received before the current one, kept in the history only) or
    /// `duplicate` (the same content as a stored version).
    pub outcome: &'static str,
    /// The version this payload made (absent for a duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Each sink's delivery of the incident the report is part of.
    pub deliveries: Vec<ReceiptDelivery>,
}

/// One sink's delivery, as a receipt shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptDelivery {
    /// The sink.
    pub sink: String,
    /// `pending` (including updates waiting), `delivered` or `failed`.
    pub state: &'static str,
    /// What the sink answered (the Niche occurrence reference), once it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// One quarantined item of a receipt.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptProblem {
    /// The stage that refused it (`receive`, `translate`, `validate`, `deliver`).
    pub stage: String,
    /// A short stable kind (`invalid-field`, `schema`...).
    pub error_kind: String,
    /// The item's position in the payload, if the problem is one item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_index: Option<u32>,
    /// Its line, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// What one retention pass may purge: for a source (its agreement's days), or,
/// with no source, the fallback for what belongs to none. Each time is a cut
/// in Unix milliseconds: older goes; `None` keeps the class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionCut {
    /// The source, or `None` for the fallback pass.
    pub source: Option<String>,
    /// Its agreement id (audit entries under it are pruned by `audit_before`).
    pub isa: Option<String>,
    /// Raw payloads received before this.
    pub raw_payload_before: Option<i64>,
    /// Records whose current version was stored before this.
    pub record_before: Option<i64>,
    /// Quarantine entries made before this.
    pub quarantine_before: Option<i64>,
    /// Audit entries appended before this.
    pub audit_before: Option<i64>,
    /// For the fallback pass: the sources that have passes of their own.
    pub other_sources: Vec<String>,
    /// For the fallback pass: the agreements whose audit entries have their own days.
    pub other_isas: Vec<String>,
}

/// A class of data retention purges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeClass {
    /// Raw payloads.
    RawPayloads,
    /// Records.
    Records,
    /// Quarantine entries.
    QuarantineEntries,
    /// Audit entries.
    AuditEntries,
}

impl PurgeClass {
    /// Its name in the audit log and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            PurgeClass::RawPayloads => "raw payloads",
            PurgeClass::Records => "records",
            PurgeClass::QuarantineEntries => "quarantine entries",
            PurgeClass::AuditEntries => "audit entries",
        }
    }
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeStats {
    /// Raw payloads emptied.
    pub raw_payloads: usize,
    /// Records deleted.
    pub records: usize,
    /// Quarantine entries deleted.
    pub quarantine_entries: usize,
    /// Audit entries pruned.
    pub audit_entries: usize,
}

impl PurgeStats {
    /// The most of any class (a pass purging `chunk` of one has more to do).
    pub fn most(&self) -> usize {
        self.raw_payloads
            .max(self.records)
            .max(self.quarantine_entries)
            .max(self.audit_entries)
    }

    /// Adds another pass's counts.
    pub fn add(&mut self, o: PurgeStats) {
        self.raw_payloads += o.raw_payloads;
        self.records += o.records;
        self.quarantine_entries += o.quarantine_entries;
        self.audit_entries += o.audit_entries;
    }
}
