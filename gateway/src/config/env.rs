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

/// Resolves each override in `vars` (name, value) to the key path it means in
/// `config` (the file's keys, and the tables earlier overrides made, which it
/// is given too). Returns each key path with its value.
fn resolve(
    config: &mut toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<(Vec<String>, toml::Value)>, String> {
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
                applied.push((keys.clone(), parse_value(&value)));
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
    }
    Ok(applied)
}

/// A TOML value as a layer of the `config` crate.
fn layer_value(v: &toml::Value) -> ::config::Value {
    use ::config::ValueKind as K;
    let kind = match v {
        toml::Value::String(s) => K::String(s.clone()),
        toml::Value::Integer(i) => K::I64(*i),
        toml::Value::Float(f) => K::Float(*f),
        toml::Value::Boolean(b) => K::Boolean(*b),
        toml::Value::Datetime(d) => K::String(d.to_string()),
        toml::Value::Array(a) => K::Array(a.iter().map(layer_value).collect()),
        toml::Value::Table(t) => {
            K::Table(t.iter().map(|(k, v)| (k.clone(), layer_value(v))).collect())
        }
    };
    ::config::Value::new(Some(&"the environment".to_string()), kind)
}

/// The configuration as the `config` crate layers it: the file (`text`, already
/// parsed as `file` for its keys), then each `BCGW__` override from `vars` on top.
/// Returns the merged table and the dotted keys the environment set, for the
/// log (not the values: they may be secret).
///
/// The crate's own environment source is not used: it lower-cases every name and
/// maps `_` one way for every segment, so `BCGW__SOURCES__NORTHGATE_RETAIL__PLUGIN`
/// could not reach `sources.northgate-retail.plugin` while `..._SHA256` reaches
/// `plugin_sha256`. [`resolve`] finds the key each segment means among the keys
/// the file has; the crate then applies them as overrides.
pub fn layer(
    text: &str,
    file: &toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(toml::Table, Vec<String>), String> {
    let mut scratch = file.clone();
    let resolved = resolve(&mut scratch, vars)?;
    let mut layers = ::config::Config::builder()
        .add_source(::config::File::from_str(text, ::config::FileFormat::Toml));
    for (keys, value) in &resolved {
        layers = layers
            .set_override(keys.join("."), layer_value(value))
            .map_err(|e| format!("{}: {e}", keys.join(".")))?;
    }
    let merged: toml::Table = layers
        .build()
        .and_then(|c| c.try_deserialize())
        .map_err(|e| e.to_string())?;
    Ok((
        merged,
        resolved.into_iter().map(|(k, _)| k.join(".")).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_reach_nested_keys_and_parse_values() {
        let text = "[store]\npath = \"a.db\"\n[sources.northgate-retail]\nplugin = \"x.wasm\"\n[sources.northgate-retail.plugin_config.columns]\n\"Ref\" = \"source_record_id\"\n";
        let file: toml::Table = toml::from_str(text).unwrap();
        let (t, applied) = layer(
            text,
            &file,
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
                (
                    "BCGW__SOURCES__NORTHGATE_RETAIL__PLUGIN_CONFIG__DATE_FORMATS".into(),
                    r#"["%d/%m/%Y"]"#.into(),
                ),
            ],
        )
        .unwrap();
        assert_eq!(
            applied,
            [
                "store.path",
                "store.max_size_mb",
                "sources.northgate-retail.plugin",
                "sources.northgate-retail.plugin_config.date_formats"
            ]
        );
        // Keys the environment did not touch keep their case; arrays are arrays.
        assert_eq!(
            t["sources"]["northgate-retail"]["plugin_config"]["columns"]["Ref"].as_str(),
            Some("source_record_id")
        );
        assert_eq!(
            t["sources"]["northgate-retail"]["plugin_config"]["date_formats"][0].as_str(),
            Some("%d/%m/%Y")
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
        let t: toml::Table = toml::from_str("store = 1\n").unwrap();
        let err = layer(
            "store = 1\n",
            &t,
            [("BCGW__STORE__PATH".into(), "x".into())],
        )
        .unwrap_err();
        assert!(err.contains("store is not a table"), "{err}");
    }
}
