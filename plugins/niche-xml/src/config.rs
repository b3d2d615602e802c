//! The renderer's configuration: the force's Niche code tables.

use bcgw_sdk::prelude::{AdapterError, Category};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The configuration as written: the renderer's `Config`, which the SDK parses
/// once per call; [`NicheConfig::from_raw`] checks it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    force_code: String,
    #[serde(default)]
    offence_codes: BTreeMap<String, String>,
    #[serde(default)]
    default_offence_code: Option<String>,
    #[serde(default)]
    include_person_names: bool,
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct NicheConfig {
    /// The force's identifier in Niche, e.g. `AS` for Avon and Somerset.
    pub force_code: String,
    /// Schema category to the force's occurrence type code.
    pub offence_codes: BTreeMap<Category, String>,
    /// Code for categories not in the table.
    pub default_offence_code: Option<String>,
    /// Whether person names are rendered (only where the sharing agreement allows).
    pub include_person_names: bool,
}

fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '/')
}

fn bad(msg: String) -> AdapterError {
    AdapterError::BadConfig(msg)
}

impl NicheConfig {
    /// Parses and checks the JSON configuration.
    pub fn from_json(json: &str) -> Result<NicheConfig, AdapterError> {
        NicheConfig::from_raw(bcgw_sdk::plugin::parse_config(json)?)
    }

    /// Checks a parsed configuration.
    pub fn from_raw(raw: RawConfig) -> Result<NicheConfig, AdapterError> {
        if !code_ok(&raw.force_code) {
            return Err(bad(format!(
                "force_code: '{}' must be 1-32 upper-case letters, digits, '-' or '/'",
                raw.force_code
            )));
        }
        let mut offence_codes = BTreeMap::new();
        for (category, code) in &raw.offence_codes {
            let cat = Category::from_schema_name(category).ok_or_else(|| {
                bad(format!("offence_codes.{category}: not a schema category (theft-from-shop, robbery, ...)"))
            })?;
            if !code_ok(code) {
                return Err(bad(format!(
                    "offence_codes.{category}: '{code}' must be 1-32 upper-case letters, digits, '-' or '/'"
                )));
            }
            offence_codes.insert(cat, code.clone());
        }
        if let Some(code) = &raw.default_offence_code
            && !code_ok(code)
        {
            return Err(bad(format!(
                "default_offence_code: '{code}' is not a valid code"
            )));
        }
        if raw.default_offence_code.is_none() {
            let missing: Vec<_> = Category::ALL
                .iter()
                .filter(|c| !offence_codes.contains_key(c))
                .map(|c| c.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(bad(format!(
                    "offence_codes has no code for {}; add them or set default_offence_code",
                    missing.join(", ")
                )));
            }
        }
        Ok(NicheConfig {
            force_code: raw.force_code,
            offence_codes,
            default_offence_code: raw.default_offence_code,
            include_person_names: raw.include_person_names,
        })
    }

    /// The occurrence type code for a category.
    pub fn code_for(&self, category: Category) -> &str {
        self.offence_codes
            .get(&category)
            .or(self.default_offence_code.as_ref())
            .map(String::as_str)
            // from_json guarantees a default when the table is incomplete.
            .unwrap_or("UNMAPPED")
    }
}
