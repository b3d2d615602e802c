//! Sinks: where incidents are delivered. A [`DeliveryWorker`] per sink claims due
//! outbox entries, renders each incident with the sink's renderer plugin, hands
//! the submission to the [`Sink`], and records what happened. Sinks never see the
//! sources; they read only the outbox.

pub mod backoff;
pub mod breaker;
pub mod file_drop;
pub mod niche;
pub mod worker;

pub use worker::DeliveryWorker;

use bcgw_sdk::plugin::Submission;
use std::time::Duration;

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted; the sink's reference (a Niche occurrence reference, a file name).
    Delivered(String),
    /// A temporary failure (timeout, 5xx, 429, connection refused): try again later,
    /// not before `retry_after` if the endpoint said so.
    Retry {
        /// What went wrong.
        error: String,
        /// The endpoint's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// A permanent refusal (the submission is invalid): quarantine it.
    Rejected(String),
}

/// Something incidents can be delivered to.
#[async_trait::async_trait]
pub trait Sink: Send + Sync {
    /// Delivers one rendered submission. `idempotency_key` is the incident's stable
    /// id: delivering the same key twice must not create two occurrences.
    async fn deliver(&self, idempotency_key: &str, submission: &Submission) -> Attempt;
}
