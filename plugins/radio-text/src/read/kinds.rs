//! What one word of a line is, by itself: the vocabulary reader's word classes.

use crate::lexicon::{
    AGE_QUALIFIERS, BRANDS, BUILDS, CLOTHING, COLOUR_MODIFIERS, COLOURS, GENDERS, GROUP_WORDS,
    IC_CODES, WEAK_BRANDS, WEAK_CLOTHING, has,
};
use crate::values::looks_like_age;

/// The class of a word, from the tables in [`crate::lexicon`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Not in any table: a premises word, a place, or free description.
    Word,
    /// `M`, `F`, `MALE`...
    Gender,
    /// `30S`, `20-30`, `40+`, `25ISH`, `TEENS`, `YOUTHS`.
    Age,
    /// `EARLY`, `MID`, `LATE` (before a decade).
    AgeQualifier,
    /// `IC1`...`IC6`.
    Ic,
    /// `3X`, `X3`, `GRP`, `GROUP`.
    Count,
    /// A bare number of up to three digits.
    Number,
    /// `BLK`, `RED`... (weak).
    Colour,
    /// `LT`, `DARK`... (weak).
    Modifier,
    /// `STOCKY`, `BALD`... (weak).
    Build,
    /// `HOODIE`, `JKT`...
    Clothing,
    /// `CAP`, `HAT`, `TOP`... (weak).
    WeakClothing,
    /// `NORTHFACE`, `TNF`, `STONEY`.
    Brand,
    /// `NIKE`, `ADIDAS`... (weak).
    WeakBrand,
}

impl Kind {
    /// The class of an upper-case word.
    pub fn of(key: &str) -> Kind {
        if has(GENDERS, key) {
            Kind::Gender
        } else if has(IC_CODES, key) {
            Kind::Ic
        } else if has(GROUP_WORDS, key) || is_count(key) {
            Kind::Count
        } else if !key.is_empty() && key.len() <= 3 && key.bytes().all(|b| b.is_ascii_digit()) {
            Kind::Number
        } else if looks_like_age(key) {
            Kind::Age
        } else if has(AGE_QUALIFIERS, key) {
            Kind::AgeQualifier
        } else if has(COLOURS, key) {
            Kind::Colour
        } else if has(COLOUR_MODIFIERS, key) {
            Kind::Modifier
        } else if has(BUILDS, key) {
            Kind::Build
        } else if has(CLOTHING, key) {
            Kind::Clothing
        } else if has(WEAK_CLOTHING, key) {
            Kind::WeakClothing
        } else if has(BRANDS, key) {
            Kind::Brand
        } else if has(WEAK_BRANDS, key) {
            Kind::WeakBrand
        } else {
            Kind::Word
        }
    }

    /// Weak words count only beside other description.
    pub fn is_weak(self) -> bool {
        matches!(
            self,
            Kind::Colour | Kind::Modifier | Kind::Build | Kind::WeakClothing | Kind::WeakBrand
        )
    }

    /// Words that never belong to a premises name.
    pub fn is_strong(self) -> bool {
        matches!(
            self,
            Kind::Age | Kind::Ic | Kind::Count | Kind::Clothing | Kind::Brand
        )
    }

    /// Whether a word of this class describes a person in some way.
    pub fn is_descriptive(self) -> bool {
        !matches!(self, Kind::Word)
    }
}

/// `3X`, `X3`: a count of people.
fn is_count(key: &str) -> bool {
    let digits = key
        .strip_suffix('X')
        .or_else(|| key.strip_prefix('X'))
        .unwrap_or("");
    (1..=2).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Whether an upper-case word is shaped like a time of day: `14:03`, `14.03`, `9:15`
/// anywhere, or `1403`, `915` (`bare`, accepted only as the line's first word).
pub(crate) fn is_time(key: &str, bare: bool) -> bool {
    let b = key.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.iter().position(|&c| c == b':' || c == b'.') {
        Some(at) => {
            (1..=2).contains(&at) && b.len() == at + 3 && digits(&b[..at]) && digits(&b[at + 1..])
        }
        None => bare && (3..=4).contains(&b.len()) && digits(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_classed() {
        assert_eq!(Kind::of("M"), Kind::Gender);
        assert_eq!(Kind::of("30S"), Kind::Age);
        assert_eq!(Kind::of("YOUTHS"), Kind::Age);
        assert_eq!(Kind::of("3X"), Kind::Count);
        assert_eq!(Kind::of("35"), Kind::Number);
        assert_eq!(Kind::of("L/BLUE"), Kind::Colour);
        assert_eq!(Kind::of("JKT"), Kind::Clothing);
        assert_eq!(Kind::of("CAP"), Kind::WeakClothing);
        assert_eq!(Kind::of("BOOTS"), Kind::Word);
        assert!(is_time("14:03", false) && is_time("9.15", false) && is_time("1403", true));
        assert!(!is_time("1403", false) && !is_time("14:3", false) && !is_time("3.505", false));
    }
}
