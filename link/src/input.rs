//! The flat CSV analysts export, mapped into common-schema reports: the engine
//! links schema records, so the daemon's records link the same way.
//!
//! Header: `report_id,source,source_record_id,occurred_at,premises_name,
//! premises_postcode,offence,offender_description,property_value_gbp,
//! staff_injured,narrative`, optionally followed by what a channel says about the
//! premises and when the report reached the gateway: `member_ref,radio_id,scheme,
//! town,arrived_at`. Any field but `report_id` may be empty.

use bcgw_sdk::schema::{
    Category, Event, Location, Person, PersonRole, Property, Report, ReportKind, classify_offence,
    normalise_postcode,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Europe::London;

/// One row of the flat CSV.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FlatRow {
    /// The analyst's id for the row.
    pub report_id: String,
    /// `bcrp`, `retailer_csv` or `radio`.
    #[serde(default)]
    pub source: String,
    /// The source's own id.
    #[serde(default)]
    pub source_record_id: String,
    /// ISO 8601 local UK time, or a date alone.
    #[serde(default)]
    pub occurred_at: String,
    /// Premises name as the source wrote it.
    #[serde(default)]
    pub premises_name: String,
    /// Postcode as the source wrote it.
    #[serde(default)]
    pub premises_postcode: String,
    /// Offence wording.
    #[serde(default)]
    pub offence: String,
    /// Offender description.
    #[serde(default)]
    pub offender_description: String,
    /// Value in pounds.
    #[serde(default)]
    pub property_value_gbp: String,
    /// yes/no/true/false/1/0.
    #[serde(default)]
    pub staff_injured: String,
    /// Free text.
    #[serde(default)]
    pub narrative: String,
    /// The premises' id as the channel gives it: a BCRP membership id on a BCRP
    /// report, the retailer's store number on an export row (a member register's
    /// `bcrp_ids` / `store_numbers`).
    #[serde(default)]
    pub member_ref: String,
    /// The id of the radio that sent an alert, when the bridge reports it (a member
    /// register's `radio_ids`).
    #[serde(default)]
    pub radio_id: String,
    /// The BCRP or radio scheme the report came through (a radio topic's scheme, the
    /// BCRP platform's area); empty for a national retailer export.
    #[serde(default)]
    pub scheme: String,
    /// The town the channel places the report in (a radio topic's town).
    #[serde(default)]
    pub town: String,
    /// When the report reached the gateway (ISO 8601, UK local time): a radio alert
    /// seconds after it happened, a BCRP report hours later, a retailer row with
    /// the monthly export. Benchmarks replay reports in this order.
    #[serde(default)]
    pub arrived_at: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn local(dt: NaiveDateTime) -> DateTime<Utc> {
    bcgw_sdk::time::local_to_utc(dt, London)
}

/// Parses `occurred_at`: ISO 8601 with or without offset, seconds or the `T`, or
/// a date alone; also the UK `dd/mm/yyyy` (or `dd-mm-yyyy`, `dd/mm/yy`) forms
/// spreadsheets produce. Returns the start and, for a date alone, the end of
/// that local day.
pub fn parse_when(raw: &str) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    parse_common_when(s).or_else(|| parse_any_when(s))
}

/// [`parse_when`] of a trimmed, non-empty field, trying every accepted form.
fn parse_any_when(s: &str) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some((t.with_timezone(&Utc), None));
    }
    let t = s.replacen(' ', "T", 1);
    // An explicit offset without the colon (`+0100`) is still an instant.
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(dt) = DateTime::parse_from_str(&t, f) {
            return Some((dt.with_timezone(&Utc), None));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%dT%H:%M:%S",
        "%Y/%m/%dT%H:%M",
        "%d/%m/%YT%H:%M:%S",
        "%d/%m/%YT%H:%M",
        "%d-%m-%YT%H:%M:%S",
        "%d-%m-%YT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&t, f) {
            // Exactly midnight is what exports write when the time is not known.
            if dt.time() == NaiveTime::MIN {
                break;
            }
            return Some((local(dt), None));
        }
    }
    // Two-digit years first: `%Y` would read `26` as the year 26.
    // A date alone, or a date at exactly midnight (the time part is ignored).
    let date_part = s.split([' ', 'T']).next().unwrap_or(s);
    for f in ["%d/%m/%y", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(date_part, f) {
            let start = local(d.and_time(NaiveTime::MIN));
            let end = local(d.and_hms_opt(23, 59, 59)?);
            return Some((start, Some(end)));
        }
    }
    None
}

/// The forms nearly every export writes, `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` and
/// `YYYY-MM-DDTHH:MM:SS` (or a space for the `T`), read by hand: chrono's
/// format parser, tried format after format, cost more than the rest of a row.
/// The same answer as [`parse_when`]'s general path; `None` for anything else
/// and for exactly midnight (which the general path reads as a date alone).
fn parse_common_when(s: &str) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let b = s.as_bytes();
    let number = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?;
    match b.len() {
        10 => {
            let end = local(date.and_hms_opt(23, 59, 59)?);
            Some((local(date.and_time(NaiveTime::MIN)), Some(end)))
        }
        16 | 19
            if matches!(b[10], b'T' | b' ')
                && b[13] == b':'
                && (b.len() == 16 || b[16] == b':') =>
        {
            let seconds = if b.len() == 19 { number(17, 19)? } else { 0 };
            let time = NaiveTime::from_hms_opt(number(11, 13)?, number(14, 16)?, seconds)?;
            (time != NaiveTime::MIN).then(|| (local(date.and_time(time)), None))
        }
        _ => None,
    }
}

/// The first amount in the field, in pence: `£1,250.50`, `45 GBP`, `approx 30`;
/// for a range such as `£50-£60` the lower bound.
fn pounds(raw: &str) -> Option<u64> {
    let start = raw.find(|c: char| c.is_ascii_digit())?;
    let number: String = raw[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    let v: f64 = number.trim_end_matches('.').parse().ok()?;
    (0.0..1e12).contains(&v).then(|| (v * 100.0).round() as u64)
}

fn yes_no(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

impl FlatRow {
    /// The common-schema report for this row.
    pub fn to_report(&self) -> Report {
        self.report_of_category(classify_offence(&self.offence))
    }

    /// [`FlatRow::to_report`] with the offence already classified.
    fn report_of_category(&self, category: Option<Category>) -> Report {
        let when = parse_when(&self.occurred_at);
        let radio =
            crate::features::Channel::parse(&self.source) == crate::features::Channel::Radio;
        let mut persons = Vec::new();
        if let Some(d) = opt(&self.offender_description) {
            let mut p = Person::with_role(PersonRole::Suspect);
            p.description = Some(d);
            persons.push(p);
        }
        let property = pounds(&self.property_value_gbp)
            .map(|v| Property {
                value_pence: Some(v),
                ..Property::default()
            })
            .into_iter()
            .collect();
        let mut extensions = Vec::new();
        let postcode = opt(&self.premises_postcode).and_then(|raw| {
            normalise_postcode(&raw).or_else(|| {
                // Keep what the source wrote: linking tolerates typos the schema does not.
                extensions.push(("premises_postcode_raw".to_string(), raw));
                None
            })
        });
        Report {
            source_system: self.source.trim().to_ascii_lowercase().replace('_', "-"),
            source_record_id: opt(&self.source_record_id),
            event: Event {
                kind: if radio {
                    ReportKind::Alert
                } else {
                    ReportKind::CrimeReport
                },
                occurred_from: when.map(|w| w.0),
                occurred_to: when.and_then(|w| w.1),
                reported_at: None,
                category: category.unwrap_or(Category::Other),
                category_raw: opt(&self.offence),
                business_crime: true,
                narrative: opt(&self.narrative),
                staff_injured: yes_no(&self.staff_injured),
                police_reference: None,
            },
            location: Location {
                premises_name: opt(&self.premises_name),
                postcode,
                town: opt(&self.town),
                ..Location::default()
            },
            persons,
            property,
            extensions,
            ..Report::default()
        }
    }
}

fn flat_reader<R: std::io::Read>(reader: R) -> Result<csv::Reader<R>, String> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    // Header names are matched without regard to case or surrounding spaces
    // ("Report_ID ", "OCCURRED_AT"): exports differ in such details.
    let headers: csv::StringRecord = rdr
        .headers()
        .map_err(|e| format!("cannot read the header: {e}"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if !headers.iter().any(|h| h == "report_id") {
        return Err("the header has no report_id column".into());
    }
    rdr.set_headers(headers);
    Ok(rdr)
}

/// Reads every row of a flat CSV (for tools that need the reports themselves,
/// such as feeding an incremental linker; [`prepare_flat_csv`] keeps less).
pub fn read_flat_csv<R: std::io::Read>(reader: R) -> Result<Vec<FlatRow>, String> {
    let mut rdr = flat_reader(reader)?;
    let mut rows = Vec::new();
    for (n, row) in rdr.deserialize::<FlatRow>().enumerate() {
        let row = row.map_err(|e| format!("row {}: {e}", n + 2))?;
        if row.report_id.trim().is_empty() {
            return Err(format!("row {}: report_id is empty", n + 2));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a flat CSV and extracts features row by row, keeping only the ids and the
/// features (not the reports), so a million rows fit in little memory.
pub fn prepare_flat_csv<R: std::io::Read>(
    reader: R,
) -> Result<(Vec<String>, crate::engine::Prepared), String> {
    let mut rdr = flat_reader(reader)?;
    let mut vocab = crate::vocab::Vocab::default();
    let mut ids = Vec::new();
    let mut features = Vec::new();
    for (n, row) in rdr.deserialize::<FlatRow>().enumerate() {
        let row = row.map_err(|e| format!("row {}: {e}", n + 2))?;
        if row.report_id.trim().is_empty() {
            return Err(format!("row {}: report_id is empty", n + 2));
        }
        let kind = crate::features::Channel::parse(&row.source);
        let category = vocab.offence_category(&row.offence);
        features.push(crate::features::Features::extract(
            &row.report_of_category(category),
            kind,
            &mut vocab,
        ));
        ids.push(row.report_id.trim().to_string());
    }
    vocab.freeze();
    // Grown by doubling: up to half of each is spare, which a million reports feel.
    features.shrink_to_fit();
    ids.shrink_to_fit();
    Ok((ids, crate::engine::Prepared { features, vocab }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_dates_in_uk_local_time() {
        let (t, end) = parse_when("2026-07-01T14:00:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T13:00:00+00:00");
        assert!(end.is_none());
        let (t, end) = parse_when("2026-01-05").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-05T00:00:00+00:00");
        assert_eq!(end.unwrap().to_rfc3339(), "2026-01-05T23:59:59+00:00");
        assert!(parse_when("2026-11-03 09:05").is_some());
        assert!(parse_when("soon").is_none());
        // Other spellings of the same instant or day.
        let want = "2026-07-01T13:00:00+00:00";
        for raw in [
            "2026-07-01T14:00:00+0100",
            "2026-07-01T13:00:00Z",
            "01/07/2026 14:00",
            "1/7/2026 14:00:00",
            "01-07-2026 14:00",
            "2026/07/01 14:00",
        ] {
            assert_eq!(parse_when(raw).unwrap().0.to_rfc3339(), want, "{raw}");
        }
        for raw in [
            "01/07/2026",
            "01/07/26",
            "2026/07/01",
            "01-07-2026",
            "2026-07-01T00:00:00",
            "2026-07-01 00:00",
        ] {
            let (t, end) = parse_when(raw).unwrap();
            assert_eq!(t.to_rfc3339(), "2026-06-30T23:00:00+00:00", "{raw}");
            assert!(end.is_some(), "{raw}");
        }
    }

    #[test]
    fn the_common_forms_read_by_hand_as_by_the_general_path() {
        for raw in [
            "2026-07-01T14:05:09",
            "2026-07-01 14:05:09",
            "2026-07-01T14:05",
            "2026-07-01 14:05",
            "2026-07-01",
            "2026-02-29",
            "2026-13-01",
            "2026-07-01T24:00",
            "2026-07-01T23:59:60",
            "2026-10-25T01:30:00",
            "2026-03-29T01:30:00",
            "2026-07-01T00:00:00",
        ] {
            // Whichever path reads it, the answer is the general path's.
            assert_eq!(parse_when(raw), parse_any_when(raw), "{raw}");
        }
        // And the fast path does read the everyday forms.
        for raw in ["2026-07-01T14:05:09", "2026-07-01 14:05", "2026-07-01"] {
            assert!(parse_common_when(raw).is_some(), "{raw}");
        }
    }

    #[test]
    fn headers_match_whatever_their_case_and_spacing() {
        let csv = "Report_ID , SOURCE,Occurred_At\nr1,Radio,2026-07-01T14:00\nr2,retailer csv,\n";
        let (ids, prepared) = prepare_flat_csv(csv.as_bytes()).unwrap();
        assert_eq!(ids, ["r1", "r2"]);
        assert!(prepared.features[0].when.is_some());
        assert_eq!(prepared.features[0].kind, crate::features::Channel::Radio);
        assert_eq!(
            prepared.features[1].kind,
            crate::features::Channel::RetailerCsv
        );
    }

    #[test]
    fn money_is_the_first_amount_in_pence() {
        assert_eq!(pounds("£1,250.50"), Some(125_050));
        assert_eq!(pounds("45 GBP"), Some(4_500));
        assert_eq!(pounds("approx £30"), Some(3_000));
        assert_eq!(pounds("£50-£60"), Some(5_000));
        assert_eq!(pounds("12."), Some(1_200));
        assert_eq!(pounds("unknown"), None);
        assert_eq!(pounds(""), None);
    }
}
