//! Where a mapped value goes in the common schema: the target names both mapping
//! plugins accept (`premises_name`, `suspect.description`, `property.value`...).

use bcgw_sdk::prelude::PersonRole;

/// A field of a person a value can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonField {
    /// The person's name (only if the sharing agreement allows it).
    Name,
    /// Physical description and clothing.
    Description,
    /// Gender wording (`M`, `female`...).
    Gender,
    /// Age wording (`30s`, `25-30`, `approx 40`, `teen`).
    Age,
    /// Another name they are known by; each value is one alias.
    Aliases,
}

/// A field of a property item a value can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyField {
    /// What was taken or damaged.
    Description,
    /// Value in pounds (`£12.50`, `1,234`).
    ValuePounds,
    /// Value in pence (`1250`).
    ValuePence,
    /// Number of items.
    Quantity,
    /// Whether it was recovered (yes/no).
    Recovered,
}

/// A field of a vehicle a value can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VehicleField {
    /// Registration mark.
    Vrm,
    /// Make.
    Make,
    /// Model.
    Model,
    /// Colour.
    Colour,
}

/// Where a value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The source's own id for the report.
    SourceRecordId,
    /// Date, or date and time, it happened (start of the range).
    OccurredAt,
    /// Date it happened, combined with [`Target::OccurredTime`] if mapped.
    OccurredDate,
    /// Time of day it happened, combined with [`Target::OccurredDate`].
    OccurredTime,
    /// Date and time it ended.
    OccurredTo,
    /// Date and time it was reported.
    ReportedAt,
    /// The source's category wording, looked up in the category table.
    Category,
    /// Free-text account.
    Narrative,
    /// Whether staff were injured (yes/no).
    StaffInjured,
    /// A police reference already known.
    PoliceReference,
    /// Premises trading name.
    PremisesName,
    /// Store number or BCRP member id.
    StoreId,
    /// An address line; several values append lines in order.
    AddressLine,
    /// Town.
    Town,
    /// Postcode (normalised).
    Postcode,
    /// Unique Property Reference Number.
    Uprn,
    /// Latitude (WGS84 degrees).
    Latitude,
    /// Longitude (WGS84 degrees).
    Longitude,
    /// BCRP area or scheme.
    BcrpArea,
    /// A field of the person with this role.
    Person(PersonRole, PersonField),
    /// A field of the property item.
    Property(PropertyField),
    /// A field of the vehicle.
    Vehicle(VehicleField),
    /// A CCTV reference (URI).
    Cctv,
    /// An image reference (URI).
    Image,
    /// Whether a witness statement was taken (yes/no).
    WitnessStatement,
    /// Kept as an extension under this key.
    Extension(String),
    /// Read but not kept (e.g. columns the sharing agreement excludes).
    Ignore,
}

/// Every target name accepted, for error messages and docs.
pub const TARGET_NAMES: &str = "source_record_id, occurred_at, occurred_date, occurred_time, \
occurred_to, reported_at, category, narrative, staff_injured, police_reference, premises_name, \
store_id, address_line, town, postcode, uprn, latitude, longitude, bcrp_area, \
<role>.name|description|gender|age|aliases (role: suspect, offender, victim, witness, reporter), \
property.description|value|value_pence|quantity|recovered, vehicle.vrm|make|model|colour, \
evidence.cctv, evidence.image, evidence.witness_statement, extension, extension:<key>, ignore";

impl Target {
    /// Parses a target name from config. `column` is the column (or pointer) it is
    /// mapped from, the key a bare `extension` target keeps the value under.
    pub fn parse(name: &str, column: &str) -> Option<Target> {
        let name = name.trim();
        let simple = match name {
            "source_record_id" => Target::SourceRecordId,
            "occurred_at" | "occurred_from" => Target::OccurredAt,
            "occurred_date" => Target::OccurredDate,
            "occurred_time" => Target::OccurredTime,
            "occurred_to" => Target::OccurredTo,
            "reported_at" => Target::ReportedAt,
            "category" => Target::Category,
            "narrative" => Target::Narrative,
            "staff_injured" => Target::StaffInjured,
            "police_reference" => Target::PoliceReference,
            "premises_name" => Target::PremisesName,
            "store_id" => Target::StoreId,
            "address_line" => Target::AddressLine,
            "town" => Target::Town,
            "postcode" => Target::Postcode,
            "uprn" => Target::Uprn,
            "latitude" => Target::Latitude,
            "longitude" => Target::Longitude,
            "bcrp_area" => Target::BcrpArea,
            "evidence.cctv" => Target::Cctv,
            "evidence.image" => Target::Image,
            "evidence.witness_statement" => Target::WitnessStatement,
            "extension" => Target::Extension(column.trim().to_string()),
            "ignore" => Target::Ignore,
            _ => return Target::parse_compound(name),
        };
        Some(simple)
    }

    /// Whether values are dates or date-times (so a JSON number is a Unix time).
    pub fn is_date(&self) -> bool {
        matches!(
            self,
            Target::OccurredAt | Target::OccurredDate | Target::OccurredTo | Target::ReportedAt
        )
    }

    /// Whether every value is kept (address lines, narrative, descriptions, aliases,
    /// evidence, extensions) rather than one value filling the field.
    pub fn collects(&self) -> bool {
        matches!(
            self,
            Target::AddressLine
                | Target::Narrative
                | Target::Person(_, PersonField::Description | PersonField::Aliases)
                | Target::Property(PropertyField::Description)
                | Target::Cctv
                | Target::Image
                | Target::Extension(_)
                | Target::Ignore
        )
    }

    fn parse_compound(name: &str) -> Option<Target> {
        if let Some(key) = name.strip_prefix("extension:") {
            return (!key.trim().is_empty()).then(|| Target::Extension(key.trim().to_string()));
        }
        let (head, field) = name.split_once('.')?;
        match head {
            "property" => Some(Target::Property(match field {
                "description" => PropertyField::Description,
                "value" => PropertyField::ValuePounds,
                "value_pence" => PropertyField::ValuePence,
                "quantity" => PropertyField::Quantity,
                "recovered" => PropertyField::Recovered,
                _ => return None,
            })),
            "vehicle" => Some(Target::Vehicle(match field {
                "vrm" => VehicleField::Vrm,
                "make" => VehicleField::Make,
                "model" => VehicleField::Model,
                "colour" | "color" => VehicleField::Colour,
                _ => return None,
            })),
            role => {
                let role = PersonRole::from_name(role)?;
                let field = match field {
                    "name" => PersonField::Name,
                    "description" => PersonField::Description,
                    "gender" => PersonField::Gender,
                    "age" | "age_range" => PersonField::Age,
                    "aliases" | "alias" => PersonField::Aliases,
                    _ => return None,
                };
                Some(Target::Person(role, field))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(Target::parse("postcode", "PC"), Some(Target::Postcode));
        assert_eq!(
            Target::parse("suspect.description", "x"),
            Some(Target::Person(
                PersonRole::Suspect,
                PersonField::Description
            ))
        );
        assert_eq!(
            Target::parse("extension", " Till No "),
            Some(Target::Extension("Till No".into()))
        );
        assert_eq!(
            Target::parse("extension:till", "x"),
            Some(Target::Extension("till".into()))
        );
        assert_eq!(Target::parse("suspect.shoe_size", "x"), None);
        assert_eq!(Target::parse("nonsense", "x"), None);
    }
}
