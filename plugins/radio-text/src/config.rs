//! The configuration as written (JSON from the source's `plugin_config` table) and
//! its checked, compiled form, [`AlertParser`].

use crate::defaults::{DEFAULT_PATTERN, DEFAULT_SHORT_PATTERN};
use crate::register::KnownPremises;
use crate::tables;
use crate::town::TopicTemplate;
use crate::vocab::{FIELD_NAMES, Field};
use bcgw_sdk::plugin::{AdapterError, metadata_keys};
use bcgw_sdk::schema::Category;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Most compiled-program memory one configured regex may take. Patterns come from
/// config, not from payloads, but a careless `{1000}` repetition must fail at
/// `validate_config` rather than exhaust the sandbox's memory cap on every payload.
const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Longest accepted `future_tolerance_minutes`: past 12 hours "later than received"
/// no longer tells yesterday from today.
const MAX_TOLERANCE_MINUTES: u32 = 12 * 60;

/// One configured pattern.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternConfig {
    /// The regex (Rust `regex` syntax), with named groups such as `(?P<time>...)`.
    pub regex: String,
    /// A name for the pattern, kept in the report's `alert-pattern` extension.
    #[serde(default)]
    pub name: Option<String>,
    /// Group name -> vocabulary name, for groups not named after a vocabulary field.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// The text-parsing keys every radio plugin reads. Every key is optional: an empty
/// config reads the common `ALERT 14:03 ...` format.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    /// Patterns tried in order before the built-in readers; the first that matches wins.
    #[serde(default)]
    pub patterns: Vec<PatternConfig>,
    /// Whether the built-in readers (the vocabulary reader, checked against the
    /// built-in patterns) read what `patterns` do not (default true).
    #[serde(default)]
    pub default_patterns: Option<bool>,
    /// Names and on-air aliases of the scheme's member premises: the premises of a
    /// line is found by longest match against them.
    #[serde(default)]
    pub known_premises: Vec<String>,
    /// Extra or overriding abbreviations: token -> expansion.
    #[serde(default)]
    pub abbreviations: BTreeMap<String, String>,
    /// Extra or overriding offence words or phrases: words -> schema category name.
    #[serde(default)]
    pub offences: BTreeMap<String, String>,
    /// Metadata key holding the instant that dates the alert (default `received-at`).
    #[serde(default)]
    pub date_from: Option<String>,
    /// How far past the date source's local time an alert time may be and still be
    /// that day (default 60 minutes).
    #[serde(default)]
    pub future_tolerance_minutes: Option<u32>,
    /// Fixed town for every alert (a serial port's scheme).
    #[serde(default)]
    pub town: Option<String>,
    /// MQTT topic template with a `{town}` level, e.g. `shopnet/{town}/alerts`.
    #[serde(default)]
    pub town_from_topic: Option<String>,
    /// BCRP area or radio scheme name for `location.bcrp_area`.
    #[serde(default, alias = "scheme")]
    pub bcrp_area: Option<String>,
    /// Value of `report.source_system` (default `shopnet-radio`).
    #[serde(default)]
    pub source_system: Option<String>,
    /// Value of `event.business_crime` (default true).
    #[serde(default)]
    pub business_crime: Option<bool>,
}

/// A compiled pattern: the regex and what each capture group fills.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub name: String,
    pub regex: Regex,
    pub groups: Vec<(usize, Field)>,
}

/// A checked configuration, ready to parse alert text.
#[derive(Debug, Clone)]
pub struct AlertParser {
    pub(crate) patterns: Vec<Pattern>,
    pub(crate) builtin: Vec<Pattern>,
    pub(crate) vocabulary: bool,
    pub(crate) register: Option<KnownPremises>,
    pub(crate) offence_words: usize,
    pub(crate) abbreviations: HashMap<String, String>,
    pub(crate) offences: HashMap<String, Category>,
    pub(crate) date_from: String,
    pub(crate) tolerance: chrono::Duration,
    pub(crate) town: Option<String>,
    pub(crate) town_from_topic: Option<TopicTemplate>,
    pub(crate) bcrp_area: Option<String>,
    pub(crate) source_system: String,
    pub(crate) business_crime: bool,
}

pub(crate) fn bad(msg: impl Into<String>) -> AdapterError {
    AdapterError::BadConfig(msg.into())
}

/// How table keys (abbreviations, offence words) are compared: trimmed, upper case,
/// inner whitespace collapsed.
pub(crate) fn table_key(word: &str) -> String {
    word.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

fn compile(at: &str, p: &PatternConfig) -> Result<Pattern, AdapterError> {
    let regex = RegexBuilder::new(&p.regex)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| bad(format!("{at}.regex: {e}")))?;
    let names: Vec<&str> = regex.capture_names().flatten().collect();
    for group in p.fields.keys() {
        if !names.contains(&group.as_str()) {
            return Err(bad(format!(
                "{at}.fields: '{group}' is not a named group of the regex"
            )));
        }
    }
    let mut groups = Vec::new();
    for (i, name) in regex.capture_names().enumerate() {
        let Some(name) = name else { continue };
        let field = match p.fields.get(name) {
            Some(target) => Field::from_name(target).ok_or_else(|| {
                bad(format!(
                    "{at}.fields.{name}: '{target}' is not a field; use one of {FIELD_NAMES}"
                ))
            })?,
            None => Field::from_name(name).ok_or_else(|| {
                bad(format!(
                    "{at}.regex: group '{name}' is not a field name; rename it to one of \
                     {FIELD_NAMES}, or map it in {at}.fields"
                ))
            })?,
        };
        groups.push((i, field));
    }
    Ok(Pattern {
        name: p.name.clone().unwrap_or_else(|| at.to_string()),
        regex,
        groups,
    })
}

fn builtin(name: &str, regex: &str) -> PatternConfig {
    PatternConfig {
        regex: regex.into(),
        name: Some(name.into()),
        fields: BTreeMap::new(),
    }
}

fn optional_text(key: &str, value: Option<String>) -> Result<Option<String>, AdapterError> {
    match value.map(|v| v.trim().to_string()) {
        Some(v) if v.is_empty() => Err(bad(format!("{key}: is blank; leave it out instead"))),
        other => Ok(other),
    }
}

impl AlertParser {
    /// Parses and checks a JSON configuration holding only the text keys.
    pub fn from_json(json: &str) -> Result<AlertParser, AdapterError> {
        AlertParser::from_config(bcgw_sdk::plugin::parse_config(json)?)
    }

    /// Checks and compiles a configuration. Every error names the key.
    pub fn from_config(c: AlertConfig) -> Result<AlertParser, AdapterError> {
        let mut patterns = Vec::new();
        for (i, p) in c.patterns.iter().enumerate() {
            patterns.push(compile(&format!("patterns[{i}]"), p)?);
        }
        let vocabulary = c.default_patterns.unwrap_or(true);
        let mut builtins = Vec::new();
        if vocabulary {
            builtins.push(compile("default", &builtin("default", DEFAULT_PATTERN))?);
            let short = builtin("default-short", DEFAULT_SHORT_PATTERN);
            builtins.push(compile("default-short", &short)?);
        }
        if patterns.is_empty() && !vocabulary {
            return Err(bad(
                "patterns: give at least one pattern when default_patterns is false",
            ));
        }
        let abbreviations = tables::abbreviations(c.abbreviations)?;
        let (offences, offence_words) = tables::offences(c.offences)?;
        let register = tables::known_premises(&c.known_premises)?;
        let date_from = optional_text("date_from", c.date_from)?
            .unwrap_or_else(|| metadata_keys::RECEIVED_AT.to_string());
        let minutes = c.future_tolerance_minutes.unwrap_or(60);
        if minutes > MAX_TOLERANCE_MINUTES {
            return Err(bad(format!(
                "future_tolerance_minutes: at most {MAX_TOLERANCE_MINUTES} (12 hours)"
            )));
        }
        let town_from_topic = match optional_text("town_from_topic", c.town_from_topic)? {
            Some(t) => Some(
                TopicTemplate::parse(&t).map_err(|why| bad(format!("town_from_topic: {why}")))?,
            ),
            None => None,
        };
        let source_system = c.source_system.unwrap_or_else(|| "shopnet-radio".into());
        if source_system.is_empty()
            || source_system.len() > 64
            || !source_system
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            return Err(bad(
                "source_system: must be 1-64 lower-case letters, digits and '-'",
            ));
        }
        Ok(AlertParser {
            patterns,
            builtin: builtins,
            vocabulary,
            register,
            offence_words,
            abbreviations,
            offences,
            date_from,
            tolerance: chrono::Duration::minutes(i64::from(minutes)),
            town: optional_text("town", c.town)?,
            town_from_topic,
            bcrp_area: optional_text("bcrp_area", c.bcrp_area)?,
            source_system,
            business_crime: c.business_crime.unwrap_or(true),
        })
    }
}

/// A radio plugin's configuration as parsed: the table of its keys, split by
/// [`split_config`] into the plugin's own and the shared text keys.
pub type ConfigTable = serde_json::Map<String, serde_json::Value>;

/// Splits a parsed configuration into a plugin's own keys (`own`, deserialized into
/// `T`) and the shared text keys, so both keep refusing unknown keys.
pub fn split_config<T: serde::de::DeserializeOwned>(
    table: ConfigTable,
    own: &[&str],
) -> Result<(T, AlertParser), AdapterError> {
    let mut text_keys = table;
    let mut own_keys = serde_json::Map::new();
    for key in own {
        if let Some(v) = text_keys.remove(*key) {
            own_keys.insert((*key).to_string(), v);
        }
    }
    let mine: T = serde_json::from_value(serde_json::Value::Object(own_keys))
        .map_err(|e| bad(e.to_string()))?;
    let text: AlertConfig = serde_json::from_value(serde_json::Value::Object(text_keys))
        .map_err(|e| bad(e.to_string()))?;
    Ok((mine, AlertParser::from_config(text)?))
}
