//! `niche-xml`: renders a bcgw incident as a Niche import submission (XML).
//!
//! Niche RMS has no public import format and every force's integration differs, so
//! the element names here follow the bcgw import profile (`urn:bcgw:niche-import:1`)
//! and everything force-specific — the force code and the occurrence type code for
//! each schema category — comes from configuration. A force with a different
//! import layout writes its own renderer against the same WIT world.

mod config;
mod xml;

pub use config::{NicheConfig, RawConfig};

use bcgw_sdk::prelude::*;
use xml::XmlWriter;

/// The renderer.
pub struct NicheXml;

/// The XML namespace of the submission.
pub const NAMESPACE: &str = "urn:bcgw:niche-import:1";

fn key(name: &str, description: &str, required: bool) -> ConfigKey {
    ConfigKey {
        name: name.into(),
        description: description.into(),
        required,
    }
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The report that leads the incident: the first crime report, else the first.
fn lead(incident: &Incident) -> Option<&SourceRecord> {
    incident
        .reports
        .iter()
        .find(|r| r.report.event.kind == ReportKind::CrimeReport)
        .or_else(|| incident.reports.first())
}

fn role_code(role: PersonRole) -> &'static str {
    match role {
        PersonRole::Suspect => "SUSPECT",
        PersonRole::Offender => "OFFENDER",
        PersonRole::Victim => "VICTIM",
        PersonRole::Witness => "WITNESS",
        PersonRole::Reporter => "REPORTER",
    }
}

fn write_location(w: &mut XmlWriter, l: &Location) {
    w.open("Location", &[]);
    w.opt("PremisesName", l.premises_name.as_deref());
    w.opt("StoreId", l.store_id.as_deref());
    for line in &l.address_lines {
        w.text("AddressLine", line);
    }
    w.opt("Town", l.town.as_deref());
    w.opt("Postcode", l.postcode.as_deref());
    w.opt("Uprn", l.uprn.map(|u| u.to_string()).as_deref());
    if let Some(xy) = l.coordinates {
        w.empty(
            "Coordinates",
            &[("lat", &xy.lat.to_string()), ("lon", &xy.lon.to_string())],
        );
    }
    w.opt("BcrpArea", l.bcrp_area.as_deref());
    w.close("Location");
}

fn write_person(w: &mut XmlWriter, p: &Person, names: bool, from: &str) {
    let fa = match p.fact_or_assessment {
        FactOrAssessment::Fact => "FACT",
        FactOrAssessment::Assessment => "ASSESSMENT",
    };
    w.open(
        "Person",
        &[
            ("role", role_code(p.role)),
            ("basis", fa),
            ("fromRecord", from),
        ],
    );
    if names {
        w.opt("Name", p.name.as_deref());
    }
    let gender = p.gender.map(|g| match g {
        Gender::Male => "M",
        Gender::Female => "F",
        Gender::Other => "O",
    });
    w.opt("Gender", gender);
    if let Some(age) = p.age_range {
        w.opt("AgeFrom", age.min.map(|a| a.to_string()).as_deref());
        w.opt("AgeTo", age.max.map(|a| a.to_string()).as_deref());
    }
    w.opt("Description", p.description.as_deref());
    w.close("Person");
}

/// The register member the incident happened at, as the host resolved it
/// (`member-*` extensions, see the gateway's renderer host): from the report
/// most surely resolved, the first of equals.
fn write_member(w: &mut XmlWriter, incident: &Incident) {
    let confidence = |r: &SourceRecord| {
        r.report
            .extension("member-confidence")
            .and_then(|c| c.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let Some(r) = incident
        .reports
        .iter()
        .filter(|r| r.report.extension("member-ref").is_some())
        .fold(None::<&SourceRecord>, |best, r| match best {
            Some(b) if confidence(b) >= confidence(r) => Some(b),
            _ => Some(r),
        })
    else {
        return;
    };
    let ext = |k: &str| r.report.extension(k).unwrap_or("");
    w.open(
        "RegisteredPremises",
        &[
            ("memberRef", ext("member-ref")),
            ("scheme", ext("member-scheme")),
            ("resolvedBy", ext("member-resolved-by")),
            ("confidence", ext("member-confidence")),
            ("fromRecord", &r.envelope.record_id),
        ],
    );
    w.opt("Name", r.report.extension("member-name"));
    for line in ext("member-address").split("; ").filter(|l| !l.is_empty()) {
        w.text("AddressLine", line);
    }
    w.opt("Town", r.report.extension("member-town"));
    w.opt("Postcode", r.report.extension("member-postcode"));
    w.close("RegisteredPremises");
}

/// Renders the incident; `config` is checked already.
pub fn render_xml(incident: &Incident, config: &NicheConfig) -> Result<String, AdapterError> {
    let lead = lead(incident)
        .ok_or_else(|| AdapterError::MissingField("reports (the incident has none)".into()))?;
    let e = &lead.report.event;
    let mut w = XmlWriter::new();
    w.open(
        "NicheSubmission",
        &[("xmlns", NAMESPACE), ("schemaVersion", "1")],
    );
    w.text("Force", &config.force_code);
    w.text("IncidentId", &incident.incident_id);
    w.text("OccurrenceType", config.code_for(e.category));
    w.text("Category", e.category.as_str());
    w.text(
        "BusinessCrime",
        if e.business_crime { "true" } else { "false" },
    );
    // The incident spans the earliest start and latest end any report gives.
    let from = incident
        .reports
        .iter()
        .filter_map(|r| r.report.event.occurred_from)
        .min();
    let to = incident
        .reports
        .iter()
        .filter_map(|r| r.report.event.occurred_to)
        .max();
    w.opt("OccurredFrom", from.map(rfc3339).as_deref());
    w.opt("OccurredTo", to.map(rfc3339).as_deref());
    w.opt("PoliceReference", e.police_reference.as_deref());
    let injured = incident
        .reports
        .iter()
        .filter_map(|r| r.report.event.staff_injured)
        .reduce(|a, b| a || b);
    w.opt(
        "StaffInjured",
        injured.map(|b| if b { "true" } else { "false" }),
    );
    write_location(&mut w, &lead.report.location);
    write_member(&mut w, incident);
    w.open("Accounts", &[]);
    for r in &incident.reports {
        if let Some(n) = &r.report.event.narrative {
            w.open("Account", &[("fromRecord", &r.envelope.record_id)]);
            w.text("Text", n);
            w.close("Account");
        }
    }
    w.close("Accounts");
    w.open("Persons", &[]);
    for r in &incident.reports {
        for p in &r.report.persons {
            write_person(
                &mut w,
                p,
                config.include_person_names,
                &r.envelope.record_id,
            );
        }
    }
    w.close("Persons");
    w.open("Property", &[]);
    for r in &incident.reports {
        for p in &r.report.property {
            w.open("Item", &[("fromRecord", &r.envelope.record_id)]);
            w.opt("Description", p.description.as_deref());
            w.opt("Quantity", p.quantity.map(|q| q.to_string()).as_deref());
            w.opt(
                "ValuePence",
                p.value_pence.map(|v| v.to_string()).as_deref(),
            );
            w.opt(
                "Recovered",
                p.recovered.map(|b| if b { "true" } else { "false" }),
            );
            w.close("Item");
        }
        for v in &r.report.vehicles {
            w.open("Vehicle", &[("fromRecord", &r.envelope.record_id)]);
            w.opt("Vrm", v.vrm.as_deref());
            w.opt("Make", v.make.as_deref());
            w.opt("Model", v.model.as_deref());
            w.opt("Colour", v.colour.as_deref());
            w.close("Vehicle");
        }
    }
    w.close("Property");
    w.open("Evidence", &[]);
    for r in &incident.reports {
        for m in &r.report.evidence.media {
            let kind = match m.kind {
                MediaKind::Cctv => "CCTV",
                MediaKind::Image => "IMAGE",
                MediaKind::BodyWornVideo => "BWV",
                MediaKind::Other => "OTHER",
            };
            w.empty(
                "Media",
                &[
                    ("kind", kind),
                    ("uri", &m.uri),
                    ("sha256", m.sha256.as_deref().unwrap_or("")),
                ],
            );
        }
    }
    w.close("Evidence");
    w.open("SourceReports", &[]);
    for r in &incident.reports {
        let env = &r.envelope;
        w.empty(
            "SourceReport",
            &[
                ("recordId", &env.record_id),
                ("source", &env.source),
                ("system", &r.report.source_system),
                (
                    "sourceRecordId",
                    r.report.source_record_id.as_deref().unwrap_or(""),
                ),
                ("receivedAt", &rfc3339(env.received_at)),
                ("plugin", &env.plugin),
                ("isa", env.isa.as_deref().unwrap_or("")),
            ],
        );
    }
    w.close("SourceReports");
    w.close("NicheSubmission");
    Ok(w.finish())
}

impl Renderer for NicheXml {
    type Config = RawConfig;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "niche-xml".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "Renders an incident as a Niche import submission (XML, urn:bcgw:niche-import:1)."
                    .into(),
            systems: vec!["niche".into()],
            content_types: vec!["application/xml".into()],
            config_keys: vec![
                key(
                    "force_code",
                    "the force's identifier in Niche, e.g. AS",
                    true,
                ),
                key(
                    "offence_codes",
                    "table: schema category -> the force's occurrence type code",
                    false,
                ),
                key(
                    "default_offence_code",
                    "code for categories not in offence_codes (required unless every category is mapped)",
                    false,
                ),
                key(
                    "include_person_names",
                    "render person names (only where the sharing agreement allows; default false)",
                    false,
                ),
            ],
        }
    }

    fn check_config(config: RawConfig) -> Result<(), AdapterError> {
        NicheConfig::from_raw(config).map(|_| ())
    }

    fn render(incident: Incident, config: RawConfig) -> Result<Submission, AdapterError> {
        let config = NicheConfig::from_raw(config)?;
        Ok(Submission {
            content_type: "application/xml".into(),
            body: render_xml(&incident, &config)?.into_bytes(),
        })
    }
}

bcgw_sdk::export_renderer!(NicheXml);

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> String {
        serde_json::json!({
            "force_code": "AS",
            "offence_codes": {"theft-from-shop": "THEFT-SHOP"},
            "default_offence_code": "OTHER-BC"
        })
        .to_string()
    }

    fn record(id: &str, narrative: &str) -> SourceRecord {
        let mut report = Report {
            source_system: "retailer-csv".into(),
            source_record_id: Some("NG-1".into()),
            ..Report::default()
        };
        report.event.category = Category::TheftFromShop;
        report.event.narrative = Some(narrative.into());
        let mut p = Person::with_role(PersonRole::Suspect);
        p.name = Some("Jo Bloggs".into());
        report.persons.push(p);
        SourceRecord {
            envelope: Envelope {
                record_id: id.into(),
                source: "northgate".into(),
                received_at: "2026-11-03T14:10:00Z".parse().unwrap(),
                raw_sha256: "0".repeat(64),
                schema_version: "1".into(),
                isa: Some("ISA-7".into()),
                plugin: "csv-mapped@0.1.0".into(),
                premises: None,
            },
            report,
        }
    }

    #[test]
    fn renders_codes_escaped_text_and_withholds_names_by_default() {
        let incident = Incident {
            incident_id: "inc-1".into(),
            reports: vec![record("rec-1", "Took <razors> & ran")],
        };
        let sub = bcgw_sdk::plugin::render_with_config::<NicheXml>(incident, &config()).unwrap();
        let xml = String::from_utf8(sub.body).unwrap();
        assert!(
            xml.contains("<OccurrenceType>THEFT-SHOP</OccurrenceType>"),
            "{xml}"
        );
        assert!(xml.contains("<IncidentId>inc-1</IncidentId>"));
        assert!(xml.contains("<Text>Took &lt;razors&gt; &amp; ran</Text>"));
        assert!(!xml.contains("Jo Bloggs"));
        assert!(xml.contains("isa=\"ISA-7\""));
    }

    #[test]
    fn the_register_member_most_surely_resolved_is_the_registered_premises() {
        let mut weak = record("rec-1", "radio");
        weak.report.extensions.extend([
            ("member-ref".to_string(), "bristol/BS-9".to_string()),
            ("member-name".into(), "Tesco Express, Park Street".into()),
            ("member-confidence".into(), "0.60".into()),
        ]);
        let mut sure = record("rec-2", "bcrp");
        sure.report.extensions.extend([
            ("member-ref".to_string(), "bristol/BS-1".to_string()),
            ("member-name".into(), "Tesco Express, Broadmead".into()),
            ("member-address".into(), "12 Broadmead; Unit 4".into()),
            ("member-town".into(), "Bristol".into()),
            ("member-postcode".into(), "BS1 3HX".into()),
            ("member-scheme".into(), "bristol".into()),
            ("member-resolved-by".into(), "bcrp-id".into()),
            ("member-confidence".into(), "1.00".into()),
        ]);
        let incident = Incident {
            incident_id: "inc-1".into(),
            reports: vec![weak, sure],
        };
        let sub = bcgw_sdk::plugin::render_with_config::<NicheXml>(incident, &config()).unwrap();
        let xml = String::from_utf8(sub.body).unwrap();
        assert!(
            xml.contains(r#"<RegisteredPremises memberRef="bristol/BS-1" scheme="bristol" resolvedBy="bcrp-id" confidence="1.00" fromRecord="rec-2">"#),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<AddressLine>12 Broadmead</AddressLine>\n    <AddressLine>Unit 4</AddressLine>"
            ),
            "{xml}"
        );
        assert!(xml.contains("<Postcode>BS1 3HX</Postcode>"), "{xml}");
        assert!(!xml.contains("BS-9"), "{xml}");
    }

    #[test]
    fn config_errors_name_the_key() {
        let err = bcgw_sdk::plugin::validate_renderer_config::<NicheXml>(
            r#"{"force_code":"AS","offence_codes":{"theft-from-shop":"THEFT-SHOP"}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("default_offence_code"), "{err}");
        let err = bcgw_sdk::plugin::validate_renderer_config::<NicheXml>(r#"{"force_code":"as"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("force_code"), "{err}");
    }
}
