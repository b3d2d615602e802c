//! What the simulator holds: occurrences by idempotency key, persisted to a JSON
//! lines file (fsync'd before answering) so a restarted simulator remembers.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// One occurrence the simulator created.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Occurrence {
    /// The reference returned, e.g. `OCC/AS/2026/000123`.
    pub occurrence_reference: String,
    /// The idempotency key it was created under.
    pub idempotency_key: String,
    /// When it was created.
    pub created_at: String,
    /// `Force` of the submission.
    pub force: String,
    /// `OccurrenceType` of the submission.
    pub occurrence_type: String,
    /// SHA-256 of the submission body.
    pub body_sha256: String,
    /// The submission itself.
    pub body: String,
}

/// Counters, for `GET /stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Requests of any kind.
    pub requests: u64,
    /// POSTs that created an occurrence.
    pub created: u64,
    /// POSTs with a known key: answered with the existing reference.
    pub replayed: u64,
    /// Replays whose body differed from the original.
    pub replayed_with_different_body: u64,
    /// Submissions refused as invalid (400).
    pub rejected: u64,
    /// Requests refused for a missing or wrong token (401).
    pub unauthorized: u64,
    /// Injected 500s.
    pub injected_failures: u64,
    /// Injected 503s.
    pub injected_unavailable: u64,
    /// Connections dropped on purpose.
    pub dropped: u64,
    /// Requests stalled on purpose.
    pub stalled: u64,
}

/// Occurrences and counters.
pub struct State {
    /// Occurrences by idempotency key.
    pub by_key: HashMap<String, Occurrence>,
    /// Keys in creation order.
    pub order: Vec<String>,
    /// Counters.
    pub stats: Stats,
    file: Option<std::fs::File>,
    fsync: bool,
}

impl State {
    /// Loads the state file (if any) and opens it for appending.
    pub fn open(path: Option<PathBuf>, fsync: bool) -> anyhow::Result<State> {
        let mut state = State {
            by_key: HashMap::new(),
            order: Vec::new(),
            stats: Stats::default(),
            file: None,
            fsync,
        };
        if let Some(path) = path {
            if path.exists() {
                let f = std::io::BufReader::new(std::fs::File::open(&path)?);
                for line in f.lines() {
                    let line = line?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    // A torn last line (killed mid-write) is skipped.
                    if let Ok(o) = serde_json::from_str::<Occurrence>(&line) {
                        state.order.push(o.idempotency_key.clone());
                        state.by_key.insert(o.idempotency_key.clone(), o);
                    }
                }
            }
            state.file = Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)?,
            );
        }
        Ok(state)
    }

    /// Stores a new occurrence durably.
    pub fn insert(&mut self, o: Occurrence) -> std::io::Result<()> {
        if let Some(f) = &mut self.file {
            let mut line = serde_json::to_string(&o).map_err(std::io::Error::other)?;
            line.push('\n');
            f.write_all(line.as_bytes())?;
            if self.fsync {
                f.sync_data()?;
            }
        }
        self.order.push(o.idempotency_key.clone());
        self.by_key.insert(o.idempotency_key.clone(), o);
        Ok(())
    }
}
