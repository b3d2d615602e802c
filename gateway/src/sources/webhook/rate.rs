//! A token bucket per source: `per_second` sustained, `burst` at once.

use super::config::RateLimitConfig;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The bucket.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    /// A full bucket.
    pub fn new(config: RateLimitConfig) -> RateLimiter {
        let burst = f64::from(
            config
                .burst
                .unwrap_or(config.per_second.ceil().max(1.0) as u32),
        )
        .max(1.0);
        RateLimiter {
            per_second: config.per_second.max(f64::MIN_POSITIVE),
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token, or says how long until one is there.
    pub fn take(&self, now: Instant) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = *state;
        let elapsed = now.saturating_duration_since(last).as_secs_f64();
        let tokens = (tokens + elapsed * self.per_second).min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            Ok(())
        } else {
            *state = (tokens, now);
            Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let r = RateLimiter::new(RateLimitConfig {
            per_second: 2.0,
            burst: Some(3),
        });
        let t = Instant::now();
        for _ in 0..3 {
            assert!(r.take(t).is_ok());
        }
        let wait = r.take(t).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(r.take(t + Duration::from_millis(500)).is_ok());
    }
}
