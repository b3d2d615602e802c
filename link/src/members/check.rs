//! What `bcgw members check` finds in registers: rows that could not be read, and
//! things that make a report's premises ambiguous (an alias or radio shared by two
//! members, a postcode that is not one).

use super::name::variant_key;
use super::{Member, Register, id_key};
use std::collections::BTreeMap;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; the register is used as it is.
    Warning,
    /// A row was skipped.
    Error,
}

/// One problem in a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Warning or error.
    pub severity: Severity,
    /// Where: `<file>:<line>` (line 1 is the header), or the register's name.
    pub location: String,
    /// The column it is about, if one.
    pub column: Option<String>,
    /// What is wrong and what to do; names ids and columns, never free text
    /// beyond the register's own names.
    pub message: String,
}

impl Problem {
    /// A problem at a line and column of a file.
    pub fn at(severity: Severity, file: &str, line: u64, column: &str, message: String) -> Problem {
        Problem {
            severity,
            location: format!("{file}:{line}"),
            column: Some(column.to_string()),
            message,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match &self.column {
            Some(c) => write!(f, "{level}: {} ({c}): {}", self.location, self.message),
            None => write!(f, "{level}: {}: {}", self.location, self.message),
        }
    }
}

/// Every problem in `registers`: those found while reading, then what only the
/// registers together show (an alias two members of a scheme share, a radio or
/// BCRP id listed twice, the same name and branch twice in one town).
pub fn check(registers: &[Register]) -> Vec<Problem> {
    let mut out: Vec<Problem> = registers
        .iter()
        .flat_map(|r| r.problems.iter().cloned())
        .collect();
    let members: Vec<&Member> = registers.iter().flat_map(|r| &r.members).collect();
    let mut shared = |what: &str, column: &str, keys: BTreeMap<String, Vec<&Member>>| {
        for (key, holders) in keys {
            if holders.len() < 2 {
                continue;
            }
            let ids: Vec<String> = holders
                .iter()
                .map(|m| format!("{}/{} (line {})", m.register, m.member_id, m.line))
                .collect();
            out.push(Problem {
                severity: Severity::Warning,
                location: holders[0].register.clone(),
                column: Some(column.to_string()),
                message: format!(
                    "{what} {key} is listed for {} members: {}; reports using it cannot tell them apart",
                    holders.len(),
                    ids.join(", ")
                ),
            });
        }
    };
    let mut aliases: BTreeMap<String, Vec<&Member>> = BTreeMap::new();
    let mut radios: BTreeMap<String, Vec<&Member>> = BTreeMap::new();
    let mut bcrp: BTreeMap<String, Vec<&Member>> = BTreeMap::new();
    let mut names: BTreeMap<String, Vec<&Member>> = BTreeMap::new();
    for m in &members {
        let mut own: Vec<String> = m
            .aliases
            .iter()
            .map(|a| variant_key(a))
            .filter(|k| !k.is_empty())
            .collect();
        own.sort();
        own.dedup();
        for k in own {
            aliases
                .entry(format!("\"{k}\" in {}", m.scheme))
                .or_default()
                .push(m);
        }
        for r in &m.radio_ids {
            radios.entry(id_key(r)).or_default().push(m);
        }
        for b in &m.bcrp_ids {
            bcrp.entry(id_key(b)).or_default().push(m);
        }
        // Within one register: the same shop in two schemes' registers is
        // one shop (the resolver knows), not a clash.
        let town = m.town.as_deref().map(super::town_key).unwrap_or_default();
        names
            .entry(format!(
                "\"{}\" in {} ({})",
                variant_key(&m.display_name()),
                if town.is_empty() { "?" } else { &town },
                m.register
            ))
            .or_default()
            .push(m);
    }
    shared("alias", "aliases", aliases);
    shared("radio id", "radio_ids", radios);
    shared("BCRP id", "bcrp_ids", bcrp);
    shared("name and branch", "trading_name", names);
    out
}
