//! The circuit breaker: after a run of failures, stop sending to the endpoint for a
//! while, then let one trial request through.

use super::delivery::BreakerConfig;
use std::time::{Duration, Instant};

/// Breaker state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Requests flow; counting consecutive failures.
    Closed {
        /// Consecutive failures so far.
        failures: u32,
    },
    /// No requests until the instant passes.
    Open {
        /// When a trial is allowed.
        until: Instant,
    },
    /// One trial request is in flight.
    HalfOpen,
}

/// A circuit breaker for one sink.
#[derive(Debug, Clone)]
pub struct Breaker {
    config: BreakerConfig,
    state: State,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Breaker {
        Breaker {
            config,
            state: State::Closed { failures: 0 },
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// How many requests may be sent now: all of them when closed, one trial when
    /// the open period has passed, none otherwise (with the time left).
    pub fn permits(&mut self, now: Instant) -> Result<Option<usize>, Duration> {
        match self.state {
            State::Closed { .. } => Ok(None),
            State::HalfOpen => Err(Duration::from_millis(50)),
            State::Open { until } if now >= until => {
                self.state = State::HalfOpen;
                Ok(Some(1))
            }
            State::Open { until } => Err(until - now),
        }
    }

    /// How long until a request may be sent (zero if one may be sent now). Unlike
    /// [`permits`](Breaker::permits), this does not change the state.
    pub fn blocked_for(&self, now: Instant) -> Duration {
        match self.state {
            State::Open { until } => until.saturating_duration_since(now),
            State::Closed { .. } | State::HalfOpen => Duration::ZERO,
        }
    }

    /// Gives back an unused trial (there was nothing due to send): the next call to
    /// [`permits`](Breaker::permits) offers it again.
    pub fn release_trial(&mut self, now: Instant) {
        if self.state == State::HalfOpen {
            self.state = State::Open { until: now };
        }
    }

    /// Records a success: the circuit closes.
    pub fn success(&mut self) {
        self.state = State::Closed { failures: 0 };
    }

    /// Records a failure; returns true if this opened the circuit.
    pub fn failure(&mut self, now: Instant) -> bool {
        let open = |b: &mut Breaker| {
            b.state = State::Open {
                until: now + Duration::from_millis(b.config.open_ms),
            };
            true
        };
        match self.state {
            State::HalfOpen => open(self),
            State::Closed { failures } if failures + 1 >= self.config.failure_threshold.max(1) => {
                open(self)
            }
            State::Closed { failures } => {
                self.state = State::Closed {
                    failures: failures + 1,
                };
                false
            }
            State::Open { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_then_trials_once() {
        let mut b = Breaker::new(BreakerConfig {
            failure_threshold: 3,
            open_ms: 1000,
        });
        let t0 = Instant::now();
        assert!(!b.failure(t0));
        assert!(!b.failure(t0));
        assert!(b.failure(t0));
        assert!(b.permits(t0 + Duration::from_millis(500)).is_err());
        assert_eq!(b.permits(t0 + Duration::from_millis(1001)), Ok(Some(1)));
        // The trial fails: open again.
        assert!(b.failure(t0 + Duration::from_millis(1002)));
        assert!(b.permits(t0 + Duration::from_millis(1500)).is_err());
        assert_eq!(b.permits(t0 + Duration::from_millis(2100)), Ok(Some(1)));
        b.success();
        assert_eq!(b.permits(t0 + Duration::from_millis(2101)), Ok(None));
    }

    #[test]
    fn an_unused_trial_is_offered_again() {
        let mut b = Breaker::new(BreakerConfig {
            failure_threshold: 1,
            open_ms: 10,
        });
        let t0 = Instant::now();
        assert!(b.failure(t0));
        assert_eq!(b.permits(t0 + Duration::from_millis(20)), Ok(Some(1)));
        b.release_trial(t0 + Duration::from_millis(20));
        assert_eq!(b.permits(t0 + Duration::from_millis(21)), Ok(Some(1)));
    }
}
