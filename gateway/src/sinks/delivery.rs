//! Settings every sink has, whatever its kind: how many deliveries are in flight,
//! how failed ones are retried, and when to stop sending to an endpoint that keeps
//! failing. They sit on the sink's table (`[sinks.<name>] concurrency`,
//! `[sinks.<name>.retry]`, `[sinks.<name>.circuit_breaker]`).

use serde::Deserialize;

/// Retry timing for failed deliveries: exponential backoff with full jitter.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RetryConfig {
    /// First retry delay.
    pub initial_ms: u64,
    /// Longest delay between attempts.
    pub max_ms: u64,
    /// Longest `Retry-After` honoured; longer ones are capped to this.
    pub max_retry_after_ms: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            initial_ms: 500,
            max_ms: 60_000,
            max_retry_after_ms: 300_000,
        }
    }
}

/// The circuit breaker: stop sending to an endpoint that keeps failing.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long the circuit stays open before one trial request.
    pub open_ms: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            open_ms: 5_000,
        }
    }
}

/// The delivery settings a sink runs with, after defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// Retry timing.
    pub retry: RetryConfig,
    /// The circuit breaker.
    pub circuit_breaker: BreakerConfig,
}

/// Delivery settings a kind kept in its own table before they became common
/// (`[sinks.<name>.niche] concurrency`, `.retry`, `.circuit_breaker`): still
/// honoured, with a warning, when the sink-level key is not set.
#[derive(Debug, Clone, Default)]
pub struct LegacyDelivery {
    /// The old `concurrency`.
    pub concurrency: Option<usize>,
    /// The old `retry` table.
    pub retry: Option<RetryConfig>,
    /// The old `circuit_breaker` table.
    pub circuit_breaker: Option<BreakerConfig>,
}
