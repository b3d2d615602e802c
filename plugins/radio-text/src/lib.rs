//! `bcgw-radio-text`: the no-code parser for ShopNet / BCRP radio alert text, shared
//! by the `shopnet-text`, `mototrbo-tms` and `hytera-tms` adapter plugins.
//!
//! An alert such as `ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: took
//! razors, made off twd Cabot` — or `14:03 - BOOTS BROADMEAD - SL IN PROGRESS - M 30S
//! BLU JKT` — is read by vocabulary: the time, offence phrases, movements and person
//! descriptors are found by what their words are, wherever they stand, and the
//! premises is what is left (or the longest of the scheme's `known_premises`). A line
//! it cannot read with confidence is rejected with the reason. Configured regexes
//! with named groups are tried first, as an override. Shorthand is expanded, the
//! offence is mapped to a schema category, and the time of day is dated from the
//! payload's metadata with the midnight rule. See `plugins/radio-text/README.md`.
//!
//! ```
//! use bcgw_radio_text::AlertParser;
//! let parser = AlertParser::from_json(r#"{"town": "Bristol"}"#).unwrap();
//! # let _ = parser;
//! ```

mod config;
mod defaults;
pub mod lexicon;
mod read;
mod register;
mod report;
mod tables;
mod town;
pub mod utf16;
mod values;
mod vocab;
mod when;

pub use config::{AlertConfig, AlertParser, ConfigTable, PatternConfig, split_config};
pub use defaults::{
    ABBREVIATIONS, DEFAULT_PATTERN, DEFAULT_SHORT_PATTERN, OFFENCE_PHRASES, OFFENCES,
};
pub use read::VOCABULARY;
pub use report::Receipt;
pub use town::TopicTemplate;
pub use vocab::{FIELD_NAMES, Field};
pub use when::alert_instant;

use bcgw_sdk::plugin::{AdapterError, ConfigKey, Payload, RejectedItem, Translation};

/// Translates a payload of alert lines (LF or CRLF; blank lines skipped), one report
/// per line. Item index is the 0-based line index. A line that matches no pattern
/// is rejected; the other lines still translate.
pub fn translate_lines(
    parser: &AlertParser,
    payload: &Payload,
) -> Result<Translation, AdapterError> {
    let text = std::str::from_utf8(&payload.bytes)
        .map_err(|_| AdapterError::Malformed("the payload is not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let receipt = parser.receipt(payload)?;
    let mut out = Translation::default();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        match parser.parse(&receipt, line, Vec::new()) {
            Ok(report) => out.reports.push(report),
            Err(error) => out.rejects.push(RejectedItem {
                index,
                line: Some(index.saturating_add(1)),
                error,
            }),
        }
    }
    Ok(out)
}

/// Translates decoded items, one report each: an item is an alert's text with the
/// extensions its frame adds, or why its frame cannot be used, under the item's
/// index (its frame's position in the payload). The frame plugins hand their
/// frames over this way; frames that carry no alert (acknowledgements) are left
/// out by the caller, so the indices need not be consecutive.
pub fn translate_items(
    parser: &AlertParser,
    receipt: &Receipt,
    items: impl IntoIterator<Item = (usize, Result<(String, Vec<(String, String)>), AdapterError>)>,
) -> Translation {
    let mut out = Translation::default();
    for (i, item) in items {
        let result = item.and_then(|(text, extensions)| parser.parse(receipt, &text, extensions));
        match result {
            Ok(report) => out.reports.push(report),
            Err(error) => out.rejects.push(RejectedItem {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                line: None,
                error,
            }),
        }
    }
    out
}

/// An optional config key, for a plugin's `describe()`.
pub fn optional_key(name: &str, description: &str) -> ConfigKey {
    ConfigKey {
        name: name.into(),
        description: description.into(),
        required: false,
    }
}

/// The text keys every radio plugin reads, for its `describe()`.
pub fn config_keys() -> Vec<ConfigKey> {
    vec![
        optional_key(
            "patterns",
            "list of { regex, name?, fields? }: regexes with named groups tried before the vocabulary reader; the first match wins",
        ),
        optional_key(
            "default_patterns",
            "read what `patterns` do not by vocabulary, checked against the built-in ALERT patterns (default true)",
        ),
        optional_key(
            "known_premises",
            "list of the scheme's premises names and on-air aliases: the premises is found by longest match; extension premises-match says known or unlisted",
        ),
        optional_key(
            "abbreviations",
            "table: shorthand token -> expansion, added to the built-in list",
        ),
        optional_key(
            "offences",
            "table: offence word or phrase -> schema category, added to the built-in lists",
        ),
        optional_key(
            "date_from",
            "metadata key with the RFC 3339 instant that dates alerts (default received-at)",
        ),
        optional_key(
            "future_tolerance_minutes",
            "minutes an alert time may lie after the date source and still be that day (default 60)",
        ),
        optional_key(
            "town",
            "town for every alert, or the fallback for town_from_topic",
        ),
        optional_key(
            "town_from_topic",
            "MQTT topic template with a {town} level, e.g. shopnet/{town}/alerts (+ and # allowed)",
        ),
        optional_key(
            "bcrp_area",
            "BCRP area or radio scheme for location.bcrp_area (alias scheme)",
        ),
        optional_key(
            "source_system",
            "value of report.source_system (default shopnet-radio)",
        ),
        optional_key(
            "business_crime",
            "value of event.business_crime (default true)",
        ),
    ]
}

#[cfg(test)]
mod tests;
