//! Validation of submissions against the bcgw Niche import profile
//! (`urn:bcgw:niche-import:1`), written independently of the gateway's renderer.

use quick_xml::Reader;
use quick_xml::events::Event;

/// What the simulator reads from a valid submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submission {
    /// `Force`.
    pub force: String,
    /// `IncidentId`.
    pub incident_id: String,
    /// `OccurrenceType`.
    pub occurrence_type: String,
    /// Number of `SourceReport` elements.
    pub source_reports: usize,
}

const NAMESPACE: &str = "urn:bcgw:niche-import:1";

/// Checks the XML and returns what it holds, or every problem found.
pub fn validate(body: &[u8]) -> Result<Submission, Vec<String>> {
    let mut reader = Reader::from_reader(body);
    let mut problems = Vec::new();
    let mut sub = Submission::default();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut buf = Vec::new();
    let mut root_seen = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                // With content (`<SourceReport ...>...</SourceReport>`) it is a source
                // report as much as the empty form the gateway writes.
                if name == "SourceReport" {
                    sub.source_reports += 1;
                }
                if stack.is_empty() {
                    root_seen = true;
                    if name != "NicheSubmission" {
                        problems.push(format!("root element is {name}, expected NicheSubmission"));
                    }
                    let ns = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == b"xmlns")
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                    if ns.as_deref() != Some(NAMESPACE) {
                        problems.push(format!("namespace is {ns:?}, expected {NAMESPACE}"));
                    }
                }
                stack.push(name);
                text.clear();
            }
            Ok(Event::Empty(e)) => {
                if e.name().as_ref() == b"SourceReport" {
                    sub.source_reports += 1;
                }
            }
            Ok(Event::Text(t)) => {
                text.push_str(&String::from_utf8_lossy(t.as_ref()));
            }
            Ok(Event::GeneralRef(r)) => {
                // Entities such as &amp; arrive separately; their content is not needed.
                let _ = r;
            }
            Ok(Event::End(_)) => {
                let name = stack.pop().unwrap_or_default();
                if stack.len() == 1 {
                    let value = text.trim().to_string();
                    match name.as_str() {
                        "Force" => sub.force = value,
                        "IncidentId" => sub.incident_id = value,
                        "OccurrenceType" => sub.occurrence_type = value,
                        "OccurredFrom" | "OccurredTo"
                            if chrono::DateTime::parse_from_rfc3339(&value).is_err() =>
                        {
                            problems.push(format!("{name} is not an RFC 3339 time"));
                        }
                        _ => {}
                    }
                }
                text.clear();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                problems.push(format!(
                    "not well-formed XML at byte {}: {e}",
                    reader.buffer_position()
                ));
                return Err(problems);
            }
        }
        buf.clear();
    }
    if !root_seen {
        problems.push("no root element".into());
    }
    if !stack.is_empty() {
        problems.push("unclosed elements at end of document".into());
    }
    if sub.force.is_empty() {
        problems.push("Force is missing".into());
    }
    if sub.incident_id.is_empty() {
        problems.push("IncidentId is missing".into());
    }
    let code_ok = |c: &str| {
        !c.is_empty()
            && c.len() <= 32
            && c.chars()
                .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '-' || ch == '/')
    };
    if !code_ok(&sub.occurrence_type) {
        problems.push("OccurrenceType is missing or not a code (A-Z, 0-9, '-', '/')".into());
    }
    if sub.source_reports == 0 {
        problems.push("no SourceReport: every occurrence must say where it came from".into());
    }
    if problems.is_empty() {
        Ok(sub)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<NicheSubmission xmlns="urn:bcgw:niche-import:1" schemaVersion="1">
  <Force>AS</Force>
  <IncidentId>rec-1</IncidentId>
  <OccurrenceType>THEFT-SHOP</OccurrenceType>
  <OccurredFrom>2026-11-03T14:05:00Z</OccurredFrom>
  <Accounts><Account fromRecord="rec-1"><Text>a &amp; b</Text></Account></Accounts>
  <SourceReports><SourceReport recordId="rec-1"/></SourceReports>
</NicheSubmission>"#;

    #[test]
    fn a_good_submission_validates() {
        let s = validate(GOOD.as_bytes()).unwrap();
        assert_eq!(
            (
                s.force.as_str(),
                s.incident_id.as_str(),
                s.occurrence_type.as_str(),
                s.source_reports
            ),
            ("AS", "rec-1", "THEFT-SHOP", 1)
        );
    }

    #[test]
    fn problems_are_all_reported() {
        let bad = GOOD
            .replace("<Force>AS</Force>", "")
            .replace("THEFT-SHOP", "theft")
            .replace("2026-11-03T14:05:00Z", "yesterday");
        let p = validate(bad.as_bytes()).unwrap_err();
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(validate(b"<NicheSubmission><unclosed>").is_err());
        assert!(validate(b"not xml at all").is_err());
    }

    #[test]
    fn source_reports_are_counted_with_or_without_content() {
        let two = GOOD.replace(
            "</SourceReports>",
            r#"<SourceReport recordId="rec-2"><Note>x</Note></SourceReport></SourceReports>"#,
        );
        assert_eq!(validate(two.as_bytes()).unwrap().source_reports, 2);
    }
}
