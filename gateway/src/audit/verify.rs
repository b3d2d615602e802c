//! Walking the chain: `bcgw audit verify`.

use super::StoredEntry;
use super::chain::{GENESIS, content_sha256, link_sha256};

/// The first thing wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The entry where the chain stops holding.
    pub seq: i64,
    /// What is wrong there.
    pub problem: String,
}

/// Walks entries in order and stops at the first that does not fit.
#[derive(Debug)]
pub struct Verifier {
    next_seq: i64,
    prev: String,
    checked: u64,
    pruned: u64,
    broken: Option<Break>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            next_seq: 1,
            prev: GENESIS.to_string(),
            checked: 0,
            pruned: 0,
            broken: None,
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
    /// The last entry's link hash: write it down, and a later verify shows
    /// nothing before it was rewritten.
    pub head: String,
    /// The first entry that does not fit, if any.
    pub broken: Option<Break>,
}

impl Verifier {
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
        self.checked += 1;
        if e.pruned_at_ms.is_some() {
            self.pruned += 1;
        }
        self.next_seq += 1;
        self.prev = e.sha256.clone();
        true
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
            head: self.prev,
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
}
