//! Environment overrides: `BCGW__SECTION__KEY=value` sets `section.key`.
//!
//! `__` separates levels (a single `_` would collide with snake_case keys). Segments
//! match existing keys case-insensitively, with `_` also matching `-` (so
//! `BCGW__SOURCES__NORTHGATE_RETAIL__PLUGIN` reaches `sources.northgate-retail`).
//! A value is read as a TOML value when it parses as one (`true`, `42`,
//! `["a", "b"]`), else as a string.

/// The prefix of override variables.
pub const PREFIX: &str = "BCGW__";

fn parse_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

fn find_key(table: &toml::Table, segment: &str) -> String {
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    table
        .keys()
        .find(|k| norm(k) == norm(segment))
        .cloned()
        .unwrap_or_else(|| segment.to_ascii_lowercase())
}

/// Applies overrides from `vars` (name, value) to a parsed config. Returns the
/// dotted keys that were set, for the log (values are not returned: they may be secret).
pub fn apply_overrides(
    config: &mut toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<String>, String> {
    let mut applied = Vec::new();
    for (name, value) in vars {
        let Some(path) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let segments: Vec<&str> = path.split("__").collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(format!(
                "{name}: empty key segment (use __ between levels only)"
            ));
        }
        let mut table = &mut *config;
        let mut keys = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            let key = find_key(table, segment);
            keys.push(key.clone());
            if i == segments.len() - 1 {
                table.insert(key, parse_value(&value));
            } else {
                let entry = table
                    .entry(key)
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = match entry {
                    toml::Value::Table(t) => t,
                    _ => return Err(format!("{name}: {} is not a table", keys.join("."))),
                };
            }
        }
        applied.push(keys.join("."));
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_reach_nested_keys_and_parse_values() {
        let mut t: toml::Table = toml::from_str(
            "[store]\npath = \"a.db\"\n[sources.northgate-retail]\nplugin = \"x.wasm\"\n",
        )
        .unwrap();
        let applied = apply_overrides(
            &mut t,
            [
                (
                    "BCGW__STORE__PATH".to_string(),
                    "/var/lib/bcgw/db".to_string(),
                ),
                ("BCGW__STORE__MAX_SIZE_MB".into(), "512".into()),
                (
                    "BCGW__SOURCES__NORTHGATE_RETAIL__PLUGIN".into(),
                    "y.wasm".into(),
                ),
                ("UNRELATED".into(), "1".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            applied,
            [
                "store.path",
                "store.max_size_mb",
                "sources.northgate-retail.plugin"
            ]
        );
        assert_eq!(t["store"]["path"].as_str(), Some("/var/lib/bcgw/db"));
        assert_eq!(t["store"]["max_size_mb"].as_integer(), Some(512));
        assert_eq!(
            t["sources"]["northgate-retail"]["plugin"].as_str(),
            Some("y.wasm")
        );
    }

    #[test]
    fn overriding_through_a_value_is_an_error() {
        let mut t: toml::Table = toml::from_str("store = 1\n").unwrap();
        let err = apply_overrides(&mut t, [("BCGW__STORE__PATH".into(), "x".into())]).unwrap_err();
        assert!(err.contains("store is not a table"), "{err}");
    }
}
