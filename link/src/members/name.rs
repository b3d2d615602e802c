//! Premises names against a member's names: each member is known by several
//! variants (trading name with branch, alone, with its town, with its street,
//! every alias), and a report's name is scored by how much of it one variant
//! covers — a chain must agree, rare words count more than `street`.

use super::Member;
use crate::normalize::premises::{FORMAT_WORDS, PremisesName, normalise};
use crate::normalize::text::same_word;
use std::collections::HashMap;

/// A name's normalised form as one string: what "the same name, as written"
/// means (`Tesco Exp. Oldham St`, `TESCO EXPRESS OLDHAM STREET` and `Tesco,
/// Oldham St` are one key: store-format words are often left out).
pub fn variant_key(raw: &str) -> String {
    name_key(&normalise(raw))
}

/// [`variant_key`] of a name already normalised.
pub fn name_key(name: &PremisesName) -> String {
    let mut parts: Vec<&str> = name.chain.into_iter().collect();
    parts.extend(
        name.words
            .iter()
            .map(String::as_str)
            .filter(|w| !FORMAT_WORDS.contains(w)),
    );
    parts.join(" ")
}

/// How a member may be named.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The normalised name.
    pub name: PremisesName,
    /// [`name_key`] of it.
    pub key: String,
    /// Whether it is one of the member's own names (trading name, branch,
    /// alias) rather than one made up from its town or street.
    pub own: bool,
}

/// The street words of an address line (house numbers dropped by [`normalise`]).
fn street(line: &str) -> Option<String> {
    let words: Vec<&str> = line
        .split_whitespace()
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Whether `report` names something of the member itself — its chain, or a
/// word of its trading name — rather than only where it is. A name made of a
/// street and a town fits every shop there, including shops no register lists.
pub fn identifies(report: &PremisesName, trading: &PremisesName) -> bool {
    if report.chain.is_some() && report.chain == trading.chain {
        return true;
    }
    report
        .words
        .iter()
        .filter(|w| !FORMAT_WORDS.contains(&w.as_str()))
        .any(|w| trading.words.iter().any(|t| t == w || same_word(t, w)))
}

/// Every way the member may be named.
pub fn variants(m: &Member) -> Vec<Variant> {
    let mut raw: Vec<(String, bool)> =
        vec![(m.display_name(), true), (m.trading_name.clone(), true)];
    if let Some(b) = &m.branch {
        raw.push((format!("{} {b}", m.trading_name), true));
    }
    raw.extend(m.aliases.iter().map(|a| (a.clone(), true)));
    if let Some(t) = &m.town {
        raw.push((format!("{} {t}", m.trading_name), false));
    }
    if let Some(s) = m.address.first().and_then(|l| street(l)) {
        raw.push((format!("{} {s}", m.trading_name), false));
    }
    let mut out: Vec<Variant> = Vec::new();
    for (text, own) in raw {
        let name = normalise(&text);
        if name.is_empty() {
            continue;
        }
        let key = name_key(&name);
        if let Some(v) = out.iter_mut().find(|v| v.key == key) {
            v.own |= own;
            continue;
        }
        out.push(Variant { name, key, own });
    }
    out
}

/// How often each word occurs among the registers' members (a member counted
/// once per word), for weighting rare words above common ones.
#[derive(Debug, Clone, Default)]
pub struct WordCounts {
    df: HashMap<String, u32>,
    members: u32,
}

impl WordCounts {
    /// Counts the words of one member's variants.
    pub fn add(&mut self, variants: &[Variant]) {
        self.members += 1;
        let mut words: Vec<&str> = variants
            .iter()
            .flat_map(|v| v.name.words.iter().map(String::as_str))
            .collect();
        words.sort_unstable();
        words.dedup();
        for w in words {
            *self.df.entry(w.to_string()).or_default() += 1;
        }
    }

    /// A word's weight: ln(1 + N/df), a format word (`express`, `local`) a third
    /// of that (often left out), and an unknown word as rare as can be.
    pub fn weight(&self, word: &str) -> f64 {
        let df = f64::from(self.df.get(word).copied().unwrap_or(0).max(1));
        let w = (1.0 + f64::from(self.members.max(1)) / df).ln();
        if FORMAT_WORDS.contains(&word) {
            w * 0.3
        } else {
            w
        }
    }
}

/// The weight of a chain name in a score: about a moderately rare word.
const CHAIN_WEIGHT: f64 = 2.0;

/// How much of the report's name `v` covers, 0 to 1. Chains must agree (a report
/// naming a chain never matches another chain, nor an independent); each of the
/// report's words counts by its weight if `v` has it (allowing a typo).
pub fn coverage(report: &PremisesName, v: &Variant, counts: &WordCounts) -> f64 {
    match (report.chain, v.name.chain) {
        (Some(a), Some(b)) if a != b => return 0.0,
        (Some(_), None) => return 0.0,
        _ => {}
    }
    let mut total = 0.0;
    let mut matched = 0.0;
    if report.chain.is_some() {
        total += CHAIN_WEIGHT;
        matched += CHAIN_WEIGHT;
    }
    let mut used = vec![false; v.name.words.len()];
    for w in &report.words {
        let weight = counts.weight(w);
        total += weight;
        let hit = v
            .name
            .words
            .iter()
            .enumerate()
            .find(|(j, x)| !used[*j] && (*x == w || same_word(x, w)));
        if let Some((j, _)) = hit {
            used[j] = true;
            matched += weight;
        }
    }
    // A member that is a chain named by a report without it ("OLDHAM ST" for
    // "Tesco, Oldham Street"): the words must carry it, at a discount.
    let discount = if report.chain.is_none() && v.name.chain.is_some() {
        0.8
    } else {
        1.0
    };
    if total <= 0.0 {
        return 0.0;
    }
    discount * matched / total
}
