//! The tables of source and sink kinds (`[sources.<name>.<kind>]`,
//! `[sinks.<name>.<kind>]`): taken out of the config before the common keys are
//! parsed, then parsed by the kind itself, with unknown keys collected by path as
//! for every other table.

use serde::de::DeserializeOwned;
use std::path::Path;

/// The table name of a kind: `csv-folder` settings go in `csv_folder`.
pub fn table_name(kind: &str) -> String {
    kind.replace('-', "_")
}

/// What a kind's parser is handed.
pub struct KindTable<'a> {
    /// The kind, e.g. `mqtt`.
    pub kind: &'a str,
    /// Dotted path of the table, e.g. `sources.radio.mqtt`.
    pub key: &'a str,
    /// The table, if the config has one.
    pub value: Option<toml::Value>,
    /// The config file's folder, for relative paths.
    pub base: &'a Path,
    /// Unknown keys found, as full dotted paths.
    pub unknown: &'a mut Vec<String>,
}

impl KindTable<'_> {
    /// Deserializes the table into a kind's settings. A missing table is read as
    /// an empty one, so kinds whose keys all have defaults need none. The error is
    /// the dotted key that is wrong and what is wrong with it.
    pub fn parse<T: DeserializeOwned>(self) -> Result<T, (String, String)> {
        let present = self.value.is_some();
        let value = self
            .value
            .unwrap_or_else(|| toml::Value::Table(toml::Table::new()));
        let key = self.key;
        let unknown = self.unknown;
        let mut track = |p: serde_ignored::Path<'_>| unknown.push(format!("{key}.{p}"));
        let de = serde_ignored::Deserializer::new(value, &mut track);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            if !present {
                let message = format!(
                    "missing: kind = \"{}\" needs a [{key}] table ({inner})",
                    self.kind
                );
                (key.to_string(), message)
            } else if path == "." || path.is_empty() {
                (key.to_string(), inner)
            } else {
                (format!("{key}.{path}"), inner)
            }
        })
    }
}

impl KindTable<'_> {
    /// Deserializes the same table into two structs, for kinds whose keys are
    /// shared settings (e.g. a broker connection, [`A`]) plus their own ([`B`]),
    /// without serde's `flatten` (which hides unknown keys). A key is unknown only
    /// if neither struct knows it.
    pub fn parse_pair<A: DeserializeOwned, B: DeserializeOwned>(
        self,
    ) -> Result<(A, B), (String, String)> {
        let mut ignored_a = Vec::new();
        let mut ignored_b = Vec::new();
        let a = KindTable {
            kind: self.kind,
            key: self.key,
            value: self.value.clone(),
            base: self.base,
            unknown: &mut ignored_a,
        }
        .parse::<A>()?;
        let b = KindTable {
            kind: self.kind,
            key: self.key,
            value: self.value,
            base: self.base,
            unknown: &mut ignored_b,
        }
        .parse::<B>()?;
        // `tls.nope` ignored by A and `tls` (the whole table) ignored by B: unknown.
        let covered = |p: &String, by: &[String]| {
            by.iter().any(|q| {
                p == q || p.starts_with(&format!("{q}.")) || p.starts_with(&format!("{q}["))
            })
        };
        for p in &ignored_a {
            if covered(p, &ignored_b) {
                self.unknown.push(p.clone());
            }
        }
        for p in &ignored_b {
            if covered(p, &ignored_a) && !self.unknown.contains(p) && !ignored_a.contains(p) {
                self.unknown.push(p.clone());
            }
        }
        Ok((a, b))
    }
}

/// Resolves a path against the config file's folder.
pub fn resolve(base: &Path, p: &mut std::path::PathBuf) {
    if p.is_relative() {
        *p = base.join(&*p);
    }
}
