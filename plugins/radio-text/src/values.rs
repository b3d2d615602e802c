//! The values found in alert text: times, ages, genders, shorthand.
//!
//! Errors are reasons that never repeat the value: it may be personal data.

use bcgw_sdk::schema::{AgeRange, Gender};
use chrono::NaiveTime;
use std::collections::HashMap;

/// Parses a time of day: `14:03`, `1403`, `14.03`, `9:15`, `915`.
pub fn parse_time(value: &str) -> Result<NaiveTime, &'static str> {
    let digits: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ':' | '.'))
        .collect();
    let err = "not a time of day (expected e.g. 14:03, 1403 or 14.03)";
    if !(3..=4).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(err);
    }
    let (h, m) = digits.split_at(digits.len() - 2);
    let h: u32 = h.parse().map_err(|_| err)?;
    let m: u32 = m.parse().map_err(|_| err)?;
    NaiveTime::from_hms_opt(h, m, 0).ok_or(err)
}

/// One age as radio operators write it: `30`, `30S`, `30'S`. A decade gives its span.
fn age_bound(word: &str) -> Option<(u8, u8)> {
    let w = word
        .trim()
        .trim_end_matches(['s', 'S'])
        .trim_end_matches('\'');
    let n: u8 = w.parse().ok()?;
    if w.len() < word.trim().len() {
        Some((n, n.saturating_add(9)))
    } else {
        Some((n, n))
    }
}

/// `EARLY 20S` (20-23), `MID 20S` (23-26), `LATE 20S` (26-29).
fn qualified_decade(v: &str) -> Option<(u8, u8)> {
    let (qualifier, decade) = v.split_once(' ')?;
    let (lo, hi) = age_bound(decade.trim())?;
    if hi != lo.saturating_add(9) || lo % 10 != 0 {
        return None;
    }
    match qualifier {
        "EARLY" => Some((lo, lo + 3)),
        "MID" => Some((lo + 3, lo + 6)),
        "LATE" => Some((lo + 6, hi)),
        _ => None,
    }
}

/// Parses an age: `30S` (30-39), `20-30`, `20S-30S` (20-39), `35`, `40+`, `25ISH`
/// (20-30), `MID 30S` (33-36), `TEENS` and `YOUTHS` (13-19).
pub fn parse_age(value: &str) -> Result<AgeRange, &'static str> {
    let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let v = v.to_ascii_uppercase();
    let err = "not an age or age range (expected e.g. 30S, 20-30 or 40+)";
    let (min, max) = if v.starts_with("TEEN") || v.starts_with("YOUTH") {
        (Some(13), Some(19))
    } else if let Some((lo, hi)) = qualified_decade(&v) {
        (Some(lo), Some(hi))
    } else if let Some(n) = v.strip_suffix("ISH") {
        let n: u8 = n.trim().parse().map_err(|_| err)?;
        (Some(n.saturating_sub(5)), Some(n.saturating_add(5)))
    } else if let Some(n) = v.strip_suffix('+') {
        (Some(n.trim().parse::<u8>().map_err(|_| err)?), None)
    } else if let Some((lo, hi)) = v.split_once('-') {
        let (lo, _) = age_bound(lo).ok_or(err)?;
        let (_, hi) = age_bound(hi).ok_or(err)?;
        (Some(lo.min(hi)), Some(lo.max(hi)))
    } else {
        let (lo, hi) = age_bound(&v).ok_or(err)?;
        (Some(lo), Some(hi))
    };
    if min.or(max).is_some_and(|a| a > 120) {
        return Err("is over 120 years");
    }
    Ok(AgeRange { min, max })
}

/// Whether one upper-case word reads as an age on its own (`30S`, `20-30`, `40+`,
/// `25ISH`, `TEENS`, `YOUTHS`) — not a bare number, which may be anything, nor a
/// range below 10 (`1-2` is more likely a count or a shop number).
pub(crate) fn looks_like_age(word: &str) -> bool {
    let word_age = ["TEEN", "TEENS", "TEENAGER", "TEENAGERS", "YOUTH", "YOUTHS"].contains(&word);
    let digit_led = word.starts_with(|c: char| c.is_ascii_digit());
    if !(word_age || digit_led) || word.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    match parse_age(word) {
        Ok(range) => !word.contains('-') || range.min.is_some_and(|m| m >= 10),
        Err(_) => false,
    }
}

/// Parses a gender word. `Ok(None)` is "unknown" (`U`, `UNK`, `N/K`, `?`).
pub fn parse_gender(value: &str) -> Result<Option<Gender>, &'static str> {
    Ok(match value.trim().to_ascii_uppercase().as_str() {
        "M" | "MALE" | "MALES" | "MAN" | "BOY" => Some(Gender::Male),
        "F" | "FEMALE" | "FEMALES" | "WOMAN" | "GIRL" => Some(Gender::Female),
        "U" | "UNK" | "UNKNOWN" | "N/K" | "NK" | "?" => None,
        "X" | "OTHER" => Some(Gender::Other),
        _ => return Err("not a gender (expected M, F, MALE, FEMALE or U)"),
    })
}

/// Expands shorthand token by token. A token is looked up in upper case, without
/// trailing `,;.!` (kept after the expansion); unknown tokens stay exactly as written.
/// Whitespace runs become one space.
pub fn expand(text: &str, table: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for token in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        let core = token.trim_end_matches([',', ';', '.', '!']);
        let tail = &token[core.len()..];
        match table.get(&core.to_uppercase()) {
            Some(expansion) if !core.is_empty() => {
                out.push_str(expansion);
                out.push_str(tail);
            }
            _ => out.push_str(token),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_radio_shapes() {
        for (text, want) in [
            ("14:03", (14, 3)),
            ("1403", (14, 3)),
            ("14.03", (14, 3)),
            ("9:15", (9, 15)),
            ("915", (9, 15)),
        ] {
            let t = parse_time(text).unwrap();
            assert_eq!(
                t,
                NaiveTime::from_hms_opt(want.0, want.1, 0).unwrap(),
                "{text}"
            );
        }
        for bad in ["24:00", "12:60", "1", "12345", "ab:cd"] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ages_in_radio_shapes() {
        let r = |min, max| AgeRange { min, max };
        assert_eq!(parse_age("30S"), Ok(r(Some(30), Some(39))));
        assert_eq!(parse_age("30's"), Ok(r(Some(30), Some(39))));
        assert_eq!(parse_age("20-30"), Ok(r(Some(20), Some(30))));
        assert_eq!(parse_age("20S-30S"), Ok(r(Some(20), Some(39))));
        assert_eq!(parse_age("35"), Ok(r(Some(35), Some(35))));
        assert_eq!(parse_age("40+"), Ok(r(Some(40), None)));
        assert_eq!(parse_age("teens"), Ok(r(Some(13), Some(19))));
        assert_eq!(parse_age("YOUTHS"), Ok(r(Some(13), Some(19))));
        assert_eq!(parse_age("25ISH"), Ok(r(Some(20), Some(30))));
        assert_eq!(parse_age("mid  30s"), Ok(r(Some(33), Some(36))));
        assert_eq!(parse_age("LATE 20S"), Ok(r(Some(26), Some(29))));
        assert!(parse_age("LATE 25").is_err());
        assert!(looks_like_age("30S") && looks_like_age("20-30") && looks_like_age("TEENS"));
        assert!(!looks_like_age("35") && !looks_like_age("1-2") && !looks_like_age("ST"));
        assert!(parse_age("old").is_err());
        assert!(parse_age("200").is_err());
    }

    #[test]
    fn unknown_tokens_are_kept_as_written() {
        let table: HashMap<String, String> = [("JKT", "jacket"), ("BLK", "black")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        assert_eq!(
            expand("blk JKT, Nike  cap.", &table),
            "black jacket, Nike cap."
        );
    }
}
