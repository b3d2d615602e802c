//! The settings both mapping plugins share (source system, report kind, time zone,
//! date formats, the category table), checked once into a [`Common`].

use crate::when::{DEFAULT_DATE_FORMATS, DateFormats, check_date_format};
use bcgw_sdk::prelude::{AdapterError, Category, ReportKind};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};

/// The shared keys as written in a plugin's config, before checking. Each plugin
/// declares these keys in its own config struct (so unknown keys are refused there)
/// and hands them over.
#[derive(Debug, Clone, Default)]
pub struct CommonKeys {
    /// `source_system`; `None` takes the plugin's default.
    pub source_system: Option<String>,
    /// `report_kind`; `None` is `crime-report`.
    pub report_kind: Option<ReportKind>,
    /// `timezone`, an IANA name; `None` is Europe/London.
    pub timezone: Option<String>,
    /// `date_formats`; `None` is [`DEFAULT_DATE_FORMATS`].
    pub date_formats: Option<Vec<String>>,
    /// `business_crime`; `None` is `true`.
    pub business_crime: Option<bool>,
    /// `categories`: source wording to schema category name.
    pub categories: BTreeMap<String, String>,
    /// `default_category`; `None` is `other`.
    pub default_category: Option<String>,
}

/// The shared settings, checked.
#[derive(Debug, Clone)]
pub struct Common {
    /// Value for `report.source_system`.
    pub source_system: String,
    /// Value for `event.kind`.
    pub report_kind: ReportKind,
    /// Zone for times without an offset.
    pub timezone: Tz,
    /// Formats tried in order for date (and date-time) values.
    pub date_formats: DateFormats,
    /// Value for `event.business_crime`.
    pub business_crime: bool,
    /// Source wording (normalised with [`wording_key`]) to category.
    pub categories: HashMap<String, Category>,
    /// Category for wording not in the table.
    pub default_category: Category,
}

/// How wording is compared: trimmed, case-insensitive, inner whitespace collapsed.
pub fn wording_key(wording: &str) -> String {
    wording
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Longest wording whose key [`with_wording_key`] builds on the stack.
const SHORT_WORDING: usize = 64;

/// Calls `f` with the [`wording_key`] of `wording`. Short ASCII wording, what
/// category columns hold, is keyed in one pass into a stack buffer rather than
/// with three allocations per row: words lower-cased (for ASCII, `to_lowercase` is
/// `to_ascii_lowercase`) and joined by one space.
fn with_wording_key<T>(wording: &str, f: impl FnOnce(&str) -> T) -> T {
    if !wording.is_ascii() || wording.len() > SHORT_WORDING {
        return f(&wording_key(wording));
    }
    let mut buf = [0u8; SHORT_WORDING];
    let mut len = 0;
    let mut space_before = false;
    for b in wording.bytes() {
        // What `split_whitespace` splits on, restricted to ASCII.
        if char::from(b).is_whitespace() {
            space_before = len > 0;
            continue;
        }
        if space_before {
            buf[len] = b' ';
            len += 1;
            space_before = false;
        }
        buf[len] = b.to_ascii_lowercase();
        len += 1;
    }
    match std::str::from_utf8(&buf[..len]) {
        Ok(key) => f(key),
        // Unreachable: ASCII in, ASCII out.
        Err(_) => f(&wording_key(wording)),
    }
}

/// A [`AdapterError::BadConfig`] with this message.
pub fn bad_config(msg: impl Into<String>) -> AdapterError {
    AdapterError::BadConfig(msg.into())
}

/// Parses a schema category name; the error names `key` and lists the categories.
pub fn parse_category(name: &str, key: &str) -> Result<Category, AdapterError> {
    Category::from_schema_name(name).ok_or_else(|| {
        let all: Vec<_> = Category::ALL.iter().map(|c| c.as_str()).collect();
        bad_config(format!(
            "{key}: '{name}' is not a schema category; use one of {}",
            all.join(", ")
        ))
    })
}

impl Common {
    /// Checks the shared keys; `default_system` is the plugin's `source_system`
    /// default. Every error names the key.
    pub fn new(keys: CommonKeys, default_system: &str) -> Result<Common, AdapterError> {
        let source_system = keys
            .source_system
            .unwrap_or_else(|| default_system.to_string());
        // The gateway refuses reports whose source_system breaks this rule; saying so
        // here fails the config check instead of quarantining every report.
        if source_system.is_empty()
            || source_system.len() > 64
            || !source_system
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad_config(format!(
                "source_system: '{source_system}' must be 1-64 lower-case letters, digits and '-' (e.g. \"disc\")"
            )));
        }
        let tz_name = keys.timezone.as_deref().unwrap_or("Europe/London");
        let timezone: Tz = tz_name.parse().map_err(|_| {
            bad_config(format!(
                "timezone: '{tz_name}' is not an IANA zone name such as Europe/London"
            ))
        })?;
        let date_formats = match keys.date_formats {
            Some(f) if f.is_empty() => {
                return Err(bad_config("date_formats: give at least one format"));
            }
            Some(f) => f,
            None => DEFAULT_DATE_FORMATS.iter().map(|s| s.to_string()).collect(),
        };
        for f in &date_formats {
            check_date_format(f).map_err(|why| bad_config(format!("date_formats: {why}")))?;
        }
        let mut categories = HashMap::new();
        for (wording, name) in &keys.categories {
            let key = format!("categories.\"{wording}\"");
            categories.insert(wording_key(wording), parse_category(name, &key)?);
        }
        let default_category = match &keys.default_category {
            Some(name) => parse_category(name, "default_category")?,
            None => Category::Other,
        };
        Ok(Common {
            source_system,
            report_kind: keys.report_kind.unwrap_or_default(),
            timezone,
            date_formats: DateFormats::new(&date_formats),
            business_crime: keys.business_crime.unwrap_or(true),
            categories,
            default_category,
        })
    }

    /// The category for the source's wording: the table first, then the schema's own
    /// names (`theft-from-shop`), then the default.
    pub fn category_for(&self, wording: &str) -> Category {
        with_wording_key(wording, |key| self.categories.get(key).copied())
            .or_else(|| Category::from_schema_name(wording))
            .unwrap_or(self.default_category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> CommonKeys {
        CommonKeys::default()
    }

    #[test]
    fn wording_keys_on_the_stack_match_wording_key() {
        let long = "x ".repeat(40);
        for w in [
            "Shoplifting",
            "  Walk   OUT ",
            "a\tb\x0bc\x0cd\r\ne",
            "",
            "   ",
            "Caf\u{e9}",
            "\u{3a3}A\u{3a3}",
            " a  B\x0b",
            &"ab ".repeat(21),
            &format!("{}c", "ab ".repeat(21)),
            long.as_str(),
        ] {
            assert_eq!(with_wording_key(w, str::to_string), wording_key(w), "{w:?}");
        }
    }

    #[test]
    fn defaults_are_london_uk_dates_and_other() {
        let c = Common::new(keys(), "retailer-csv").unwrap();
        assert_eq!(c.source_system, "retailer-csv");
        assert_eq!(c.timezone, Tz::Europe__London);
        assert_eq!(c.default_category, Category::Other);
        assert!(c.business_crime);
    }

    #[test]
    fn errors_name_the_key() {
        let e = Common::new(
            CommonKeys {
                source_system: Some("DISC Bristol".into()),
                ..keys()
            },
            "x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("source_system"), "{e}");
        let e = Common::new(
            CommonKeys {
                date_formats: Some(vec!["dd/mm/yyyy".into()]),
                ..keys()
            },
            "x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("date_formats"), "{e}");
        let e = Common::new(
            CommonKeys {
                default_category: Some("shoplifting".into()),
                ..keys()
            },
            "x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("default_category"), "{e}");
    }
}
