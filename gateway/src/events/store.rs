//! Events shared by every source: the journal refusing a write.

use super::{InternalEvent, count_error};

/// A source could not journal what it received (store full, read-only, closed);
/// what it received stays unacknowledged and comes again.
pub struct JournalWriteFailed<'a> {
    /// The configured source name.
    pub source: &'a str,
    /// The source's kind.
    pub kind: &'static str,
    /// Payloads that were not journaled.
    pub payloads: usize,
    /// The store's error (no payload content).
    pub error: &'a str,
}

impl InternalEvent for JournalWriteFailed<'_> {
    fn emit(self) {
        tracing::error!(source = %self.source, kind = self.kind, payloads = self.payloads, error = %self.error, "cannot journal: not acknowledged, will be received again");
        count_error(self.source, self.kind, "journal");
    }
}
