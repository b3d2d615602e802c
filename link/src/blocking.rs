//! Blocking: which pairs to compare at all. Comparing every report with every other
//! is quadratic; instead reports that share a key — the same postcode, or a
//! distinctive premises word, on the same local day — are compared. Keys are made
//! for the neighbouring day near midnight and for the day/month-swapped date of a
//! date-only report, so recall survives the usual date slips.

use crate::features::{Features, swapped};
use crate::vocab::{Vocab, WordId};
use chrono::{Duration, NaiveDate};
use rustc_hash::FxHashMap;

/// A blocking key: what is shared, and the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// Full postcode.
    Postcode(WordId, NaiveDate),
    /// Postcode sector (catches a typo in the last letters).
    Sector(WordId, NaiveDate),
    /// The start of a premises word that is not common (a branch or street name),
    /// so a typo late in the word still meets.
    WordStart([u8; 4], NaiveDate),
    /// The end of such a word, so a typo early in it still meets.
    WordEnd([u8; 4], NaiveDate),
    /// The chain.
    Chain(WordId, NaiveDate),
    /// A register member the report may be about.
    Member(WordId, NaiveDate),
}

/// Premises words on more than this share of names are too common to block on.
const COMMON_WORD_SHARE: f64 = 0.10;

/// Until this many names have been counted, no word is called common: the
/// shares of a handful of names say nothing (a linker starting empty would
/// otherwise give its first reports no word keys at all, and they would never
/// be met).
const NAMES_BEFORE_COMMON: u32 = 500;

fn start_of(w: &str) -> [u8; 4] {
    let b = w.as_bytes();
    std::array::from_fn(|i| b.get(i).copied().unwrap_or(0))
}

fn end_of(w: &str) -> [u8; 4] {
    let b = w.as_bytes();
    let skip = b.len().saturating_sub(4);
    std::array::from_fn(|i| b.get(skip + i).copied().unwrap_or(0))
}

/// The days a report could be on: its own, the next or previous one within three
/// hours of midnight, and the swapped date of a date-only report.
pub fn days(f: &Features) -> Vec<NaiveDate> {
    let Some(s) = f.when else { return Vec::new() };
    let mut d = vec![s.date];
    if s.date_only {
        d.extend(swapped(s.date));
    } else {
        let minute_of_day = (s.start + 24 * 60).rem_euclid(24 * 60);
        // The minute is UTC; UK local time is at most an hour ahead, so widen by one.
        if minute_of_day < 4 * 60 {
            d.push(s.date - Duration::days(1));
        }
        if minute_of_day > 19 * 60 {
            d.push(s.date + Duration::days(1));
        }
    }
    d
}

/// The keys of one report.
pub fn keys(f: &Features, vocab: &Vocab) -> Vec<Key> {
    let mut out = Vec::new();
    keys_into(f, vocab, &mut out);
    out
}

/// [`keys`], appended to `out` (so one buffer serves every report).
pub fn keys_into(f: &Features, vocab: &Vocab, out: &mut Vec<Key>) {
    let distinct = || {
        f.premises
            .iter()
            .filter(|&&w| {
                vocab.premises_share(w) < COMMON_WORD_SHARE
                    || f.premises.len() == 1
                    || vocab.premises_names_counted() < NAMES_BEFORE_COMMON
            })
            .map(|&w| vocab.word(w))
            .filter(|w| w.len() >= 3)
    };
    for day in days(f) {
        if let Some(pc) = f.postcode {
            out.push(Key::Postcode(pc[0], day));
            out.push(Key::Sector(pc[1], day));
        }
        for w in distinct() {
            out.push(Key::WordStart(start_of(w), day));
            if w.len() >= 6 {
                out.push(Key::WordEnd(end_of(w), day));
            }
        }
        if let Some(c) = f.chain {
            out.push(Key::Chain(c, day));
        }
    }
    // Two reports about one member are always compared, also a day apart: a
    // report keyed the next day with the entry date is the same incident more
    // often than two incidents at one shop on consecutive days are confused.
    // Each report keys its own day and the next, so reports at most a day
    // apart share one.
    if let Some(s) = f.when {
        for &m in &f.members {
            for day in [s.date, s.date + Duration::days(1)] {
                out.push(Key::Member(m, day));
            }
        }
    }
}

/// Blocks larger than this are compared only within a time window, so one busy
/// key (a chain on a Saturday) cannot make the work quadratic.
pub const BIG_BLOCK: usize = 400;
/// The window for big blocks, in minutes.
pub const BIG_BLOCK_WINDOW: i64 = 6 * 60;

/// Whether `b` is within the big-block window of `a` (the same rule as
/// [`candidate_pairs`] applies to a busy key): their times, as ranges, at most
/// [`BIG_BLOCK_WINDOW`] apart.
pub fn within_big_block_window(a: &Features, b: &Features) -> bool {
    match (a.when, b.when) {
        (Some(x), Some(y)) => {
            y.start - x.end <= BIG_BLOCK_WINDOW && x.start - y.end <= BIG_BLOCK_WINDOW
        }
        _ => false,
    }
}

/// All candidate pairs `(i, j)` with `i < j`, without repeats, sorted.
pub fn candidate_pairs(features: &[Features], vocab: &Vocab) -> Vec<(u32, u32)> {
    let mut blocks: FxHashMap<Key, Vec<u32>> = FxHashMap::default();
    let mut report_keys = Vec::new();
    for (i, f) in features.iter().enumerate() {
        report_keys.clear();
        keys_into(f, vocab, &mut report_keys);
        for &k in &report_keys {
            blocks.entry(k).or_default().push(i as u32);
        }
    }
    let mut pairs = Pairs::default();
    for (_, mut members) in blocks {
        members.dedup();
        if members.len() <= BIG_BLOCK {
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[x + 1..] {
                    pairs.push(i.min(j), i.max(j));
                }
            }
        } else {
            let start = |i: u32| features[i as usize].when.map_or(0, |s| s.start);
            members.sort_by_key(|&i| start(i));
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[x + 1..] {
                    if start(j) - features[i as usize].when.map_or(0, |s| s.end) > BIG_BLOCK_WINDOW
                    {
                        break;
                    }
                    pairs.push(i.min(j), i.max(j));
                }
            }
        }
    }
    pairs.into_sorted()
}

/// Pairs met block by block. A pair sharing several keys is met once per key;
/// sorting out the repeats now and then, rather than only at the end, keeps a
/// million reports' pairs from holding each pair several times over.
struct Pairs {
    pairs: Vec<(u32, u32)>,
    /// Length at which the repeats are next sorted out.
    compact_at: usize,
}

impl Default for Pairs {
    fn default() -> Self {
        Pairs {
            pairs: Vec::new(),
            compact_at: 1 << 20,
        }
    }
}

impl Pairs {
    fn push(&mut self, i: u32, j: u32) {
        self.pairs.push((i, j));
        if self.pairs.len() >= self.compact_at {
            self.compact();
            // Again only once the pairs have doubled: the sorts' sizes grow
            // geometrically, so all of them cost about as much as the last one.
            self.compact_at = (2 * self.pairs.len()).max(1 << 20);
        }
    }

    fn compact(&mut self) {
        self.pairs.sort_unstable();
        self.pairs.dedup();
    }

    fn into_sorted(mut self) -> Vec<(u32, u32)> {
        self.compact();
        self.pairs.shrink_to_fit();
        self.pairs
    }
}
