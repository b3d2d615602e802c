//! Regex patterns (configured, or the built-in ones) against a line.

use crate::config::Pattern;
use crate::vocab::Field;
use std::collections::HashMap;

/// A pattern that matched: where each field is in the text.
#[derive(Debug)]
pub(crate) struct Matched<'t> {
    /// The pattern's name.
    pub name: &'t str,
    text: &'t str,
    /// Byte span of each field's trimmed, non-blank value (the first group that has one).
    spans: HashMap<Field, (usize, usize)>,
}

impl<'t> Matched<'t> {
    /// A field's byte span in the text.
    pub fn span(&self, field: Field) -> Option<(usize, usize)> {
        self.spans.get(&field).copied()
    }

    /// A field's value.
    pub fn value(&self, field: Field) -> Option<&'t str> {
        self.span(field).map(|(s, e)| &self.text[s..e])
    }

    /// Every field's value.
    pub fn values(&self) -> HashMap<Field, String> {
        self.spans
            .iter()
            .map(|(f, &(s, e))| (*f, self.text[s..e].to_string()))
            .collect()
    }
}

/// The first pattern that matches `text`.
pub(crate) fn first_match<'t>(patterns: &'t [Pattern], text: &'t str) -> Option<Matched<'t>> {
    patterns.iter().find_map(|p| {
        let caps = p.regex.captures(text)?;
        let mut spans = HashMap::new();
        for (i, field) in &p.groups {
            let Some(m) = caps.get(*i) else { continue };
            let v = m.as_str();
            let start = m.start() + (v.len() - v.trim_start().len());
            let end = start + v.trim().len();
            if end > start && *field != Field::Ignore {
                spans.entry(*field).or_insert((start, end));
            }
        }
        Some(Matched {
            name: &p.name,
            text,
            spans,
        })
    })
}
