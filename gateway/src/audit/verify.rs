//! Walking the chain: `bcgw audit verify`.
//!
//! The chain shows an entry changed, removed or moved in the middle. Its end is
//! checked three ways: against the head the store records beside the log;
//! against what the store holds that was made with entries ([`Evidence`]: a log
//! removed whole, head and all, is not an empty one); and against a head the
//! data protection officer kept apart from the store ([`KeptHead`]), which is
//! the only check that entries removed from the end, with the recorded head
//! moved back, cannot pass.

use super::chain::{GENESIS, content_sha256, link_sha256};
use super::{Evidence, StoredEntry};
use chrono::DateTime;

/// The first thing wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The entry where the chain stops holding.
    pub seq: i64,
    /// What is wrong there.
    pub problem: String,
}

/// A head written down earlier (`bcgw audit head`): `<seq>:<sha256>`, or the
/// hash alone. The log must still pass through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptHead {
    /// The entry's place, if given.
    pub seq: Option<i64>,
    /// The entry's hash.
    pub sha256: String,
}

impl std::str::FromStr for KeptHead {
    type Err = String;

    fn from_str(text: &str) -> Result<KeptHead, String> {
        let text = text.trim();
        let (seq, hash) = match text.split_once(':') {
            Some((seq, hash)) => {
                let seq = seq
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| format!("{seq:?} is not an entry number"))?;
                (Some(seq), hash)
            }
            None => (None, text),
        };
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(
                "a head is <entry>:<sha256> as `bcgw audit head` prints it (or the 64 hex digits alone)"
                    .into(),
            );
        }
        Ok(KeptHead {
            seq,
            sha256: hash.to_ascii_lowercase(),
        })
    }
}

/// Walks entries in order and stops at the first that does not fit.
#[derive(Debug)]
pub struct Verifier {
    next_seq: i64,
    prev: String,
    /// The latest time of any entry (ms).
    latest_ms: Option<i64>,
    checked: u64,
    pruned: u64,
    broken: Option<Break>,
    kept: Option<KeptHead>,
    /// Entries after the kept head, once the walk has passed it.
    since_kept: Option<u64>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            next_seq: 1,
            prev: GENESIS.to_string(),
            latest_ms: None,
            checked: 0,
            pruned: 0,
            broken: None,
            kept: None,
            since_kept: None,
        }
    }
}

/// What a walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Entries checked.
    pub checked: u64,
    /// Of those, entries whose content retention has removed (their links checked).
    pub pruned: u64,
    /// The last entry's place (0: no entries).
    pub head_seq: i64,
    /// The last entry's link hash: write it down, and a later verify shows
    /// nothing before it was rewritten.
    pub head: String,
    /// With a kept head: how many entries were appended after it.
    pub since_kept: Option<u64>,
    /// The first entry that does not fit, if any.
    pub broken: Option<Break>,
}

impl Verifier {
    /// A verifier that also checks the log passes through `kept`.
    pub fn expecting(kept: Option<KeptHead>) -> Verifier {
        // The start of the log is in every log.
        let since_kept = kept
            .as_ref()
            .filter(|k| k.seq == Some(0) && k.sha256 == GENESIS)
            .map(|_| 0);
        Verifier {
            kept,
            since_kept,
            ..Verifier::default()
        }
    }

    /// Checks the next entry. Returns false once the chain is broken (there is
    /// no point reading on).
    pub fn feed(&mut self, e: &StoredEntry) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let problem = if e.seq != self.next_seq {
            if e.seq > self.next_seq {
                // Name the first missing entry: that is where the chain breaks.
                let missing = self.next_seq;
                self.broken = Some(Break {
                    seq: missing,
                    problem: format!(
                        "entry {missing} is missing{}: removed from the log",
                        if e.seq > missing + 1 {
                            format!(" (and the {} after it)", e.seq - missing - 1)
                        } else {
                            String::new()
                        }
                    ),
                });
                return false;
            }
            Some(format!("out of place: expected entry {}", self.next_seq))
        } else if e.prev_sha256 != self.prev {
            Some("its previous-entry hash does not match the entry before it: an entry before it was changed, removed or moved".to_string())
        } else if e.pruned_at_ms.is_some() && !e.is_emptied() {
            // Retention empties what it prunes; "pruned" on an entry that still
            // says something would let a changed entry pass unchecked.
            Some(
                "it is marked pruned by retention but still holds content: the entry was changed"
                    .to_string(),
            )
        } else if e.pruned_at_ms.is_none() && content_sha256(&e.content()) != e.content_sha256 {
            Some("its content does not match its hash: the entry was changed".to_string())
        } else if link_sha256(e.seq, &e.prev_sha256, &e.content_sha256) != e.sha256 {
            Some("its hash does not match its place and content: the entry was changed".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            self.broken = Some(Break {
                seq: e.seq,
                problem,
            });
            return false;
        }
        if let Some(n) = self.since_kept.as_mut() {
            *n += 1;
        } else if let Some(k) = &self.kept {
            let hash_matches = e.sha256.eq_ignore_ascii_case(&k.sha256);
            if k.seq == Some(e.seq) && !hash_matches {
                self.broken = Some(Break {
                    seq: e.seq,
                    problem: "it is not the entry whose hash was kept apart as the head: the log was rewritten at or before it".into(),
                });
                return false;
            }
            if hash_matches {
                self.since_kept = Some(0);
            }
        }
        self.checked += 1;
        if e.pruned_at_ms.is_some() {
            self.pruned += 1;
        }
        self.latest_ms = self.latest_ms.max(Some(e.at_ms));
        self.next_seq += 1;
        self.prev = e.sha256.clone();
        true
    }

    /// Checks that the walk passed through the head kept apart, if one was
    /// given: entries removed from the end are found even when the head the
    /// store records was moved back with them.
    pub fn passed_kept_head(&mut self) {
        let Some(k) = &self.kept else { return };
        if self.broken.is_some() || self.since_kept.is_some() {
            return;
        }
        let last = self.next_seq - 1;
        self.broken = Some(match k.seq {
            Some(seq) if seq > last => Break {
                seq: last + 1,
                problem: format!(
                    "entry {seq} is missing: the log ends at entry {last}, but the head kept apart is entry {seq}; entries were removed from the end"
                ),
            },
            _ => Break {
                seq: k.seq.unwrap_or(last + 1),
                problem: format!(
                    "the head kept apart ({}) is not in the log: entries were removed from the end, or the log was rewritten",
                    k.sha256
                ),
            },
        });
    }

    /// Checks the log against what the store holds that was made with entries:
    /// a log removed whole (its recorded head too) is not an empty one, and no
    /// record is newer than the log's last entry.
    pub fn accounts_for(&mut self, evidence: Evidence) {
        if self.broken.is_some() || evidence.records == 0 {
            return;
        }
        let time = |ms: i64| {
            DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), |t| t.to_rfc3339())
        };
        let newest = evidence.newest_ms.unwrap_or(i64::MIN);
        let last = self.next_seq - 1;
        match self.latest_ms {
            None => {
                self.broken = Some(Break {
                    seq: 1,
                    problem: format!(
                        "the log is empty, but the store holds {} records stored since it keeps the log (the newest at {}), each stored with an entry: the log was removed",
                        evidence.records,
                        time(newest)
                    ),
                })
            }
            Some(latest) if newest > latest => {
                self.broken = Some(Break {
                    seq: last + 1,
                    problem: format!(
                        "the store holds a record stored at {}, after the log's last entry (entry {last}, at {}): entries were removed from the end",
                        time(newest),
                        time(latest)
                    ),
                })
            }
            Some(_) => {}
        }
    }

    /// Checks that the walk ended at `head` (the last entry's place and hash as
    /// recorded when it was appended), so entries removed from the end are found.
    pub fn ends_at(&mut self, head: Option<(i64, String)>) {
        if self.broken.is_some() {
            return;
        }
        let last = self.next_seq - 1;
        let Some((seq, hash)) = head else {
            if last > 0 {
                self.broken = Some(Break {
                    seq: last,
                    problem: "the store has no record of the log's head: it was removed".into(),
                });
            }
            return;
        };
        if seq > last {
            self.broken = Some(Break {
                seq: last + 1,
                problem: format!(
                    "entry {} is missing: the log ends at entry {last}, but entry {seq} was appended; entries were removed from the end",
                    last + 1
                ),
            });
        } else if seq < last || hash != self.prev {
            self.broken = Some(Break {
                seq,
                problem: "the log's recorded head does not match this entry: entries were changed or added after it".into(),
            });
        }
    }

    /// What the walk found.
    pub fn finish(self) -> Verdict {
        Verdict {
            checked: self.checked,
            pruned: self.pruned,
            head_seq: self.next_seq - 1,
            head: self.prev,
            since_kept: self.since_kept,
            broken: self.broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = StoredEntry {
                    seq,
                    at_ms: seq * 1000,
                    operation: "collection".into(),
                    actor: "source:a".into(),
                    isa: Some("ISA-1".into()),
                    reason: "journaled".into(),
                    records: format!("[\"r{seq}\"]"),
                    incidents: "[]".into(),
                    detail: "null".into(),
                    content_sha256: String::new(),
                    prev_sha256: prev.clone(),
                    sha256: String::new(),
                    pruned_at_ms: None,
                };
                e.content_sha256 = content_sha256(&e.content());
                e.sha256 = link_sha256(seq, &prev, &e.content_sha256);
                prev = e.sha256.clone();
                e
            })
            .collect()
    }

    fn walk(entries: &[StoredEntry]) -> Verdict {
        let mut v = Verifier::default();
        for e in entries {
            if !v.feed(e) {
                break;
            }
        }
        v.finish()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let v = walk(&chain(5));
        assert_eq!(v.checked, 5);
        assert_eq!(v.broken, None);
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut c = chain(5);
        c[2].records = "[\"someone-else\"]".into();
        assert_eq!(walk(&c).broken.map(|b| b.seq), Some(3));
    }

    #[test]
    fn a_changed_entry_rehashed_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].actor = "officer:x".into();
        c[2].content_sha256 = content_sha256(&c[2].content());
        c[2].sha256 = link_sha256(3, &c[2].prev_sha256, &c[2].content_sha256);
        assert_eq!(walk(&c).broken.map(|b| b.seq), Some(4));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut c = chain(5);
        c.remove(1);
        let b = walk(&c).broken.expect("broken");
        assert_eq!(b.seq, 2);
        assert!(b.problem.contains("missing"), "{}", b.problem);
    }

    #[test]
    fn two_entries_swapped_are_found_at_the_first() {
        let mut c = chain(5);
        c.swap(1, 2);
        let (a, b) = (c[1].seq, c[2].seq);
        c[1].seq = b;
        c[2].seq = a;
        assert_eq!(walk(&c).broken.map(|b| b.seq), Some(2));
    }

    #[test]
    fn entries_removed_from_the_end_are_found_by_the_recorded_head() {
        let c = chain(5);
        let head = Some((5, c[4].sha256.clone()));
        let mut v = Verifier::default();
        for e in &c[..3] {
            v.feed(e);
        }
        v.ends_at(head.clone());
        let b = v.finish().broken.expect("broken");
        assert_eq!(b.seq, 4);
        assert!(b.problem.contains("removed from the end"), "{}", b.problem);
        let mut v = Verifier::default();
        for e in &c {
            v.feed(e);
        }
        v.ends_at(head);
        assert_eq!(v.finish().broken, None);
    }

    #[test]
    fn a_changed_entry_marked_pruned_is_found() {
        let mut c = chain(5);
        c[1].records = "[\"someone-else\"]".into();
        c[1].pruned_at_ms = Some(99);
        let b = walk(&c).broken.expect("broken");
        assert_eq!(b.seq, 2);
        assert!(b.problem.contains("marked pruned"), "{}", b.problem);
    }

    #[test]
    fn a_pruned_entry_keeps_the_chain() {
        let mut c = chain(5);
        c[1].records = "[]".into();
        c[1].actor = String::new();
        c[1].reason = String::new();
        c[1].detail = "null".into();
        c[1].pruned_at_ms = Some(99);
        let v = walk(&c);
        assert_eq!((v.checked, v.pruned, v.broken), (5, 1, None));
    }

    fn walk_expecting(entries: &[StoredEntry], kept: &str, evidence: Evidence) -> Verdict {
        let mut v = Verifier::expecting(Some(kept.parse().unwrap()));
        for e in entries {
            if !v.feed(e) {
                break;
            }
        }
        v.passed_kept_head();
        v.accounts_for(evidence);
        v.finish()
    }

    #[test]
    fn a_log_removed_whole_is_not_an_empty_one() {
        let evidence = Evidence {
            records: 130,
            newest_ms: Some(5_000),
        };
        let mut v = Verifier::default();
        v.ends_at(None);
        v.accounts_for(evidence);
        let b = v.finish().broken.expect("broken");
        assert_eq!(b.seq, 1);
        assert!(
            b.problem
                .contains("the log is empty, but the store holds 130 records"),
            "{}",
            b.problem
        );
        // A store with nothing the log must account for: empty is intact.
        let mut v = Verifier::default();
        v.accounts_for(Evidence::default());
        assert_eq!(v.finish().broken, None);
    }

    #[test]
    fn a_record_newer_than_the_last_entry_shows_entries_removed_from_the_end() {
        let c = chain(5);
        let v = walk_expecting(
            &c[..3],
            &format!("1:{}", c[0].sha256),
            Evidence {
                records: 5,
                newest_ms: Some(5_000),
            },
        );
        let b = v.broken.expect("broken");
        assert_eq!(b.seq, 4);
        assert!(b.problem.contains("removed from the end"), "{}", b.problem);
        let v = walk_expecting(
            &c,
            &format!("1:{}", c[0].sha256),
            Evidence {
                records: 5,
                newest_ms: Some(5_000),
            },
        );
        assert_eq!(v.broken, None);
    }

    #[test]
    fn the_log_must_pass_through_the_head_kept_apart() {
        let c = chain(5);
        let none = Evidence::default();
        // Grown since: it passes through, and says how far.
        let v = walk_expecting(&c, &format!("3:{}", c[2].sha256), none);
        assert_eq!((v.broken, v.since_kept), (None, Some(2)));
        let v = walk_expecting(&c, &c[4].sha256.to_uppercase(), none);
        assert_eq!((v.broken, v.since_kept), (None, Some(0)));
        // Cut back to before it.
        let b = walk_expecting(&c[..3], &format!("5:{}", c[4].sha256), none)
            .broken
            .expect("broken");
        assert_eq!(b.seq, 4);
        assert!(b.problem.contains("entry 5 is missing"), "{}", b.problem);
        let b = walk_expecting(&c[..3], &c[4].sha256, none)
            .broken
            .expect("broken");
        assert!(b.problem.contains("is not in the log"), "{}", b.problem);
        // Another entry in its place: the log was rewritten.
        let b = walk_expecting(&c, &format!("3:{}", c[3].sha256), none)
            .broken
            .expect("broken");
        assert_eq!(b.seq, 3);
        // The start of the log is in every log.
        let v = walk_expecting(&[], &format!("0:{GENESIS}"), none);
        assert_eq!(v.broken, None);
    }

    #[test]
    fn a_kept_head_is_an_entry_and_a_hash() {
        let h = "ab".repeat(32);
        let k: KeptHead = format!("12:{h}").parse().unwrap();
        assert_eq!((k.seq, k.sha256.as_str()), (Some(12), h.as_str()));
        assert_eq!(h.parse::<KeptHead>().unwrap().seq, None);
        assert!("12:abc".parse::<KeptHead>().is_err());
        assert!(format!("x:{h}").parse::<KeptHead>().is_err());
    }
}
