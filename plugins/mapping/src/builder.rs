//! Building one report from (target, value) pairs, whatever format they came from.

use crate::common::Common;
use crate::objects::{append, apply_person, apply_property, apply_vehicle};
use crate::target::Target;
use crate::values;
use crate::when::{When, local_to_utc, parse_time};
use bcgw_sdk::prelude::*;
use bcgw_sdk::schema::normalise_postcode;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

fn invalid(name: &str, reason: impl Into<String>) -> AdapterError {
    AdapterError::invalid_field(name, reason)
}

/// Times gathered from an item before they are combined.
#[derive(Default)]
struct Times {
    at: Option<When>,
    date: Option<When>,
    time: Option<NaiveTime>,
    to: Option<When>,
    reported: Option<When>,
}

/// One report under construction. Values are applied one at a time; [`finish`]
/// combines the times and adds the single property item and vehicle that flat
/// targets (`property.value`, `vehicle.vrm`) fill.
///
/// [`finish`]: ReportBuilder::finish
pub struct ReportBuilder<'a> {
    common: &'a Common,
    report: Report,
    times: Times,
    property: Property,
    vehicle: Vehicle,
}

impl<'a> ReportBuilder<'a> {
    /// An empty report with the configured source system, kind, business-crime flag
    /// and default category.
    pub fn new(common: &'a Common) -> ReportBuilder<'a> {
        let mut report = Report {
            source_system: common.source_system.clone(),
            ..Report::default()
        };
        report.event.kind = common.report_kind;
        report.event.business_crime = common.business_crime;
        report.event.category = common.default_category;
        ReportBuilder {
            common,
            report,
            times: Times::default(),
            property: Property::default(),
            vehicle: Vehicle::default(),
        }
    }

    /// The report so far, for what the caller fills itself (lists of persons,
    /// extensions).
    pub fn report_mut(&mut self) -> &mut Report {
        &mut self.report
    }

    /// Applies one non-empty value. `name` (the column or pointer it came from) is
    /// what errors name; they never repeat the value.
    pub fn apply(&mut self, target: &Target, name: &str, value: &str) -> Result<(), AdapterError> {
        let yes_no = |v: &str| values::parse_yes_no(v).map_err(|r| invalid(name, r));
        let report = &mut self.report;
        let event = &mut report.event;
        let location = &mut report.location;
        match target {
            Target::OccurredAt | Target::OccurredDate | Target::OccurredTo | Target::ReportedAt => {
                let when = self
                    .common
                    .date_formats
                    .parse(value)
                    .map_err(|r| invalid(name, r))?;
                self.apply_when(target, name, when)?;
            }
            Target::OccurredTime => {
                self.times.time = Some(parse_time(value).map_err(|r| invalid(name, r))?)
            }
            Target::SourceRecordId => report.source_record_id = Some(value.into()),
            Target::Category => {
                event.category = self.common.category_for(value);
                event.category_raw = Some(value.into());
            }
            Target::Narrative => append(&mut event.narrative, value, "\n"),
            Target::StaffInjured => event.staff_injured = Some(yes_no(value)?),
            Target::PoliceReference => event.police_reference = Some(value.into()),
            Target::PremisesName => location.premises_name = Some(value.into()),
            Target::StoreId => location.store_id = Some(value.into()),
            Target::AddressLine => location.address_lines.push(value.into()),
            Target::Town => location.town = Some(value.into()),
            Target::Postcode => match postcode(value) {
                Some(pc) => location.postcode = Some(pc),
                // Keep what the source said rather than lose the report over a typo.
                None => report
                    .extensions
                    .push(("unparsed_postcode".into(), value.into())),
            },
            Target::Uprn => {
                location.uprn = Some(
                    value
                        .parse()
                        .map_err(|_| invalid(name, "not a UPRN (a whole number)"))?,
                )
            }
            Target::Latitude | Target::Longitude => {
                let deg: f64 = value
                    .parse()
                    .map_err(|_| invalid(name, "not a number of degrees"))?;
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
            Target::Person(role, field) => {
                let at = match report.persons.iter().position(|p| p.role == *role) {
                    Some(i) => i,
                    None => {
                        // Room for this one person, not the four a first push makes
                        // room for: reports are kept by the thousand.
                        report.persons.reserve_exact(1);
                        report.persons.push(Person::with_role(*role));
                        report.persons.len() - 1
                    }
                };
                apply_person(
                    &mut report.persons[at],
                    *field,
                    name,
                    value,
                    &mut report.extensions,
                );
            }
            Target::Property(field) => apply_property(&mut self.property, *field, name, value)?,
            Target::Vehicle(field) => apply_vehicle(&mut self.vehicle, *field, name, value)?,
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

    /// Applies an already parsed date to a date target (see [`Target::is_date`]).
    pub fn apply_when(
        &mut self,
        target: &Target,
        name: &str,
        when: When,
    ) -> Result<(), AdapterError> {
        let slot = match target {
            Target::OccurredAt => &mut self.times.at,
            Target::OccurredDate => &mut self.times.date,
            Target::OccurredTo => &mut self.times.to,
            Target::ReportedAt => &mut self.times.reported,
            _ => return Err(invalid(name, "is a date but the field does not take one")),
        };
        *slot = Some(when);
        Ok(())
    }

    /// The finished report. A date without a time means "some time that day": the
    /// range covers the whole local day.
    pub fn finish(mut self) -> Result<Report, AdapterError> {
        // Exactly one more item each (see `apply` on persons).
        if self.property != Property::default() {
            self.report.property.reserve_exact(1);
            self.report.property.push(self.property);
        }
        if self.vehicle != Vehicle::default() {
            self.report.vehicles.reserve_exact(1);
            self.report.vehicles.push(self.vehicle);
        }
        let (c, t, event) = (self.common, self.times, &mut self.report.event);
        let (from, mut to) = match (t.at.or(t.date), t.time) {
            (None, None) => (None, None),
            (None, Some(_)) => {
                return Err(AdapterError::MissingField(
                    "occurred date (a time of day was given without a date)".into(),
                ));
            }
            (Some(When::Day(d)), Some(time)) => {
                (Some(instant(c, When::Local(d.and_time(time)))), None)
            }
            (Some(When::Day(d)), None) => {
                let (start, end) = whole_day(c, d);
                (Some(start), Some(end))
            }
            (Some(w), _) => (Some(instant(c, w)), None),
        };
        if let Some(end) = t.to {
            to = Some(match end {
                When::Day(d) => whole_day(c, d).1,
                other => instant(c, other),
            });
        }
        event.occurred_from = from;
        event.occurred_to = to;
        event.reported_at = t.reported.map(|w| instant(c, w));
        Ok(self.report)
    }
}

/// [`normalise_postcode`], without its two allocations when the value is already
/// written the way it would write it (`BS1 3XE`), as most exports write postcodes.
fn postcode(value: &str) -> Option<String> {
    if is_normal_postcode(value) {
        Some(value.to_string())
    } else {
        normalise_postcode(value)
    }
}

/// Whether `normalise_postcode(value)` is `value` itself: upper-case letters and
/// digits, an outward code starting with a letter, one space, then digit, letter,
/// letter.
fn is_normal_postcode(value: &str) -> bool {
    let b = value.as_bytes();
    let n = b.len();
    let upper_or_digit = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    (6..=8).contains(&n)
        && b[0].is_ascii_uppercase()
        && b[..n - 4].iter().all(upper_or_digit)
        && b[n - 4] == b' '
        && b[n - 3].is_ascii_digit()
        && b[n - 2].is_ascii_uppercase()
        && b[n - 1].is_ascii_uppercase()
}

/// Start and end of a local day, in UTC.
fn whole_day(c: &Common, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = local_to_utc(day.and_time(NaiveTime::MIN), c.timezone);
    let next = local_to_utc(
        (day + Duration::days(1)).and_time(NaiveTime::MIN),
        c.timezone,
    );
    (start, next - Duration::seconds(1))
}

fn instant(c: &Common, w: When) -> DateTime<Utc> {
    match w {
        When::Instant(t) => t,
        When::Local(t) => local_to_utc(t, c.timezone),
        When::Day(d) => whole_day(c, d).0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_already_normal_are_kept_as_normalise_postcode_would() {
        let values = [
            "BS1 3XE",
            "M1 1AE",
            "SW1A 1AA",
            "bs1 3xe",
            "BS13XE",
            " BS1 3XE",
            "BS1 3XE ",
            "BS1  3XE",
            "B1 3X",
            "1S1 3XE",
            "BS1 XXE",
            "BS1 33E",
            "BS1-3XE",
            "ABCDE 1AA",
            "A 1AA",
            "AB 1AA",
            "ÉS1 3XE",
            "BS\u{a0}1 3XE",
            "",
            "        ",
        ];
        for v in values {
            assert_eq!(postcode(v), normalise_postcode(v), "{v:?}");
            if is_normal_postcode(v) {
                assert_eq!(normalise_postcode(v).as_deref(), Some(v));
            }
        }
    }
}
