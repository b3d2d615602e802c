//! `known_premises`: the names and on-air aliases of a scheme's members, matched
//! against a line's words to find where its premises is.
//!
//! Names are compared by their words: letters and digits in upper case; an
//! apostrophe joins (`SAINSBURY'S` = `SAINSBURYS`); any other character separates
//! (`H/BARGAINS` = `H BARGAINS` = `H-BARGAINS`, `CO-OP` = `CO OP`). Nothing fuzzier:
//! spellings beyond that belong in the register as aliases.

use crate::lexicon::{PLACE_WORDS, has};
use crate::read::line::Line;
use std::collections::HashSet;

/// Most names `known_premises` may hold (a large scheme has a few hundred members).
pub(crate) const MAX_NAMES: usize = 50_000;

/// Most words in one name; bounds the matching work per line.
pub(crate) const MAX_NAME_WORDS: usize = 12;

/// Most words a line's head may split into for matching (`A/B/C...` splits one token
/// into many): a line beyond it is not matched against the register.
const MAX_LINE_WORDS: usize = 256;

/// The compiled `known_premises`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KnownPremises {
    names: HashSet<String>,
    longest: usize,
}

/// A name's words as compared: see the module docs.
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_uppercase());
        } else if c != '\'' && c != '’' && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

impl KnownPremises {
    /// Compiles the names; the error names the entry and what is wrong.
    pub fn new(names: &[String]) -> Result<KnownPremises, String> {
        if names.len() > MAX_NAMES {
            return Err(format!(": at most {MAX_NAMES} names"));
        }
        let mut known = KnownPremises::default();
        for (i, name) in names.iter().enumerate() {
            let w = words(name);
            if w.is_empty() {
                return Err(format!("[{i}]: has no letters or digits"));
            }
            if w.len() > MAX_NAME_WORDS {
                return Err(format!("[{i}]: more than {MAX_NAME_WORDS} words"));
            }
            known.longest = known.longest.max(w.len());
            known.names.insert(w.join(" "));
        }
        Ok(known)
    }

    /// Whether `premises` is one of the names.
    pub fn contains(&self, premises: &str) -> bool {
        self.names.contains(&words(premises).join(" "))
    }

    /// The tokens `a..b` of the longest name in the line (the earliest of equals)
    /// among tokens for which `free` holds, not crossing a separator and not right
    /// after a place word (`TWDS`, `O/S`...: there it is where someone went).
    pub fn find(&self, line: &Line<'_>, free: impl Fn(usize) -> bool) -> Option<(usize, usize)> {
        // Every word of the head, with the token it comes from.
        let mut split: Vec<(usize, String)> = Vec::new();
        for (t, token) in line.tokens.iter().enumerate() {
            split.extend(
                words(&line.text[token.start..token.end])
                    .into_iter()
                    .map(|w| (t, w)),
            );
            if split.len() > MAX_LINE_WORDS {
                return None;
            }
        }
        let first_of = |i: usize| i == 0 || split[i - 1].0 != split[i].0;
        let last_of = |i: usize| i + 1 == split.len() || split[i + 1].0 != split[i].0;
        let mut best: Option<(usize, usize, usize)> = None;
        for i in (0..split.len()).filter(|&i| first_of(i)) {
            let a = split[i].0;
            // A name right after a place word is where someone went.
            if a > 0 && has(PLACE_WORDS, &line.tokens[a - 1].key) {
                continue;
            }
            let mut key = String::new();
            for (j, (t, word)) in split.iter().enumerate().skip(i).take(self.longest) {
                if !free(*t) || (*t > a && line.tokens[t - 1].sep_after) {
                    break;
                }
                if j > i {
                    key.push(' ');
                }
                key.push_str(word);
                let len = j + 1 - i;
                if last_of(j) && best.is_none_or(|b| len > b.2) && self.names.contains(&key) {
                    best = Some((a, t + 1, len));
                }
            }
        }
        best.map(|(a, b, _)| (a, b))
    }
}
