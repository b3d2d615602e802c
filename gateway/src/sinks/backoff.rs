//! Retry delays: exponential backoff with jitter, honouring `Retry-After`.

use super::delivery::RetryConfig;
use std::time::Duration;

/// A small, seedable generator for jitter (no cryptographic use).
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The delay before attempt number `attempts + 1`. The exponential delay
/// `initial * 2^attempts` (capped at `max`) is jittered to between half and all of
/// itself, so many failed deliveries do not come back in lock-step. A
/// `Retry-After` from the endpoint is a floor, capped at `max_retry_after`.
pub fn delay(
    config: &RetryConfig,
    attempts: u32,
    retry_after: Option<Duration>,
    seed: u64,
) -> Duration {
    let base = config
        .initial_ms
        .saturating_mul(1u64 << attempts.min(32))
        .min(config.max_ms)
        .max(1);
    let jitter = splitmix(seed ^ u64::from(attempts)) % (base / 2 + 1);
    let backoff = Duration::from_millis(base / 2 + jitter);
    match retry_after {
        Some(ra) => backoff.max(ra.min(Duration::from_millis(config.max_retry_after_ms))),
        None => backoff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_capped_and_jitter() {
        let c = RetryConfig {
            initial_ms: 100,
            max_ms: 1000,
            max_retry_after_ms: 5000,
        };
        for attempts in 0..40 {
            for seed in 0..20 {
                let d = delay(&c, attempts, None, seed).as_millis() as u64;
                let base = (100u64 << attempts.min(32)).min(1000);
                assert!(
                    d >= base / 2 && d <= base,
                    "attempt {attempts}: {d} not in [{}, {base}]",
                    base / 2
                );
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|s| delay(&c, 3, None, s)).collect();
        assert!(spread.len() > 5, "jitter spreads delays");
    }

    #[test]
    fn retry_after_is_a_floor_but_capped() {
        let c = RetryConfig {
            initial_ms: 100,
            max_ms: 1000,
            max_retry_after_ms: 5000,
        };
        assert_eq!(
            delay(&c, 0, Some(Duration::from_secs(3)), 1),
            Duration::from_secs(3)
        );
        assert_eq!(
            delay(&c, 0, Some(Duration::from_secs(3600)), 1),
            Duration::from_secs(5)
        );
    }
}
