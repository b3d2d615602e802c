//! Events of the poll source.

use super::{InternalEvent, count_error};
use std::time::Duration;

/// A poll stopped before it caught up: the platform refused or failed, a page
/// could not be read, or the journal could not take it. The cursor stays where
/// the last committed page left it; the source asks again after `wait`.
pub struct PollFailed<'a> {
    /// The configured source name.
    pub source: &'a str,
    /// `request`, `auth`, `pagination` or `journal`.
    pub stage: &'static str,
    /// Failures in a row.
    pub attempts: u32,
    /// The wait before the next attempt.
    pub wait: Duration,
    /// What went wrong (statuses and transport errors; never page content).
    pub error: &'a str,
}

impl InternalEvent for PollFailed<'_> {
    fn emit(self) {
        tracing::warn!(source = %self.source, stage = self.stage, attempts = self.attempts, wait_ms = self.wait.as_millis() as u64, error = %self.error, "poll failed; will ask again");
        count_error(self.source, "poll", self.stage);
    }
}
