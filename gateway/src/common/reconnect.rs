//! Reconnecting with jittered exponential backoff, for every source and sink that
//! holds a connection (MQTT brokers, serial ports).

use crate::sinks::RetryConfig;
use serde::Deserialize;
use std::time::Duration;

/// `reconnect = { initial_ms, max_ms }`: the wait before reconnecting doubles from
/// `initial_ms` up to `max_ms`, jittered so that many gateways do not come back in
/// lock-step after a broker restart.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ReconnectConfig {
    /// The first wait.
    pub initial_ms: u64,
    /// The longest wait.
    pub max_ms: u64,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        ReconnectConfig {
            initial_ms: 250,
            max_ms: 30_000,
        }
    }
}

/// Counts failures in a row and says how long to wait before the next attempt.
#[derive(Debug)]
pub struct Backoff {
    config: RetryConfig,
    failures: u32,
    seed: u64,
}

impl Backoff {
    /// A backoff with these settings.
    pub fn new(config: &ReconnectConfig) -> Backoff {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Backoff {
            config: RetryConfig {
                initial_ms: config.initial_ms.max(1),
                max_ms: config.max_ms.max(config.initial_ms.max(1)),
                max_retry_after_ms: 0,
            },
            failures: 0,
            seed,
        }
    }

    /// Records a failure; returns how many in a row (counting this one) and the
    /// wait before the next attempt.
    pub fn failed(&mut self) -> (u32, Duration) {
        let wait = crate::sinks::backoff::delay(&self.config, self.failures, None, self.seed);
        self.failures = self.failures.saturating_add(1);
        (self.failures, wait)
    }

    /// Records a success: the next failure waits `initial_ms` again.
    pub fn succeeded(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_the_cap_and_reset() {
        let mut b = Backoff::new(&ReconnectConfig {
            initial_ms: 100,
            max_ms: 800,
        });
        let waits: Vec<u64> = (0..8).map(|_| b.failed().1.as_millis() as u64).collect();
        assert!(waits[0] >= 50 && waits[0] <= 100, "{waits:?}");
        assert!(waits[7] >= 400 && waits[7] <= 800, "{waits:?}");
        b.succeeded();
        assert!(b.failed().1.as_millis() <= 100);
    }
}
