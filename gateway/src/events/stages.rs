//! Events of the translate stage and the sinks' delivery workers.

use super::{InternalEvent, count_error};
use std::time::Duration;

/// A translation task panicked: a bug in bcgw (a plugin's own panic is a trap,
/// an error like any other). Its payload is released and taken again after
/// `retry_in`: translated, or, once it has panicked too often, quarantined. The
/// panic's message is not logged here: it may quote the payload.
pub struct TranslatePanicked<'a> {
    /// The payload's source.
    pub source: &'a str,
    /// The payload's journal id.
    pub payload: i64,
    /// How many times translating it has panicked since start.
    pub panics: u32,
    /// When it is taken again.
    pub retry_in: Duration,
    /// Whether it is then quarantined rather than translated.
    pub quarantine: bool,
}

impl InternalEvent for TranslatePanicked<'_> {
    fn emit(self) {
        let next = if self.quarantine {
            "quarantine"
        } else {
            "translate"
        };
        tracing::error!(source = %self.source, payload = self.payload, panics = self.panics, retry_in_ms = self.retry_in.as_millis() as u64, next, "translation panicked; the payload is released");
        count_error(self.source, "translate", "panic");
    }
}

/// A delivery task panicked (a bug in the sink, or in bcgw). Its outbox row is
/// released and tried again after `retry_in`, like a temporary failure. The
/// panic's message is not logged here: it may quote the incident.
pub struct DeliveryPanicked<'a> {
    /// The configured sink name.
    pub sink: &'a str,
    /// The outbox row.
    pub outbox: i64,
    /// Attempts at this row, counting this one.
    pub attempts: u32,
    /// When it is tried again.
    pub retry_in: Duration,
}

impl InternalEvent for DeliveryPanicked<'_> {
    fn emit(self) {
        tracing::error!(sink = %self.sink, outbox = self.outbox, attempts = self.attempts, retry_in_ms = self.retry_in.as_millis() as u64, "delivery panicked; the row is released and will be tried again");
        count_error(self.sink, "sink", "panic");
    }
}
