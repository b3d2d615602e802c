//! The plugin's configuration: the JSON the gateway hands over (from the source's
//! `[...plugin_config]` table), checked and compiled into a [`Mapping`].

use crate::target::{TARGET_NAMES, Target};
use bcgw_sdk::prelude::{AdapterError, Category, ReportKind};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

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

/// How to decode bytes that are not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8 where valid, else Windows-1252 (a superset of Latin-1), field by field.
    #[default]
    Auto,
    /// UTF-8 only: a field that is not valid UTF-8 rejects its row.
    #[serde(rename = "utf-8")]
    Utf8,
    /// Windows-1252 (Latin-1) for every field.
    #[serde(rename = "windows-1252", alias = "latin-1")]
    Windows1252,
}

/// The configuration as written, before checking.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    columns: BTreeMap<String, String>,
    #[serde(default)]
    source_system: Option<String>,
    #[serde(default)]
    report_kind: Option<ReportKind>,
    #[serde(default)]
    delimiter: Option<String>,
    #[serde(default)]
    encoding: Encoding,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    date_formats: Option<Vec<String>>,
    #[serde(default)]
    business_crime: Option<bool>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    optional_columns: Vec<String>,
    #[serde(default)]
    categories: BTreeMap<String, String>,
    #[serde(default)]
    default_category: Option<String>,
    #[serde(default)]
    keep_unmapped: bool,
}

/// A checked configuration, ready to apply to rows.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Column name (normalised with [`column_key`]) to target.
    pub columns: HashMap<String, Target>,
    /// The column names as configured, for error messages.
    pub column_names: HashMap<String, String>,
    /// Value for `report.source_system`.
    pub source_system: String,
    /// Value for `event.kind`.
    pub report_kind: ReportKind,
    /// Field delimiter byte.
    pub delimiter: u8,
    /// How to decode non-UTF-8 bytes.
    pub encoding: Encoding,
    /// Zone for times without an offset.
    pub timezone: Tz,
    /// Formats tried in order for date (and date-time) columns.
    pub date_formats: Vec<String>,
    /// Value for `event.business_crime`.
    pub business_crime: bool,
    /// Columns (normalised) that must have a value in every row.
    pub required: Vec<String>,
    /// Columns (normalised) that may be absent from the header.
    pub optional_columns: Vec<String>,
    /// Source wording (normalised with [`wording_key`]) to category.
    pub categories: HashMap<String, Category>,
    /// Category for wording not in the table.
    pub default_category: Category,
    /// Keep columns with no mapping as extensions.
    pub keep_unmapped: bool,
}

/// How column names are compared: trimmed, case-insensitive.
pub fn column_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// How category wording is compared: trimmed, case-insensitive, inner whitespace collapsed.
pub fn wording_key(wording: &str) -> String {
    wording
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn bad(msg: impl Into<String>) -> AdapterError {
    AdapterError::BadConfig(msg.into())
}

fn parse_category(name: &str, key: &str) -> Result<Category, AdapterError> {
    Category::from_schema_name(name).ok_or_else(|| {
        let all: Vec<_> = Category::ALL.iter().map(|c| c.as_str()).collect();
        bad(format!(
            "{key}: '{name}' is not a schema category; use one of {}",
            all.join(", ")
        ))
    })
}

impl Mapping {
    /// Parses and checks the JSON configuration. Every error names the key.
    pub fn from_json(json: &str) -> Result<Mapping, AdapterError> {
        let raw: RawConfig = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        if raw.columns.is_empty() {
            return Err(bad("columns: map at least one column to a schema field"));
        }
        let mut columns = HashMap::new();
        let mut column_names = HashMap::new();
        for (column, target) in &raw.columns {
            let parsed = Target::parse(target, column).ok_or_else(|| {
                bad(format!(
                    "columns.\"{column}\": unknown target '{target}'; use one of {TARGET_NAMES}"
                ))
            })?;
            columns.insert(column_key(column), parsed);
            column_names.insert(column_key(column), column.clone());
        }
        let delimiter = match raw.delimiter.as_deref() {
            None => b',',
            Some("\\t") | Some("tab") => b'\t',
            Some(d) if d.len() == 1 && d.is_ascii() => d.as_bytes()[0],
            Some(d) => {
                return Err(bad(format!(
                    "delimiter: '{d}' must be one ASCII character (or \"tab\")"
                )));
            }
        };
        let tz_name = raw.timezone.as_deref().unwrap_or("Europe/London");
        let timezone: Tz = tz_name.parse().map_err(|_| {
            bad(format!(
                "timezone: '{tz_name}' is not an IANA zone name such as Europe/London"
            ))
        })?;
        let date_formats = match raw.date_formats {
            Some(f) if f.is_empty() => return Err(bad("date_formats: give at least one format")),
            Some(f) => f,
            None => DEFAULT_DATE_FORMATS.iter().map(|s| s.to_string()).collect(),
        };
        for f in &date_formats {
            if f != ISO8601 && !f.contains('%') {
                return Err(bad(format!(
                    "date_formats: '{f}' has no % fields; use strftime syntax like %d/%m/%Y or \"{ISO8601}\""
                )));
            }
        }
        let mut categories = HashMap::new();
        for (wording, name) in &raw.categories {
            let key = format!("categories.\"{wording}\"");
            categories.insert(wording_key(wording), parse_category(name, &key)?);
        }
        let default_category = match &raw.default_category {
            Some(name) => parse_category(name, "default_category")?,
            None => Category::Other,
        };
        let required = raw
            .required
            .iter()
            .map(|c| column_key(c))
            .collect::<Vec<_>>();
        for (name, key) in raw.required.iter().zip(&required) {
            if !columns.contains_key(key) {
                return Err(bad(format!(
                    "required: '{name}' is not a column in the columns table"
                )));
            }
        }
        let source_system = raw.source_system.unwrap_or_else(|| "retailer-csv".into());
        Ok(Mapping {
            columns,
            column_names,
            source_system,
            report_kind: raw.report_kind.unwrap_or_default(),
            delimiter,
            encoding: raw.encoding,
            timezone,
            date_formats,
            business_crime: raw.business_crime.unwrap_or(true),
            required,
            optional_columns: raw.optional_columns.iter().map(|c| column_key(c)).collect(),
            categories,
            default_category,
            keep_unmapped: raw.keep_unmapped,
        })
    }

    /// The category for the source's wording: the table first, then the schema's own
    /// names (`theft-from-shop`), then the default.
    pub fn category_for(&self, wording: &str) -> Category {
        self.categories
            .get(&wording_key(wording))
            .copied()
            .or_else(|| Category::from_schema_name(wording))
            .unwrap_or(self.default_category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_key() {
        let e = Mapping::from_json(r#"{"columns":{"Ref":"ref_no"}}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("columns.\"Ref\": unknown target 'ref_no'"),
            "{e}"
        );
        let e =
            Mapping::from_json(r#"{"columns":{"Ref":"source_record_id"},"timezone":"Mars/Base"}"#)
                .unwrap_err();
        assert!(e.to_string().contains("timezone"), "{e}");
        let e = Mapping::from_json(
            r#"{"columns":{"Type":"category"},"categories":{"Lifting":"theft"}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("categories.\"Lifting\""), "{e}");
        let e = Mapping::from_json(r#"{"columns":{"A":"town"},"colums":{}}"#).unwrap_err();
        assert!(e.to_string().contains("colums"), "{e}");
    }

    #[test]
    fn category_lookup_ignores_case_and_spacing() {
        let m = Mapping::from_json(
            r#"{"columns":{"Type":"category"},"categories":{"Customer  Theft":"theft-from-shop"}}"#,
        )
        .unwrap();
        assert_eq!(m.category_for(" customer theft "), Category::TheftFromShop);
        assert_eq!(m.category_for("ROBBERY"), Category::Robbery);
        assert_eq!(m.category_for("something else"), Category::Other);
    }
}
