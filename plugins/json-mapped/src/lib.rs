//! `json-mapped`: map any JSON feed onto the bcgw common schema with configuration
//! alone. An IT team says where the reports are in a body (`reports`, a JSON
//! Pointer), where each schema field is in one report (`fields`), where the nested
//! lists of persons, property, vehicles and media are, how dates are written and how
//! the platform's offence wording maps to schema categories.
//!
//! It reads one JSON body (a webhook delivery, a page of an export API) or NDJSON,
//! one body per line. A report that cannot be read is rejected with its index (and
//! line, for NDJSON); the other reports still flow. Dates, money, ages, target names
//! and categories mean exactly what they mean in `csv-mapped`: both use
//! `bcgw-mapping`. See `plugins/json-mapped/README.md`.

mod body;
mod config;
mod lists;
mod nested;
mod pointer;
mod report;
mod value;

pub use config::{Mapping, RawConfig};

use bcgw_sdk::prelude::*;

/// The adapter. See the crate docs and `plugins/json-mapped/README.md`.
pub struct JsonMapped;

/// Content types read as one JSON body (as are `application/<anything>+json`).
pub const JSON_TYPES: [&str; 2] = ["application/json", "text/json"];

/// Content types read as NDJSON: one JSON body per line.
pub const NDJSON_TYPES: [&str; 5] = [
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonlines",
    "application/jsonlines",
];

fn key(name: &str, description: &str, required: bool) -> ConfigKey {
    ConfigKey {
        name: name.into(),
        description: description.into(),
        required,
    }
}

/// Every configuration key, as `describe` lists it.
const KEYS: [(&str, &str, bool); 15] = [
    (
        "reports",
        "JSON Pointer to the reports in a body, e.g. /data (default: the body is one report, or a list of them)",
        false,
    ),
    (
        "fields",
        "table: schema field -> JSON Pointer in one report, or a list of pointers (e.g. premises_name = \"/site/name\")",
        true,
    ),
    (
        "persons",
        "array of tables: list, role, roles, default_role, name, aliases, description, gender, age",
        false,
    ),
    (
        "property",
        "array of tables: list, description, quantity, value, value_pence, recovered",
        false,
    ),
    (
        "vehicles",
        "array of tables: list, vrm, make, model, colour",
        false,
    ),
    (
        "media",
        "array of tables: list, uri, sha256, kind (cctv | image | body-worn-video | other)",
        false,
    ),
    (
        "required",
        "keys of fields that must have a value in every report",
        false,
    ),
    (
        "source_system",
        "value of report.source_system (default bcrp-json)",
        false,
    ),
    (
        "report_kind",
        "crime-report | incident | alert | intelligence (default crime-report)",
        false,
    ),
    (
        "timezone",
        "IANA zone for times without an offset (default Europe/London)",
        false,
    ),
    (
        "date_formats",
        "strftime formats tried in order, \"iso8601\" or \"epoch\" (default UK day-first, then ISO 8601); JSON numbers are Unix times",
        false,
    ),
    (
        "business_crime",
        "value of event.business_crime (default true)",
        false,
    ),
    (
        "categories",
        "table: source wording -> schema category",
        false,
    ),
    (
        "default_category",
        "category for wording not in the table (default other)",
        false,
    ),
    (
        "keep_unmapped",
        "keep values no pointer reads as extensions, under their pointer (default false)",
        false,
    ),
];

impl Adapter for JsonMapped {
    type Config = RawConfig;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "json-mapped".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "Maps JSON and NDJSON feeds onto the common schema from JSON Pointers in config."
                    .into(),
            systems: vec!["bcrp-json".into()],
            content_types: JSON_TYPES
                .iter()
                .chain(NDJSON_TYPES.iter())
                .map(|s| s.to_string())
                .collect(),
            config_keys: KEYS
                .iter()
                .map(|(name, description, required)| key(name, description, *required))
                .collect(),
        }
    }

    fn check_config(config: RawConfig) -> Result<(), AdapterError> {
        Mapping::from_raw(config).map(|_| ())
    }

    fn translate(payload: Payload, config: RawConfig) -> Result<Translation, AdapterError> {
        let mapping = Mapping::from_raw(config)?;
        let media_type = payload.media_type();
        if NDJSON_TYPES.contains(&media_type.as_str()) {
            body::translate_ndjson(&mapping, &payload.bytes)
        } else if JSON_TYPES.contains(&media_type.as_str())
            || (media_type.starts_with("application/") && media_type.ends_with("+json"))
        {
            body::translate_json(&mapping, &payload.bytes)
        } else {
            Err(AdapterError::UnsupportedContentType(payload.content_type))
        }
    }
}

bcgw_sdk::export_adapter!(JsonMapped);

#[cfg(test)]
mod tests;
