//! What the simulator holds: occurrences by idempotency key, the versions later
//! updates added and the merges and withdrawals that ended them, persisted to a JSON
//! lines file (fsync'd before answering) so a restarted simulator remembers.
//!
//! The file holds these kinds of line, replayed in order on start:
//! - an [`Occurrence`] (version 1, the `POST` that created it), as written since the
//!   first release;
//! - `{"update": <Update>}`, one later version of an occurrence (a `PUT`);
//! - `{"merge": <Merge>}` and `{"withdraw": <Withdrawal>}` (see [`changes`]).
//!
//! A torn last line (killed mid-write) is skipped. Each kind is only ever added, so
//! a file written by an older simulator still loads.

mod changes;

pub use changes::{Change, Event, Merge, Standing, Status, Withdrawal};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead, Read, Seek, Write};
use std::path::PathBuf;

/// One occurrence the simulator created (its version 1).
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

/// A later version of an occurrence (`PUT /submissions/{reference}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// The occurrence updated.
    pub occurrence_reference: String,
    /// Its version number: 2 for the first update.
    pub version: u32,
    /// The idempotency key of the update.
    pub idempotency_key: String,
    /// When the update was received.
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

/// A line of the state file other than an occurrence: an object with one field
/// naming what it is, so it never parses as an [`Occurrence`] nor one as it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Update(Update),
    Merge(Merge),
    Withdraw(Withdrawal),
}

/// What the simulator read from a version's body, for listings: the body is
/// validated when received, so this is known for every version but those of a
/// hand-edited file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// `IncidentId`.
    pub incident_id: String,
    /// Number of `SourceReport` elements.
    pub source_reports: usize,
}

impl Facts {
    fn of(body: &str) -> Option<Facts> {
        let sub = crate::validate::validate(body.as_bytes()).ok()?;
        Some(Facts {
            incident_id: sub.incident_id,
            source_reports: sub.source_reports,
        })
    }
}

/// Where a key was used: the occurrence (by its creation key) and the version it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    /// The creation key of the occurrence.
    pub occurrence_key: String,
    /// The version the key made (1: the creation).
    pub version: u32,
}

/// One version of an occurrence, as `GET /submissions/{reference}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Version<'a> {
    /// 1 for the creation, then 2, 3...
    pub version: u32,
    /// The idempotency key that made it.
    pub idempotency_key: &'a str,
    /// When it was received.
    pub created_at: &'a str,
    /// `Force` of the submission.
    pub force: &'a str,
    /// `OccurrenceType` of the submission.
    pub occurrence_type: &'a str,
    /// SHA-256 of the submission body.
    pub body_sha256: &'a str,
    /// The submission itself.
    pub body: &'a str,
    /// Its `IncidentId` (null if the body cannot be read).
    pub incident_id: Option<&'a str>,
    /// Its number of `SourceReport`s (null if the body cannot be read).
    pub source_reports: Option<usize>,
}

/// How many occurrences there are in each status, and versions in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Occurrences.
    pub total: usize,
    /// Active occurrences.
    pub active: usize,
    /// Merged occurrences.
    pub merged: usize,
    /// Withdrawn occurrences.
    pub withdrawn: usize,
    /// Versions of all occurrences.
    pub versions: usize,
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
    /// PUTs that added a version to an occurrence.
    pub updated: u64,
    /// PUTs with a key already used for that occurrence: answered with the version the
    /// key made, nothing added.
    pub update_replayed: u64,
    /// Update replays whose body differed from that version's.
    pub update_replayed_with_different_body: u64,
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
    /// PUTs refused because the occurrence was merged or withdrawn (409).
    pub update_refused_not_active: u64,
    /// Merges made.
    pub merges: u64,
    /// Withdrawals made.
    pub withdrawals: u64,
    /// Merges and withdrawals with a key already used for the same: answered as
    /// before, nothing done.
    pub change_replayed: u64,
    /// Replays of a merge or withdrawal whose body differed from the original.
    pub change_replayed_with_different_body: u64,
    /// Merges and withdrawals with a new key asking for what was already so (merged
    /// into the same occurrence, withdrawn again): 200, nothing done.
    pub change_unchanged: u64,
    /// Merges and withdrawals refused as conflicting with where the occurrences stand
    /// (409, 422).
    pub change_refused: u64,
}

/// Occurrences, their versions and counters.
pub struct State {
    /// Occurrences by idempotency key (of their creation).
    pub by_key: HashMap<String, Occurrence>,
    /// Creation keys in creation order.
    pub order: Vec<String>,
    /// Updates (versions 2, 3...) by the creation key of their occurrence, in order.
    pub updates: HashMap<String, Vec<Update>>,
    /// Creation keys by occurrence reference.
    pub by_reference: HashMap<String, String>,
    /// Every key used, creation or update, and what it made.
    pub keys: HashMap<String, KeyUse>,
    /// Every key that made a merge or withdrawal, and what it made.
    changes: HashMap<String, Change>,
    /// Where each occurrence stands, by its creation key.
    standing: HashMap<String, Standing>,
    /// What each version's body says, by the key that made the version.
    facts: HashMap<String, Facts>,
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
            updates: HashMap::new(),
            by_reference: HashMap::new(),
            keys: HashMap::new(),
            changes: HashMap::new(),
            standing: HashMap::new(),
            facts: HashMap::new(),
            stats: Stats::default(),
            file: None,
            fsync,
        };
        if let Some(path) = path {
            if path.exists() {
                let f = std::io::BufReader::new(std::fs::File::open(&path)?);
                for line in f.split(b'\n') {
                    let line = line?;
                    let Ok(line) = std::str::from_utf8(&line) else {
                        continue;
                    };
                    if line.trim().is_empty() {
                        continue;
                    }
                    // A torn last line (killed mid-write) parses as nothing and is skipped.
                    match serde_json::from_str::<Line>(line) {
                        Ok(Line::Update(u)) => state.remember_update(u),
                        Ok(Line::Merge(m)) => state.remember_change(Change::Merge(m)),
                        Ok(Line::Withdraw(w)) => state.remember_change(Change::Withdraw(w)),
                        Err(_) => {
                            if let Ok(o) = serde_json::from_str::<Occurrence>(line) {
                                state.remember(o);
                            }
                        }
                    }
                }
            }
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&path)?;
            // After a torn last line, start the next one on a line of its own, or it
            // would be glued to the torn one and lost with it on the next start.
            let len = file.metadata()?.len();
            if len > 0 {
                file.seek(std::io::SeekFrom::Start(len - 1))?;
                let mut last = [0u8; 1];
                file.read_exact(&mut last)?;
                if last[0] != b'\n' {
                    file.write_all(b"\n")?;
                    file.sync_data()?;
                }
            }
            state.file = Some(file);
        }
        Ok(state)
    }

    fn remember(&mut self, o: Occurrence) {
        if self.keys.contains_key(&o.idempotency_key)
            || self.by_reference.contains_key(&o.occurrence_reference)
        {
            return;
        }
        self.keys.insert(
            o.idempotency_key.clone(),
            KeyUse {
                occurrence_key: o.idempotency_key.clone(),
                version: 1,
            },
        );
        self.by_reference
            .insert(o.occurrence_reference.clone(), o.idempotency_key.clone());
        self.order.push(o.idempotency_key.clone());
        if let Some(facts) = Facts::of(&o.body) {
            self.facts.insert(o.idempotency_key.clone(), facts);
        }
        let mut created = Event::new("created", &o.created_at, &o.idempotency_key);
        created.version = Some(1);
        self.standing.insert(
            o.idempotency_key.clone(),
            Standing {
                history: vec![created],
                ..Standing::default()
            },
        );
        self.by_key.insert(o.idempotency_key.clone(), o);
    }

    fn remember_update(&mut self, u: Update) {
        let Some(occurrence_key) = self.by_reference.get(&u.occurrence_reference).cloned() else {
            return;
        };
        if self.keys.contains_key(&u.idempotency_key) {
            return;
        }
        self.keys.insert(
            u.idempotency_key.clone(),
            KeyUse {
                occurrence_key: occurrence_key.clone(),
                version: u.version,
            },
        );
        if let Some(facts) = Facts::of(&u.body) {
            self.facts.insert(u.idempotency_key.clone(), facts);
        }
        let mut updated = Event::new("updated", &u.created_at, &u.idempotency_key);
        updated.version = Some(u.version);
        self.standing
            .entry(occurrence_key.clone())
            .or_default()
            .history
            .push(updated);
        self.updates.entry(occurrence_key).or_default().push(u);
    }

    fn append(&mut self, line: String) -> std::io::Result<()> {
        if let Some(f) = &mut self.file {
            let mut line = line;
            line.push('\n');
            f.write_all(line.as_bytes())?;
            if self.fsync {
                f.sync_data()?;
            }
        }
        Ok(())
    }

    /// Stores a new occurrence durably.
    pub fn insert(&mut self, o: Occurrence) -> std::io::Result<()> {
        self.append(serde_json::to_string(&o).map_err(std::io::Error::other)?)?;
        self.remember(o);
        Ok(())
    }

    /// Stores a new version of an occurrence durably.
    pub fn update(&mut self, u: Update) -> std::io::Result<()> {
        let line = Line::Update(u);
        self.append(serde_json::to_string(&line).map_err(std::io::Error::other)?)?;
        if let Line::Update(u) = line {
            self.remember_update(u);
        }
        Ok(())
    }

    /// What the latest version of the occurrence created under `key` says.
    pub fn latest_facts(&self, key: &str) -> Option<&Facts> {
        let latest = self
            .updates
            .get(key)
            .and_then(|u| u.last())
            .map_or(key, |u| u.idempotency_key.as_str());
        self.facts.get(latest)
    }

    /// How many occurrences are in each status, and versions in all.
    pub fn summary(&self) -> Summary {
        let mut sum = Summary {
            total: self.order.len(),
            ..Summary::default()
        };
        for key in &self.order {
            match self.status(key) {
                Status::Active => sum.active += 1,
                Status::Merged => sum.merged += 1,
                Status::Withdrawn => sum.withdrawn += 1,
            }
            sum.versions += self.version(key) as usize;
        }
        sum
    }

    /// The occurrence with this reference, by its creation key.
    pub fn by_reference(&self, reference: &str) -> Option<&Occurrence> {
        self.by_key.get(self.by_reference.get(reference)?)
    }

    /// The reference of the occurrence created under `key` ("" if there is none).
    pub fn reference_of(&self, key: &str) -> String {
        self.by_key
            .get(key)
            .map(|o| o.occurrence_reference.clone())
            .unwrap_or_default()
    }

    /// The current version number of the occurrence created under `key`.
    pub fn version(&self, key: &str) -> u32 {
        self.updates
            .get(key)
            .and_then(|u| u.last())
            .map_or(1, |u| u.version)
    }

    /// Every version of the occurrence created under `key`, oldest first.
    pub fn versions(&self, key: &str) -> Vec<Version<'_>> {
        let Some(o) = self.by_key.get(key) else {
            return Vec::new();
        };
        let facts = |k: &str| self.facts.get(k);
        let first = Version {
            version: 1,
            idempotency_key: &o.idempotency_key,
            created_at: &o.created_at,
            force: &o.force,
            occurrence_type: &o.occurrence_type,
            body_sha256: &o.body_sha256,
            body: &o.body,
            incident_id: facts(&o.idempotency_key).map(|f| f.incident_id.as_str()),
            source_reports: facts(&o.idempotency_key).map(|f| f.source_reports),
        };
        std::iter::once(first)
            .chain(
                self.updates
                    .get(key)
                    .into_iter()
                    .flatten()
                    .map(|u| Version {
                        version: u.version,
                        idempotency_key: &u.idempotency_key,
                        created_at: &u.created_at,
                        force: &u.force,
                        occurrence_type: &u.occurrence_type,
                        body_sha256: &u.body_sha256,
                        body: &u.body,
                        incident_id: facts(&u.idempotency_key).map(|f| f.incident_id.as_str()),
                        source_reports: facts(&u.idempotency_key).map(|f| f.source_reports),
                    }),
            )
            .collect()
    }

    /// The body SHA-256 of the version `key` made.
    pub fn body_sha256_of(&self, key: &str) -> Option<&str> {
        let used = self.keys.get(key)?;
        if used.version == 1 {
            return self
                .by_key
                .get(&used.occurrence_key)
                .map(|o| o.body_sha256.as_str());
        }
        self.updates
            .get(&used.occurrence_key)?
            .iter()
            .find(|u| u.idempotency_key == key)
            .map(|u| u.body_sha256.as_str())
    }
}

#[cfg(test)]
mod tests;
