//! Parsers for the values found in real exports: UK dates, money, yes/no, ages.
//!
//! Each returns `Err(reason)` with a reason that never repeats the value, because
//! the value may be personal data and reasons end up in quarantine listings.

use crate::config::ISO8601;
pub use bcgw_sdk::time::local_to_utc;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};

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

/// Parses a money amount in pounds into pence: `£12.50`, `1,234`, `GBP 3.5`;
/// a trailing `p` means pence (`45p`).
pub fn parse_pounds(value: &str) -> Result<u64, String> {
    let v = value.trim();
    let (v, in_pence) = match v.strip_suffix(['p', 'P']) {
        Some(rest) => (rest, true),
        None => (v, false),
    };
    let cleaned: String = v
        .trim_start_matches("GBP")
        .trim_start_matches("gbp")
        .chars()
        .filter(|c| !matches!(c, '£' | ',' | ' '))
        .collect();
    if in_pence {
        return parse_pence(&cleaned);
    }
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let not_money = || "not an amount of money (expected e.g. £12.50)".to_string();
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
    {
        return Err(not_money());
    }
    let pounds: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| not_money())?
    };
    let pence: u64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u64>().map_err(|_| not_money())? * 10,
        _ => frac.parse().map_err(|_| not_money())?,
    };
    pounds
        .checked_mul(100)
        .and_then(|p| p.checked_add(pence))
        .ok_or_else(|| "amount is too large".to_string())
}

/// Parses a whole number of pence.
pub fn parse_pence(value: &str) -> Result<u64, String> {
    value
        .trim()
        .replace(',', "")
        .parse()
        .map_err(|_| "not a whole number of pence".to_string())
}

/// Parses yes/no wording: `yes`, `y`, `true`, `1`, `no`, `n`, `false`, `0`.
pub fn parse_yes_no(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "1" => Ok(true),
        "no" | "n" | "false" | "f" | "0" | "none" => Ok(false),
        _ => Err("not yes/no (expected yes, no, y, n, true, false, 1 or 0)".into()),
    }
}

/// Parses a count: a non-negative whole number.
pub fn parse_count(value: &str) -> Result<u32, String> {
    value
        .trim()
        .parse()
        .map_err(|_| "not a whole number".to_string())
}

/// Parses age wording into a range: `30s`, `mid 30s`, `25-30`, `25 to 30`, `40`,
/// `approx 40`, `40ish`, `teen`, `teenager`, `under 18`.
pub fn parse_age(value: &str) -> Result<(Option<u8>, Option<u8>), String> {
    let v = value.trim().to_ascii_lowercase();
    let err = || "not an age or age range (expected e.g. 30s, 25-30 or 40)".to_string();
    if v.starts_with("teen") {
        return Ok((Some(13), Some(19)));
    }
    if let Some(rest) = v.strip_prefix("under") {
        let n: u8 = rest.trim().parse().map_err(|_| err())?;
        return Ok((None, Some(n.saturating_sub(1))));
    }
    if let Some((lo, hi)) = v.split_once('-').or_else(|| v.split_once(" to ")) {
        let lo: u8 = lo.trim().parse().map_err(|_| err())?;
        let hi: u8 = hi.trim().parse().map_err(|_| err())?;
        return Ok((Some(lo.min(hi)), Some(lo.max(hi))));
    }
    let mut words: Vec<&str> = v.split_whitespace().collect();
    let approx = words.first().is_some_and(|w| {
        matches!(
            *w,
            "approx" | "approx." | "about" | "around" | "c." | "circa"
        )
    });
    let qualifier = words
        .first()
        .copied()
        .filter(|w| matches!(*w, "early" | "mid" | "late"));
    if approx || qualifier.is_some() {
        words.remove(0);
    }
    let core = words.join("");
    let core = core.trim_end_matches("ish").trim_end_matches("yo");
    if let Some(decade) = core.strip_suffix("'s").or_else(|| core.strip_suffix('s')) {
        let d: u8 = decade.parse().map_err(|_| err())?;
        if !d.is_multiple_of(10) || d > 110 {
            return Err(err());
        }
        return Ok(match qualifier {
            Some("early") => (Some(d), Some(d + 3)),
            Some("mid") => (Some(d + 3), Some(d + 7)),
            Some("late") => (Some(d + 6), Some(d + 9)),
            _ => (Some(d), Some(d + 9)),
        });
    }
    let n: u8 = core.parse().map_err(|_| err())?;
    let fuzzy = approx || v.ends_with("ish");
    Ok(if fuzzy {
        (Some(n.saturating_sub(3)), Some(n.saturating_add(3)))
    } else {
        (Some(n), Some(n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_DATE_FORMATS;
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
    fn money_in_its_usual_shapes() {
        assert_eq!(parse_pounds("£12.50"), Ok(1250));
        assert_eq!(parse_pounds("1,234"), Ok(123_400));
        assert_eq!(parse_pounds("12.5"), Ok(1250));
        assert_eq!(parse_pounds("GBP 3"), Ok(300));
        assert_eq!(parse_pounds("45p"), Ok(45));
        assert!(parse_pounds("-5").is_err());
        assert!(parse_pounds("twelve").is_err());
        assert!(parse_pounds("1.234").is_err());
    }

    #[test]
    fn ages_in_their_usual_shapes() {
        assert_eq!(parse_age("30s"), Ok((Some(30), Some(39))));
        assert_eq!(parse_age("mid 30s"), Ok((Some(33), Some(37))));
        assert_eq!(parse_age("25-30"), Ok((Some(25), Some(30))));
        assert_eq!(parse_age("40"), Ok((Some(40), Some(40))));
        assert_eq!(parse_age("approx 40"), Ok((Some(37), Some(43))));
        assert_eq!(parse_age("teenager"), Ok((Some(13), Some(19))));
        assert!(parse_age("old").is_err());
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
}
