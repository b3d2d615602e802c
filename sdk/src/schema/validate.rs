//! Schema validation: the rules a report must meet before the gateway stores it.
//!
//! Adapters are untrusted, so the host checks everything they return against these
//! rules; the native harness runs the same checks so adapter authors see failures early.

use super::Report;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// Longest free-text field accepted (narratives, descriptions), in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Longest short field accepted (names, ids, postcodes...), in bytes.
pub const MAX_SHORT_BYTES: usize = 1024;
/// How far past the moment of receipt an event may claim to have happened. Clocks on
/// tills and radio bridges drift; more than this is a wrong date, not drift.
pub const MAX_FUTURE_SKEW: Duration = Duration::hours(24);

/// One broken rule: the field (as a dotted path) and what is wrong with it.
///
/// The reason never repeats the field's value, which may be personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SchemaViolation {
    /// Dotted path of the field, e.g. `persons[0].age_range`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

struct Checker {
    violations: Vec<SchemaViolation>,
}

impl Checker {
    fn fail(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.violations.push(SchemaViolation {
            field: field.into(),
            reason: reason.into(),
        });
    }

    fn text(&mut self, field: &str, value: Option<&String>, max: usize) {
        if let Some(v) = value {
            if v.len() > max {
                self.fail(
                    field,
                    format!("longer than {max} bytes ({} bytes)", v.len()),
                );
            }
            if v.trim().is_empty() {
                self.fail(field, "is present but blank; leave it out instead");
            }
        }
    }
}

/// Checks a report against the schema rules. `received_at` is the moment the raw
/// payload arrived; event times may not be later than that by more than
/// [`MAX_FUTURE_SKEW`]. Returns every violation, not just the first.
pub fn validate_report(report: &Report, received_at: DateTime<Utc>) -> Vec<SchemaViolation> {
    let mut c = Checker {
        violations: Vec::new(),
    };
    let sys = &report.source_system;
    if sys.is_empty()
        || sys.len() > 64
        || !sys
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
    {
        c.fail(
            "source_system",
            "must be 1-64 characters of lower-case letters, digits and '-'",
        );
    }
    c.text(
        "source_record_id",
        report.source_record_id.as_ref(),
        MAX_SHORT_BYTES,
    );
    check_event(&mut c, report, received_at);
    check_location(&mut c, report);
    check_persons(&mut c, report);
    check_objects(&mut c, report);
    c.violations
}

fn check_event(c: &mut Checker, report: &Report, received_at: DateTime<Utc>) {
    let e = &report.event;
    // Business crime reporting in the UK is digital from the 2000s on; an earlier
    // date is a parsing mistake (e.g. a two-digit year) rather than an old crime.
    let earliest = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
    let latest = received_at + MAX_FUTURE_SKEW;
    for (field, t) in [
        ("event.occurred_from", e.occurred_from),
        ("event.occurred_to", e.occurred_to),
        ("event.reported_at", e.reported_at),
    ] {
        let Some(t) = t else { continue };
        if earliest.is_some_and(|earliest| t < earliest) {
            c.fail(field, "is before 2000-01-01; check the date format");
        }
        if t > latest {
            c.fail(
                field,
                "is more than 24 hours after the payload was received",
            );
        }
    }
    if let (Some(from), Some(to)) = (e.occurred_from, e.occurred_to)
        && to < from
    {
        c.fail("event.occurred_to", "is before event.occurred_from");
    }
    c.text(
        "event.category_raw",
        e.category_raw.as_ref(),
        MAX_SHORT_BYTES,
    );
    c.text("event.narrative", e.narrative.as_ref(), MAX_TEXT_BYTES);
    c.text(
        "event.police_reference",
        e.police_reference.as_ref(),
        MAX_SHORT_BYTES,
    );
}

fn check_location(c: &mut Checker, report: &Report) {
    let l = &report.location;
    c.text(
        "location.premises_name",
        l.premises_name.as_ref(),
        MAX_SHORT_BYTES,
    );
    c.text("location.store_id", l.store_id.as_ref(), MAX_SHORT_BYTES);
    c.text("location.town", l.town.as_ref(), MAX_SHORT_BYTES);
    c.text("location.bcrp_area", l.bcrp_area.as_ref(), MAX_SHORT_BYTES);
    for (i, line) in l.address_lines.iter().enumerate() {
        c.text(
            &format!("location.address_lines[{i}]"),
            Some(line),
            MAX_SHORT_BYTES,
        );
    }
    if let Some(pc) = &l.postcode
        && super::normalise_postcode(pc).as_deref() != Some(pc.as_str())
    {
        c.fail(
            "location.postcode",
            "is not a normalised UK postcode (upper case, one space before the inward code)",
        );
    }
    if let Some(xy) = l.coordinates
        && !(xy.lat.is_finite()
            && xy.lon.is_finite()
            && (-90.0..=90.0).contains(&xy.lat)
            && (-180.0..=180.0).contains(&xy.lon))
    {
        c.fail(
            "location.coordinates",
            "is not a valid WGS84 latitude/longitude",
        );
    }
}

fn check_persons(c: &mut Checker, report: &Report) {
    for (i, p) in report.persons.iter().enumerate() {
        let at = format!("persons[{i}]");
        c.text(&format!("{at}.name"), p.name.as_ref(), MAX_SHORT_BYTES);
        c.text(
            &format!("{at}.description"),
            p.description.as_ref(),
            MAX_TEXT_BYTES,
        );
        for (j, alias) in p.aliases.iter().enumerate() {
            c.text(&format!("{at}.aliases[{j}]"), Some(alias), MAX_SHORT_BYTES);
        }
        if let Some(age) = p.age_range {
            if age.min.zip(age.max).is_some_and(|(lo, hi)| lo > hi) {
                c.fail(format!("{at}.age_range"), "min is greater than max");
            }
            if age.min.or(age.max).is_some_and(|a| a > 120) {
                c.fail(format!("{at}.age_range"), "is over 120 years");
            }
        }
    }
}

fn check_objects(c: &mut Checker, report: &Report) {
    for (i, p) in report.property.iter().enumerate() {
        c.text(
            &format!("property[{i}].description"),
            p.description.as_ref(),
            MAX_TEXT_BYTES,
        );
    }
    for (i, v) in report.vehicles.iter().enumerate() {
        if let Some(vrm) = &v.vrm
            && (vrm.is_empty()
                || vrm.len() > 8
                || !vrm
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit()))
        {
            c.fail(
                format!("vehicles[{i}].vrm"),
                "must be 1-8 upper-case letters and digits without spaces",
            );
        }
    }
    for (i, m) in report.evidence.media.iter().enumerate() {
        if m.uri.trim().is_empty() {
            c.fail(format!("evidence.media[{i}].uri"), "is empty");
        }
        if let Some(h) = &m.sha256
            && (h.len() != 64 || !h.chars().all(|ch| ch.is_ascii_hexdigit()))
        {
            c.fail(
                format!("evidence.media[{i}].sha256"),
                "is not 64 hex digits",
            );
        }
    }
    for (i, (k, v)) in report.extensions.iter().enumerate() {
        if k.trim().is_empty() || k.len() > 128 {
            c.fail(format!("extensions[{i}]"), "key must be 1-128 bytes");
        }
        if v.len() > MAX_TEXT_BYTES {
            c.fail(format!("extensions[{i}]"), "value is longer than 64 KiB");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AgeRange, Person, PersonRole};

    fn minimal() -> Report {
        Report {
            source_system: "retailer-csv".into(),
            ..Report::default()
        }
    }

    #[test]
    fn a_minimal_report_is_valid() {
        assert_eq!(
            validate_report(&minimal(), std::time::SystemTime::now().into()),
            vec![]
        );
    }

    #[test]
    fn every_violation_is_reported_with_its_field() {
        let mut r = minimal();
        r.source_system = "Retailer CSV".into();
        r.location.postcode = Some("bs1 3xe".into());
        let mut p = Person::with_role(PersonRole::Suspect);
        p.age_range = Some(AgeRange {
            min: Some(40),
            max: Some(20),
        });
        r.persons.push(p);
        let now: DateTime<Utc> = std::time::SystemTime::now().into();
        r.event.occurred_from = Some(now + Duration::days(3));
        let fields: Vec<_> = validate_report(&r, now)
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(
            fields,
            [
                "source_system",
                "event.occurred_from",
                "location.postcode",
                "persons[0].age_range"
            ]
        );
    }
}
