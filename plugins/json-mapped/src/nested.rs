//! Filling a report's persons, property, vehicles and media from its nested lists.
//!
//! A list that is missing or `null` has no elements; a single object stands for a
//! list of one. An element that is not an object rejects the report, naming the
//! element's pointer. An element with nothing mapped in it adds nothing.

use crate::lists::{ListMap, Lists, PersonList};
use crate::pointer::Pointer;
use crate::value::lookup;
use bcgw_mapping::objects::{apply_person, apply_property, apply_vehicle, media_reference};
use bcgw_mapping::{PersonField, PropertyField, wording_key};
use bcgw_sdk::prelude::*;
use serde_json::Value;

fn elements<'v>(item: &'v Value, list: &Pointer) -> Result<Vec<(String, &'v Value)>, AdapterError> {
    match list.get(item) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_null())
            .map(|(i, v)| {
                let name = format!("{list}/{i}");
                if v.is_object() {
                    Ok((name, v))
                } else {
                    Err(AdapterError::invalid_field(name, "is not a JSON object"))
                }
            })
            .collect(),
        Some(v @ Value::Object(_)) => Ok(vec![(list.to_string(), v)]),
        Some(_) => Err(AdapterError::invalid_field(
            list.as_str(),
            "is not a list of objects",
        )),
    }
}

/// Adds every element of every configured list to `report`.
pub fn apply(lists: &Lists, item: &Value, report: &mut Report) -> Result<(), AdapterError> {
    for list in &lists.persons {
        for (base, element) in elements(item, &list.map.list)? {
            if let Some(p) = person(list, element, &base, &mut report.extensions)? {
                report.persons.push(p);
            }
        }
    }
    for list in &lists.property {
        for (base, element) in elements(item, &list.list)? {
            let mut p = Property::default();
            fill(
                list,
                element,
                &base,
                Some(PropertyField::Description),
                |f, name, v| apply_property(&mut p, f, name, v),
            )?;
            if p != Property::default() {
                report.property.push(p);
            }
        }
    }
    for list in &lists.vehicles {
        for (base, element) in elements(item, &list.list)? {
            let mut v = Vehicle::default();
            // No vehicle field takes several values.
            fill(list, element, &base, None, |f, name, value| {
                apply_vehicle(&mut v, f, name, value)
            })?;
            if v != Vehicle::default() {
                report.vehicles.push(v);
            }
        }
    }
    for list in &lists.media {
        for (base, element) in elements(item, &list.list)? {
            let uri = lookup(element, &list.uri, false, &base)?;
            let Some((_, uri)) = uri.first() else {
                continue; // nothing to point at
            };
            let sha = lookup(element, &list.sha256, false, &base)?;
            let sha_text = sha.first().map(|(name, s)| (name.as_str(), s.text()));
            let reference = media_reference(
                list.kind,
                &uri.text(),
                sha_text.as_ref().map(|(name, s)| (*name, s.as_ref())),
            )?;
            report.evidence.media.push(reference);
        }
    }
    Ok(())
}

/// Applies every field of one element with `set`; `collecting` is the one field that
/// takes every value (a description), if any.
fn fill<F: Copy + PartialEq>(
    list: &ListMap<F>,
    element: &Value,
    base: &str,
    collecting: Option<F>,
    mut set: impl FnMut(F, &str, &str) -> Result<(), AdapterError>,
) -> Result<(), AdapterError> {
    for (field, pointers) in &list.fields {
        let collects = collecting == Some(*field);
        for (name, value) in lookup(element, pointers, collects, base)? {
            set(*field, &name, &value.text())?;
        }
    }
    Ok(())
}

/// One person from one element, or `None` when the role says to drop it or nothing
/// but the role is known.
fn person(
    list: &PersonList,
    element: &Value,
    base: &str,
    extensions: &mut Vec<(String, String)>,
) -> Result<Option<Person>, AdapterError> {
    let wording = lookup(element, &list.role, false, base)?;
    let role = match wording.first() {
        Some((_, w)) => {
            let w = w.text();
            match list.roles.get(&wording_key(&w)) {
                Some(choice) => *choice,
                None => PersonRole::from_name(&w).or(list.default_role),
            }
        }
        None => list.default_role,
    };
    let Some(role) = role else {
        return Ok(None);
    };
    let mut p = Person::with_role(role);
    for (field, pointers) in &list.map.fields {
        let collects = matches!(field, PersonField::Description | PersonField::Aliases);
        for (name, value) in lookup(element, pointers, collects, base)? {
            apply_person(&mut p, *field, &name, &value.text(), extensions);
        }
    }
    Ok((p != Person::with_role(role)).then_some(p))
}
