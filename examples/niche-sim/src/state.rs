//! What the simulator holds: occurrences by idempotency key and the versions later
//! updates added, persisted to a JSON lines file (fsync'd before answering) so a
//! restarted simulator remembers.
//!
//! The file holds two kinds of line, replayed in order on start:
//! - an [`Occurrence`] (version 1, the `POST` that created it), as written since the
//!   first release;
//! - `{"update": <Update>}`, one later version of an occurrence (a `PUT`).
//!
//! A torn last line (killed mid-write) is skipped.

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

/// How an update is stored in the state file: distinguishable from an occurrence.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateLine {
    update: Update,
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
                    // A torn last line (killed mid-write) parses as neither and is skipped.
                    if let Ok(u) = serde_json::from_str::<UpdateLine>(line) {
                        state.remember_update(u.update);
                    } else if let Ok(o) = serde_json::from_str::<Occurrence>(line) {
                        state.remember(o);
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
        let line = UpdateLine { update: u };
        self.append(serde_json::to_string(&line).map_err(std::io::Error::other)?)?;
        self.remember_update(line.update);
        Ok(())
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
        let first = Version {
            version: 1,
            idempotency_key: &o.idempotency_key,
            created_at: &o.created_at,
            force: &o.force,
            occurrence_type: &o.occurrence_type,
            body_sha256: &o.body_sha256,
            body: &o.body,
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
mod tests {
    use super::*;

    fn occurrence(n: u32, key: &str) -> Occurrence {
        Occurrence {
            occurrence_reference: format!("OCC/AS/2026/{n:06}"),
            idempotency_key: key.into(),
            created_at: "2026-11-03T14:05:00+00:00".into(),
            force: "AS".into(),
            occurrence_type: "THEFT-SHOP".into(),
            body_sha256: format!("sha-{key}"),
            body: format!("<body {key}/>"),
        }
    }

    fn update(n: u32, version: u32, key: &str) -> Update {
        Update {
            occurrence_reference: format!("OCC/AS/2026/{n:06}"),
            version,
            idempotency_key: key.into(),
            created_at: "2026-11-04T09:00:00+00:00".into(),
            force: "AS".into(),
            occurrence_type: "ASSAULT".into(),
            body_sha256: format!("sha-{key}"),
            body: format!("<body {key}/>"),
        }
    }

    #[test]
    fn versions_are_kept_in_order_and_keys_remember_what_they_made() {
        let mut s = State::open(None, false).unwrap();
        s.insert(occurrence(1, "inc-1")).unwrap();
        s.insert(occurrence(2, "inc-2")).unwrap();
        s.update(update(1, 2, "inc-1#2")).unwrap();
        s.update(update(1, 3, "inc-1#3")).unwrap();
        assert_eq!((s.version("inc-1"), s.version("inc-2")), (3, 1));
        let v: Vec<_> = s
            .versions("inc-1")
            .iter()
            .map(|v| (v.version, v.idempotency_key.to_owned()))
            .collect();
        assert_eq!(
            v,
            [
                (1, "inc-1".into()),
                (2, "inc-1#2".into()),
                (3, "inc-1#3".into())
            ]
        );
        assert_eq!(
            s.keys["inc-1#3"],
            KeyUse {
                occurrence_key: "inc-1".into(),
                version: 3
            }
        );
        assert_eq!(s.body_sha256_of("inc-1#2"), Some("sha-inc-1#2"));
        assert_eq!(s.body_sha256_of("inc-2"), Some("sha-inc-2"));
        assert_eq!(
            s.by_reference("OCC/AS/2026/000002")
                .map(|o| o.idempotency_key.as_str()),
            Some("inc-2")
        );
        assert!(s.by_reference("OCC/AS/2026/000009").is_none());
    }

    #[test]
    fn a_restart_replays_occurrences_and_updates_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.jsonl");
        {
            let mut s = State::open(Some(path.clone()), true).unwrap();
            s.insert(occurrence(1, "inc-1")).unwrap();
            s.update(update(1, 2, "inc-1#2")).unwrap();
        }
        // Killed mid-write: half a line, no newline.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(br#"{"update":{"occurrence_reference":"OCC/AS/2026/0000"#)
            .unwrap();
        drop(f);
        {
            let mut s = State::open(Some(path.clone()), true).unwrap();
            assert_eq!(s.version("inc-1"), 2);
            // The next line is not glued to the torn one.
            s.update(update(1, 3, "inc-1#3")).unwrap();
        }
        let s = State::open(Some(path.clone()), true).unwrap();
        assert_eq!(s.order, ["inc-1"]);
        assert_eq!(s.version("inc-1"), 3);
        assert_eq!(s.versions("inc-1")[2].body, "<body inc-1#3/>");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with(r#"{"update":"#))
                .count(),
            3
        );
    }

    #[test]
    fn files_written_before_updates_existed_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.jsonl");
        let old = r#"{"occurrence_reference":"OCC/AS/2026/000001","idempotency_key":"rec-1","created_at":"2026-11-03T14:05:00+00:00","force":"AS","occurrence_type":"THEFT-SHOP","body_sha256":"abc","body":"<x/>"}"#;
        std::fs::write(&path, format!("{old}\n")).unwrap();
        let s = State::open(Some(path), false).unwrap();
        assert_eq!(s.by_key["rec-1"].body_sha256, "abc");
        assert_eq!(s.version("rec-1"), 1);
        assert_eq!(s.keys["rec-1"].version, 1);
    }
}
