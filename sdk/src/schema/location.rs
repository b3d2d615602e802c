//! Where it happened.

use serde::{Deserialize, Serialize};

/// A point on the WGS84 ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
}

/// Where it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The premises' trading name, e.g. "Boots Broadmead".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premises_name: Option<String>,
    /// The BCRP member id or the retailer's store number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// Street address lines, first line first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address_lines: Vec<String>,
    /// Town or city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
    /// UK postcode; see [`normalise_postcode`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// Unique Property Reference Number, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uprn: Option<u64>,
    /// Map position, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// The BCRP area or scheme the premises belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bcrp_area: Option<String>,
}

/// Normalises a UK postcode: upper case, inner spaces removed, one space before the
/// three-character inward code (`bs1 3xe` and `BS13XE` both become `BS1 3XE`).
///
/// Returns `None` when what is left is not shaped like a postcode (5 to 7 letters and
/// digits, inward code digit-letter-letter), so callers can keep the raw text elsewhere.
pub fn normalise_postcode(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(5..=7).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_bytes = inward.as_bytes();
    let inward_ok = inward_bytes[0].is_ascii_digit()
        && inward_bytes[1].is_ascii_alphabetic()
        && inward_bytes[2].is_ascii_alphabetic();
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic();
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

#[cfg(test)]
mod tests {
    use super::normalise_postcode;

    #[test]
    fn postcodes_normalise_case_and_spacing() {
        assert_eq!(normalise_postcode("bs1 3xe").as_deref(), Some("BS1 3XE"));
        assert_eq!(normalise_postcode(" BS13XE ").as_deref(), Some("BS1 3XE"));
        assert_eq!(normalise_postcode("sw1a  1aa").as_deref(), Some("SW1A 1AA"));
        assert_eq!(normalise_postcode("M1 1AE").as_deref(), Some("M1 1AE"));
    }

    #[test]
    fn non_postcodes_are_refused() {
        assert_eq!(normalise_postcode("Broadmead"), None);
        assert_eq!(normalise_postcode(""), None);
        assert_eq!(normalise_postcode("12345"), None);
        assert_eq!(normalise_postcode("BS1-3XE"), None);
    }
}
