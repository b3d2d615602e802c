//! Filling one person, property item or vehicle from one value.

use crate::target::{PersonField, PropertyField, VehicleField};
use crate::values;
use bcgw_sdk::prelude::*;

fn invalid(field: &str, reason: impl Into<String>) -> AdapterError {
    AdapterError::invalid_field(field, reason)
}

/// Appends `value` to an optional text, after `separator` if there is text already.
pub fn append(slot: &mut Option<String>, value: &str, separator: &str) {
    match slot {
        Some(existing) => {
            existing.push_str(separator);
            existing.push_str(value);
        }
        None => *slot = Some(value.to_string()),
    }
}

/// Sets one field of a person. `name` is the column or pointer the value came from:
/// age wording that cannot be parsed is kept in `extensions` under it, since age
/// wording is descriptive and not worth losing the report over.
pub fn apply_person(
    p: &mut Person,
    field: PersonField,
    name: &str,
    value: &str,
    extensions: &mut Vec<(String, String)>,
) {
    match field {
        PersonField::Name => p.name = Some(value.into()),
        PersonField::Description => append(&mut p.description, value, "; "),
        PersonField::Gender => p.gender = values::parse_gender(value),
        PersonField::Age => match values::parse_age(value) {
            Ok((min, max)) => p.age_range = Some(AgeRange { min, max }),
            Err(_) => extensions.push((name.to_string(), value.into())),
        },
        PersonField::Aliases => p.aliases.push(value.into()),
    }
}

/// Sets one field of a property item. Errors name `name`, never the value.
pub fn apply_property(
    p: &mut Property,
    field: PropertyField,
    name: &str,
    value: &str,
) -> Result<(), AdapterError> {
    match field {
        PropertyField::Description => append(&mut p.description, value, "; "),
        PropertyField::ValuePounds => {
            p.value_pence = Some(values::parse_pounds(value).map_err(|r| invalid(name, r))?)
        }
        PropertyField::ValuePence => {
            p.value_pence = Some(values::parse_pence(value).map_err(|r| invalid(name, r))?)
        }
        PropertyField::Quantity => {
            p.quantity = Some(values::parse_count(value).map_err(|r| invalid(name, r))?)
        }
        PropertyField::Recovered => {
            p.recovered = Some(values::parse_yes_no(value).map_err(|r| invalid(name, r))?)
        }
    }
    Ok(())
}

/// Sets one field of a vehicle; a registration mark is upper-cased without spaces.
/// Errors name `name`, never the value.
pub fn apply_vehicle(
    v: &mut Vehicle,
    field: VehicleField,
    name: &str,
    value: &str,
) -> Result<(), AdapterError> {
    match field {
        VehicleField::Vrm => {
            let vrm: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| c.to_ascii_uppercase())
                .collect();
            if vrm.is_empty() || vrm.len() > 8 || !vrm.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(name, "not a vehicle registration mark"));
            }
            v.vrm = Some(vrm);
        }
        VehicleField::Make => v.make = Some(value.into()),
        VehicleField::Model => v.model = Some(value.into()),
        VehicleField::Colour => v.colour = Some(value.into()),
    }
    Ok(())
}

/// A media reference; a SHA-256 must be 64 hex digits (kept lower-case).
pub fn media_reference(
    kind: MediaKind,
    uri: &str,
    sha256: Option<(&str, &str)>,
) -> Result<MediaReference, AdapterError> {
    let sha256 = match sha256 {
        Some((name, hash)) => {
            let hash = hash.trim();
            if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid(name, "not a SHA-256 (64 hex digits)"));
            }
            Some(hash.to_ascii_lowercase())
        }
        None => None,
    };
    Ok(MediaReference {
        kind,
        uri: uri.into(),
        sha256,
    })
}
