//! The common schema, version 1: what every adapter translates its channel into.
//!
//! It follows POLE (Person, Object, Location, Event). Each type mirrors a record of
//! the same name in `sdk/wit/schema.wit`; the JSON form (serde) is what the gateway
//! stores and what `bcgw plugin test` prints.

mod event;
mod location;
mod objects;
mod offence;
mod person;
mod premises;
mod validate;

pub use event::{Category, Event, ReportKind};
pub use location::{Coordinates, Location, normalise_postcode};
pub use objects::{Evidence, MediaKind, MediaReference, Property, Vehicle};
pub use offence::classify_offence;
pub use person::{AgeRange, FactOrAssessment, Gender, Person, PersonRole};
pub use premises::{MemberDetails, MemberRef, PremisesResolution, ResolutionMethod};
pub use validate::{SchemaViolation, validate_report};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The schema version this crate implements, as stored in [`Envelope::schema_version`].
pub const SCHEMA_VERSION: &str = "1";

/// One report as an adapter produces it: the schema without the envelope the host adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The system the report came from, e.g. `disc`, `auror`, `retailer-csv`, `shopnet-radio`.
    pub source_system: String,
    /// The source's own id for this report, if it has one. The host derives the stable
    /// record id from it; without one, from a hash of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_record_id: Option<String>,
    /// What happened.
    pub event: Event,
    /// Where.
    #[serde(default)]
    pub location: Location,
    /// Who.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persons: Vec<Person>,
    /// Property involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property: Vec<Property>,
    /// Vehicles involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vehicles: Vec<Vehicle>,
    /// Evidence the source holds.
    #[serde(default)]
    pub evidence: Evidence,
    /// Source fields with no home in the schema yet, in source order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<(String, String)>,
}

impl Report {
    /// The value of an extension, if the adapter set it (the first, if several).
    pub fn extension(&self, key: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What the host adds to a report once it has taken it in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Stable id: the same report from the same source always gets the same id.
    pub record_id: String,
    /// The configured source name, e.g. `disc-bristol`.
    pub source: String,
    /// When the gateway received the raw payload.
    pub received_at: DateTime<Utc>,
    /// SHA-256 of the raw payload the report came from, hex.
    pub raw_sha256: String,
    /// The schema version, [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// The information sharing agreement the data flows under, if configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isa: Option<String>,
    /// The adapter that translated it, as `name@version`.
    pub plugin: String,
    /// Which member premises the report is about, matched by the host against
    /// the member registers (none when no register is configured). Host-only:
    /// plugins never see this field (renderers get it as `member-*` extensions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premises: Option<PremisesResolution>,
}

/// A report with its envelope: what is stored, linked and delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    /// What the host added.
    pub envelope: Envelope,
    /// What the adapter produced.
    pub report: Report,
}
