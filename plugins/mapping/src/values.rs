//! Parsers for the other values found in real exports: money, yes/no, counts, ages
//! and gender wording.
//!
//! Each returns `Err(reason)` with a reason that never repeats the value, because
//! the value may be personal data and reasons end up in quarantine listings.

use bcgw_sdk::prelude::Gender;
use std::borrow::Cow;

/// Parses a money amount in pounds into pence: `£12.50`, `1,234`, `GBP 3.5`;
/// a trailing `p` means pence (`45p`).
pub fn parse_pounds(value: &str) -> Result<u64, String> {
    let v = value.trim();
    plain_pounds(v).map_or_else(|| any_pounds(v), Ok)
}

/// `£12.50`, `12.5`, `12`: the shape nearly every export writes, read without the
/// general path's searches and copies. `None` for anything else, including more
/// digits than certainly fit (the general path says so then).
fn plain_pounds(v: &str) -> Option<u64> {
    let digits = v.strip_prefix('£').unwrap_or(v);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 15 || frac.len() > 2 {
        return None;
    }
    if !all_digits(whole) || !all_digits(frac) {
        return None;
    }
    let number = |s: &str| s.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0'));
    let pence = if frac.len() == 1 {
        number(frac) * 10
    } else {
        number(frac)
    };
    Some(number(whole) * 100 + pence)
}

/// [`parse_pounds`] for every shape it accepts, `v` trimmed.
fn any_pounds(v: &str) -> Result<u64, String> {
    let (v, in_pence) = match v.strip_suffix(['p', 'P']) {
        Some(rest) => (rest, true),
        None => (v, false),
    };
    let cleaned = without_separators(strip_all(strip_all(v, "GBP"), "gbp"));
    let cleaned = cleaned.as_ref();
    if in_pence {
        return parse_pence(cleaned);
    }
    let (whole, frac) = cleaned.split_once('.').unwrap_or((cleaned, ""));
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

/// `s` without any number of leading `prefix`es, as `str::trim_start_matches` with
/// a string pattern, which sets up a substring searcher on every call.
fn strip_all<'a>(mut s: &'a str, prefix: &str) -> &'a str {
    while let Some(rest) = s.strip_prefix(prefix) {
        s = rest;
    }
    s
}

/// The amount without pound signs, thousands separators and spaces. Borrowed when
/// there are none besides a leading `£` (`£12.50`), the common case.
fn without_separators(amount: &str) -> Cow<'_, str> {
    let separator = |c: char| matches!(c, '£' | ',' | ' ');
    let rest = amount.strip_prefix('£').unwrap_or(amount);
    if rest.contains(separator) {
        Cow::Owned(amount.chars().filter(|c| !separator(*c)).collect())
    } else {
        Cow::Borrowed(rest)
    }
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

/// Reads gender wording (`M`, `female`, `woman`...); unknown wording is `None`,
/// anything else described is [`Gender::Other`].
pub fn parse_gender(value: &str) -> Option<Gender> {
    match value.trim().to_ascii_lowercase().as_str() {
        "m" | "male" | "man" | "boy" => Some(Gender::Male),
        "f" | "female" | "woman" | "girl" => Some(Gender::Female),
        "" | "?" | "u" | "unknown" | "n/k" | "nk" | "not known" => None,
        _ => Some(Gender::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(parse_pounds("GBPgbp£1,2 3"), Ok(12_300));
        assert_eq!(parse_pounds("££1"), Ok(100));
        assert_eq!(parse_pounds("£1£"), Ok(100));
        assert_eq!(parse_pounds(".5"), Ok(50));
        assert_eq!(parse_pounds("5."), Ok(500));
        assert!(parse_pounds("£").is_err());
        assert!(parse_pounds("£p").is_err());
    }

    #[test]
    fn plain_amounts_read_as_the_general_path_reads_them() {
        let values = [
            "£12.50",
            "12.5",
            "12",
            "0",
            "£0.05",
            "5.",
            "£5.",
            "999999999999999.99",
            "1234567890123456",
            "£",
            ".5",
            "£.5",
            "1.234",
            "1,200",
            "££1",
            "12p",
            "-5",
            "1.2.3",
            "GBP 3",
            "١٢",
        ];
        for v in values {
            if let Some(pence) = plain_pounds(v) {
                assert_eq!(any_pounds(v), Ok(pence), "{v:?}");
            }
        }
        assert_eq!(plain_pounds("£12.50"), Some(1250));
        assert_eq!(plain_pounds("1,200"), None);
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
    fn gender_wording() {
        assert_eq!(parse_gender(" F "), Some(Gender::Female));
        assert_eq!(parse_gender("n/k"), None);
        assert_eq!(parse_gender("non-binary"), Some(Gender::Other));
    }
}
