//! The schema fields an information sharing agreement can allow, and the removal
//! of the ones it does not.
//!
//! Each optional field of the common schema has a path here (`persons.name`,
//! `location.postcode`, `extensions.<key>`). The fields every report needs to be
//! a report at all — its source system and id, the event's kind, category and
//! business-crime flag, each person's role and the fact/assessment marker, the
//! witness-statement flag — are structural, hold nothing about anyone, and are
//! always kept.

use super::special::is_special_category;
use bcgw_sdk::schema::Report;
use std::collections::BTreeSet;

/// One optional schema field: its path and how to take it out of a report.
struct Field {
    path: &'static str,
    /// Clears the field; returns how many values were there.
    clear: fn(&mut Report) -> usize,
}

fn take<T>(v: &mut Option<T>) -> usize {
    usize::from(v.take().is_some())
}

fn take_all<T>(v: &mut Vec<T>) -> usize {
    let n = v.len();
    v.clear();
    n
}

/// Every optional field, in schema order.
#[rustfmt::skip]
const FIELDS: &[Field] = &[
    Field { path: "event.occurred_from", clear: |r| take(&mut r.event.occurred_from) },
    Field { path: "event.occurred_to", clear: |r| take(&mut r.event.occurred_to) },
    Field { path: "event.reported_at", clear: |r| take(&mut r.event.reported_at) },
    Field { path: "event.category_raw", clear: |r| take(&mut r.event.category_raw) },
    Field { path: "event.narrative", clear: |r| take(&mut r.event.narrative) },
    Field { path: "event.staff_injured", clear: |r| take(&mut r.event.staff_injured) },
    Field { path: "event.police_reference", clear: |r| take(&mut r.event.police_reference) },
    Field { path: "location.premises_name", clear: |r| take(&mut r.location.premises_name) },
    Field { path: "location.store_id", clear: |r| take(&mut r.location.store_id) },
    Field { path: "location.address_lines", clear: |r| take_all(&mut r.location.address_lines) },
    Field { path: "location.town", clear: |r| take(&mut r.location.town) },
    Field { path: "location.postcode", clear: |r| take(&mut r.location.postcode) },
    Field { path: "location.uprn", clear: |r| take(&mut r.location.uprn) },
    Field { path: "location.coordinates", clear: |r| take(&mut r.location.coordinates) },
    Field { path: "location.bcrp_area", clear: |r| take(&mut r.location.bcrp_area) },
    Field { path: "persons.name", clear: |r| r.persons.iter_mut().map(|p| take(&mut p.name)).sum() },
    Field { path: "persons.aliases", clear: |r| r.persons.iter_mut().map(|p| take_all(&mut p.aliases)).sum() },
    Field { path: "persons.age_range", clear: |r| r.persons.iter_mut().map(|p| take(&mut p.age_range)).sum() },
    Field { path: "persons.gender", clear: |r| r.persons.iter_mut().map(|p| take(&mut p.gender)).sum() },
    Field { path: "persons.description", clear: |r| r.persons.iter_mut().map(|p| take(&mut p.description)).sum() },
    Field { path: "property.description", clear: |r| r.property.iter_mut().map(|p| take(&mut p.description)).sum() },
    Field { path: "property.quantity", clear: |r| r.property.iter_mut().map(|p| take(&mut p.quantity)).sum() },
    Field { path: "property.value_pence", clear: |r| r.property.iter_mut().map(|p| take(&mut p.value_pence)).sum() },
    Field { path: "property.recovered", clear: |r| r.property.iter_mut().map(|p| take(&mut p.recovered)).sum() },
    Field { path: "vehicles.vrm", clear: |r| r.vehicles.iter_mut().map(|v| take(&mut v.vrm)).sum() },
    Field { path: "vehicles.make", clear: |r| r.vehicles.iter_mut().map(|v| take(&mut v.make)).sum() },
    Field { path: "vehicles.model", clear: |r| r.vehicles.iter_mut().map(|v| take(&mut v.model)).sum() },
    Field { path: "vehicles.colour", clear: |r| r.vehicles.iter_mut().map(|v| take(&mut v.colour)).sum() },
    Field { path: "evidence.media", clear: |r| take_all(&mut r.evidence.media) },
];

/// The fields every report keeps whatever the agreement says.
pub const STRUCTURAL: &[&str] = &[
    "source_system",
    "source_record_id",
    "event.kind",
    "event.category",
    "event.business_crime",
    "persons.role",
    "persons.fact_or_assessment",
    "evidence.witness_statement",
];

/// The groups a wildcard (`persons.*`) may name.
const GROUPS: &[&str] = &[
    "event",
    "location",
    "persons",
    "property",
    "vehicles",
    "evidence",
    "extensions",
];

/// Every optional field's path (extensions aside), for docs and `bcgw isa show`.
pub fn optional_paths() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|f| f.path)
}

/// An extension key as the policy compares it: lower case, runs of anything
/// but letters and digits as one `-` (`Date_Of Birth` is `date-of-birth`).
pub fn normalise_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut gap = false;
    for c in key.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// Why a field path in an agreement cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    /// Not a schema field.
    Unknown(String),
    /// A structural field: always kept, so listing it says nothing.
    Structural(String),
    /// Special-category data listed among the ordinary fields.
    SpecialInFields(String),
}

impl std::fmt::Display for PathProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathProblem::Unknown(p) => write!(
                f,
                "{p:?} is not a schema field; fields are {}, a group such as \"persons.*\", or \"extensions.<key>\"",
                optional_paths().collect::<Vec<_>>().join(", ")
            ),
            PathProblem::Structural(p) => {
                write!(f, "{p:?} is structural and always kept; leave it out")
            }
            PathProblem::SpecialInFields(p) => write!(
                f,
                "{p:?} is special-category data (DPA 2018 s.35(8)); it may flow only if listed in special_category, with sensitive_processing_condition"
            ),
        }
    }
}

/// What an agreement allows, compiled for applying to every report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldPolicy {
    /// Optional schema fields kept.
    fields: BTreeSet<&'static str>,
    /// Every non-special extension is kept (`extensions.*`).
    all_extensions: bool,
    /// Extension keys kept, normalised.
    extensions: BTreeSet<String>,
    /// Special-category extension keys kept, normalised.
    special: BTreeSet<String>,
}

/// What the policy took out of one report: paths only, never values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// Fields outside the agreement, e.g. `persons.name`, `extensions.loyalty-card`.
    pub fields: Vec<String>,
    /// Special-category fields the agreement does not allow, e.g. `extensions.ethnicity`.
    pub special: Vec<String>,
}

impl Removed {
    /// Nothing was removed.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.special.is_empty()
    }
}

impl FieldPolicy {
    /// Compiles the `fields` and `special_category` lists of an agreement. Every
    /// problem is returned, with the list and index it came from.
    pub fn compile(
        fields: &[String],
        special: &[String],
    ) -> Result<FieldPolicy, Vec<(String, PathProblem)>> {
        let mut policy = FieldPolicy::default();
        let mut problems = Vec::new();
        for (i, path) in fields.iter().enumerate() {
            if let Err(e) = policy.allow(path.trim()) {
                problems.push((format!("fields[{i}]"), e));
            }
        }
        for (i, path) in special.iter().enumerate() {
            let path = path.trim();
            match path.strip_prefix("extensions.") {
                Some(key) if is_special_category(key) => {
                    policy.special.insert(normalise_key(key));
                }
                _ => problems.push((
                    format!("special_category[{i}]"),
                    PathProblem::Unknown(format!(
                        "{path} (special_category lists extensions whose key names special-category data, e.g. \"extensions.ethnicity\")"
                    )),
                )),
            }
        }
        if problems.is_empty() {
            Ok(policy)
        } else {
            Err(problems)
        }
    }

    fn allow(&mut self, path: &str) -> Result<(), PathProblem> {
        if path == "*" {
            self.fields.extend(optional_paths());
            self.all_extensions = true;
            return Ok(());
        }
        if STRUCTURAL.contains(&path) {
            return Err(PathProblem::Structural(path.to_string()));
        }
        if let Some(group) = path.strip_suffix(".*")
            && GROUPS.contains(&group)
        {
            if group == "extensions" {
                self.all_extensions = true;
            } else {
                let prefix = format!("{group}.");
                self.fields
                    .extend(optional_paths().filter(|p| p.starts_with(&prefix)));
            }
            return Ok(());
        }
        if let Some(key) = path.strip_prefix("extensions.") {
            if key.is_empty() {
                return Err(PathProblem::Unknown(path.to_string()));
            }
            if is_special_category(key) {
                return Err(PathProblem::SpecialInFields(path.to_string()));
            }
            self.extensions.insert(normalise_key(key));
            return Ok(());
        }
        match FIELDS.iter().find(|f| f.path == path) {
            Some(f) => {
                self.fields.insert(f.path);
                Ok(())
            }
            None => Err(PathProblem::Unknown(path.to_string())),
        }
    }

    /// Whether the optional field at `path` is kept.
    pub fn keeps(&self, path: &str) -> bool {
        self.fields.contains(path)
    }

    /// The optional fields kept, in schema order.
    pub fn kept_fields(&self) -> Vec<&'static str> {
        optional_paths().filter(|p| self.keeps(p)).collect()
    }

    /// The extensions kept, as the agreement lists them: `*` for every
    /// non-special one, else the keys; then the special-category keys allowed.
    pub fn kept_extensions(&self) -> (Vec<String>, Vec<String>) {
        let ordinary = if self.all_extensions {
            vec!["*".to_string()]
        } else {
            self.extensions.iter().cloned().collect()
        };
        (ordinary, self.special.iter().cloned().collect())
    }

    /// Takes out of `report` every field the agreement does not allow, and says
    /// which (paths, never values).
    pub fn apply(&self, report: &mut Report) -> Removed {
        let mut removed = Removed::default();
        for f in FIELDS {
            if !self.fields.contains(f.path) && (f.clear)(report) > 0 {
                removed.fields.push(f.path.to_string());
            }
        }
        report.extensions.retain(|(key, _)| {
            let norm = normalise_key(key);
            let (keep, list) = if is_special_category(key) {
                (self.special.contains(&norm), &mut removed.special)
            } else {
                (
                    self.all_extensions || self.extensions.contains(&norm),
                    &mut removed.fields,
                )
            };
            if !keep {
                let path = format!("extensions.{norm}");
                if !list.contains(&path) {
                    list.push(path);
                }
            }
            keep
        });
        removed
    }
}

#[cfg(test)]
mod tests;
