//! From a payload to report items: one JSON body, or NDJSON (one body per line).
//!
//! A body is one report, a list of reports, or (with `reports`) holds them at a
//! pointer. Each item becomes a report or a reject with its index in the payload
//! (and its line, for NDJSON), so one bad item never costs the others.

use crate::config::Mapping;
use crate::report;
use bcgw_sdk::prelude::*;
use serde_json::Value;

/// Collects reports and rejects, numbering items across the payload.
#[derive(Default)]
struct Items {
    out: Translation,
    index: u32,
}

impl Items {
    fn push(&mut self, line: Option<u32>, result: Result<Report, AdapterError>) {
        match result {
            Ok(r) => self.out.reports.push(r),
            Err(error) => self.out.rejects.push(RejectedItem {
                index: self.index,
                line,
                error,
            }),
        }
        self.index = self.index.saturating_add(1);
    }

    /// Every report item of one body.
    fn body(&mut self, m: &Mapping, body: &Value, line: Option<u32>) -> Result<(), AdapterError> {
        let reports = match &m.reports {
            None => body,
            Some(p) => p.get(body).ok_or_else(|| {
                AdapterError::MissingField(format!("{p} (the reports pointer) is not in the body"))
            })?,
        };
        let at = m.reports.as_ref().map_or("", |p| p.as_str());
        match reports {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let result = report::build(m, item, &format!("{at}/{i}"));
                    self.push(line, result);
                }
            }
            Value::Object(_) => {
                let result = report::build(m, reports, at);
                self.push(line, result);
            }
            _ if m.reports.is_none() => {
                let result = report::build(m, reports, at);
                self.push(line, result);
            }
            other => {
                return Err(AdapterError::Malformed(format!(
                    "the reports pointer {at} leads to {}, not a list of reports",
                    kind(other)
                )));
            }
        }
        Ok(())
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// serde_json's message with the position inside the line only ("at column 5"):
/// the line number is the reject's own. The message never includes the text.
fn syntax(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let what = message
        .rfind(" at line ")
        .map_or(message.as_str(), |at| &message[..at]);
    format!("{what} at column {}", e.column())
}

/// Translates one JSON body. It fails as a whole only when it is not JSON, or the
/// `reports` pointer is missing or leads to something other than reports.
pub fn translate_json(m: &Mapping, bytes: &[u8]) -> Result<Translation, AdapterError> {
    let body: Value = serde_json::from_slice(strip_bom(bytes))
        .map_err(|e| AdapterError::Malformed(format!("the body is not JSON: {e}")))?;
    let mut items = Items::default();
    items.body(m, &body, None)?;
    Ok(items.out)
}

/// Translates NDJSON: each non-blank line is a body. A line that is not JSON, or
/// whose body has no reports, is one reject with its line number; the payload fails
/// only when no line at all is JSON.
pub fn translate_ndjson(m: &Mapping, bytes: &[u8]) -> Result<Translation, AdapterError> {
    let mut items = Items::default();
    let (mut lines, mut parsed) = (0usize, 0usize);
    for (n, raw) in strip_bom(bytes).split(|b| *b == b'\n').enumerate() {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        lines += 1;
        let line = u32::try_from(n + 1).ok();
        match serde_json::from_slice::<Value>(raw) {
            Ok(body) => {
                parsed += 1;
                if let Err(e) = items.body(m, &body, line) {
                    items.push(line, Err(e));
                }
            }
            Err(e) => items.push(
                line,
                Err(AdapterError::Malformed(format!(
                    "line is not JSON ({})",
                    syntax(&e)
                ))),
            ),
        }
    }
    if lines > 0 && parsed == 0 {
        return Err(AdapterError::Malformed(
            "no line of the NDJSON body is JSON".into(),
        ));
    }
    Ok(items.out)
}
