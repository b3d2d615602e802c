//! Events of the supervisor: a stage failing and being started again.

use super::{InternalEvent, count_error};

/// A stage panicked; what it held in memory is released and it starts again
/// after its backoff. The panic's message is not logged (it may quote the data
/// being handled); the panic hook logged where it happened.
pub struct StagePanicked<'a> {
    /// The stage (`translate`, `link`, `sink:<name>`, `source:<name>`...).
    pub stage: &'a str,
}

impl InternalEvent for StagePanicked<'_> {
    fn emit(self) {
        tracing::error!(stage = %self.stage, "stage panicked: restarting it");
        count_error(self.stage, "stage", "panic");
    }
}

/// A stage returned while the daemon was not stopping; it starts again after
/// its backoff.
pub struct StageEnded<'a> {
    /// The stage.
    pub stage: &'a str,
}

impl InternalEvent for StageEnded<'_> {
    fn emit(self) {
        tracing::error!(stage = %self.stage, "stage ended unexpectedly: restarting it");
        count_error(self.stage, "stage", "ended");
    }
}

/// A stage did not finish within the stop deadline and was aborted; what it was
/// doing is not lost (the store hands it out again at the next start).
pub struct StageAborted<'a> {
    /// The stage.
    pub stage: &'a str,
    /// The deadline it had.
    pub after: std::time::Duration,
}

impl InternalEvent for StageAborted<'_> {
    fn emit(self) {
        tracing::warn!(stage = %self.stage, deadline_secs = self.after.as_secs_f64(), "stage still busy at the stop deadline: aborted");
        count_error(self.stage, "stage", "aborted");
    }
}
