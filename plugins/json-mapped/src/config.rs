//! The plugin's configuration: the JSON the gateway hands over (from the source's
//! `[...plugin_config]` table, or a file for `bcgw plugin test --config`), checked and
//! compiled into a [`Mapping`]. Every key is described in `plugins/json-mapped/README.md`.

use crate::lists::{Lists, RawMediaList, RawPersonList, RawPropertyList, RawVehicleList};
use crate::pointer::{Pointer, RawPointers};
use bcgw_mapping::{Common, CommonKeys, TARGET_NAMES, Target, bad_config as bad};
use bcgw_sdk::prelude::{AdapterError, ReportKind};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The configuration as written, before checking: the plugin's `Config`, which
/// the SDK parses once per call; [`Mapping::from_raw`] checks it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    reports: Option<String>,
    #[serde(default)]
    fields: BTreeMap<String, RawPointers>,
    #[serde(default)]
    persons: Vec<RawPersonList>,
    #[serde(default)]
    property: Vec<RawPropertyList>,
    #[serde(default)]
    vehicles: Vec<RawVehicleList>,
    #[serde(default)]
    media: Vec<RawMediaList>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    keep_unmapped: bool,
    #[serde(default)]
    source_system: Option<String>,
    #[serde(default)]
    report_kind: Option<ReportKind>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    date_formats: Option<Vec<String>>,
    #[serde(default)]
    business_crime: Option<bool>,
    #[serde(default)]
    categories: BTreeMap<String, String>,
    #[serde(default)]
    default_category: Option<String>,
}

/// One entry of the `fields` table: a schema target and where its values are.
#[derive(Debug, Clone)]
pub struct Field {
    /// The target name as configured, for error messages.
    pub key: String,
    /// Where the values go.
    pub target: Target,
    /// Where the values are in a report, in order.
    pub pointers: Vec<Pointer>,
    /// Whether a report without a value here is rejected.
    pub required: bool,
}

/// A checked configuration, ready to apply to reports.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Where the reports are in a body; `None`: the body is one report, or a list.
    pub reports: Option<Pointer>,
    /// The `fields` table.
    pub fields: Vec<Field>,
    /// The `persons`, `property`, `vehicles` and `media` lists.
    pub lists: Lists,
    /// Keep values no pointer mentions as extensions.
    pub keep_unmapped: bool,
    /// Every pointer the mapping reads, for `keep_unmapped`.
    pub used: Vec<Pointer>,
    /// What json-mapped shares with csv-mapped: source system, report kind, time
    /// zone, date formats, categories.
    pub common: Common,
}

impl Mapping {
    /// Parses and checks the JSON configuration. Every error names the key.
    pub fn from_json(json: &str) -> Result<Mapping, AdapterError> {
        Mapping::from_raw(bcgw_sdk::plugin::parse_config(json)?)
    }

    /// Checks a parsed configuration. Every error names the key.
    pub fn from_raw(raw: RawConfig) -> Result<Mapping, AdapterError> {
        let reports = match raw.reports.as_deref() {
            None | Some("") => None,
            Some(p) => Some(Pointer::parse(p, "reports", true)?),
        };
        if raw.fields.is_empty() {
            return Err(bad(
                "fields: map at least one schema field to a JSON Pointer (e.g. source_record_id = \"/id\")",
            ));
        }
        let mut fields = Vec::new();
        for (key, raw_pointers) in &raw.fields {
            let name = format!("fields.\"{key}\"");
            let target = Target::parse(key, "").ok_or_else(|| {
                bad(format!(
                    "{name}: unknown target '{key}'; use one of {TARGET_NAMES}"
                ))
            })?;
            let pointers = raw_pointers.check(&name)?;
            let required = raw.required.iter().any(|r| r.trim() == key.trim());
            if target == Target::Extension(String::new()) {
                // A bare `extension` keeps each value under its own pointer.
                for p in pointers {
                    fields.push(Field {
                        key: key.clone(),
                        target: Target::Extension(p.as_str().to_string()),
                        pointers: vec![p],
                        required,
                    });
                }
            } else {
                fields.push(Field {
                    key: key.clone(),
                    target,
                    pointers,
                    required,
                });
            }
        }
        for r in &raw.required {
            if !raw.fields.keys().any(|k| k.trim() == r.trim()) {
                return Err(bad(format!(
                    "required: '{r}' is not a key of the fields table"
                )));
            }
        }
        let lists = Lists::check(raw.persons, raw.property, raw.vehicles, raw.media)?;
        let mut used: Vec<Pointer> = fields.iter().flat_map(|f| f.pointers.clone()).collect();
        used.extend(lists.pointers());
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
            "bcrp-json",
        )?;
        Ok(Mapping {
            reports,
            fields,
            lists,
            keep_unmapped: raw.keep_unmapped,
            used,
            common,
        })
    }
}
