//! The vocabulary reader: each part of a line found by what its words are, wherever
//! it stands. In order: the time; the known premises (longest match against
//! `known_premises`); offence phrases (longest first); movements (`DECAMPED TWDS
//! ARNDALE`); person descriptions (see [`super::person`]). The premises is what is
//! left: one run of words, or the words beside the known premises.

use super::kinds::{Kind, is_time};
use super::line::Line;
use super::parts::{mark_movements, premises};
use super::person::{mark_runs, person};
pub(crate) use super::unreadable::Unreadable;
use crate::config::AlertParser;
use crate::vocab::Field;
use bcgw_sdk::schema::Category;
use std::collections::HashMap;

/// What a word of the line has been read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Not read yet: premises, or words that cannot be placed.
    Free,
    /// The time of day.
    Time,
    /// The premises, matched against `known_premises`.
    Known,
    /// An offence phrase.
    Offence,
    /// A movement and its place.
    Movement,
    /// A person description.
    Person,
}

/// A second reading's hint, from the built-in pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// None: the words alone.
    None,
    /// The word at this index is an offence the tables do not know.
    OffenceAt(usize),
    /// Offence words starting in this byte span describe the person.
    Describing((usize, usize)),
}

/// A line read by vocabulary.
#[derive(Debug)]
pub(crate) struct VocabReading {
    /// The fields as written in the line (the narrative joins movements and tail).
    pub values: HashMap<Field, String>,
    /// The offence phrases' category; `None` when the line has none.
    pub category: Option<Category>,
    /// Whether the premises came from `known_premises`.
    pub from_register: bool,
    /// Byte spans of the offence phrases, and whether each is one word.
    pub offences: Vec<(usize, usize, bool)>,
    /// Byte spans of words that never belong to a premises name (ages, IC codes,
    /// counts, strong clothing and brands).
    pub strong: Vec<(usize, usize)>,
    /// The last word, when unknown and read as premises or description: the
    /// offence the built-in pattern would read there.
    pub last_word: Option<usize>,
}

impl AlertParser {
    /// Reads a cut line, with a hint from the built-in pattern or without.
    pub(crate) fn read_vocabulary(
        &self,
        line: &Line<'_>,
        hint: Hint,
    ) -> Result<VocabReading, Unreadable> {
        let n = line.tokens.len();
        let kinds: Vec<Kind> = line.tokens.iter().map(|t| Kind::of(&t.key)).collect();
        let mut claim = vec![Claim::Free; n];
        let time = (0..n)
            .find(|&i| is_time(&line.tokens[i].key, i == 0))
            .ok_or(Unreadable::NoTime)?;
        claim[time] = Claim::Time;
        let mut offences = Vec::new();
        if let Hint::OffenceAt(i) = hint
            && i < n
            && i != time
        {
            claim[i] = Claim::Offence;
            offences.push((i, i + 1, Category::Other));
        }
        let known = self
            .register
            .as_ref()
            .and_then(|r| r.find(line, |i| claim[i] == Claim::Free));
        if let Some((a, b)) = known {
            claim[a..b].fill(Claim::Known);
        }
        let describing = match hint {
            Hint::Describing(span) => span,
            _ => (0, 0),
        };
        offences.extend(self.mark_offences(line, &mut claim, describing));
        let mut category = None;
        let mut said = Vec::new();
        for &(a, b, c) in &offences {
            match category {
                Some(first) if first != c => return Err(Unreadable::Offences(first, c)),
                _ => category = Some(c),
            }
            said.push(line.span(a, b));
        }
        let movements = mark_movements(line, &kinds, &mut claim);
        let runs = mark_runs(line, &kinds, &mut claim);
        let person = person(line, &kinds, &runs)?;
        // `THE GREEN BLK JKT`: the premises may end at either colour.
        let weak_edge = |&(a, _): &(usize, usize)| {
            a > 0
                && claim[a - 1] == Claim::Free
                && !line.tokens[a - 1].sep_after
                && kinds[a].is_weak()
                && kinds[a - 1].is_weak()
        };
        if runs.iter().any(weak_edge) {
            return Err(Unreadable::Boundary);
        }
        let (a, b) = premises(line, &claim, known)?;

        let mut values = HashMap::new();
        values.insert(Field::Time, line.span(time, time + 1).to_string());
        values.insert(Field::Premises, line.span(a, b).to_string());
        if !said.is_empty() {
            values.insert(Field::Offence, said.join(", "));
        }
        if let Some(p) = person {
            let fields = [
                (Field::Gender, p.gender),
                (Field::Age, p.age),
                (Field::Description, p.description),
            ];
            values.extend(fields.into_iter().filter_map(|(f, v)| Some((f, v?))));
        }
        let mut narrative: Vec<&str> = movements.iter().map(|&(a, b)| line.span(a, b)).collect();
        narrative.extend(line.tail);
        if !narrative.is_empty() {
            values.insert(Field::Narrative, narrative.join("; "));
        }
        let last = n - 1;
        let last_word = (kinds[last] == Kind::Word
            && matches!(claim[last], Claim::Free | Claim::Person))
        .then_some(last);
        let spans = offences
            .iter()
            .map(|&(a, b, _)| (line.tokens[a].start, line.tokens[b - 1].end, b - a == 1));
        let strong = line
            .tokens
            .iter()
            .zip(&kinds)
            .filter(|(_, k)| k.is_strong());
        Ok(VocabReading {
            values,
            category,
            from_register: known.is_some(),
            offences: spans.collect(),
            strong: strong.map(|(t, _)| (t.start, t.end)).collect(),
            last_word,
        })
    }

    /// Marks offence phrases, longest first, never across a separator, none
    /// starting in the byte span `describing`.
    fn mark_offences(
        &self,
        line: &Line<'_>,
        claim: &mut [Claim],
        describing: (usize, usize),
    ) -> Vec<(usize, usize, Category)> {
        let (n, mut found, mut i) = (claim.len(), Vec::new(), 0);
        while i < n {
            let start = line.tokens[i].start;
            let longest = match (describing.0..describing.1).contains(&start) {
                true => 0,
                false => self.offence_words.min(n - i),
            };
            let hit = (1..=longest).rev().find_map(|len| {
                let free = claim[i..i + len].iter().all(|c| *c == Claim::Free);
                let joined = line.tokens[i..i + len - 1].iter().all(|t| !t.sep_after);
                let key: Vec<&str> = line.tokens[i..i + len]
                    .iter()
                    .map(|t| t.key.as_str())
                    .collect();
                (free && joined)
                    .then(|| self.offences.get(&key.join(" ")))
                    .flatten()
                    .map(|c| (len, *c))
            });
            match hit {
                Some((len, category)) => {
                    claim[i..i + len].fill(Claim::Offence);
                    found.push((i, i + len, category));
                    i += len;
                }
                None => i += 1,
            }
        }
        found
    }
}
