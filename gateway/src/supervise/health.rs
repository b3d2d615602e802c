//! What `/readyz` and `/metrics` read about the supervised stages: each one's
//! state, restarts and last progress.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A reporting stage with no progress for this long is stalled: not ready.
pub const STALL_AFTER: Duration = Duration::from_secs(120);

/// Where a stage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageState {
    /// Running.
    Running,
    /// Failed; starts again after its backoff.
    Restarting,
    /// Stopped with the daemon.
    Stopped,
}

/// One stage's health, shared by the stage's supervisor and the readers.
#[derive(Debug)]
pub struct StageCell {
    name: String,
    epoch: Instant,
    state: Mutex<(StageState, Instant)>,
    /// Milliseconds since `epoch` of the last progress, plus one (0: never).
    progress: AtomicU64,
    restarts: AtomicU64,
    /// Progress reports since the daemon started (for the debug builds' faults).
    ticks: AtomicU64,
}

impl StageCell {
    fn new(name: &str, epoch: Instant) -> StageCell {
        StageCell {
            name: name.to_string(),
            epoch,
            ticks: AtomicU64::new(0),
            state: Mutex::new((StageState::Running, Instant::now())),
            progress: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
        }
    }

    fn set(&self, state: StageState) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.0 != state {
            *s = (state, Instant::now());
        }
    }

    /// The stage made progress now.
    pub fn tick(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64 + 1;
        self.progress.store(ms, Ordering::Relaxed);
        let _ticks = self.ticks.fetch_add(1, Ordering::Relaxed) + 1;
        #[cfg(debug_assertions)]
        super::fault::at_progress(&self.name, _ticks);
    }

    pub(super) fn started(&self) {
        self.set(StageState::Running);
    }

    pub(super) fn restarting(&self, _wait: Duration) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
        self.set(StageState::Restarting);
    }

    pub(super) fn stopped(&self) {
        self.set(StageState::Stopped);
    }

    fn report(&self, name: &str, now: Instant) -> StageReport {
        let (state, since) = *self.state.lock().unwrap_or_else(|p| p.into_inner());
        let ms = self.progress.load(Ordering::Relaxed);
        let last_progress = (ms > 0).then(|| self.epoch + Duration::from_millis(ms - 1));
        StageReport {
            name: name.to_string(),
            state,
            state_for: now.saturating_duration_since(since),
            last_progress_ago: last_progress.map(|t| now.saturating_duration_since(t)),
            restarts: self.restarts.load(Ordering::Relaxed),
        }
    }
}

/// One stage as `/readyz` and `/metrics` show it.
#[derive(Debug, Clone)]
pub struct StageReport {
    /// The stage's name (`translate`, `link`, `sink:niche`, `source:radio`...).
    pub name: String,
    /// Where it is.
    pub state: StageState,
    /// How long it has been there.
    pub state_for: Duration,
    /// How long since it last reported progress (`None`: it does not report).
    pub last_progress_ago: Option<Duration>,
    /// Times it failed and was started again.
    pub restarts: u64,
}

impl StageReport {
    /// Running, and (if it reports progress) not stalled.
    pub fn ready(&self) -> bool {
        self.state == StageState::Running
            && self.last_progress_ago.is_none_or(|ago| ago < STALL_AFTER)
    }

    /// Why it is not ready, in a sentence; `None` when it is.
    pub fn problem(&self) -> Option<String> {
        match self.state {
            StageState::Restarting => Some(format!(
                "{} failed and is restarting (failures so far: {}; down for {:.1}s)",
                self.name,
                self.restarts,
                self.state_for.as_secs_f64()
            )),
            StageState::Stopped => Some(format!("{} has stopped", self.name)),
            StageState::Running => match self.last_progress_ago {
                Some(ago) if ago >= STALL_AFTER => Some(format!(
                    "{} has made no progress for {:.0}s",
                    self.name,
                    ago.as_secs_f64()
                )),
                _ => None,
            },
        }
    }
}

/// Every supervised stage's health.
#[derive(Debug)]
pub struct Health {
    epoch: Instant,
    /// The wall clock at `epoch`, for the metrics' timestamps.
    epoch_unix: Duration,
    stages: Mutex<BTreeMap<String, Arc<StageCell>>>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            epoch: Instant::now(),
            epoch_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
            stages: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Health {
    /// The cell a stage called `name` reports to.
    pub fn register(&self, name: &str) -> Arc<StageCell> {
        let cell = Arc::new(StageCell::new(name, self.epoch));
        self.stages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), cell.clone());
        cell
    }

    /// Every stage, by name.
    pub fn reports(&self) -> Vec<StageReport> {
        let now = Instant::now();
        self.stages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(name, cell)| cell.report(name, now))
            .collect()
    }

    /// The wall-clock time (Unix seconds) of a report's last progress.
    pub fn progress_unix_seconds(&self, report: &StageReport) -> Option<f64> {
        let now = self.epoch.elapsed();
        report
            .last_progress_ago
            .map(|ago| (self.epoch_unix + now.saturating_sub(ago)).as_secs_f64())
    }
}
