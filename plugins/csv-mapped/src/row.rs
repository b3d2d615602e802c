//! Building one report from one CSV row.

use crate::config::Mapping;
use crate::parse::{self, When};
use crate::target::{PersonField, PropertyField, Target, VehicleField};
use bcgw_sdk::prelude::*;
use bcgw_sdk::schema::normalise_postcode;
use chrono::{DateTime, Duration, NaiveTime, Utc};

/// One column of the file: its header text and where its values go.
#[derive(Debug, Clone)]
pub struct Slot {
    /// The header text as in the file (trimmed).
    pub name: String,
    /// Where values go; `None` for a column the mapping does not mention.
    pub target: Option<Target>,
    /// Whether every row must have a value here.
    pub required: bool,
}

/// Times gathered from a row before they are combined.
#[derive(Default)]
struct Times {
    at: Option<When>,
    date: Option<(When, String)>,
    time: Option<NaiveTime>,
    to: Option<When>,
    reported: Option<When>,
}

fn invalid(column: &str, reason: impl Into<String>) -> AdapterError {
    AdapterError::invalid_field(column, reason)
}

fn append(slot: &mut Option<String>, value: &str, separator: &str) {
    match slot {
        Some(existing) => {
            existing.push_str(separator);
            existing.push_str(value);
        }
        None => *slot = Some(value.to_string()),
    }
}

fn person(persons: &mut Vec<Person>, role: PersonRole) -> &mut Person {
    let at = match persons.iter().position(|p| p.role == role) {
        Some(i) => i,
        None => {
            persons.push(Person::with_role(role));
            persons.len() - 1
        }
    };
    &mut persons[at]
}

fn gender(value: &str) -> Option<Gender> {
    match value.trim().to_ascii_lowercase().as_str() {
        "m" | "male" | "man" | "boy" => Some(Gender::Male),
        "f" | "female" | "woman" | "girl" => Some(Gender::Female),
        "" | "?" | "u" | "unknown" | "n/k" | "nk" | "not known" => None,
        _ => Some(Gender::Other),
    }
}

/// Builds a report from a row's decoded fields (one per slot; missing trailing
/// fields are empty). Errors name the column and never repeat the value.
pub fn build_report(
    m: &Mapping,
    slots: &[Slot],
    fields: &[String],
) -> Result<Report, AdapterError> {
    let mut report = Report {
        source_system: m.source_system.clone(),
        ..Report::default()
    };
    report.event.kind = m.report_kind;
    report.event.business_crime = m.business_crime;
    report.event.category = m.default_category;
    let mut times = Times::default();
    let mut property = Property::default();
    let mut vehicle = Vehicle::default();
    for (i, slot) in slots.iter().enumerate() {
        let value = fields.get(i).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if slot.required {
                return Err(AdapterError::MissingField(slot.name.clone()));
            }
            continue;
        }
        match &slot.target {
            Some(target) => apply(
                m,
                &mut report,
                &mut times,
                &mut property,
                &mut vehicle,
                target,
                &slot.name,
                value,
            )?,
            None if m.keep_unmapped => report.extensions.push((slot.name.clone(), value.into())),
            None => {}
        }
    }
    if property != Property::default() {
        report.property.push(property);
    }
    if vehicle != Vehicle::default() {
        report.vehicles.push(vehicle);
    }
    resolve_times(m, &mut report, times)?;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn apply(
    m: &Mapping,
    report: &mut Report,
    times: &mut Times,
    property: &mut Property,
    vehicle: &mut Vehicle,
    target: &Target,
    column: &str,
    value: &str,
) -> Result<(), AdapterError> {
    let when = |v: &str| parse::parse_when(v, &m.date_formats).map_err(|r| invalid(column, r));
    let yes_no = |v: &str| parse::parse_yes_no(v).map_err(|r| invalid(column, r));
    let event = &mut report.event;
    let location = &mut report.location;
    match target {
        Target::SourceRecordId => report.source_record_id = Some(value.into()),
        Target::OccurredAt => times.at = Some(when(value)?),
        Target::OccurredDate => times.date = Some((when(value)?, column.to_string())),
        Target::OccurredTime => {
            times.time = Some(parse::parse_time(value).map_err(|r| invalid(column, r))?)
        }
        Target::OccurredTo => times.to = Some(when(value)?),
        Target::ReportedAt => times.reported = Some(when(value)?),
        Target::Category => {
            event.category = m.category_for(value);
            event.category_raw = Some(value.into());
        }
        Target::Narrative => append(&mut event.narrative, value, "\n"),
        Target::StaffInjured => event.staff_injured = Some(yes_no(value)?),
        Target::PoliceReference => event.police_reference = Some(value.into()),
        Target::PremisesName => location.premises_name = Some(value.into()),
        Target::StoreId => location.store_id = Some(value.into()),
        Target::AddressLine => location.address_lines.push(value.into()),
        Target::Town => location.town = Some(value.into()),
        Target::Postcode => match normalise_postcode(value) {
            Some(pc) => location.postcode = Some(pc),
            // Keep what the source said rather than lose the row over a typo.
            None => report
                .extensions
                .push(("unparsed_postcode".into(), value.into())),
        },
        Target::Uprn => {
            location.uprn = Some(
                value
                    .parse()
                    .map_err(|_| invalid(column, "not a UPRN (a whole number)"))?,
            )
        }
        Target::Latitude | Target::Longitude => {
            let deg: f64 = value
                .parse()
                .map_err(|_| invalid(column, "not a number of degrees"))?;
            let xy = location
                .coordinates
                .get_or_insert(Coordinates { lat: 0.0, lon: 0.0 });
            if *target == Target::Latitude {
                xy.lat = deg;
            } else {
                xy.lon = deg;
            }
        }
        Target::BcrpArea => location.bcrp_area = Some(value.into()),
        Target::Person(role, field) => apply_person(report, *role, *field, column, value),
        Target::Property(field) => apply_property(property, *field, column, value)?,
        Target::Vehicle(field) => apply_vehicle(vehicle, *field, column, value)?,
        Target::Cctv | Target::Image => report.evidence.media.push(MediaReference {
            kind: if *target == Target::Cctv {
                MediaKind::Cctv
            } else {
                MediaKind::Image
            },
            uri: value.into(),
            sha256: None,
        }),
        Target::WitnessStatement => report.evidence.witness_statement = yes_no(value)?,
        Target::Extension(key) => report.extensions.push((key.clone(), value.into())),
        Target::Ignore => {}
    }
    Ok(())
}

fn apply_person(
    report: &mut Report,
    role: PersonRole,
    field: PersonField,
    column: &str,
    value: &str,
) {
    let p = person(&mut report.persons, role);
    match field {
        PersonField::Name => p.name = Some(value.into()),
        PersonField::Description => append(&mut p.description, value, "; "),
        PersonField::Gender => p.gender = gender(value),
        PersonField::Age => match parse::parse_age(value) {
            Ok((min, max)) => p.age_range = Some(AgeRange { min, max }),
            // Age wording is descriptive; keep it rather than reject the row.
            Err(_) => report.extensions.push((column.to_string(), value.into())),
        },
    }
}

fn apply_property(
    p: &mut Property,
    field: PropertyField,
    column: &str,
    value: &str,
) -> Result<(), AdapterError> {
    match field {
        PropertyField::Description => append(&mut p.description, value, "; "),
        PropertyField::ValuePounds => {
            p.value_pence = Some(parse::parse_pounds(value).map_err(|r| invalid(column, r))?)
        }
        PropertyField::ValuePence => {
            p.value_pence = Some(parse::parse_pence(value).map_err(|r| invalid(column, r))?)
        }
        PropertyField::Quantity => {
            p.quantity = Some(parse::parse_count(value).map_err(|r| invalid(column, r))?)
        }
        PropertyField::Recovered => {
            p.recovered = Some(parse::parse_yes_no(value).map_err(|r| invalid(column, r))?)
        }
    }
    Ok(())
}

fn apply_vehicle(
    v: &mut Vehicle,
    field: VehicleField,
    column: &str,
    value: &str,
) -> Result<(), AdapterError> {
    match field {
        VehicleField::Vrm => {
            let vrm: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| c.to_ascii_uppercase())
                .collect();
            if vrm.is_empty() || vrm.len() > 8 || !vrm.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(column, "not a vehicle registration mark"));
            }
            v.vrm = Some(vrm);
        }
        VehicleField::Make => v.make = Some(value.into()),
        VehicleField::Model => v.model = Some(value.into()),
        VehicleField::Colour => v.colour = Some(value.into()),
    }
    Ok(())
}

/// Start and end of a local day, in UTC.
fn whole_day(m: &Mapping, day: chrono::NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = parse::local_to_utc(day.and_time(NaiveTime::MIN), m.timezone);
    let next = parse::local_to_utc(
        (day + Duration::days(1)).and_time(NaiveTime::MIN),
        m.timezone,
    );
    (start, next - Duration::seconds(1))
}

fn instant(m: &Mapping, w: When) -> DateTime<Utc> {
    match w {
        When::Instant(t) => t,
        When::Local(t) => parse::local_to_utc(t, m.timezone),
        When::Day(d) => whole_day(m, d).0,
    }
}

/// Combines date, time and range columns into `occurred_from`/`occurred_to`. A date
/// without a time means "some time that day": the range covers the whole local day.
fn resolve_times(m: &Mapping, report: &mut Report, t: Times) -> Result<(), AdapterError> {
    let date = t.date.map(|(w, _)| w);
    let base = t.at.or(date);
    let (from, mut to) = match (base, t.time) {
        (None, None) => (None, None),
        (None, Some(_)) => {
            return Err(AdapterError::MissingField(
                "occurred date (a time of day was given without a date)".into(),
            ));
        }
        (Some(When::Day(d)), Some(time)) => (Some(instant(m, When::Local(d.and_time(time)))), None),
        (Some(When::Day(d)), None) => {
            let (start, end) = whole_day(m, d);
            (Some(start), Some(end))
        }
        (Some(w), _) => (Some(instant(m, w)), None),
    };
    if let Some(end) = t.to {
        to = Some(match end {
            When::Day(d) => whole_day(m, d).1,
            other => instant(m, other),
        });
    }
    report.event.occurred_from = from;
    report.event.occurred_to = to;
    report.event.reported_at = t.reported.map(|w| instant(m, w));
    Ok(())
}
