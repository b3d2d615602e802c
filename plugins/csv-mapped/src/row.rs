//! Building one report from one CSV row.

use crate::config::Mapping;
use bcgw_mapping::{ReportBuilder, Target};
use bcgw_sdk::prelude::*;
use std::borrow::Cow;

/// One column of the file: its header text and where its values go.
#[derive(Debug, Clone)]
pub struct Slot {
    /// The header text as in the file (trimmed).
    pub name: String,
    /// Where values go; `None` for a column the mapping does not mention.
    pub target: Option<Target>,
    /// Whether every row must have a value here.
    pub required: bool,
}

/// Builds a report from a row's decoded fields (one per slot; missing trailing
/// fields are empty). Errors name the column and never repeat the value.
pub fn build_report(
    m: &Mapping,
    slots: &[Slot],
    fields: &[Cow<'_, str>],
) -> Result<Report, AdapterError> {
    let mut report = ReportBuilder::new(&m.common);
    for (i, slot) in slots.iter().enumerate() {
        let value = fields.get(i).map_or("", |v| trim(v));
        if value.is_empty() {
            if slot.required {
                return Err(AdapterError::MissingField(slot.name.clone()));
            }
            continue;
        }
        match &slot.target {
            Some(target) => report.apply(target, &slot.name, value)?,
            None if m.keep_unmapped => report
                .report_mut()
                .extensions
                .push((slot.name.clone(), value.into())),
            None => {}
        }
    }
    report.finish()
}

/// `value.trim()`, returning at once when `value` starts and ends with a visible
/// ASCII character, as most values do, which no Unicode whitespace is.
fn trim(value: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    let bytes = value.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        value
    } else {
        value.trim()
    }
}
