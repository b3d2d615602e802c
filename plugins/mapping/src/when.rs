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

/// Parses a date or date-time with the first of `formats` that fits. A caller
/// parsing many values with the same formats should build [`DateFormats`] once.
pub fn parse_when(value: &str, formats: &[String]) -> Result<When, String> {
    DateFormats::new(formats).parse(value)
}

/// The configured `date_formats`, read once: which entry is ISO 8601, which a Unix
/// time, which a strftime format with or without a time, and which strftime formats
/// are simple enough for [`SimpleFormat`] (the common UK and ISO numeric shapes).
#[derive(Debug, Clone)]
pub struct DateFormats {
    formats: Vec<DateFormat>,
    /// The reason given when no format fits; the same for every value.
    no_fit: String,
}

/// One `date_formats` entry, ready to apply.
#[derive(Debug, Clone)]
enum DateFormat {
    Iso8601,
    Epoch,
    Strftime {
        format: String,
        has_time: bool,
        simple: Option<SimpleFormat>,
    },
}

impl DateFormats {
    /// Prepares `formats` (entries as [`check_date_format`] accepts them), tried in
    /// order.
    pub fn new(formats: &[String]) -> DateFormats {
        let formats_read = formats
            .iter()
            .map(|format| match format.as_str() {
                ISO8601 => DateFormat::Iso8601,
                EPOCH => DateFormat::Epoch,
                _ => {
                    let has_time = has_time(format);
                    DateFormat::Strftime {
                        simple: SimpleFormat::new(format, has_time),
                        format: format.clone(),
                        has_time,
                    }
                }
            })
            .collect();
        DateFormats {
            formats: formats_read,
            no_fit: format!(
                "not a date in any configured format ({})",
                formats.join(", ")
            ),
        }
    }

    /// Parses a date or date-time with the first format that fits.
    pub fn parse(&self, value: &str) -> Result<When, String> {
        let value = value.trim();
        let marks = marks(value);
        for format in &self.formats {
            match format {
                DateFormat::Iso8601 => {
                    if let Some(w) = parse_iso8601(value) {
                        return Ok(w);
                    }
                }
                DateFormat::Epoch => {
                    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                        return value
                            .parse::<f64>()
                            .map_err(|_| "not a Unix time".to_string())
                            .and_then(parse_epoch)
                            .map(When::Instant);
                    }
                }
                DateFormat::Strftime {
                    format,
                    has_time,
                    simple,
                } => {
                    let quick = simple
                        .as_ref()
                        .map_or(Quick::Unsure, |f| f.parse(value, marks));
                    match quick {
                        Quick::Fits(w) => return Ok(w),
                        Quick::DoesNotFit => {}
                        Quick::Unsure => {
                            if let Some(w) = parse_strftime(value, format, *has_time) {
                                return Ok(w);
                            }
                        }
                    }
                }
            }
        }
        Err(self.no_fit.clone())
    }
}

/// One strftime format through chrono's general parser.
fn parse_strftime(value: &str, format: &str, has_time: bool) -> Option<When> {
    if has_time {
        NaiveDateTime::parse_from_str(value, format)
            .ok()
            .map(When::Local)
    } else {
        NaiveDate::parse_from_str(value, format).ok().map(When::Day)
    }
}

/// Where `value[at..].trim_start()` starts, found at once when the next byte is a
/// digit or punctuation (as it nearly always is in a date), which no Unicode
/// whitespace is.
fn skip_whitespace(value: &str, at: usize) -> usize {
    match value.as_bytes().get(at) {
        Some(b) if b.is_ascii_alphanumeric() || b.is_ascii_punctuation() => at,
        _ => value
            .get(at..)
            .map_or(at, |rest| value.len() - rest.trim_start().len()),
    }
}

/// What [`SimpleFormat::parse`] concluded.
#[derive(Debug, PartialEq)]
enum Quick {
    /// chrono would parse the value to this.
    Fits(When),
    /// chrono would refuse the value.
    DoesNotFit,
    /// Not decided here (a signed year, a leap second, an out-of-range number):
    /// ask chrono.
    Unsure,
}

/// A numeric field of a [`SimpleFormat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Day,
    Month,
    Year,
    Hour,
    Minute,
    Second,
}

/// One step of a [`SimpleFormat`], as chrono's `StrftimeItems` splits the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// `%d`, `%m`...: skip leading whitespace, then up to 2 digits (4 for `%Y`).
    Number(Field),
    /// Any other non-space character: must be next in the value.
    Literal(u8),
    /// Whitespace in the format: skips any whitespace (none included) in the value.
    Space,
}

/// A strftime format made only of `%d %m %Y` (and `%H %M`, optionally `%S`, when it
/// has a time), ASCII punctuation and spaces: `%d/%m/%Y %H:%M`, `%Y-%m-%d`...
///
/// Parsing a date with chrono re-reads the format string for every value, which made
/// dates the costliest column. This parser follows chrono's rules step for step
/// (`chrono::format::parse::parse_internal`: literals match exactly, whitespace in
/// the format and before each number skips any whitespace, numbers take at most
/// their width in digits, nothing may be left over) so it gives the same answer;
/// where that would take more than the plain cases, it says [`Quick::Unsure`].
#[derive(Debug, Clone)]
struct SimpleFormat {
    steps: Vec<Step>,
    /// How many literal steps there are, when none is a digit (see [`marks`]).
    literals: Option<usize>,
}

/// How many bytes of `value` are neither digits nor whitespace, if it is ASCII.
///
/// A value a [`SimpleFormat`] reads has exactly one such byte per literal of the
/// format, plus perhaps a year's sign: numbers take only digits (and the sign),
/// spaces only whitespace. So a count that differs rules the format out without
/// reading the value through it, which is most of the cost of trying a format
/// that does not fit (`%d/%m/%Y %H:%M:%S` for `01/10/2026 00:00`).
fn marks(value: &str) -> Option<usize> {
    value.is_ascii().then(|| {
        value
            .bytes()
            .filter(|b| !b.is_ascii_digit() && !char::from(*b).is_whitespace())
            .count()
    })
}

impl SimpleFormat {
    /// The format as steps, or `None` if it uses anything else.
    fn new(format: &str, has_time: bool) -> Option<SimpleFormat> {
        let mut steps = Vec::new();
        let mut bytes = format.bytes();
        while let Some(b) = bytes.next() {
            let step = match b {
                b'%' => Step::Number(match bytes.next()? {
                    b'd' => Field::Day,
                    b'm' => Field::Month,
                    b'Y' => Field::Year,
                    b'H' => Field::Hour,
                    b'M' => Field::Minute,
                    b'S' => Field::Second,
                    _ => return None,
                }),
                b if char::from(b).is_whitespace() => Step::Space,
                b if b.is_ascii() => Step::Literal(b),
                _ => return None,
            };
            steps.push(step);
        }
        let count = |f: Field| steps.iter().filter(|s| **s == Step::Number(f)).count();
        let date = [Field::Day, Field::Month, Field::Year]
            .iter()
            .all(|f| count(*f) == 1);
        // Times must be whole (hour and minute); a date-only format takes none.
        let time = if has_time {
            count(Field::Hour) == 1 && count(Field::Minute) == 1 && count(Field::Second) <= 1
        } else {
            count(Field::Hour) + count(Field::Minute) + count(Field::Second) == 0
        };
        let digit_literal = steps
            .iter()
            .any(|s| matches!(s, Step::Literal(b) if b.is_ascii_digit()));
        let literals = steps
            .iter()
            .filter(|s| matches!(s, Step::Literal(_)))
            .count();
        (date && time).then_some(SimpleFormat {
            steps,
            literals: (!digit_literal).then_some(literals),
        })
    }

    /// Reads `value` as chrono would with this format; `marks` is [`marks`]`(value)`.
    fn parse(&self, value: &str, marks: Option<usize>) -> Quick {
        if let (Some(marks), Some(literals)) = (marks, self.literals)
            && (marks < literals || marks > literals + 1)
        {
            return Quick::DoesNotFit;
        }
        let bytes = value.as_bytes();
        // Where the rest of the value starts; only ever moved past ASCII bytes or
        // whitespace, so always at a character boundary.
        let mut at = 0;
        // Day, month, year, hour, minute, second; seconds default to 0.
        let mut fields = [0u32; 6];
        for step in &self.steps {
            match *step {
                Step::Literal(b) => {
                    if bytes.get(at) != Some(&b) {
                        return Quick::DoesNotFit;
                    }
                    at += 1;
                }
                Step::Space => at = skip_whitespace(value, at),
                Step::Number(field) => {
                    at = skip_whitespace(value, at);
                    // chrono reads a sign and any number of digits for a year.
                    if field == Field::Year && matches!(bytes.get(at), Some(b'-' | b'+')) {
                        return Quick::Unsure;
                    }
                    let width = if field == Field::Year { 4 } else { 2 };
                    let (mut n, mut digits) = (0, 0);
                    while digits < width
                        && let Some(d @ b'0'..=b'9') = bytes.get(at)
                    {
                        n = n * 10 + u32::from(d - b'0');
                        at += 1;
                        digits += 1;
                    }
                    if digits == 0 {
                        return Quick::DoesNotFit;
                    }
                    fields[field as usize] = n;
                }
            }
        }
        if at != bytes.len() {
            return Quick::DoesNotFit;
        }
        self.build(fields)
    }

    /// The date (and time) from the numbers read. Only values every chrono setter
    /// accepts are built here; anything else (even a certain error) goes to chrono.
    fn build(&self, [day, month, year, hour, minute, second]: [u32; 6]) -> Quick {
        // A year of at most 4 digits always fits an i32.
        let Ok(year) = i32::try_from(year) else {
            return Quick::Unsure;
        };
        let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
            return Quick::Unsure;
        };
        let has_time = self.steps.contains(&Step::Number(Field::Hour));
        if !has_time {
            return Quick::Fits(When::Day(date));
        }
        // Second 60 is a leap second to chrono: not a plain case.
        match NaiveTime::from_hms_opt(hour, minute, second) {
            Some(time) if second < 60 => Quick::Fits(When::Local(date.and_time(time))),
            _ => Quick::Unsure,
        }
    }
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

    /// A small deterministic generator (xorshift), so the test needs no crate.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Values shaped like dates (numbers of any width, any separators and spaces)
    /// and plain noise from the same characters.
    fn date_like_values(rng: &mut Rng, n: usize) -> Vec<String> {
        const PIECES: [&str; 14] = [
            "/", "-", ":", " ", "  ", "T", "+", "\u{a0}", "\t", ".", "Z", "x", "", "0",
        ];
        (0..n)
            .map(|_| {
                let mut v = String::new();
                for _ in 0..rng.below(8) {
                    let number = match rng.below(4) {
                        0 => rng.below(10).to_string(),
                        1 => format!("{:02}", rng.below(100)),
                        2 => format!("{:04}", rng.below(10_000)),
                        _ => format!("{}", 2020 + rng.below(10)),
                    };
                    v.push_str(&number);
                    v.push_str(PIECES[rng.below(PIECES.len())]);
                }
                v
            })
            .collect()
    }

    #[test]
    fn simple_formats_answer_as_chrono_does() {
        let formats = [
            "%d/%m/%Y %H:%M:%S",
            "%d/%m/%Y %H:%M",
            "%d/%m/%Y",
            "%d-%m-%Y %H:%M",
            "%d-%m-%Y",
            "%Y-%m-%d",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%m/%d/%Y %H:%M",
            "%d.%m.%Y  %H.%M",
            "%Y%m%d%H%M%S",
            "%d/%m/%Y 0%H:%M",
            "%d+%m+%Y",
        ];
        let mut rng = Rng(0x5eed);
        let mut values = date_like_values(&mut rng, 20_000);
        // Well-formed values, including impossible days, hours and leap seconds.
        for _ in 0..20_000 {
            let (d, m, y) = (rng.below(33), rng.below(14), 1990 + rng.below(50));
            let (h, min, sec) = (rng.below(25), rng.below(61), rng.below(62));
            values.push(format!("{d:02}/{m:02}/{y} {h:02}:{min:02}"));
            values.push(format!("{d:02}/{m:02}/{y} {h:02}:{min:02}:{sec:02}"));
            values.push(format!("{y}-{m:02}-{d:02}T{h:02}:{min:02}:{sec:02}"));
            values.push(format!("{d}-{m}-{y}"));
        }
        // Signed years, which chrono reads (and this parser leaves to it).
        for v in [
            "03/11/+2026",
            "03/11/-2026 14:05",
            "03/11/ +2026 14:05:09",
            "+2026-11-03",
            "03+11+-2026",
        ] {
            values.push(v.to_string());
        }
        let mut decided = 0;
        for format in formats {
            let has_time = has_time(format);
            let simple = SimpleFormat::new(format, has_time).expect("a simple format");
            for value in &values {
                let chrono = parse_strftime(value, format, has_time);
                match simple.parse(value, marks(value)) {
                    Quick::Fits(w) => assert_eq!(chrono, Some(w), "{format} {value:?}"),
                    Quick::DoesNotFit => assert_eq!(chrono, None, "{format} {value:?}"),
                    Quick::Unsure => continue,
                }
                decided += 1;
            }
        }
        // Nearly every value is decided without chrono.
        assert!(decided > formats.len() * values.len() * 9 / 10, "{decided}");
    }

    #[test]
    fn other_formats_are_left_to_chrono() {
        assert!(SimpleFormat::new("%d/%m/%y", false).is_none());
        assert!(SimpleFormat::new("%e %b %Y", false).is_none());
        assert!(SimpleFormat::new("%d/%m/%Y %I:%M %p", true).is_none());
        assert!(SimpleFormat::new("%d/%m/%Y %H", true).is_none());
        assert!(SimpleFormat::new("%d/%m/%Y %M", false).is_none());
    }

    #[test]
    fn date_formats_are_checked() {
        assert!(check_date_format("%d/%m/%Y").is_ok());
        assert!(check_date_format(EPOCH).is_ok());
        assert!(check_date_format("dd/mm/yyyy").is_err());
    }
}
