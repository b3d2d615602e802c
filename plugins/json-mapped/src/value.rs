//! What a pointer finds: JSON strings, numbers and booleans are values; `null`, an
//! empty string and a missing key are "no value"; a list holds several values.

use crate::pointer::Pointer;
use bcgw_mapping::{ReportBuilder, Target, When, when::parse_epoch};
use bcgw_sdk::prelude::AdapterError;
use serde_json::{Number, Value};
use std::borrow::Cow;

/// One value found in a report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'v> {
    /// A string, trimmed, never empty.
    Text(&'v str),
    /// A number: a Unix time for a date field, otherwise read as its decimal text.
    Number(&'v Number),
    /// `true` or `false`.
    Bool(bool),
}

impl Scalar<'_> {
    /// The value as text: `12.5`, `true`, or the string itself.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Scalar::Text(s) => Cow::Borrowed(s),
            Scalar::Number(n) => Cow::Owned(n.to_string()),
            Scalar::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }
}

fn scalar(v: &Value) -> Result<Option<Scalar<'_>>, &'static str> {
    Ok(match v {
        Value::Null => None,
        Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(Scalar::Text),
        Value::Number(n) => Some(Scalar::Number(n)),
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Array(_) | Value::Object(_) => {
            return Err("holds objects or lists; point at a value inside them");
        }
    })
}

/// The values at one place: none, one, or each item of a list of values.
pub fn scalars(v: &Value) -> Result<Vec<Scalar<'_>>, &'static str> {
    match v {
        Value::Array(items) => items.iter().filter_map(|i| scalar(i).transpose()).collect(),
        Value::Object(_) => Err("is an object; point at a value inside it"),
        other => Ok(scalar(other)?.into_iter().collect()),
    }
}

/// The values `pointers` find in `item`, each with the name errors use (`base`
/// followed by the pointer). A field that `collects` takes every value in pointer
/// order; any other takes the first pointer that has a value, and a list there is
/// an error.
pub fn lookup<'v>(
    item: &'v Value,
    pointers: &[Pointer],
    collects: bool,
    base: &str,
) -> Result<Vec<(String, Scalar<'v>)>, AdapterError> {
    let mut found = Vec::new();
    for p in pointers {
        let Some(v) = p.get(item) else { continue };
        let name = format!("{base}{p}");
        let values = scalars(v).map_err(|why| AdapterError::invalid_field(&name, why))?;
        if values.is_empty() {
            continue;
        }
        if !collects {
            if values.len() > 1 {
                return Err(AdapterError::invalid_field(
                    name,
                    "holds a list of values; this field takes one",
                ));
            }
            return Ok(vec![(name, values[0])]);
        }
        found.extend(values.into_iter().map(|s| (name.clone(), s)));
    }
    Ok(found)
}

/// Applies one value to a report: a number for a date field is a Unix time (seconds,
/// or milliseconds from 10^11), anything else goes through the shared parsers.
pub fn apply(
    report: &mut ReportBuilder<'_>,
    target: &Target,
    name: &str,
    value: Scalar<'_>,
) -> Result<(), AdapterError> {
    match value {
        Scalar::Number(n) if target.is_date() => {
            let at = n
                .as_f64()
                .ok_or("not a Unix time")
                .map_err(|r| AdapterError::invalid_field(name, r))
                .and_then(|n| parse_epoch(n).map_err(|r| AdapterError::invalid_field(name, r)))?;
            report.apply_when(target, name, When::Instant(at))
        }
        other => report.apply(target, name, &other.text()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_of_every_json_kind() {
        let doc = json!({"s": " x ", "e": "", "n": 12.5, "b": true, "z": null,
                         "l": ["a", null, "", "b"], "o": {"k": 1}, "lo": [{"k": 1}]});
        let texts = |v: &Value| -> Vec<String> {
            scalars(v)
                .unwrap()
                .iter()
                .map(|s| s.text().into_owned())
                .collect()
        };
        assert_eq!(texts(&doc["s"]), ["x"]);
        assert!(texts(&doc["e"]).is_empty() && texts(&doc["z"]).is_empty());
        assert_eq!(texts(&doc["n"]), ["12.5"]);
        assert_eq!(texts(&doc["b"]), ["true"]);
        assert_eq!(texts(&doc["l"]), ["a", "b"]);
        assert!(scalars(&doc["o"]).is_err() && scalars(&doc["lo"]).is_err());
    }

    #[test]
    fn first_pointer_with_a_value_wins_unless_the_field_collects() {
        let doc = json!({"a": null, "b": "B", "c": "C"});
        let ps: Vec<Pointer> = ["/a", "/b", "/c"]
            .iter()
            .map(|p| Pointer::parse(p, "k", false).unwrap())
            .collect();
        let one = lookup(&doc, &ps, false, "").unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0, "/b");
        assert_eq!(lookup(&doc, &ps, true, "").unwrap().len(), 2);
        let list = json!({"a": ["x", "y"]});
        let e = lookup(&list, &ps[..1], false, "/p/0").unwrap_err();
        assert!(e.to_string().contains("/p/0/a"), "{e}");
    }
}
