//! The fixed vocabulary of named groups a pattern may capture, and where each goes.

/// A schema field a named regex group fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Time of day, `14:03`, `1403` or `14.03`: with the date source, `event.occurred_from`.
    Time,
    /// An id the line carries: `source_record_id`.
    Id,
    /// Premises name: `location.premises_name`.
    Premises,
    /// Store number or BCRP member id: `location.store_id`.
    StoreId,
    /// Town: `location.town` (overrides `town` and `town_from_topic`).
    Town,
    /// Postcode: `location.postcode`, normalised.
    Postcode,
    /// Suspect's gender (`M`, `F`, `MALE`...).
    Gender,
    /// Suspect's age (`30S`, `20-30`, `40+`, `TEENS`).
    Age,
    /// Suspect's description, abbreviations expanded.
    Description,
    /// Offence word, looked up in the `offences` table: `event.category` (+ `category_raw`).
    Offence,
    /// Free text: `event.narrative`, abbreviations expanded.
    Narrative,
    /// Vehicle registration mark: `vehicles[0].vrm`.
    Vrm,
    /// Who sent the alert (call sign or store code): extension `radio-reporter`.
    Reporter,
    /// Captured but not used.
    Ignore,
}

/// Every vocabulary name, for error messages and documentation.
pub const FIELD_NAMES: &str = "time, id, premises, store_id, town, postcode, gender, age, \
     description, offence, narrative, vrm, reporter, ignore";

impl Field {
    /// The field a vocabulary name stands for, ignoring case.
    pub fn from_name(name: &str) -> Option<Field> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "time" => Field::Time,
            "id" | "source_record_id" => Field::Id,
            "premises" | "premises_name" => Field::Premises,
            "store_id" => Field::StoreId,
            "town" => Field::Town,
            "postcode" => Field::Postcode,
            "gender" => Field::Gender,
            "age" => Field::Age,
            "description" => Field::Description,
            "offence" => Field::Offence,
            "narrative" => Field::Narrative,
            "vrm" => Field::Vrm,
            "reporter" => Field::Reporter,
            "ignore" => Field::Ignore,
            _ => return None,
        })
    }

    /// The name used in error messages: the vocabulary name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Time => "time",
            Field::Id => "id",
            Field::Premises => "premises",
            Field::StoreId => "store_id",
            Field::Town => "town",
            Field::Postcode => "postcode",
            Field::Gender => "gender",
            Field::Age => "age",
            Field::Description => "description",
            Field::Offence => "offence",
            Field::Narrative => "narrative",
            Field::Vrm => "vrm",
            Field::Reporter => "reporter",
            Field::Ignore => "ignore",
        }
    }
}
