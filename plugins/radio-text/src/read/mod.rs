//! Reading an alert's text into fields: configured patterns first, then the
//! vocabulary reader, checked against the built-in patterns.
//!
//! The built-in regexes are never trusted on their own: they read the line only
//! when the vocabulary reader agrees. Where the vocabulary reader finds an offence,
//! its reading stands, unless the built-in pattern also reads the line plausibly
//! (its offence word is a known offence, no offence phrase sits inside its
//! premises or description, and no age, IC code, count or strong clothing word sits
//! inside its premises) and places premises, offence, gender or age otherwise:
//! then the line reads two ways and is rejected. Where the vocabulary reader finds
//! no offence, the last word may be an offence it does not know, as the built-in
//! pattern reads it: that reading is taken only when the built-in pattern gives the
//! same fields; otherwise the line is rejected. Likewise where offence words of two
//! categories stand in the line: when the built-in pattern reads all but its last
//! one as description (`M 30S DRUNK THEFT`) and otherwise agrees, so does the reader.

pub(crate) mod kinds;
pub(crate) mod line;
mod parts;
mod patterns;
mod person;
mod unreadable;
pub(crate) mod vocabulary;

use crate::config::AlertParser;
use crate::vocab::Field;
use bcgw_sdk::plugin::AdapterError;
use bcgw_sdk::schema::Category;
use patterns::Matched;
use std::collections::HashMap;
use vocabulary::{Hint, Unreadable, VocabReading};

/// The `alert-pattern` of a line read by vocabulary alone.
pub const VOCABULARY: &str = "vocabulary";

/// One line's fields, as written, and how they were read.
#[derive(Debug)]
pub(crate) struct Reading {
    /// The `alert-pattern` extension: a pattern's name or [`VOCABULARY`].
    pub name: String,
    /// The fields found, as written in the line.
    pub values: HashMap<Field, String>,
    /// The category when the reader knows it (several offence phrases).
    pub category: Option<Category>,
    /// Whether the premises is in `known_premises` (`None` without the key).
    pub known: Option<bool>,
}

fn unreadable(why: &Unreadable) -> AdapterError {
    AdapterError::Malformed(format!(
        "the alert text matches none of the configured patterns and cannot be read by vocabulary: {}",
        why.reason()
    ))
}

/// The fields on which two readings must agree for the line to read one way.
const KEY_FIELDS: [Field; 5] = [
    Field::Time,
    Field::Premises,
    Field::Gender,
    Field::Age,
    Field::Offence,
];
const ALL_FIELDS: [Field; 7] = [
    Field::Time,
    Field::Premises,
    Field::Gender,
    Field::Age,
    Field::Offence,
    Field::Description,
    Field::Narrative,
];

fn agree(fields: &[Field], v: &VocabReading, m: &Matched<'_>) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    fields
        .iter()
        .all(|f| v.values.get(f).map(|s| norm(s)) == m.value(*f).map(norm))
}

/// Whether the built-in pattern's reading is one a reader of the words could make.
fn plausible(v: &VocabReading, m: &Matched<'_>) -> bool {
    let offence_known = m
        .span(Field::Offence)
        .is_some_and(|(s, e)| v.offences.contains(&(s, e, true)));
    let inside = |f: Field| {
        m.span(f)
            .is_some_and(|(s, e)| v.offences.iter().any(|&(a, b, _)| a < e && s < b))
    };
    let strong_in_premises = m
        .span(Field::Premises)
        .is_some_and(|(s, e)| v.strong.iter().any(|&(a, b)| s <= a && b <= e));
    let register_agrees = !v.from_register || agree(&[Field::Premises], v, m);
    offence_known
        && !inside(Field::Premises)
        && !inside(Field::Description)
        && !strong_in_premises
        && register_agrees
}

impl AlertParser {
    /// Reads one alert's text (trimmed, one line) into its fields.
    pub(crate) fn read(&self, text: &str) -> Result<Reading, AdapterError> {
        if let Some(m) = patterns::first_match(&self.patterns, text) {
            let known = self.known_premises(m.value(Field::Premises));
            return Ok(Reading {
                name: m.name.to_string(),
                values: m.values(),
                category: None,
                known,
            });
        }
        if !self.vocabulary {
            return Err(AdapterError::Malformed(
                "the alert text matches none of the configured patterns".into(),
            ));
        }
        let line = line::cut(text).map_err(|why| unreadable(&Unreadable::TooLong(why)))?;
        let builtin = patterns::first_match(&self.builtin, text);
        // Another reading of the line, taken only where the built-in pattern agrees.
        let agreeing = |hint: Hint| {
            let m = builtin.as_ref()?;
            let v = self.read_vocabulary(&line, hint).ok()?;
            agree(&KEY_FIELDS, &v, m).then_some(v)
        };
        let v = match self.read_vocabulary(&line, Hint::None) {
            Ok(v) if v.category.is_none() => v
                .last_word
                .and_then(|i| agreeing(Hint::OffenceAt(i)))
                .ok_or(Unreadable::NoOffence),
            Ok(v) => match &builtin {
                Some(m) if !agree(&KEY_FIELDS, &v, m) && plausible(&v, m) => {
                    Err(Unreadable::TwoWays(m.name.to_string()))
                }
                _ => Ok(v),
            },
            // `M 30S DRUNK THEFT`: an offence word used as a description.
            Err(e @ Unreadable::Offences(..)) => builtin
                .as_ref()
                .and_then(|m| m.span(Field::Description))
                .and_then(|span| agreeing(Hint::Describing(span)))
                .ok_or(e),
            Err(e) => Err(e),
        }
        .map_err(|e| unreadable(&e))?;
        let name = match &builtin {
            Some(m) if agree(&ALL_FIELDS, &v, m) => m.name.to_string(),
            _ => VOCABULARY.to_string(),
        };
        let known = self.known_premises(v.values.get(&Field::Premises).map(String::as_str));
        Ok(Reading {
            name,
            values: v.values,
            category: v.category,
            known,
        })
    }

    fn known_premises(&self, premises: Option<&str>) -> Option<bool> {
        Some(self.register.as_ref()?.contains(premises?))
    }
}
