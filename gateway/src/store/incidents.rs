//! What the link stage and the review queue read from and write to the store:
//! records waiting to be linked, link decisions, review items and decisions.

use bcgw_sdk::schema::SourceRecord;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A record the link stage reads: waiting to be linked, or (on start) already in
/// an incident.
#[derive(Debug, Clone)]
pub struct LinkableRecord {
    /// The record (current version).
    pub record: SourceRecord,
    /// Its incident, once linked.
    pub incident_id: Option<String>,
    /// When the payload it came from was journaled (for latency figures).
    pub journaled_at: DateTime<Utc>,
    /// The payload it came from: reports of one payload falling due together
    /// are decided together.
    pub payload_id: i64,
    /// When its hold ends: when the link stage decides its incident.
    pub link_due_at: Option<DateTime<Utc>>,
    /// Its place in the order records were stored (what the link stage reads on from).
    pub seq: i64,
}

/// An incident a report nearly joined, for a case officer.
#[derive(Debug, Clone)]
pub struct ReviewCandidate {
    /// The incident.
    pub incident_id: String,
    /// The member the report links to most strongly.
    pub linked_to: String,
    /// Mean match probability over the incident's members.
    pub score: f64,
    /// The evidence, one line (`time=<=15min(+3.6) premises=... p=0.31`).
    pub explanation: String,
}

/// Where the link stage put one record.
#[derive(Debug, Clone)]
pub struct LinkDecision {
    /// The record.
    pub record_id: String,
    /// Its incident.
    pub incident_id: String,
    /// True if the record started the incident.
    pub new_incident: bool,
    /// Incidents merged into `incident_id` because this record bridged them.
    pub merged: Vec<String>,
    /// The member it links to most strongly (when it joined).
    pub linked_to: Option<String>,
    /// The linkage that decided (when it joined).
    pub score: Option<f64>,
    /// The evidence, one line (when it joined).
    pub explanation: Option<String>,
    /// An incident it nearly joined (when it started its own).
    pub review: Option<ReviewCandidate>,
    /// When it happened (the start), if known: the linker's window on restart.
    pub occurred_at: Option<DateTime<Utc>>,
    /// When the payload was journaled.
    pub journaled_at: DateTime<Utc>,
    /// For a new incident: when its first delivery is due (the end of the hold).
    pub deliver_after: DateTime<Utc>,
}

/// Link decisions committed together with their outbox changes.
#[derive(Debug, Clone)]
pub struct LinkBatch {
    /// The link generation the decisions were made at ([`crate::store::Store::link_generation`]):
    /// if a case officer's decision moved it since, the batch is refused
    /// ([`crate::store::StoreError::Stale`]) and the linker rebuilt.
    pub generation: i64,
    /// Sinks every incident is queued for.
    pub sinks: Vec<String>,
    /// The decisions, in the order made.
    pub decisions: Vec<LinkDecision>,
    /// The day the link window now counts back from, kept with the decisions
    /// so a restarted link stage keeps the same window (`None`: unchanged).
    pub anchor: Option<chrono::NaiveDate>,
}

/// What committing a link batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Records linked.
    pub records: usize,
    /// New incidents.
    pub new_incidents: usize,
    /// Records that joined an existing incident.
    pub joined: usize,
    /// Incidents merged into another.
    pub merged: usize,
    /// Review items queued.
    pub reviews: usize,
}

/// A review item: a report that nearly joined an incident.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    /// Review id.
    pub id: i64,
    /// The report.
    pub record_id: String,
    /// The report's incident now.
    pub incident_id: String,
    /// The incident it nearly joined (now: merges followed).
    pub candidate: String,
    /// The candidate's member it links to most strongly.
    pub linked_to: String,
    /// Mean match probability.
    pub score: f64,
    /// The evidence.
    pub explanation: String,
    /// `pending`, `linked`, `kept-apart`, or `moot` (the two were linked since).
    pub state: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Who decided, when and why.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why.
    pub reason: Option<String>,
}

/// An incident with its reports and what each sink made of it.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    /// The incident.
    pub incident_id: String,
    /// `open` or `merged`.
    pub state: String,
    /// Where it went, if merged.
    pub merged_into: Option<String>,
    /// Its reports (current versions), first linked first.
    pub records: Vec<SourceRecord>,
    /// How each record came to be in it: kind, score, explanation, who.
    pub links: Vec<LinkRow>,
    /// Per sink: state and reference.
    pub deliveries: Vec<(String, String, Option<String>)>,
}

/// One stored link decision.
#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    /// The record.
    pub record_id: String,
    /// The incident it went to.
    pub incident_id: String,
    /// `new`, `joined`, `merged`, `review-link`, `review-split`, `upgrade`.
    pub kind: String,
    /// The member it linked to most strongly.
    pub linked_to: Option<String>,
    /// The linkage.
    pub score: Option<f64>,
    /// The evidence.
    pub explanation: Option<String>,
    /// `linker`, or the case officer.
    pub decided_by: String,
    /// The officer's reason.
    pub reason: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A case officer's decision.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Review item `review`: the report and the candidate are one incident.
    Link {
        /// The review item.
        review: i64,
    },
    /// Review item `review`: they are different incidents.
    KeepApart {
        /// The review item.
        review: i64,
    },
    /// Take record `record` out of its incident into a new one of its own.
    Split {
        /// The record.
        record: String,
    },
}

/// Who decided and why.
#[derive(Debug, Clone)]
pub struct DecidedBy {
    /// The case officer (collar number or name, as the force records it).
    pub officer: String,
    /// Why.
    pub reason: String,
}

/// What a decision changed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DecisionOutcome {
    /// The incident the records are now in (the surviving one for a link, the new
    /// one for a split).
    pub incident_id: String,
    /// Incidents whose occurrence gets an update.
    pub updated: Vec<String>,
    /// Incidents merged away (their occurrence is merged into the survivor's).
    pub merged: Vec<String>,
    /// Incidents created (a split).
    pub created: Vec<String>,
}

/// Linking counts, for `bcgw status` and `/metrics`.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct LinkCounts {
    /// Open incidents.
    pub incidents: u64,
    /// Incidents merged into another.
    pub merged_incidents: u64,
    /// Links made between reports (joins, merges, review links).
    pub links: u64,
    /// Records waiting for the link stage.
    pub unlinked: u64,
    /// Of those, records whose hold has not ended yet.
    pub held: u64,
    /// Review items waiting for a case officer.
    pub pending_review: u64,
    /// Case officers' decisions recorded.
    pub decisions: u64,
}

/// When a held first delivery is due: never, until [`crate::store::Store::release_held`]
/// makes it due (a backfill being linked, see `bcgw run --backfill`).
pub const HELD_UNTIL_RELEASED: DateTime<Utc> = DateTime::<Utc>::MAX_UTC;

/// What [`crate::store::Store::link_window`] reads back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkWindow {
    /// The day the window counts back from, as last committed.
    pub anchor: Option<chrono::NaiveDate>,
    /// The days the most recently linked reports happened (London days), oldest first.
    pub recent_days: Vec<chrono::NaiveDate>,
}
