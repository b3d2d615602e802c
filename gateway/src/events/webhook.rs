//! Events of the webhook source: requests refused before they reached the journal.

use super::{InternalEvent, count_error};

/// A request to a webhook source was refused (bad credentials, wrong content
/// type, too large, malformed, rate-limited, or the journal unavailable). Carries
/// the status and the problem kind, never the body.
pub struct WebhookRefused<'a> {
    /// The configured source name.
    pub source: &'a str,
    /// The HTTP status answered.
    pub status: u16,
    /// The problem kind (`bad-credentials`, `malformed-body`...).
    pub kind: &'static str,
}

impl InternalEvent for WebhookRefused<'_> {
    fn emit(self) {
        if matches!(self.status, 401 | 403) {
            tracing::warn!(source = %self.source, status = self.status, problem = self.kind, "webhook request refused");
        } else {
            tracing::info!(source = %self.source, status = self.status, problem = self.kind, "webhook request refused");
        }
        count_error(self.source, "webhook", self.kind);
    }
}
