//! Configuration: a TOML file, every key documented in `config/bcgw.example.toml`,
//! overridable by `BCGW__SECTION__KEY` environment variables ([`env`]), secrets read
//! from the environment or files ([`secret`]).
//!
//! Relative paths are resolved against the directory of the config file, so a
//! config and the files it names can move together.
//!
//! Unknown keys are errors, but the structs here do not use serde's
//! `deny_unknown_fields`: that stops at the first one. [`parse`] collects every
//! unknown key (with `serde_ignored`) so `bcgw check-config` can list them all, and
//! [`load`] refuses to start if there are any.

pub mod check;
pub mod env;
pub mod kind;
pub mod problems;
pub mod resources;
pub mod secret;
pub mod sink;
pub mod source;

use crate::plugins::limits::ComponentLimits;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use problems::{Level, Problem, Problems};
pub use sink::SinkConfig;
pub use source::SourceConfig;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// Where the journal, records, outbox and quarantine live.
    #[serde(default)]
    pub store: StoreConfig,
    /// The plugin engine.
    #[serde(default)]
    pub plugins: PluginsConfig,
    /// The translate stage.
    #[serde(default)]
    pub pipeline: PipelineConfig,
    /// Cross-source linking: which reports are one incident.
    #[serde(default)]
    pub link: crate::pipeline::LinkSection,
    /// Sources, by name.
    #[serde(default)]
    pub sources: BTreeMap<String, SourceConfig>,
    /// Sinks, by name. Every record is delivered to every sink.
    #[serde(default)]
    pub sinks: BTreeMap<String, SinkConfig>,
    /// The admin endpoint (metrics, health).
    #[serde(default)]
    pub admin: AdminConfig,
    /// The API listener webhook sources, receipts and the OpenAPI document share.
    #[serde(default)]
    pub http: HttpConfig,
    /// Lawful data handling: agreements required, default retention.
    #[serde(default)]
    pub policy: crate::policy::PolicySection,
    /// Member registers, by name: `[members.<name>] file = "..."`, one CSV per BCRP
    /// or radio scheme (`docs/members.md`).
    #[serde(default)]
    pub members: crate::members::MembersSection,
}

/// `[http]`: the listener BCRP platforms talk to (`POST /sources/<name>`,
/// `GET /sources/<name>/receipts/<id>`, `GET /openapi.json`). One listener serves
/// every webhook source.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// Address to serve on, e.g. `0.0.0.0:8443`. Unset: no API listener (a webhook
    /// source then has nowhere to listen, which `check-config` reports). May equal
    /// `admin.listen`, in which case one listener serves both.
    pub listen: Option<std::net::SocketAddr>,
    /// TLS: `{ cert_file = "...", key_file = "..." }`. Unset: plain HTTP (put a TLS
    /// proxy in front, or keep it on a private network).
    pub tls: Option<crate::http::tls::TlsConfig>,
    /// Largest request body (bytes) a webhook source takes, unless the source sets
    /// its own `max_body_bytes`.
    pub max_body_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: None,
            tls: None,
            max_body_bytes: 10 << 20,
        }
    }
}

/// `[admin]`: the operators' HTTP endpoint (`/metrics`, `/healthz`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AdminConfig {
    /// Address to serve on, e.g. `127.0.0.1:9464`. Unset: no endpoint. It exposes
    /// counts only, but keep it on loopback or an operations network.
    pub listen: Option<std::net::SocketAddr>,
}

/// Which store implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// Embedded SQLite (WAL, synchronous=FULL, group commit): one gateway instance.
    #[default]
    Sqlite,
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StoreConfig {
    /// The implementation.
    pub kind: StoreKind,
    /// The SQLite database file.
    pub path: PathBuf,
    /// Refuse new payloads once the database reaches this size (MiB); sources stop
    /// acknowledging until space is freed. Unset: limited by the disk.
    pub max_size_mb: Option<u64>,
    /// Most write operations in one group commit.
    pub group_commit_max: usize,
    /// How long the writer waits for more operations to join a commit (ms) after
    /// the first. Default 0: what queues during a commit joins the next one anyway.
    pub group_commit_window_ms: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            kind: StoreKind::Sqlite,
            path: PathBuf::from("data/bcgw.sqlite"),
            max_size_mb: None,
            group_commit_max: 256,
            group_commit_window_ms: 0,
        }
    }
}

/// `[plugins]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PluginsConfig {
    /// Where compiled plugin code is cached. Default: `compiled/` beside the store.
    pub cache_dir: Option<PathBuf>,
    /// The largest memory cap any plugin may be given (MiB): the pooled slot size.
    pub max_memory_mb: usize,
    /// Plugin instances that may run at once.
    pub max_instances: u32,
    /// Core module instances one plugin's component may hold (Python and
    /// JavaScript components hold more than Rust ones).
    pub max_core_instances_per_plugin: u32,
    /// Linear memories one plugin's component may hold.
    pub max_memories_per_plugin: u32,
    /// Tables one plugin's component may hold.
    pub max_tables_per_plugin: u32,
    /// Minisign public keys (the `RWQ...` line of a `minisign.pub`) plugins may be
    /// signed with. When set, a plugin without a SHA-256 pin runs only if its
    /// `<file>.minisig` verifies with one of them.
    pub trusted_keys: Vec<String>,
}

impl PluginsConfig {
    /// The component size limits these settings give.
    pub fn component_limits(&self) -> ComponentLimits {
        crate::plugins::limits::ComponentLimits {
            core_instances: self.max_core_instances_per_plugin,
            memories: self.max_memories_per_plugin,
            tables: self.max_tables_per_plugin,
        }
    }
}

impl Default for PluginsConfig {
    fn default() -> Self {
        PluginsConfig {
            cache_dir: None,
            max_memory_mb: 64,
            max_instances: 32,
            max_core_instances_per_plugin: ComponentLimits::default().core_instances,
            max_memories_per_plugin: ComponentLimits::default().memories,
            max_tables_per_plugin: ComponentLimits::default().tables,
            trusted_keys: Vec::new(),
        }
    }
}

/// `[pipeline]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PipelineConfig {
    /// Payloads translated in parallel. Default: the number of CPU cores.
    pub translate_workers: Option<usize>,
    /// How often idle stages look for work (ms).
    pub idle_poll_ms: u64,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            translate_workers: None,
            idle_poll_ms: 100,
        }
    }
}

/// A problem that stops the config from loading.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("config {path} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// An environment override could not be applied.
    #[error("environment override {0}")]
    Env(String),
    /// Keys that are not settings.
    #[error("unknown config key(s): {}; every key is documented in config/bcgw.example.toml", .0.join(", "))]
    UnknownKeys(Vec<String>),
    /// A value has the wrong type or is missing.
    #[error("config key {path}: {message}")]
    Invalid {
        /// Dotted key path.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// A parsed config and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The settings, with relative paths resolved.
    pub config: Config,
    /// The config file.
    pub path: PathBuf,
    /// Keys set from the environment (names only).
    pub overridden: Vec<String>,
}

/// Reads a config file, applies environment overrides and parses it, collecting
/// unknown keys instead of stopping at the first. Returns the config (if it parsed)
/// and the unknown keys.
pub fn parse(
    path: &Path,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(LoadedConfig, Vec<String>), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let file: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
        path: path.to_owned(),
        message: e.to_string().trim().to_string(),
    })?;
    // The file, then the environment's overrides, layered by the `config` crate.
    let (mut table, overridden) = env::layer(&text, &file, vars).map_err(ConfigError::Env)?;
    // Kind tables are parsed by their kind, after the common keys.
    let source_tables = take_kind_tables(&mut table, "sources");
    let sink_tables = take_kind_tables(&mut table, "sinks");
    let mut unknown = Vec::new();
    let mut track = |p: serde_ignored::Path<'_>| unknown.push(p.to_string());
    let de = serde_ignored::Deserializer::new(toml::Value::Table(table), &mut track);
    let mut config: Config =
        serde_path_to_error::deserialize(de).map_err(|e| ConfigError::Invalid {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    resolve_paths(&mut config, &base);
    parse_kind_tables(&mut config, source_tables, sink_tables, &base, &mut unknown);
    include_config_files(&mut config)?;
    Ok((
        LoadedConfig {
            config,
            path: path.to_owned(),
            overridden,
        },
        unknown,
    ))
}

/// Takes `[<section>.<name>.<kind>]` out of every entry of a section, by name.
fn take_kind_tables(
    table: &mut toml::Table,
    section: &str,
) -> BTreeMap<String, (String, Option<toml::Value>)> {
    let mut out = BTreeMap::new();
    let Some(toml::Value::Table(entries)) = table.get_mut(section) else {
        return out;
    };
    for (name, entry) in entries.iter_mut() {
        let toml::Value::Table(entry) = entry else {
            continue;
        };
        let Some(kind) = entry
            .get("kind")
            .and_then(|k| k.as_str())
            .map(str::to_owned)
        else {
            continue;
        };
        let value = entry.remove(&kind::table_name(&kind));
        out.insert(name.clone(), (kind, value));
    }
    out
}

/// Hands each source's and sink's kind table to its kind. A table that does not
/// parse (or an unknown kind) becomes settings that report the problem.
fn parse_kind_tables(
    config: &mut Config,
    sources: BTreeMap<String, (String, Option<toml::Value>)>,
    sinks: BTreeMap<String, (String, Option<toml::Value>)>,
    base: &Path,
    unknown: &mut Vec<String>,
) {
    use crate::{sinks, sources};
    let source_kinds = || sources::KINDS.iter().map(|k| k.name);
    for (name, source) in &mut config.sources {
        source.settings = parse_kind(
            "sources",
            name,
            sources.get(name),
            |kind| sources::kind(kind).map(|k| k.parse),
            source_kinds,
            |key, message| Arc::new(sources::Unparsed { key, message }),
            base,
            unknown,
        );
    }
    let sink_kinds = || sinks::KINDS.iter().map(|k| k.name);
    for (name, sink) in &mut config.sinks {
        sink.settings = parse_kind(
            "sinks",
            name,
            sinks.get(name),
            |kind| sinks::kind(kind).map(|k| k.parse),
            sink_kinds,
            |key, message| Arc::new(sinks::Unparsed { key, message }),
            base,
            unknown,
        );
    }
}

/// Parses one `[<section>.<name>.<kind>]` with its kind's parser, or says why not.
#[allow(clippy::too_many_arguments)]
fn parse_kind<S: ?Sized, I: Iterator<Item = &'static str>>(
    section: &str,
    name: &str,
    table: Option<&(String, Option<toml::Value>)>,
    parser: impl Fn(&str) -> Option<fn(kind::KindTable<'_>) -> Result<Arc<S>, (String, String)>>,
    kinds: impl Fn() -> I,
    unparsed: impl Fn(String, String) -> Arc<S>,
    base: &Path,
    unknown: &mut Vec<String>,
) -> Arc<S> {
    let (kind, value) = table.cloned().unwrap_or_default();
    let Some(parse) = parser(&kind) else {
        let names: Vec<String> = kinds().map(|k| format!("\"{k}\"")).collect();
        return unparsed(
            format!("{section}.{name}.kind"),
            format!(
                "unknown kind \"{kind}\"; the kinds are {}",
                names.join(", ")
            ),
        );
    };
    let key = format!("{section}.{name}.{}", kind::table_name(&kind));
    let table = kind::KindTable {
        kind: &kind,
        key: &key,
        value,
        base,
        unknown,
    };
    parse(table).unwrap_or_else(|(key, message)| unparsed(key, message))
}

/// Loads a config for running: unknown keys are an error.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let (loaded, unknown) = parse(path, std::env::vars())?;
    if !unknown.is_empty() {
        return Err(ConfigError::UnknownKeys(unknown));
    }
    Ok(loaded)
}

/// Resolves the common keys' paths; each kind resolves its own.
fn resolve_paths(config: &mut Config, base: &Path) {
    use kind::resolve;
    resolve(base, &mut config.store.path);
    if let Some(dir) = &mut config.plugins.cache_dir {
        resolve(base, dir);
    }
    if let Some(tls) = &mut config.http.tls {
        tls.resolve_paths(base);
    }
    if let Some(model) = &mut config.link.model_file {
        resolve(base, model);
    }
    for register in config.members.values_mut() {
        resolve(base, &mut register.file);
    }
    for source in config.sources.values_mut() {
        resolve(base, &mut source.plugin);
        if let Some(f) = &mut source.plugin_config_file {
            resolve(base, f);
        }
    }
    for sink in config.sinks.values_mut() {
        if let Some(r) = &mut sink.renderer {
            resolve(base, r);
        }
        if let Some(f) = &mut sink.renderer_config_file {
            resolve(base, f);
        }
    }
}

/// Reads `plugin_config_file` / `renderer_config_file` into the inline tables.
fn include_config_files(config: &mut Config) -> Result<(), ConfigError> {
    fn include(key: String, file: &Path, inline: &mut toml::Table) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: key.clone(),
            message,
        };
        if !inline.is_empty() {
            return Err(invalid(
                "set either the file or the inline table, not both".into(),
            ));
        }
        let text = std::fs::read_to_string(file)
            .map_err(|e| invalid(format!("cannot read {}: {e}", file.display())))?;
        *inline = toml::from_str(&text).map_err(|e| {
            invalid(format!(
                "{} is not valid TOML: {}",
                file.display(),
                e.to_string().trim()
            ))
        })?;
        Ok(())
    }
    for (name, s) in &mut config.sources {
        if let Some(file) = &s.plugin_config_file {
            include(
                format!("sources.{name}.plugin_config_file"),
                file,
                &mut s.plugin_config,
            )?;
        }
    }
    for (name, s) in &mut config.sinks {
        if let Some(file) = &s.renderer_config_file {
            include(
                format!("sinks.{name}.renderer_config_file"),
                file,
                &mut s.renderer_config,
            )?;
        }
    }
    Ok(())
}

impl Config {
    /// Where compiled plugin code is cached.
    pub fn code_cache_dir(&self) -> PathBuf {
        self.plugins.cache_dir.clone().unwrap_or_else(|| {
            self.store
                .path
                .parent()
                .map(|p| p.join("compiled"))
                .unwrap_or_else(|| PathBuf::from("compiled"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key in the shipped configs is a setting, and every kind table parses.
    #[test]
    fn the_example_configs_parse_without_unknown_keys() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for name in ["config/bcgw.example.toml", "config/quickstart.toml"] {
            let text = std::fs::read_to_string(root.join(name)).expect("example config");
            // The plugin config files are named relative to the repository root, so
            // leave them out: the point here is the gateway's own keys.
            let text: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("plugin_config_file"))
                .filter(|l| !l.trim_start().starts_with("renderer_config_file"))
                .map(|l| format!("{l}\n"))
                .collect();
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("bcgw.toml");
            std::fs::write(&path, text).expect("write");
            let (loaded, unknown) = parse(&path, Vec::new()).expect("parses");
            assert!(unknown.is_empty(), "{name}: unknown keys {unknown:?}");
            for (source, s) in &loaded.config.sources {
                let debug = format!("{:?}", s.settings);
                assert!(
                    !debug.starts_with("Unparsed"),
                    "{name}: sources.{source}: {debug}"
                );
            }
            for (sink, s) in &loaded.config.sinks {
                let debug = format!("{:?}", s.settings);
                assert!(
                    !debug.starts_with("Unparsed"),
                    "{name}: sinks.{sink}: {debug}"
                );
            }
        }
    }

    #[test]
    fn kind_tables_report_unknown_keys_and_bad_kinds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bcgw.toml");
        std::fs::write(
            &path,
            r#"
[sources.radio]
kind = "mqtt"
plugin = "x.wasm"
[sources.radio.mqtt]
host = "127.0.0.1"
topics = ["a/+"]
qos_level = 1
[sources.radio.serial]
port = "/dev/ttyUSB0"
[sources.other]
kind = "carrier-pigeon"
plugin = "x.wasm"
"#,
        )
        .expect("write");
        let (loaded, unknown) = parse(&path, Vec::new()).expect("parses");
        assert!(
            unknown.contains(&"sources.radio.mqtt.qos_level".to_string()),
            "{unknown:?}"
        );
        assert!(
            unknown.contains(&"sources.radio.serial".to_string()),
            "{unknown:?}"
        );
        let mut p = Problems::default();
        loaded.config.sources["other"]
            .settings
            .check("sources.other.carrier_pigeon", &mut p);
        let message = &p.as_slice()[0];
        assert_eq!(message.key, "sources.other.kind");
        assert!(
            message
                .message
                .contains("\"csv-folder\", \"mqtt\", \"poll\", \"serial\", \"webhook\""),
            "{message}"
        );
    }
}
