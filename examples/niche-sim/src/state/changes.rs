//! What happens to an occurrence after its versions: a merge into another occurrence
//! (a case officer decided both are one incident) or a withdrawal. Both are final, so
//! an occurrence is active, merged or withdrawn and never goes back.

use super::State;
use serde::{Deserialize, Serialize};

/// Where an occurrence stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Takes updates, can be merged or withdrawn.
    #[default]
    Active,
    /// Part of another occurrence now (`merged_into`).
    Merged,
    /// Withdrawn (`withdrawn_reason`).
    Withdrawn,
}

impl Status {
    /// Every status, for filters and counts.
    pub const ALL: [Status; 3] = [Status::Active, Status::Merged, Status::Withdrawn];

    /// The name used on the wire: `active`, `merged`, `withdrawn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Merged => "merged",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// The status named `name` on the wire.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A merge (`POST /submissions/{reference}/merge`), as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    /// The occurrence merged away.
    pub occurrence_reference: String,
    /// The occurrence it became part of.
    pub into: String,
    /// Why, as the caller said.
    pub reason: String,
    /// The idempotency key of the request.
    pub idempotency_key: String,
    /// When it was received.
    pub at: String,
}

/// A withdrawal (`POST /submissions/{reference}/withdraw`), as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// The occurrence withdrawn.
    pub occurrence_reference: String,
    /// Why, as the caller said.
    pub reason: String,
    /// The idempotency key of the request.
    pub idempotency_key: String,
    /// When it was received.
    pub at: String,
}

/// A merge or a withdrawal; each key that made one remembers it, so the same key
/// again gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// See [`Merge`].
    Merge(Merge),
    /// See [`Withdrawal`].
    Withdraw(Withdrawal),
}

impl Change {
    /// The occurrence changed.
    pub fn reference(&self) -> &str {
        match self {
            Change::Merge(m) => &m.occurrence_reference,
            Change::Withdraw(w) => &w.occurrence_reference,
        }
    }

    /// The key that made the change.
    pub fn key(&self) -> &str {
        match self {
            Change::Merge(m) => &m.idempotency_key,
            Change::Withdraw(w) => &w.idempotency_key,
        }
    }
}

/// One line of an occurrence's history, as `GET /submissions/{reference}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// `created`, `updated`, `merged` (this one into another), `merged_from` (another
    /// into this one) or `withdrawn`.
    pub event: &'static str,
    /// When it was received.
    pub at: String,
    /// The idempotency key of the request.
    pub idempotency_key: String,
    /// The version made (`created`, `updated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The occurrence this one was merged into (`merged`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub into: Option<String>,
    /// The occurrence merged into this one (`merged_from`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Why (`merged`, `merged_from`, `withdrawn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Event {
    /// An event with only the fields every event has.
    pub fn new(event: &'static str, at: &str, idempotency_key: &str) -> Event {
        Event {
            event,
            at: at.to_owned(),
            idempotency_key: idempotency_key.to_owned(),
            version: None,
            into: None,
            from: None,
            reason: None,
        }
    }
}

/// Where an occurrence stands and how it got there.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// Active, merged or withdrawn.
    pub status: Status,
    /// The occurrence this one was merged into.
    pub merged_into: Option<String>,
    /// Occurrences merged into this one, in the order they were.
    pub merged_from: Vec<String>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
    /// Creation, updates, merges and withdrawal, in the order received.
    pub history: Vec<Event>,
}

impl State {
    /// Stores a merge or withdrawal durably (the caller checked it may happen).
    pub fn change(&mut self, change: Change) -> std::io::Result<()> {
        // Serialised as the matching `Line` variant: `{"merge": ...}`, `{"withdraw": ...}`.
        self.append(serde_json::to_string(&change).map_err(std::io::Error::other)?)?;
        self.remember_change(change);
        Ok(())
    }

    /// Where the occurrence created under `key` stands.
    pub fn standing(&self, key: &str) -> Option<&Standing> {
        self.standing.get(key)
    }

    /// The merge or withdrawal `key` made, if it made one.
    pub fn change_made_by(&self, key: &str) -> Option<&Change> {
        self.changes.get(key)
    }

    /// The status of the occurrence created under `key` (active if unknown).
    pub fn status(&self, key: &str) -> Status {
        self.standing.get(key).map_or(Status::Active, |s| s.status)
    }

    /// Applies a merge or withdrawal. The handlers check that it may happen before
    /// journaling it; this checks again so that a hand-edited file cannot make a
    /// merged occurrence active or a merge cycle.
    pub(super) fn remember_change(&mut self, change: Change) {
        let key = change.key();
        if self.keys.contains_key(key) || self.changes.contains_key(key) {
            return;
        }
        let Some(source) = self.by_reference.get(change.reference()).cloned() else {
            return;
        };
        if self.status(&source) != Status::Active {
            return;
        }
        match &change {
            Change::Merge(m) => {
                let Some(target) = self.by_reference.get(&m.into).cloned() else {
                    return;
                };
                if target == source || self.status(&target) != Status::Active {
                    return;
                }
                let mut merged = Event::new("merged", &m.at, &m.idempotency_key);
                merged.into = Some(m.into.clone());
                merged.reason = Some(m.reason.clone());
                let s = self.standing.entry(source).or_default();
                s.status = Status::Merged;
                s.merged_into = Some(m.into.clone());
                s.history.push(merged);
                let mut from = Event::new("merged_from", &m.at, &m.idempotency_key);
                from.from = Some(m.occurrence_reference.clone());
                from.reason = Some(m.reason.clone());
                let t = self.standing.entry(target).or_default();
                t.merged_from.push(m.occurrence_reference.clone());
                t.history.push(from);
            }
            Change::Withdraw(w) => {
                let mut withdrawn = Event::new("withdrawn", &w.at, &w.idempotency_key);
                withdrawn.reason = Some(w.reason.clone());
                let s = self.standing.entry(source).or_default();
                s.status = Status::Withdrawn;
                s.withdrawn_reason = Some(w.reason.clone());
                s.history.push(withdrawn);
            }
        }
        self.changes.insert(key.to_owned(), change);
    }
}
