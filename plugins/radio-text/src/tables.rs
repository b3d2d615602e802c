//! The tables a configuration adds to the built-in ones: abbreviations, offences,
//! known premises. Every error names the key.

use crate::config::{bad, table_key};
use crate::defaults::{ABBREVIATIONS, OFFENCE_PHRASES, OFFENCES};
use crate::register::KnownPremises;
use bcgw_sdk::plugin::AdapterError;
use bcgw_sdk::schema::Category;
use std::collections::{BTreeMap, HashMap};

/// Most words in one offence phrase: bounds the phrase lookups per word of a line.
const MAX_OFFENCE_WORDS: usize = 6;

/// The built-in abbreviations with the configured ones added (one word each).
pub(crate) fn abbreviations(
    configured: BTreeMap<String, String>,
) -> Result<HashMap<String, String>, AdapterError> {
    let mut abbreviations: HashMap<String, String> = ABBREVIATIONS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (token, expansion) in configured {
        if token.split_whitespace().count() != 1 {
            return Err(bad(format!(
                "abbreviations.\"{token}\": must be one word without spaces"
            )));
        }
        abbreviations.insert(table_key(&token), expansion);
    }
    Ok(abbreviations)
}

/// The built-in offence words and phrases with the configured ones added (they
/// win), and the most words in any of them.
pub(crate) fn offences(
    configured: BTreeMap<String, String>,
) -> Result<(HashMap<String, Category>, usize), AdapterError> {
    let mut offences: HashMap<String, Category> = OFFENCES
        .iter()
        .chain(OFFENCE_PHRASES)
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    for (word, name) in configured {
        let words = word.split_whitespace().count();
        if words == 0 || words > MAX_OFFENCE_WORDS {
            return Err(bad(format!(
                "offences.\"{word}\": give 1 to {MAX_OFFENCE_WORDS} words"
            )));
        }
        let category = Category::from_schema_name(&name).ok_or_else(|| {
            let all: Vec<_> = Category::ALL.iter().map(|c| c.as_str()).collect();
            bad(format!(
                "offences.\"{word}\": '{name}' is not a schema category; use one of {}",
                all.join(", ")
            ))
        })?;
        offences.insert(table_key(&word), category);
    }
    let longest = offences
        .keys()
        .map(|k| k.split(' ').count())
        .max()
        .unwrap_or(1);
    Ok((offences, longest))
}

/// The compiled `known_premises`, `None` when the key is absent or empty.
pub(crate) fn known_premises(names: &[String]) -> Result<Option<KnownPremises>, AdapterError> {
    if names.is_empty() {
        return Ok(None);
    }
    KnownPremises::new(names)
        .map(Some)
        .map_err(|why| bad(format!("known_premises{why}")))
}
