//! From one alert's text to a common-schema report.

use crate::config::{AlertParser, table_key};
use crate::values::{expand, parse_age, parse_gender, parse_time};
use crate::vocab::Field;
use crate::when::alert_instant;
use bcgw_sdk::plugin::{AdapterError, Payload, metadata_keys};
use bcgw_sdk::schema::{
    Category, Person, PersonRole, Report, ReportKind, Vehicle, normalise_postcode,
};
use chrono::{DateTime, Utc};

/// What a payload as a whole says about its alerts: when it arrived, what dates
/// them, and where they come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// When the gateway received the payload (metadata `received-at`).
    pub received_at: DateTime<Utc>,
    /// The instant that dates the alerts (metadata named by `date_from`).
    pub dated_by: DateTime<Utc>,
    /// The town from the topic or config, if any.
    pub town: Option<String>,
    /// Payload metadata worth keeping on every report (`mqtt-topic`, `serial-port`).
    pub extensions: Vec<(String, String)>,
}

fn instant(payload: &Payload, key: &str) -> Result<DateTime<Utc>, AdapterError> {
    let value = payload.metadata(key).ok_or_else(|| {
        AdapterError::MissingField(format!(
            "metadata {key} (the date source, date_from) is not set on this payload"
        ))
    })?;
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            AdapterError::invalid_field(format!("metadata {key}"), "not an RFC 3339 date-time")
        })
}

fn invalid(field: Field, reason: &str) -> AdapterError {
    AdapterError::invalid_field(field.name(), reason)
}

impl AlertParser {
    /// Reads what the payload's metadata says about all its alerts. An error here
    /// fails the whole payload: without a date no alert can be placed in time.
    pub fn receipt(&self, payload: &Payload) -> Result<Receipt, AdapterError> {
        let dated_by = instant(payload, &self.date_from)?;
        let received_at = instant(payload, metadata_keys::RECEIVED_AT).unwrap_or(dated_by);
        let topic = payload.metadata(metadata_keys::MQTT_TOPIC);
        let town = match &self.town_from_topic {
            Some(template) => match topic.and_then(|t| template.town(t)) {
                Some(town) => Some(town.to_string()),
                None if self.town.is_some() => self.town.clone(),
                None => {
                    return Err(AdapterError::invalid_field(
                        "metadata mqtt-topic",
                        "missing or does not match town_from_topic; fix the template or set town as a fallback",
                    ));
                }
            },
            None => self.town.clone(),
        };
        let mut extensions = Vec::new();
        for key in [metadata_keys::MQTT_TOPIC, metadata_keys::SERIAL_PORT] {
            if let Some(v) = payload.metadata(key).filter(|v| !v.trim().is_empty()) {
                extensions.push((key.to_string(), v.to_string()));
            }
        }
        Ok(Receipt {
            received_at,
            dated_by,
            town,
            extensions,
        })
    }

    /// Parses one alert's text into a report. `extensions` (e.g. radio ids from a
    /// frame) are appended to the report's. Line breaks inside the text count as spaces.
    pub fn parse(
        &self,
        receipt: &Receipt,
        text: &str,
        extensions: Vec<(String, String)>,
    ) -> Result<Report, AdapterError> {
        let text = text.replace(['\r', '\n'], " ");
        let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        let reading = self.read(text)?;
        let get = |f: Field| reading.values.get(&f).map(String::as_str);
        let mut r = Report {
            source_system: self.source_system.clone(),
            source_record_id: get(Field::Id).map(str::to_string),
            ..Report::default()
        };
        let e = &mut r.event;
        e.kind = ReportKind::Alert;
        e.business_crime = self.business_crime;
        e.reported_at = Some(receipt.received_at);
        e.occurred_from = Some(match get(Field::Time) {
            Some(t) => {
                let time = parse_time(t).map_err(|why| invalid(Field::Time, why))?;
                alert_instant(time, receipt.dated_by, self.tolerance)
            }
            None => receipt.dated_by,
        });
        if let Some(word) = get(Field::Offence) {
            e.category = reading
                .category
                .or_else(|| self.offences.get(&table_key(word)).copied())
                .unwrap_or(Category::Other);
            e.category_raw = Some(word.to_string());
        }
        e.narrative = get(Field::Narrative).map(|n| expand(n, &self.abbreviations));

        let l = &mut r.location;
        l.premises_name = get(Field::Premises).map(str::to_string);
        l.store_id = get(Field::StoreId).map(str::to_string);
        l.town = get(Field::Town)
            .map(str::to_string)
            .or_else(|| receipt.town.clone());
        l.bcrp_area = self.bcrp_area.clone();
        if let Some(pc) = get(Field::Postcode) {
            l.postcode = Some(
                normalise_postcode(pc)
                    .ok_or_else(|| invalid(Field::Postcode, "not a UK postcode"))?,
            );
        }

        let (gender, age, description) =
            (get(Field::Gender), get(Field::Age), get(Field::Description));
        if gender.is_some() || age.is_some() || description.is_some() {
            let mut p = Person::with_role(PersonRole::Suspect);
            if let Some(g) = gender {
                p.gender = parse_gender(g).map_err(|why| invalid(Field::Gender, why))?;
            }
            if let Some(a) = age {
                p.age_range = Some(parse_age(a).map_err(|why| invalid(Field::Age, why))?);
            }
            p.description = description.map(|d| expand(d, &self.abbreviations));
            r.persons.push(p);
        }
        if let Some(vrm) = get(Field::Vrm) {
            let vrm: String = vrm
                .split_whitespace()
                .collect::<String>()
                .to_ascii_uppercase();
            if vrm.len() > 8 || !vrm.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(Field::Vrm, "not a vehicle registration mark"));
            }
            r.vehicles.push(Vehicle {
                vrm: Some(vrm),
                ..Vehicle::default()
            });
        }

        r.extensions.extend(receipt.extensions.iter().cloned());
        r.extensions
            .push(("alert-pattern".into(), reading.name.clone()));
        if let Some(known) = reading.known {
            let how = if known { "known" } else { "unlisted" };
            r.extensions.push(("premises-match".into(), how.into()));
        }
        if let Some(who) = get(Field::Reporter) {
            r.extensions
                .push(("radio-reporter".into(), who.to_string()));
        }
        r.extensions.extend(extensions);
        Ok(r)
    }
}
