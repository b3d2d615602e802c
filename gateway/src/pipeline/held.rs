//! What the translate stage's tasks hold: each task's payload, so a task that
//! panics gives its payload back instead of hiding it until a restart, and the
//! payloads whose translation panicked, so they are tried again after a backoff
//! and quarantined once they have panicked [`MAX_PANICS`] times.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio::task;

/// Panics after which a payload is quarantined rather than translated again: a
/// bug that panics on one payload would otherwise keep a worker on it for ever.
pub const MAX_PANICS: u32 = 3;

/// The wait before a payload whose translation panicked is taken again; it
/// doubles with each panic, up to [`MAX_PANIC_WAIT`].
const PANIC_WAIT: Duration = Duration::from_millis(250);
const MAX_PANIC_WAIT: Duration = Duration::from_secs(60);

/// What a task holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The payload's journal id.
    pub payload: i64,
    /// Its source.
    pub source: String,
}

/// What became of a payload whose task panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Released {
    /// How many times its translation has panicked.
    pub panics: u32,
    /// When it is taken again.
    pub retry_in: Duration,
    /// Whether it is then quarantined rather than translated.
    pub quarantine: bool,
}

/// The payloads held by running tasks and those cooling down after a panic.
#[derive(Debug, Default)]
pub struct Held {
    /// Payloads being translated or committed: never read again meanwhile.
    payloads: HashSet<i64>,
    by_task: HashMap<task::Id, Holding>,
    /// Payloads whose translation panicked: how often, and not before when.
    panicked: HashMap<i64, (u32, Instant)>,
}

impl Held {
    /// Whether a pending payload may be started now: not held by a task, not
    /// waiting after a panic.
    pub fn free(&self, payload: i64, now: Instant) -> bool {
        !self.payloads.contains(&payload)
            && self
                .panicked
                .get(&payload)
                .is_none_or(|(_, not_before)| *not_before <= now)
    }

    /// Whether a payload has panicked often enough to be quarantined.
    pub fn to_quarantine(&self, payload: i64) -> bool {
        self.panicked
            .get(&payload)
            .is_some_and(|(n, _)| *n >= MAX_PANICS)
    }

    /// How many times a payload's translation has panicked.
    pub fn panics(&self, payload: i64) -> u32 {
        self.panicked.get(&payload).map_or(0, |(n, _)| *n)
    }

    /// Task `task` now holds `holding`.
    pub fn start(&mut self, task: task::Id, holding: Holding) {
        self.payloads.insert(holding.payload);
        self.by_task.insert(task, holding);
    }

    /// Task `task` ended with its result: its payload is released. `committed`:
    /// the outcome is in the store, so its panics are forgotten.
    pub fn finish(&mut self, task: task::Id, committed: bool) -> Option<Holding> {
        let holding = self.by_task.remove(&task)?;
        self.payloads.remove(&holding.payload);
        if committed {
            self.panicked.remove(&holding.payload);
        }
        Some(holding)
    }

    /// Task `task` panicked: its payload is released, to be taken again after
    /// a backoff (at once for its quarantine).
    pub fn panicked(&mut self, task: task::Id, now: Instant) -> Option<(Holding, Released)> {
        let holding = self.by_task.remove(&task)?;
        self.payloads.remove(&holding.payload);
        let (panics, not_before) = self.panicked.entry(holding.payload).or_insert((0, now));
        *panics = panics.saturating_add(1);
        let retry_in = if *panics == MAX_PANICS {
            Duration::ZERO
        } else {
            PANIC_WAIT
                .saturating_mul(2u32.saturating_pow(panics.saturating_sub(1).min(16)))
                .min(MAX_PANIC_WAIT)
        };
        *not_before = now + retry_in;
        let released = Released {
            panics: *panics,
            retry_in,
            quarantine: *panics >= MAX_PANICS,
        };
        Some((holding, released))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::task::JoinSet;

    #[tokio::test]
    async fn a_panicked_payload_waits_longer_each_time_then_goes_to_quarantine() {
        let mut tasks = JoinSet::new();
        let mut held = Held::default();
        let now = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..4 {
            assert!(held.free(7, now + Duration::from_secs(120)));
            let task = tasks.spawn(async {}).id();
            held.start(
                task,
                Holding {
                    payload: 7,
                    source: "shop".into(),
                },
            );
            assert!(!held.free(7, now + Duration::from_secs(120)));
            let (holding, released) = held.panicked(task, now).unwrap();
            assert_eq!(holding.payload, 7);
            assert!(!held.free(7, now) || released.retry_in.is_zero());
            waits.push((released.retry_in.as_millis(), released.quarantine));
        }
        assert_eq!(
            waits,
            [(250, false), (500, false), (0, true), (2000, true)],
            "the quarantine is made at once, and backs off only if it panics too"
        );
        assert!(held.to_quarantine(7));
        let task = tasks.spawn(async {}).id();
        held.start(
            task,
            Holding {
                payload: 7,
                source: "shop".into(),
            },
        );
        held.finish(task, true);
        assert_eq!(held.panics(7), 0);
        assert!(held.free(7, now));
    }
}
