//! The store: the journal of raw payloads, the records translated from them, the
//! outbox of deliveries, and the quarantine. Stages meet only here: a source never
//! calls a sink, and any stage can crash and resume from what the store holds.
//!
//! [`Store`] is the interface; [`sqlite::SqliteStore`] the embedded default. A
//! PostgreSQL store for several gateway instances implements the same trait (claims
//! there become `FOR UPDATE SKIP LOCKED` with leases).

mod error;
mod incidents;
pub mod sqlite;
mod states;
mod types;
mod wakeups;

pub use error::StoreError;
pub use incidents::*;
pub use states::*;
pub use types::*;
pub mod subject;
pub use wakeups::{Listener, Wakeups, Work};

use chrono::{DateTime, Utc};

/// What [`Store::append_payloads_then`] calls with the result.
pub type AppendDone = Box<dyn FnOnce(Result<Vec<Appended>, StoreError>) + Send>;

/// Durable state shared by every stage. Calls block; async code calls them from
/// `spawn_blocking`.
pub trait Store: Send + Sync + 'static {
    /// Journals raw payloads. Returns once they are durably committed (the caller may
    /// then acknowledge its source). A payload whose (source, SHA-256) is already in
    /// the journal is not stored again: [`Appended::Duplicate`].
    fn append_payloads(&self, batch: Vec<NewPayload>) -> Result<Vec<Appended>, StoreError>;

    /// [`Store::append_payloads`] without holding the caller while the commit is
    /// made: `done` gets the result once the payloads are committed (or not). For
    /// async callers, which then need no blocking thread per call. The default
    /// runs the call in place.
    fn append_payloads_then(&self, batch: Vec<NewPayload>, done: AppendDone) {
        done(self.append_payloads(batch));
    }

    /// Journals a page of a polled source and, in the same commit, moves the
    /// source's cursor to `cursor` (if given): a restart resumes after the last
    /// page journaled, never before it and never past it.
    fn append_page(
        &self,
        batch: Vec<NewPayload>,
        source: &str,
        cursor: Option<String>,
    ) -> Result<Vec<Appended>, StoreError>;

    /// A polled source's committed cursor, if it has one.
    fn cursor(&self, source: &str) -> Result<Option<String>, StoreError>;

    /// Payloads not yet translated, oldest first, with ids above `after`.
    fn pending_payloads(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredPayload>, StoreError>;

    /// Commits the outcome of translating one payload in one transaction: new
    /// records, their outbox entries, quarantine entries, and the payload marked done.
    fn complete_translation(&self, outcome: TranslationOutcome) -> Result<CommitStats, StoreError>;

    /// Deliveries for `sink` due at `now`, oldest first, skipping `in_flight` ids.
    /// With `after` (another sink's name), only incidents that sink has finished
    /// with (delivered or dead-lettered) are due, with its reference.
    fn due_deliveries(
        &self,
        sink: &str,
        after: Option<&str>,
        now: DateTime<Utc>,
        limit: usize,
        in_flight: &[i64],
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Records the result of delivery attempts.
    fn finish_deliveries(&self, results: Vec<DeliveryResult>) -> Result<(), StoreError>;

    /// When the next pending delivery for `sink` is due, if any is pending (with
    /// `after`, counting only incidents that sink has finished with).
    fn next_due(
        &self,
        sink: &str,
        after: Option<&str>,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Quarantine entries, newest first.
    fn quarantine_list(
        &self,
        filter: &QuarantineFilter,
    ) -> Result<Vec<QuarantineEntry>, StoreError>;

    /// One quarantine entry with the payload it came from.
    fn quarantine_get(
        &self,
        id: i64,
    ) -> Result<Option<(QuarantineEntry, Option<StoredPayload>)>, StoreError>;

    /// Sends quarantined items back through the pipeline: their payload is
    /// translated again (exact de-duplication stops good items of the same payload
    /// being stored twice) or their delivery retried.
    fn quarantine_replay(&self, ids: &[i64]) -> Result<ReplayStats, StoreError>;

    /// What became of payload `payload_id` of `source` (the receipts endpoint);
    /// `None` if the source has no such payload.
    fn receipt(&self, source: &str, payload_id: i64) -> Result<Option<Receipt>, StoreError>;

    /// Records not yet linked stored after `after` (a [`LinkableRecord::seq`]),
    /// in the order stored: the link stage's input, read as they arrive and
    /// decided when their holds end.
    fn unlinked_records(&self, after: i64, limit: usize)
    -> Result<Vec<LinkableRecord>, StoreError>;

    /// Every linked record that happened at or after `since`, in the order
    /// stored, handed to `each`: what the link stage rebuilds its index from.
    fn linked_records(
        &self,
        since: DateTime<Utc>,
        each: &mut dyn FnMut(LinkableRecord),
    ) -> Result<(), StoreError>;

    /// The day the link window counts back from, as the link stage last
    /// committed it, and the days the most recently linked reports happened
    /// (newest last; at most `recent`), from which it moves on.
    fn link_window(&self, recent: usize) -> Result<LinkWindow, StoreError>;

    /// Releases the first deliveries held while a backfill was linked
    /// ([`HELD_UNTIL_RELEASED`]): they are due now. Returns how many.
    fn release_held(&self) -> Result<usize, StoreError>;

    /// The link generation: moves with every case officer's decision.
    fn link_generation(&self) -> Result<i64, StoreError>;

    /// Commits link decisions with their incidents, link rows, review items and
    /// outbox changes, in one transaction; [`StoreError::Stale`] (nothing written)
    /// if the link generation moved since `batch.generation`.
    fn commit_links(&self, batch: LinkBatch) -> Result<LinkStats, StoreError>;

    /// Review items, oldest first: pending ones, or all with `all`.
    fn reviews(&self, all: bool, limit: usize) -> Result<Vec<ReviewItem>, StoreError>;

    /// One review item.
    fn review_item(&self, id: i64) -> Result<Option<ReviewItem>, StoreError>;

    /// An incident with its reports, links and deliveries.
    fn incident(&self, id: &str) -> Result<Option<IncidentView>, StoreError>;

    /// The incident a record is in, once linked.
    fn incident_of(&self, record_id: &str) -> Result<Option<String>, StoreError>;

    /// Applies a case officer's decision (and queues the occurrence updates it
    /// brings); [`StoreError::Refused`] when it cannot be applied as asked.
    fn decide(&self, decision: Decision, by: DecidedBy) -> Result<DecisionOutcome, StoreError>;

    /// Counts for summaries and health.
    fn stats(&self) -> Result<StoreStats, StoreError>;

    /// The premises names the registers placed nowhere or at several members
    /// (of `source`, or every source), most records first, at most `limit`.
    fn unresolved_premises(
        &self,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UnresolvedPremises>, StoreError>;

    /// Work still to do: payloads waiting for translation and deliveries pending
    /// (all sinks). Cheap enough to poll often, unlike [`Store::stats`].
    fn backlog(&self) -> Result<Backlog, StoreError>;

    /// The bells this store rings after a commit that made work for a stage
    /// (see [`Wakeups`]): stages wait on them instead of only polling.
    fn wakeups(&self) -> &Wakeups;

    /// Purges up to `chunk` rows of each class `cut` names that have been kept
    /// their time and are no longer needed; audits each purge with its counts.
    fn purge(&self, cut: RetentionCut, chunk: usize) -> Result<PurgeStats, StoreError>;

    /// Everything held about one person (records, raw payload lines,
    /// deliveries, quarantine entries), recorded in the audit log as a
    /// consultation by `actor` for `reason` in the same commit.
    fn subject_access(
        &self,
        q: &subject::SubjectQuery,
        actor: &str,
        reason: &str,
    ) -> Result<subject::SubjectFindings, StoreError>;

    /// Erases everything held about one person from the journal, records,
    /// outbox (deliveries not yet made) and quarantine, with its audit entry;
    /// lists the deliveries already made.
    fn erase(
        &self,
        q: &subject::SubjectQuery,
        actor: &str,
        reason: &str,
    ) -> Result<subject::ErasureReport, StoreError>;

    /// Appends entries to the audit log, chained to the last, in a commit of
    /// their own (what a command records before it shows anything).
    fn audit(&self, events: Vec<crate::audit::AuditEvent>) -> Result<(), StoreError>;

    /// The last audit entry's place and hash, as recorded beside the log when
    /// it was appended (what `bcgw audit verify` checks the chain ends at).
    fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError>;

    /// What the store holds that was made with audit entries (what `bcgw audit
    /// verify` checks the log against, so a log removed whole, head and all,
    /// does not pass as an empty one).
    fn audit_evidence(&self) -> Result<crate::audit::Evidence, StoreError>;

    /// Hands the audit entries appended within `from..=to` (all when unset), in
    /// order, to `each` until it returns false.
    fn audit_entries(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        each: &mut dyn FnMut(crate::audit::StoredEntry) -> bool,
    ) -> Result<(), StoreError>;
}
