//! Subject access and erasure: finding everything held about one person.
//!
//! A person is asked for by name (with an optional date of birth) or by a
//! record id. A record is about them when one of its persons has that name or
//! alias — the same words in any order, case and punctuation aside — and, when
//! a date of birth is given, the record does not carry a different one. Raw
//! payloads are searched line by line for lines holding every word of the name,
//! so what a plugin did not translate, or an agreement removed, is found too.

use bcgw_sdk::schema::Report;
use chrono::NaiveDate;
use serde::Serialize;

/// Whom to look for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectQuery {
    /// Their name.
    pub name: Option<String>,
    /// Their date of birth, to tell apart people of one name.
    pub dob: Option<NaiveDate>,
    /// A record known to be about them.
    pub record: Option<String>,
}

/// Why a record was taken to be about the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedOn {
    /// The record id asked for.
    RecordId,
    /// The name and the date of birth.
    NameAndDob,
    /// The name; the record has no date of birth to check (review it).
    NameOnly,
}

/// Extension keys (normalised) that hold a date of birth.
const DOB_KEYS: &[&str] = &[
    "dob",
    "d-o-b",
    "date-of-birth",
    "birth-date",
    "birthdate",
    "born",
];

/// A name as compared: its words, lower case, sorted.
fn words(name: &str) -> Vec<String> {
    let mut w: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    w.sort();
    w
}

/// A date as sources write it.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    [
        "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y",
    ]
    .iter()
    .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
}

impl SubjectQuery {
    /// Whether the record `id` with `report` is about the person, and why.
    pub fn matches(&self, id: &str, report: &Report) -> Option<MatchedOn> {
        if self.record.as_deref() == Some(id) {
            return Some(MatchedOn::RecordId);
        }
        let want = words(self.name.as_deref()?);
        if want.is_empty() {
            return None;
        }
        let named = report.persons.iter().any(|p| {
            p.name
                .iter()
                .chain(p.aliases.iter())
                .any(|n| words(n) == want)
        });
        if !named {
            return None;
        }
        let Some(dob) = self.dob else {
            return Some(MatchedOn::NameOnly);
        };
        let held: Vec<NaiveDate> = report
            .extensions
            .iter()
            .filter(|(k, _)| DOB_KEYS.contains(&crate::policy::fields::normalise_key(k).as_str()))
            .filter_map(|(_, v)| parse_date(v))
            .collect();
        match (held.is_empty(), held.contains(&dob)) {
            (true, _) => Some(MatchedOn::NameOnly),
            (false, true) => Some(MatchedOn::NameAndDob),
            // Another person of the same name.
            (false, false) => None,
        }
    }

    /// The lowest-case word of the name every mention must hold, for a cheap
    /// first filter in the store (`None` when the name has none or is not ASCII,
    /// where SQL's `lower` cannot be trusted).
    pub fn prefilter(&self) -> Option<String> {
        let w = words(self.name.as_deref()?);
        let longest = w.into_iter().max_by_key(|w| w.len())?;
        longest.is_ascii().then_some(longest)
    }

    /// The lines of a raw payload that mention the person: every word of the
    /// name on one line and, when a date of birth is asked for, that date in
    /// one of the usual forms. Also counts the lines with the name but not the
    /// date: perhaps another person of the same name, so not extracted.
    pub fn mentions(&self, bytes: &[u8]) -> (Vec<(usize, String)>, usize) {
        let Some(name) = &self.name else {
            return (Vec::new(), 0);
        };
        let want = words(name);
        if want.is_empty() {
            return (Vec::new(), 0);
        }
        let dates: Vec<String> = self
            .dob
            .map(|d| {
                ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
                    .iter()
                    .map(|f| d.format(f).to_string())
                    .collect()
            })
            .unwrap_or_default();
        let text = String::from_utf8_lossy(bytes);
        let mut out = Vec::new();
        let mut name_only = 0;
        for (i, line) in text.lines().enumerate() {
            let have = words(line);
            if !want.iter().all(|w| have.contains(w)) {
                continue;
            }
            if dates.is_empty() || dates.iter().any(|d| line.contains(d.as_str())) {
                out.push((i + 1, line.to_string()));
            } else {
                name_only += 1;
            }
        }
        (out, name_only)
    }
}

/// A record about the person: every version held.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectRecord {
    /// The record id.
    pub record_id: String,
    /// Why it was taken to be about them.
    pub matched_on: MatchedOn,
    /// Its incident, if linked.
    pub incident_id: Option<String>,
    /// Every version, oldest first, as stored.
    pub versions: Vec<serde_json::Value>,
    /// The payloads its versions came from.
    pub payloads: Vec<i64>,
}

/// Lines of a raw payload that mention the person.
#[derive(Debug, Clone, Serialize)]
pub struct PayloadExtract {
    /// The payload.
    pub payload_id: i64,
    /// Its source.
    pub source: String,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// The lines (numbered from 1) that mention the person.
    pub lines: Vec<(usize, String)>,
    /// Lines with the name but not the date of birth asked for: perhaps
    /// someone else, so not extracted; check them by hand.
    pub name_only_lines: usize,
}

/// A delivery of an incident holding a record about the person.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SubjectDelivery {
    /// The sink.
    pub sink: String,
    /// The incident.
    pub incident_id: String,
    /// Its state (`delivered`, `pending`…).
    pub state: String,
    /// What the sink answered (the Niche occurrence reference).
    pub reference: Option<String>,
    /// When it was last delivered (RFC 3339).
    pub delivered_at: Option<String>,
}

/// Everything held about one person.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SubjectFindings {
    /// Records about them.
    pub records: Vec<SubjectRecord>,
    /// Raw payload lines that mention them.
    pub payload_extracts: Vec<PayloadExtract>,
    /// Deliveries of incidents holding those records.
    pub deliveries: Vec<SubjectDelivery>,
    /// Quarantine entries of those records or payloads (ids).
    pub quarantine_entries: Vec<i64>,
}

/// What `bcgw erase` removed.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ErasureReport {
    /// Records deleted (every version).
    pub records: Vec<String>,
    /// Versions deleted.
    pub versions: usize,
    /// Raw payloads whose bytes were erased.
    pub payloads: Vec<i64>,
    /// Quarantine entries deleted.
    pub quarantine_entries: usize,
    /// Deliveries not yet made, changed so the erased records are not sent.
    pub deliveries_changed: usize,
    /// Deliveries already made: erasure at the sink (Niche) is the force's process.
    pub already_delivered: Vec<SubjectDelivery>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use bcgw_sdk::schema::{FactOrAssessment, Person, PersonRole};

    fn report(name: &str, dob: Option<&str>) -> Report {
        let mut r = Report::default();
        r.persons.push(Person {
            role: PersonRole::Suspect,
            name: Some(name.into()),
            aliases: Vec::new(),
            age_range: None,
            gender: None,
            description: None,
            fact_or_assessment: FactOrAssessment::Assessment,
        });
        if let Some(d) = dob {
            r.extensions.push(("Date of Birth".into(), d.into()));
        }
        r
    }

    fn query(name: &str, dob: Option<&str>) -> SubjectQuery {
        SubjectQuery {
            name: Some(name.into()),
            dob: dob.and_then(parse_date),
            record: None,
        }
    }

    #[test]
    fn a_name_matches_in_any_order_and_case() {
        let q = query("John Smith", None);
        assert_eq!(
            q.matches("r", &report("SMITH, John", None)),
            Some(MatchedOn::NameOnly)
        );
        assert_eq!(q.matches("r", &report("John Smithson", None)), None);
    }

    #[test]
    fn a_different_date_of_birth_is_another_person() {
        let q = query("John Smith", Some("1990-02-01"));
        assert_eq!(
            q.matches("r", &report("John Smith", Some("01/02/1990"))),
            Some(MatchedOn::NameAndDob)
        );
        assert_eq!(
            q.matches("r", &report("John Smith", Some("1985-05-05"))),
            None
        );
        assert_eq!(
            q.matches("r", &report("John Smith", None)),
            Some(MatchedOn::NameOnly)
        );
    }

    #[test]
    fn payload_lines_need_every_word_of_the_name() {
        let q = query("John Smith", None);
        let (lines, _) = q.mentions(b"ref,name\n1,John Smith\n2,John Brown\n3,\"Smith, John\"\n");
        assert_eq!(lines.iter().map(|l| l.0).collect::<Vec<_>>(), vec![2, 4]);
        let q = query("John Smith", Some("1990-02-01"));
        let (lines, other) = q.mentions(b"1,John Smith,01/02/1990\n2,John Smith,1985-05-05\n");
        assert_eq!((lines.len(), lines[0].0, other), (1, 1, 1));
    }
}
