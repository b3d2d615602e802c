//! Dates and times as exports write them: UK day-first, ISO 8601, Unix epoch numbers,
//! and the time zone that turns a wall-clock time into a UTC instant.
//!
//! Each parser returns `Err(reason)` with a reason that never repeats the value,
//! because the value may be personal data and reasons end up in quarantine listings.

pub use bcgw_sdk::time::local_to_utc;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The date formats tried when `date_formats` is not set: UK day-first, then ISO 8601.
pub const DEFAULT_DATE_FORMATS: [&str; 6] = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    ISO8601,
];

/// The `date_formats` entry that stands for ISO 8601 / RFC 3339 in its common shapes
/// (`2024-03-01`, `2024-03-01 14:05`, `2024-03-01T14:05:09Z`, `...+01:00`).
pub const ISO8601: &str = "iso8601";

/// The `date_formats` entry that reads a string of digits as a Unix time, in seconds
/// or milliseconds (see [`parse_epoch`]).
pub const EPOCH: &str = "epoch";

/// Epoch values at or above this are milliseconds. As seconds it would be the year
/// 5138; as milliseconds it is March 1973, so the two readings never overlap for
/// dates the schema accepts (2000 onwards).
const EPOCH_MILLIS_FROM: f64 = 1e11;

/// A parsed date or date-time, before the time zone is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// An instant with an explicit offset.
    Instant(DateTime<Utc>),
    /// A wall-clock date-time in the configured zone.
    Local(NaiveDateTime),
    /// A date without a time: "some time that day".
    Day(NaiveDate),
}

/// Checks one `date_formats` entry: strftime syntax, [`ISO8601`] or [`EPOCH`].
pub fn check_date_format(format: &str) -> Result<(), String> {
    if format == ISO8601 || format == EPOCH || format.contains('%') {
        Ok(())
    } else {
        Err(format!(
            "'{format}' has no % fields; use strftime syntax like %d/%m/%Y, \"{ISO8601}\" or \"{EPOCH}\""
        ))
    }
}

fn has_time(format: &str) -> bool {
    ["%H", "%I", "%T", "%R", "%k", "%l"]
        .iter()
        .any(|f| format.contains(f))
}

/// Parses a date or date-time with the first format that fits.
pub fn parse_when(value: &str, formats: &[String]) -> Result<When, String> {
    let value = value.trim();
    for format in formats {
        if format == ISO8601 {
            if let Some(w) = parse_iso8601(value) {
                return Ok(w);
            }
        } else if format == EPOCH {
            if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                return value
                    .parse::<f64>()
                    .map_err(|_| "not a Unix time".to_string())
                    .and_then(parse_epoch)
                    .map(When::Instant);
            }
        } else if has_time(format) {
            if let Ok(dt) = NaiveDateTime::parse_from_str(value, format) {
                return Ok(When::Local(dt));
            }
        } else if let Ok(d) = NaiveDate::parse_from_str(value, format) {
            return Ok(When::Day(d));
        }
    }
    Err(format!(
        "not a date in any configured format ({})",
        formats.join(", ")
    ))
}

fn parse_iso8601(value: &str) -> Option<When> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Some(When::Instant(dt.with_timezone(&Utc)));
    }
    // RFC 3339 requires seconds and a 'T'; exports often have neither.
    let normalised = value.replacen(' ', "T", 1);
    for f in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(dt) = DateTime::<FixedOffset>::parse_from_str(&normalised, f) {
            return Some(When::Instant(dt.with_timezone(&Utc)));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&normalised, f) {
            return Some(When::Local(dt));
        }
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .map(When::Day)
}

/// Parses a time of day: `14:05`, `14:05:09`, `1405`, `14.05`, `2:05 pm`.
pub fn parse_time(value: &str) -> Result<NaiveTime, String> {
    let v = value.trim().to_ascii_lowercase();
    for f in [
        "%H:%M:%S", "%H:%M", "%H%M", "%H.%M", "%I:%M %p", "%I:%M%p", "%I%p", "%I %p",
    ] {
        if let Ok(t) = NaiveTime::parse_from_str(&v, f) {
            return Ok(t);
        }
    }
    Err("not a time of day (expected e.g. 14:05, 14:05:09 or 2:05 pm)".into())
}

/// Reads a Unix time: seconds, or milliseconds when the number is 10^11 or more.
/// Fractions of a second are kept to the millisecond.
pub fn parse_epoch(value: f64) -> Result<DateTime<Utc>, String> {
    if !value.is_finite() || value < 0.0 {
        return Err("not a Unix time (seconds or milliseconds since 1970)".into());
    }
    let millis = if value >= EPOCH_MILLIS_FROM {
        value
    } else {
        value * 1000.0
    };
    // f64 holds whole milliseconds exactly far beyond any plausible date.
    #[allow(clippy::cast_possible_truncation)]
    let millis = millis.round() as i64;
    Utc.timestamp_millis_opt(millis)
        .single()
        .ok_or_else(|| "Unix time out of range".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn formats() -> Vec<String> {
        DEFAULT_DATE_FORMATS.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn uk_dates_are_day_first() {
        let w = parse_when("03/04/2025 14:05", &formats()).unwrap();
        let expected = NaiveDate::from_ymd_opt(2025, 4, 3)
            .unwrap()
            .and_hms_opt(14, 5, 0)
            .unwrap();
        assert_eq!(w, When::Local(expected));
        assert_eq!(
            parse_when("03/04/2025", &formats()).unwrap(),
            When::Day(NaiveDate::from_ymd_opt(2025, 4, 3).unwrap())
        );
    }

    #[test]
    fn iso_dates_in_their_common_shapes() {
        let f = formats();
        assert!(matches!(
            parse_when("2025-04-03T14:05:09Z", &f),
            Ok(When::Instant(_))
        ));
        assert!(matches!(
            parse_when("2025-04-03T14:05:09+01:00", &f),
            Ok(When::Instant(_))
        ));
        assert!(matches!(
            parse_when("2025-04-03 14:05", &f),
            Ok(When::Local(_))
        ));
        assert!(matches!(parse_when("2025-04-03", &f), Ok(When::Day(_))));
        assert!(parse_when("yesterday", &f).is_err());
        assert!(parse_when("31/02/2025", &f).is_err());
    }

    #[test]
    fn london_time_becomes_utc_across_dst() {
        let summer = NaiveDate::from_ymd_opt(2025, 7, 1)
            .unwrap()
            .and_hms_opt(14, 0, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(summer, Tz::Europe__London).to_rfc3339(),
            "2025-07-01T13:00:00+00:00"
        );
        let winter = NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(14, 0, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(winter, Tz::Europe__London).to_rfc3339(),
            "2025-01-01T14:00:00+00:00"
        );
        // 01:30 on 26 Oct 2025 happens twice; the earlier (BST) is taken.
        let twice = NaiveDate::from_ymd_opt(2025, 10, 26)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(twice, Tz::Europe__London).to_rfc3339(),
            "2025-10-26T00:30:00+00:00"
        );
        // 01:30 on 30 Mar 2025 never happens; read as 02:30 BST.
        let gap = NaiveDate::from_ymd_opt(2025, 3, 30)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(
            local_to_utc(gap, Tz::Europe__London).to_rfc3339(),
            "2025-03-30T01:30:00+00:00"
        );
    }

    #[test]
    fn times_of_day() {
        assert_eq!(
            parse_time("14:05"),
            Ok(NaiveTime::from_hms_opt(14, 5, 0).unwrap())
        );
        assert_eq!(
            parse_time("2:05 PM"),
            Ok(NaiveTime::from_hms_opt(14, 5, 0).unwrap())
        );
        assert_eq!(
            parse_time("1405"),
            Ok(NaiveTime::from_hms_opt(14, 5, 0).unwrap())
        );
        assert!(parse_time("teatime").is_err());
    }

    #[test]
    fn epoch_seconds_and_milliseconds() {
        let t = "2026-11-03T14:05:00+00:00";
        assert_eq!(parse_epoch(1_793_714_700.0).unwrap().to_rfc3339(), t);
        assert_eq!(parse_epoch(1_793_714_700_000.0).unwrap().to_rfc3339(), t);
        assert!(parse_epoch(-1.0).is_err());
        let f = vec![EPOCH.to_string()];
        assert_eq!(
            parse_when("1793714700", &f),
            Ok(When::Instant(t.parse().unwrap()))
        );
        assert!(parse_when("17937147OO", &f).is_err());
        // Not in the default formats: a number in a CSV date column is a mistake.
        assert!(parse_when("1793714700", &formats()).is_err());
    }

    #[test]
    fn date_formats_are_checked() {
        assert!(check_date_format("%d/%m/%Y").is_ok());
        assert!(check_date_format(EPOCH).is_ok());
        assert!(check_date_format("dd/mm/yyyy").is_err());
    }
}
