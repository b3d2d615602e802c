//! Special-category data (DPA 2018 s.35(8), "sensitive processing"): racial or
//! ethnic origin, political opinions, religious or philosophical beliefs, trade
//! union membership, genetic and biometric data, health, sex life and sexual
//! orientation.
//!
//! The common schema has no field for any of these, so they can only arrive as
//! an extension a plugin passes through. An extension whose key names one of
//! them is special-category, and flows only when the source's agreement lists
//! it in `special_category` with a sensitive processing condition.

use super::fields::normalise_key;

/// Words that mark a key as special-category, matched against whole words of
/// the normalised key (`ethnic-appearance`, `religion`, `health-notes`).
const WORDS: &[&str] = &[
    "ethnic",
    "ethnicity",
    "race",
    "racial",
    "religion",
    "religious",
    "belief",
    "beliefs",
    "faith",
    "political",
    "politics",
    "union",
    "health",
    "medical",
    "medication",
    "disability",
    "disabled",
    "illness",
    "mental",
    "pregnant",
    "pregnancy",
    "sexual",
    "sexuality",
    "orientation",
    "genetic",
    "biometric",
    "biometrics",
    "dna",
    "fingerprint",
    "fingerprints",
];

/// Whether an extension key names special-category data.
pub fn is_special_category(key: &str) -> bool {
    let norm = normalise_key(key);
    // IC codes (IC1–IC6) are the police's ethnic appearance codes.
    if norm == "ic-code" || norm == "ic" || norm.starts_with("ic-code") {
        return true;
    }
    norm.split('-').any(|w| WORDS.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_naming_sensitive_data_are_special_category() {
        for key in [
            "ethnicity",
            "Ethnic Appearance",
            "suspect_religion",
            "health-notes",
            "Medical",
            "sexual_orientation",
            "trade-union",
            "IC code",
            "dna_sample",
            "biometric-template",
        ] {
            assert!(is_special_category(key), "{key}");
        }
    }

    #[test]
    fn ordinary_keys_are_not() {
        for key in [
            "loyalty-card",
            "till",
            "incident-type",
            "store-region",
            "police-unit",
            "recent",
            "description",
            "date-of-birth",
        ] {
            assert!(!is_special_category(key), "{key}");
        }
    }
}
