//! One report's acknowledgement: the topic, from a template, and the JSON body.
//! No personal data: ids, the reference and a status only.

use crate::common::mqtt::topic::name_problem;
use bcgw_sdk::schema::SourceRecord;
use serde::Serialize;

/// The placeholders a topic template may use.
const PLACEHOLDERS: [&str; 4] = ["town", "bcrp_area", "source", "source_system"];

/// A parsed topic template, e.g. `shopnet/{town}/acks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(&'static str),
}

/// Lower-case letters and digits, anything else `-`: a value safe in a topic level.
fn slug(value: &str) -> String {
    let mut out = String::new();
    for c in value.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

impl TopicTemplate {
    /// Parses a template; the error says what is wrong.
    pub fn parse(template: &str) -> Result<TopicTemplate, String> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("{template:?}: '{{' without '}}'"))?;
            let name = &rest[open + 1..open + close];
            let field = PLACEHOLDERS.iter().find(|p| **p == name).ok_or_else(|| {
                format!(
                    "{template:?}: unknown placeholder {{{name}}}; the placeholders are {}",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                )
            })?;
            parts.push(Part::Field(field));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        let t = TopicTemplate { parts };
        let sample = t.render_with(|_| Some("x".into()))?;
        if let Some(why) = name_problem(&sample) {
            return Err(format!("{template:?}: {why}"));
        }
        Ok(t)
    }

    fn render_with(&self, value: impl Fn(&str) -> Option<String>) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Field(f) => {
                    let v = value(f)
                        .map(|v| slug(&v))
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| format!("the report has no {f} for the topic template"))?;
                    out.push_str(&v);
                }
            }
        }
        Ok(out)
    }

    /// The topic for one report; an error names the placeholder it has no value for.
    pub fn render(&self, record: &SourceRecord) -> Result<String, String> {
        self.render_with(|field| match field {
            "town" => record.report.location.town.clone(),
            "bcrp_area" => record.report.location.bcrp_area.clone(),
            "source" => Some(record.envelope.source.clone()),
            "source_system" => Some(record.report.source_system.clone()),
            _ => None,
        })
    }
}

/// The body published for one report.
#[derive(Debug, Serialize)]
pub struct AckBody<'a> {
    /// The report's id in the source system, when it has one (radio alerts often
    /// do not; then `record_id` identifies it).
    pub source_record_id: Option<&'a str>,
    /// The gateway's record id.
    pub record_id: &'a str,
    /// The Niche occurrence reference, once known.
    pub occurrence_reference: Option<&'a str>,
    /// `recorded` (with a reference) or `received` (police have it; no reference).
    pub status: &'static str,
}

impl<'a> AckBody<'a> {
    /// The acknowledgement of `record`, with the upstream sink's reference.
    pub fn of(record: &'a SourceRecord, reference: Option<&'a str>) -> AckBody<'a> {
        AckBody {
            source_record_id: record.report.source_record_id.as_deref(),
            record_id: &record.envelope.record_id,
            occurrence_reference: reference,
            status: if reference.is_some() {
                "recorded"
            } else {
                "received"
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_from_the_report() {
        let t = TopicTemplate::parse("shopnet/{town}/acks").unwrap();
        let mut r = SourceRecord {
            envelope: bcgw_sdk::schema::Envelope {
                record_id: "rec-1".into(),
                source: "radio".into(),
                received_at: chrono::Utc::now(),
                raw_sha256: String::new(),
                schema_version: "1".into(),
                isa: None,
                plugin: "p@1".into(),
                premises: None,
            },
            report: Default::default(),
        };
        r.report.location.town = Some("Weston-super-Mare ".into());
        assert_eq!(t.render(&r).unwrap(), "shopnet/weston-super-mare/acks");
        r.report.location.town = None;
        assert!(t.render(&r).unwrap_err().contains("no town"));
        assert!(
            TopicTemplate::parse("a/{nope}")
                .unwrap_err()
                .contains("unknown placeholder")
        );
        assert!(TopicTemplate::parse("a/+/b").is_err());
        assert!(TopicTemplate::parse("a/{town").is_err());
    }
}
