//! The nested lists of a report, each configured as an array of tables: `[[persons]]`,
//! `[[property]]`, `[[vehicles]]` and `[[media]]`. Each names the array (`list`,
//! relative to the report) and, relative to one element, where each field is.

use crate::pointer::{Pointer, RawPointers};
use bcgw_mapping::{PersonField, PropertyField, VehicleField, bad_config as bad, wording_key};
use bcgw_sdk::prelude::{AdapterError, MediaKind, PersonRole};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// A `[[persons]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPersonList {
    list: String,
    role: Option<RawPointers>,
    #[serde(default)]
    roles: BTreeMap<String, String>,
    default_role: Option<String>,
    name: Option<RawPointers>,
    aliases: Option<RawPointers>,
    description: Option<RawPointers>,
    gender: Option<RawPointers>,
    age: Option<RawPointers>,
}

/// A `[[property]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPropertyList {
    list: String,
    description: Option<RawPointers>,
    quantity: Option<RawPointers>,
    value: Option<RawPointers>,
    value_pence: Option<RawPointers>,
    recovered: Option<RawPointers>,
}

/// A `[[vehicles]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVehicleList {
    list: String,
    vrm: Option<RawPointers>,
    make: Option<RawPointers>,
    model: Option<RawPointers>,
    colour: Option<RawPointers>,
}

/// A `[[media]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMediaList {
    list: String,
    uri: RawPointers,
    sha256: Option<RawPointers>,
    kind: Option<MediaKind>,
}

/// A list of objects and, per field, where its values are in one element.
#[derive(Debug, Clone)]
pub struct ListMap<F> {
    /// Where the list is in a report.
    pub list: Pointer,
    /// Field and pointers relative to one element.
    pub fields: Vec<(F, Vec<Pointer>)>,
}

/// A checked `[[persons]]` table. A role of `None` drops the person.
#[derive(Debug, Clone)]
pub struct PersonList {
    /// The list and the person fields.
    pub map: ListMap<PersonField>,
    /// Where the role wording is in an element.
    pub role: Vec<Pointer>,
    /// Role wording (normalised with [`wording_key`]) to role.
    pub roles: HashMap<String, Option<PersonRole>>,
    /// The role when there is no wording, or wording not in `roles`.
    pub default_role: Option<PersonRole>,
}

/// A checked `[[media]]` table.
#[derive(Debug, Clone)]
pub struct MediaList {
    /// Where the list is in a report.
    pub list: Pointer,
    /// Where the URI is in an element.
    pub uri: Vec<Pointer>,
    /// Where the SHA-256 is in an element, if the source gives one.
    pub sha256: Vec<Pointer>,
    /// What kind of media every element is.
    pub kind: MediaKind,
}

/// Every nested list the mapping reads.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    /// `[[persons]]`.
    pub persons: Vec<PersonList>,
    /// `[[property]]`.
    pub property: Vec<ListMap<PropertyField>>,
    /// `[[vehicles]]`.
    pub vehicles: Vec<ListMap<VehicleField>>,
    /// `[[media]]`.
    pub media: Vec<MediaList>,
}

fn role(name: &str, key: &str) -> Result<Option<PersonRole>, AdapterError> {
    if name.trim().eq_ignore_ascii_case("ignore") {
        return Ok(None);
    }
    PersonRole::from_name(name).map(Some).ok_or_else(|| {
        bad(format!(
            "{key}: '{name}' is not a person role; use suspect, offender, victim, witness, reporter or ignore"
        ))
    })
}

fn list_map<F>(
    key: &str,
    list: &str,
    fields: Vec<(F, &str, Option<RawPointers>)>,
) -> Result<ListMap<F>, AdapterError> {
    let list = Pointer::parse(list, &format!("{key}.list"), false)?;
    let mut out = Vec::new();
    for (field, name, raw) in fields {
        if let Some(raw) = raw {
            out.push((field, raw.check(&format!("{key}.{name}"))?));
        }
    }
    if out.is_empty() {
        return Err(bad(format!(
            "{key}: map at least one field of the list's elements"
        )));
    }
    Ok(ListMap { list, fields: out })
}

impl Lists {
    /// Checks the lists as written; errors name the table (`persons[1].age`).
    pub fn check(
        persons: Vec<RawPersonList>,
        property: Vec<RawPropertyList>,
        vehicles: Vec<RawVehicleList>,
        media: Vec<RawMediaList>,
    ) -> Result<Lists, AdapterError> {
        let mut lists = Lists::default();
        for (i, p) in persons.into_iter().enumerate() {
            let key = format!("persons[{i}]");
            let mut roles = HashMap::new();
            for (wording, name) in &p.roles {
                let k = format!("{key}.roles.\"{wording}\"");
                roles.insert(wording_key(wording), role(name, &k)?);
            }
            let default_role = match &p.default_role {
                Some(name) => role(name, &format!("{key}.default_role"))?,
                // What staff describe is an allegation: suspect, until a court says so.
                None => Some(PersonRole::Suspect),
            };
            let role_pointers = match &p.role {
                Some(raw) => raw.check(&format!("{key}.role"))?,
                None => Vec::new(),
            };
            let map = list_map(
                &key,
                &p.list,
                vec![
                    (PersonField::Name, "name", p.name),
                    (PersonField::Aliases, "aliases", p.aliases),
                    (PersonField::Description, "description", p.description),
                    (PersonField::Gender, "gender", p.gender),
                    (PersonField::Age, "age", p.age),
                ],
            )?;
            lists.persons.push(PersonList {
                map,
                role: role_pointers,
                roles,
                default_role,
            });
        }
        for (i, p) in property.into_iter().enumerate() {
            lists.property.push(list_map(
                &format!("property[{i}]"),
                &p.list,
                vec![
                    (PropertyField::Description, "description", p.description),
                    (PropertyField::Quantity, "quantity", p.quantity),
                    (PropertyField::ValuePounds, "value", p.value),
                    (PropertyField::ValuePence, "value_pence", p.value_pence),
                    (PropertyField::Recovered, "recovered", p.recovered),
                ],
            )?);
        }
        for (i, v) in vehicles.into_iter().enumerate() {
            lists.vehicles.push(list_map(
                &format!("vehicles[{i}]"),
                &v.list,
                vec![
                    (VehicleField::Vrm, "vrm", v.vrm),
                    (VehicleField::Make, "make", v.make),
                    (VehicleField::Model, "model", v.model),
                    (VehicleField::Colour, "colour", v.colour),
                ],
            )?);
        }
        for (i, m) in media.into_iter().enumerate() {
            let key = format!("media[{i}]");
            lists.media.push(MediaList {
                list: Pointer::parse(&m.list, &format!("{key}.list"), false)?,
                uri: m.uri.check(&format!("{key}.uri"))?,
                sha256: match &m.sha256 {
                    Some(raw) => raw.check(&format!("{key}.sha256"))?,
                    None => Vec::new(),
                },
                kind: m.kind.unwrap_or(MediaKind::Cctv),
            });
        }
        Ok(lists)
    }

    /// Where the lists are: everything under them counts as mapped.
    pub fn pointers(&self) -> Vec<Pointer> {
        let persons = self.persons.iter().map(|p| &p.map.list);
        let property = self.property.iter().map(|p| &p.list);
        let vehicles = self.vehicles.iter().map(|v| &v.list);
        let media = self.media.iter().map(|m| &m.list);
        persons
            .chain(property)
            .chain(vehicles)
            .chain(media)
            .cloned()
            .collect()
    }
}
