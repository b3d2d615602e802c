//! The audit log of the Data Protection Act 2018 s.62 operations: collection,
//! alteration, consultation, disclosure, combination and erasure.
//!
//! Each entry says who or what did it, when, under which agreement and why, and
//! which records and incidents it touched — ids only, never values. Entries are
//! appended in the same transaction as the operation they record, so one is
//! never without the other. Each carries the SHA-256 of the entry before it
//! ([`chain`]); [`verify::Verifier`] walks the chain and names the first entry
//! that was changed, removed or moved.

pub mod chain;
pub mod verify;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What in the store could only have been made with audit entries: the log
/// cannot be empty, or end before it, while this exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Records stored since the store kept the log (each stored with its
    /// collection entry, in the same commit and at the same time). Records of a
    /// store that predates the log (schema 3 or older) are not counted.
    pub records: u64,
    /// When the newest of them was stored (ms since the epoch).
    pub newest_ms: Option<i64>,
}

/// The six operations of DPA 2018 s.62(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// Data taken in: a payload journaled, records stored from it.
    Collection,
    /// Data changed: an amended record, fields removed by policy, a split.
    Alteration,
    /// Data looked at by a person: `quarantine show`, `review show`, `sar`.
    Consultation,
    /// Data sent out: every delivery to a sink (Niche, a file drop, the radio net).
    Disclosure,
    /// Reports linked into one incident, by the linker or a case officer.
    Combination,
    /// Data deleted: retention, `bcgw erase`.
    Erasure,
}

impl Operation {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Collection => "collection",
            Operation::Alteration => "alteration",
            Operation::Consultation => "consultation",
            Operation::Disclosure => "disclosure",
            Operation::Combination => "combination",
            Operation::Erasure => "erasure",
        }
    }

    /// The operation a stored name means.
    pub fn parse(s: &str) -> Option<Operation> {
        [
            Operation::Collection,
            Operation::Alteration,
            Operation::Consultation,
            Operation::Disclosure,
            Operation::Combination,
            Operation::Erasure,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// An operation to record: what the code that did it knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Which operation.
    pub operation: Operation,
    /// Who or what: `source:<name>`, `linker`, `sink:<name>`, `officer:<name>`,
    /// `operator:<user>`, `retention`.
    pub actor: String,
    /// The agreement the data flows under, when one applies.
    pub isa: Option<String>,
    /// Why, in a few words (no personal data): "delivered to niche",
    /// "subject access request SAR-17".
    pub reason: String,
    /// Record ids touched.
    pub records: Vec<String>,
    /// Incident ids touched.
    pub incidents: Vec<String>,
    /// Counts, field paths, payload ids, references: anything else, as JSON.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// An event with no ids or detail yet.
    pub fn new(operation: Operation, actor: impl Into<String>, reason: impl Into<String>) -> Self {
        AuditEvent {
            operation,
            actor: actor.into(),
            isa: None,
            reason: reason.into(),
            records: Vec::new(),
            incidents: Vec::new(),
            detail: serde_json::Value::Null,
        }
    }

    /// With this agreement.
    pub fn isa(mut self, isa: Option<&str>) -> Self {
        self.isa = isa.map(str::to_string);
        self
    }

    /// With these records.
    pub fn records(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.records.extend(ids.into_iter().map(Into::into));
        self
    }

    /// With these incidents.
    pub fn incidents(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.incidents.extend(ids.into_iter().map(Into::into));
        self
    }

    /// With this detail.
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// An entry as stored: the event, when, its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its place: 1, 2, 3… with no gaps.
    pub seq: i64,
    /// When it was appended.
    pub at: DateTime<Utc>,
    /// The operation and what it touched. Empty once retention has pruned it.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// SHA-256 of the content (operation to detail), hex. Kept when pruned.
    pub content_sha256: String,
    /// The previous entry's `sha256` (64 zeros for the first).
    pub prev_sha256: String,
    /// SHA-256 of `seq`, `prev_sha256` and `content_sha256`.
    pub sha256: String,
    /// When retention removed its content, if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned_at: Option<DateTime<Utc>>,
}

/// An entry exactly as the store holds it: the hashes are over these strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Its place.
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The operation's stored name.
    pub operation: String,
    /// Who or what.
    pub actor: String,
    /// The agreement.
    pub isa: Option<String>,
    /// Why.
    pub reason: String,
    /// Record ids, a JSON array.
    pub records: String,
    /// Incident ids, a JSON array.
    pub incidents: String,
    /// Detail, JSON.
    pub detail: String,
    /// The content hash.
    pub content_sha256: String,
    /// The previous entry's link hash.
    pub prev_sha256: String,
    /// This entry's link hash.
    pub sha256: String,
    /// When retention removed its content (ms), if it has.
    pub pruned_at_ms: Option<i64>,
}

impl StoredEntry {
    /// What its content hash covers.
    pub fn content(&self) -> chain::Content<'_> {
        chain::Content {
            at_ms: self.at_ms,
            operation: &self.operation,
            actor: &self.actor,
            isa: self.isa.as_deref(),
            reason: &self.reason,
            records: &self.records,
            incidents: &self.incidents,
            detail: &self.detail,
        }
    }

    /// Whether its content is what retention leaves of a pruned entry: no
    /// actor, reason, ids or detail.
    pub fn is_emptied(&self) -> bool {
        self.actor.is_empty()
            && self.reason.is_empty()
            && self.records == "[]"
            && self.incidents == "[]"
            && self.detail == "null"
    }

    /// The entry for export. Values that do not decode (a damaged entry, which
    /// `audit verify` names) are exported as they are, as strings.
    pub fn to_entry(&self) -> AuditEntry {
        let ids = |s: &str| {
            serde_json::from_str::<Vec<String>>(s).unwrap_or_else(|_| vec![s.to_string()])
        };
        let time = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or_default();
        AuditEntry {
            seq: self.seq,
            at: time(self.at_ms),
            event: AuditEvent {
                // An unknown name is reported by verify; export says "erasure"
                // never by accident: it keeps the name in the reason.
                operation: Operation::parse(&self.operation).unwrap_or(Operation::Alteration),
                actor: self.actor.clone(),
                isa: self.isa.clone(),
                reason: if Operation::parse(&self.operation).is_some() {
                    self.reason.clone()
                } else {
                    format!("[unknown operation {:?}] {}", self.operation, self.reason)
                },
                records: ids(&self.records),
                incidents: ids(&self.incidents),
                detail: serde_json::from_str(&self.detail)
                    .unwrap_or_else(|_| serde_json::Value::String(self.detail.clone())),
            },
            content_sha256: self.content_sha256.clone(),
            prev_sha256: self.prev_sha256.clone(),
            sha256: self.sha256.clone(),
            pruned_at: self.pruned_at_ms.map(time),
        }
    }
}
