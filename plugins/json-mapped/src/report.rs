//! One report from one JSON object: the `fields` table, the nested lists, and with
//! `keep_unmapped` every other value as an extension.

use crate::config::Mapping;
use crate::nested;
use crate::pointer::{Pointer, escape};
use crate::value::{self, lookup, scalars};
use bcgw_mapping::{ReportBuilder, Target};
use bcgw_sdk::prelude::*;
use serde_json::Value;

/// Longest extension key the schema accepts.
const MAX_EXTENSION_KEY: usize = 128;

/// Builds the report in `item`; `name` is the item's pointer in its body, for the
/// error when it is not an object. Other errors name the pointer relative to the
/// report (as the config writes it), never the value.
pub fn build(m: &Mapping, item: &Value, name: &str) -> Result<Report, AdapterError> {
    if !item.is_object() {
        let name = if name.is_empty() { "(the body)" } else { name };
        return Err(AdapterError::invalid_field(name, "is not a JSON object"));
    }
    let mut report = ReportBuilder::new(&m.common);
    for field in &m.fields {
        if field.target == Target::Ignore {
            continue; // listed only so keep_unmapped leaves it out; may be anything
        }
        let values = lookup(item, &field.pointers, field.target.collects(), "")?;
        if values.is_empty() && field.required {
            let at: Vec<&str> = field.pointers.iter().map(Pointer::as_str).collect();
            return Err(AdapterError::MissingField(format!(
                "{} ({})",
                field.key,
                at.join(" or ")
            )));
        }
        for (pointer, v) in values {
            value::apply(&mut report, &field.target, &pointer, v)?;
        }
    }
    nested::apply(&m.lists, item, report.report_mut())?;
    if m.keep_unmapped {
        let mut at = String::new();
        unmapped(item, &mut at, &m.used, &mut report.report_mut().extensions);
    }
    report.finish()
}

/// Keeps every value no pointer of the mapping reads, under its pointer.
fn unmapped(v: &Value, at: &mut String, used: &[Pointer], out: &mut Vec<(String, String)>) {
    if used.iter().any(|p| p.covers(at)) {
        return;
    }
    let len = at.len();
    match v {
        Value::Object(map) => {
            for (key, child) in map {
                at.push('/');
                at.push_str(&escape(key));
                unmapped(child, at, used, out);
                at.truncate(len);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, child) in items.iter().enumerate() {
                at.push_str(&format!("/{i}"));
                unmapped(child, at, used, out);
                at.truncate(len);
            }
        }
        leaf => {
            if at.len() <= MAX_EXTENSION_KEY
                && let Ok(values) = scalars(leaf)
            {
                for s in values {
                    out.push((at.clone(), s.text().into_owned()));
                }
            }
        }
    }
}
