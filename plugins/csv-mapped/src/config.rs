//! The plugin's configuration: the JSON the gateway hands over (from the source's
//! `[...plugin_config]` table), checked and compiled into a [`Mapping`].

use bcgw_mapping::{Common, CommonKeys, TARGET_NAMES, Target, bad_config as bad};
use bcgw_sdk::prelude::{AdapterError, Category, ReportKind};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

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

/// The configuration as written, before checking: the plugin's `Config`, which
/// the SDK parses once per call; [`Mapping::from_raw`] checks it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
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
    /// Field delimiter byte.
    pub delimiter: u8,
    /// How to decode non-UTF-8 bytes.
    pub encoding: Encoding,
    /// Columns (normalised) that must have a value in every row.
    pub required: Vec<String>,
    /// Columns (normalised) that may be absent from the header.
    pub optional_columns: Vec<String>,
    /// Keep columns with no mapping as extensions.
    pub keep_unmapped: bool,
    /// What csv-mapped shares with json-mapped: source system, report kind, time
    /// zone, date formats, categories.
    pub common: Common,
}

/// How column names are compared: trimmed, case-insensitive.
pub fn column_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Mapping {
    /// Parses and checks the JSON configuration. Every error names the key.
    pub fn from_json(json: &str) -> Result<Mapping, AdapterError> {
        Mapping::from_raw(bcgw_sdk::plugin::parse_config(json)?)
    }

    /// Checks a parsed configuration. Every error names the key.
    pub fn from_raw(raw: RawConfig) -> Result<Mapping, AdapterError> {
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
        let common = Common::new(
            CommonKeys {
                source_system: raw.source_system,
                report_kind: raw.report_kind,
                timezone: raw.timezone,
                date_formats: raw.date_formats,
                business_crime: raw.business_crime,
                categories: raw.categories,
                default_category: raw.default_category,
            },
            "retailer-csv",
        )?;
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
        Ok(Mapping {
            columns,
            column_names,
            delimiter,
            encoding: raw.encoding,
            required,
            optional_columns: raw.optional_columns.iter().map(|c| column_key(c)).collect(),
            keep_unmapped: raw.keep_unmapped,
            common,
        })
    }

    /// The category for the source's wording: the table first, then the schema's own
    /// names (`theft-from-shop`), then the default.
    pub fn category_for(&self, wording: &str) -> Category {
        self.common.category_for(wording)
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
