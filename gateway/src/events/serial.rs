//! Events of the serial source. Frame bytes never appear here; a frame that is
//! quarantined keeps its bytes in the store, where `bcgw quarantine show --payload`
//! shows them to an operator.

use super::{InternalEvent, count_error};

/// The port could not be opened (absent, busy, no permission).
pub struct SerialOpenFailed<'a> {
    /// The configured source name.
    pub source: &'a str,
    /// The port.
    pub port: &'a str,
    /// Why.
    pub error: &'a str,
    /// Failures in a row, counting this one: only the first is logged at warn.
    pub attempt: u32,
    /// The wait before the next attempt.
    pub retry_in_ms: u64,
}

impl InternalEvent for SerialOpenFailed<'_> {
    fn emit(self) {
        if self.attempt <= 1 {
            tracing::warn!(source = %self.source, port = %self.port, error = %self.error, retry_in_ms = self.retry_in_ms, "serial port cannot be opened; retrying with backoff");
        } else {
            tracing::debug!(source = %self.source, port = %self.port, error = %self.error, attempt = self.attempt, "serial port still cannot be opened");
        }
        count_error(self.source, "serial", "open");
    }
}

/// The port was opened.
pub struct SerialOpened<'a> {
    /// The configured source name.
    pub source: &'a str,
    /// The port.
    pub port: &'a str,
}

impl InternalEvent for SerialOpened<'_> {
    fn emit(self) {
        tracing::info!(source = %self.source, port = %self.port, "serial port open");
    }
}

/// The device went away while reading (USB pulled, pty closed).
pub struct SerialDisconnected<'a> {
    /// The configured source name.
    pub source: &'a str,
    /// The port.
    pub port: &'a str,
    /// Why.
    pub error: &'a str,
    /// Bytes of an unfinished frame that were dropped (never glued to the next).
    pub partial_bytes: usize,
}

impl InternalEvent for SerialDisconnected<'_> {
    fn emit(self) {
        tracing::warn!(source = %self.source, port = %self.port, error = %self.error, partial_bytes = self.partial_bytes, "serial port lost; reopening");
        count_error(self.source, "serial", "read");
    }
}

/// Bytes that could not be cut into a frame: too long, or outside any frame.
pub struct SerialFramingError<'a> {
    /// The configured source name.
    pub source: &'a str,
    /// The port.
    pub port: &'a str,
    /// What was wrong (`frame-too-long`, `bytes-outside-frame`...).
    pub error_kind: &'static str,
    /// How many bytes.
    pub bytes: usize,
    /// Whether the bytes were quarantined (else dropped: e.g. noise between frames).
    pub quarantined: bool,
}

impl InternalEvent for SerialFramingError<'_> {
    fn emit(self) {
        tracing::warn!(source = %self.source, port = %self.port, error_kind = self.error_kind, bytes = self.bytes, quarantined = self.quarantined, "serial framing error; the stream goes on");
        count_error(self.source, "serial", "framing");
    }
}
