//! Reading one line and comparing what its report says.

use super::run;
use bcgw_sdk::prelude::*;

/// One line through the adapter: its report, or why it was rejected.
pub(crate) fn one(config: serde_json::Value, line: &str) -> Result<Report, AdapterError> {
    let mut out = run(config, "2026-11-28T17:00:00Z", line);
    match out.reports.pop() {
        Some(r) => Ok(r),
        None => Err(out.rejects.remove(0).error),
    }
}

/// What a report says, in a form short enough to compare whole: premises,
/// offence as written, category, gender, age range, description, narrative.
pub(crate) type Read = (
    String,
    Option<String>,
    Category,
    Option<Gender>,
    Option<(Option<u8>, Option<u8>)>,
    Option<String>,
    Option<String>,
);

/// The [`Read`] of a report.
pub(crate) fn read(r: &Report) -> Read {
    let p = r.persons.first();
    (
        r.location.premises_name.clone().unwrap_or_default(),
        r.event.category_raw.clone(),
        r.event.category,
        p.and_then(|p| p.gender),
        p.and_then(|p| p.age_range).map(|a| (a.min, a.max)),
        p.and_then(|p| p.description.clone()),
        r.event.narrative.clone(),
    )
}

/// A [`Read`] from string slices.
pub(crate) fn want(
    premises: &str,
    offence: &str,
    category: Category,
    person: Option<(Gender, u8, u8)>,
    description: Option<&str>,
    narrative: Option<&str>,
) -> Read {
    (
        premises.into(),
        Some(offence.into()),
        category,
        person.map(|p| p.0),
        person.map(|p| (Some(p.1), Some(p.2))),
        description.map(str::to_string),
        narrative.map(str::to_string),
    )
}
