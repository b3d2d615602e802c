//! The one path from a parsed config to what the daemon runs, shared by
//! `bcgw check-config` and `bcgw run` so the check says exactly what a run would
//! refuse: the generic checks (store, names, limits), every source and sink kind's
//! own `check`, and every plugin loaded, pinned and asked to validate its config.
//!
//! Nothing here starts a task, opens the store or touches the network.

use crate::config::problems::Problems;
use crate::config::{Config, SinkConfig, SourceConfig};
use crate::pipeline::Translator;
use crate::plugins::engine::EngineSettings;
use crate::plugins::trust::{Trust, TrustedKey};
use crate::plugins::{AdapterPlugin, PluginEngine, PluginError, RendererPlugin};
use crate::policy::IsaPolicy;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// A sink's loaded renderer and the config it is handed.
#[derive(Clone)]
pub struct LoadedRenderer {
    /// The plugin.
    pub plugin: Arc<RendererPlugin>,
    /// Its config as JSON text.
    pub config_json: Arc<str>,
}

/// A checked config with its plugins loaded.
pub struct Assembly {
    /// The config.
    pub config: Config,
    /// Every problem found, errors and warnings.
    pub problems: Problems,
    /// The plugin engine, if it could be built.
    pub engine: Option<PluginEngine>,
    /// Each source's translator, by source name (sources whose plugin loaded).
    pub translators: HashMap<String, Arc<Translator>>,
    /// Each sink's renderer, by sink name (sinks whose renderer loaded).
    pub renderers: HashMap<String, LoadedRenderer>,
    /// The member registers, when `[members]` names any.
    pub registers: Option<Arc<crate::members::Registers>>,
}

/// Builds the plugin engine a config describes.
pub fn engine(config: &Config) -> Result<PluginEngine, PluginError> {
    PluginEngine::new(EngineSettings {
        cache_dir: Some(config.code_cache_dir()),
        max_memory_bytes: config.plugins.max_memory_mb << 20,
        max_instances: config.plugins.max_instances,
        component: config.plugins.component_limits(),
    })
}

/// A plugin's config table as the JSON text it is handed.
pub fn config_json(table: &toml::Table) -> String {
    serde_json::to_string(table).unwrap_or_else(|_| "{}".into())
}

/// Checks a parsed config and loads its plugins. `unknown` are the keys the parser
/// did not know.
pub fn assemble(config: Config, unknown: Vec<String>) -> Assembly {
    let mut p = Problems::default();
    for key in unknown {
        p.error(key, "unknown key: not a setting (misspelt, or in the wrong table?); every key is documented in config/bcgw.example.toml");
    }
    check_store(&config, &mut p);
    check_http(&config, &mut p);
    for (key, message) in config.link.problems() {
        p.error(key, message);
    }
    config.policy.retention.check("policy.retention", &mut p);
    if config.sources.is_empty() {
        p.warn("sources", "no sources: nothing will be taken in");
    }
    if config.sinks.is_empty() {
        p.warn(
            "sinks",
            "no sinks: records will be stored but not delivered",
        );
    }
    let engine = match engine(&config) {
        Ok(e) => Some(e),
        Err(e) => {
            p.error("plugins", e.to_string());
            None
        }
    };
    let keys = trusted_keys(&config, &mut p);
    let registers = crate::members::load(&config.members, &mut p);
    let mut translators = HashMap::new();
    for (name, s) in &config.sources {
        let base = format!("sources.{name}");
        crate::members::check_scope(&base, s.members.as_deref(), &config.members, &mut p);
        if let Some(mut t) = check_source(&config, name, s, engine.as_ref(), &keys, &mut p) {
            t.members = registers.as_ref().map(|r| crate::members::SourceMembers {
                registers: r.clone(),
                scope: s.members.clone(),
                channel_town: s.channel == Some(crate::config::source::LinkChannel::Radio),
            });
            translators.insert(name.clone(), Arc::new(t));
        }
    }
    let mut claims = Vec::new();
    for (name, s) in &config.sources {
        let key = format!(
            "sources.{name}.{}",
            crate::config::kind::table_name(&s.kind)
        );
        claims.extend(
            s.settings
                .resources(name)
                .into_iter()
                .map(|r| (key.clone(), r)),
        );
    }
    for (name, s) in &config.sinks {
        let key = format!("sinks.{name}.{}", s.kind);
        claims.extend(
            s.settings
                .resources(name)
                .into_iter()
                .map(|r| (key.clone(), r)),
        );
    }
    crate::config::resources::check_conflicts(&claims, &mut p);
    let mut renderers = HashMap::new();
    for (name, s) in &config.sinks {
        if let Some(r) = check_sink(&config, name, s, engine.as_ref(), &keys, &mut p) {
            renderers.insert(name.clone(), r);
        }
    }
    Assembly {
        config,
        problems: p,
        engine,
        translators,
        renderers,
        registers,
    }
}

fn check_store(config: &Config, p: &mut Problems) {
    let path = &config.store.path;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut existing = dir;
    while !existing.exists() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => break,
        }
    }
    if existing.exists() && tempfile::tempfile_in(existing).is_err() {
        p.error("store.path", format!("cannot open store {}: {} is not writable; the journal must be writable before any payload is acknowledged", path.display(), existing.display()));
    }
    if config.store.group_commit_max == 0 {
        p.error("store.group_commit_max", "must be at least 1");
    }
}

/// A source served over HTTP needs the `[http]` listener; TLS files must load.
fn check_http(config: &Config, p: &mut Problems) {
    if config.http.listen.is_none() {
        for (name, s) in &config.sources {
            if s.settings.listens_for_http() {
                p.error(
                    format!("sources.{name}"),
                    format!("kind {:?} is served on the API listener: set [http] listen = \"0.0.0.0:8443\" (or another address)", s.kind),
                );
            }
        }
    }
    if let Some(Err(e)) = config.http.tls.as_ref().map(|t| t.acceptor()) {
        p.error("http.tls", e);
    }
    if config.http.max_body_bytes == 0 {
        p.error("http.max_body_bytes", "must be at least 1");
    }
}

/// Names go into record ids, file names, MQTT client ids and metric labels.
fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn plugin_problem(p: &mut Problems, base: &str, plugin_key: &str, e: PluginError) {
    let key = match &e {
        PluginError::ShaMismatch { .. } => format!("{base}.{plugin_key}_sha256"),
        PluginError::Engine(_) => format!("{base}.limits.memory_bytes"),
        _ => format!("{base}.{plugin_key}"),
    };
    p.error(key, e.to_string());
}

fn check_limits(config: &Config, base: &str, memory_bytes: usize, p: &mut Problems) {
    if memory_bytes > config.plugins.max_memory_mb << 20 {
        p.error(
            format!("{base}.limits.memory_bytes"),
            format!(
                "{memory_bytes} is above plugins.max_memory_mb ({} MiB); raise that or lower this",
                config.plugins.max_memory_mb
            ),
        );
    }
}

/// The keys `[plugins] trusted_keys` names, each checked.
fn trusted_keys(config: &Config, p: &mut Problems) -> Arc<[TrustedKey]> {
    let mut keys = Vec::new();
    for (i, text) in config.plugins.trusted_keys.iter().enumerate() {
        match TrustedKey::parse(text) {
            Ok(k) => keys.push(k),
            Err(e) => p.error(format!("plugins.trusted_keys[{i}]"), e),
        }
    }
    keys.into()
}

fn check_source(
    config: &Config,
    name: &str,
    s: &SourceConfig,
    engine: Option<&PluginEngine>,
    keys: &Arc<[TrustedKey]>,
    p: &mut Problems,
) -> Option<Translator> {
    let base = format!("sources.{name}");
    if !name_ok(name) {
        p.error(&base, "source names are lower-case letters, digits, '-' and '_' (they go into record ids and file names)");
    }
    let table = format!("{base}.{}", crate::config::kind::table_name(&s.kind));
    s.settings.check(&table, p);
    check_limits(config, &base, s.limits.memory_bytes, p);
    let isa = IsaPolicy::from_setting(
        s.isa.as_ref(),
        config.policy.require_isa,
        &format!("{base}.isa"),
        p,
    );
    if !s.plugin.exists() {
        p.error(format!("{base}.plugin"), format!("{} does not exist; build it (scripts/quickstart builds the bundled plugins) or fix the path", s.plugin.display()));
        return None;
    }
    let engine = engine?;
    let trust = Trust {
        pin: s.plugin_sha256.clone(),
        keys: keys.clone(),
    };
    match AdapterPlugin::load_trusted(engine, &s.plugin, &trust, s.limits.clone()) {
        Ok(plugin) => {
            // With trusted keys, an unpinned plugin got in by its signature.
            if s.plugin_sha256.is_none() && keys.is_empty() {
                p.warn(format!("{base}.plugin_sha256"), format!("not set: any file at this path will be run; pin it with plugin_sha256 = \"{}\"", plugin.sha256()));
            }
            let json = config_json(&with_known_premises(config, s, &plugin));
            if let Err(e) = plugin.validate_config(&json) {
                p.error(format!("{base}.plugin_config"), e.to_string());
                return None;
            }
            Some(Translator {
                source: name.to_string(),
                plugin: Arc::new(plugin),
                config_json: json,
                isa,
                members: None,
            })
        }
        Err(e) => {
            plugin_problem(p, &base, "plugin", e);
            None
        }
    }
}

/// The plugin's config, with `known_premises` (the names and on-air aliases of
/// the source's register members) added when the plugin reads that key and the
/// config does not set it: a radio adapter then finds where a line's premises
/// ends by the names the scheme really uses.
fn with_known_premises(config: &Config, s: &SourceConfig, plugin: &AdapterPlugin) -> toml::Table {
    let mut table = s.plugin_config.clone();
    let reads_it = plugin
        .info()
        .config_keys
        .iter()
        .any(|k| k.name == KNOWN_PREMISES);
    if !reads_it || table.contains_key(KNOWN_PREMISES) || config.members.is_empty() {
        return table;
    }
    // Read again here (cheap: registers are small) so this stays a pure
    // function of the config; the daemon's index is built once in `assemble`.
    let mut names = Vec::new();
    for (name, r) in &config.members {
        if s.members.as_ref().is_some_and(|m| !m.contains(name)) {
            continue;
        }
        if let Ok(reg) = crate::members::read(name, r) {
            let registry = bcgw_link::members::Registry::new(vec![reg]);
            names.extend(registry.known_names(None));
        }
    }
    // What the radio adapters take: names with a letter or digit, at most
    // twelve words each, at most 50,000 of them.
    names.retain(|n| n.chars().any(char::is_alphanumeric) && n.split_whitespace().count() <= 12);
    names.sort();
    names.dedup();
    names.truncate(50_000);
    if !names.is_empty() {
        table.insert(
            KNOWN_PREMISES.into(),
            toml::Value::Array(names.into_iter().map(toml::Value::String).collect()),
        );
    }
    table
}

/// The radio adapters' config key for the premises names a scheme uses.
const KNOWN_PREMISES: &str = "known_premises";

/// `after` names another sink, and following `after` never comes back round.
fn check_after(config: &Config, name: &str, s: &SinkConfig, p: &mut Problems) {
    let Some(first) = &s.after else { return };
    let key = format!("sinks.{name}.after");
    let mut seen = vec![name];
    let mut next = Some(first);
    while let Some(upstream) = next {
        if seen.contains(&upstream.as_str()) {
            p.error(key, format!("sinks wait for each other in a circle ({} -> {upstream}): nothing would be delivered", seen.join(" -> ")));
            return;
        }
        let Some(u) = config.sinks.get(upstream) else {
            p.error(
                key,
                format!(
                    "no sink named {upstream:?}; the sinks are {}",
                    config
                        .sinks
                        .keys()
                        .map(|k| format!("{k:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return;
        };
        seen.push(upstream);
        next = u.after.as_ref();
    }
}

fn check_sink(
    config: &Config,
    name: &str,
    s: &SinkConfig,
    engine: Option<&PluginEngine>,
    keys: &Arc<[TrustedKey]>,
    p: &mut Problems,
) -> Option<LoadedRenderer> {
    let base = format!("sinks.{name}");
    if !name_ok(name) {
        p.error(&base, "sink names are lower-case letters, digits, '-' and '_' (they go into the outbox and metric labels)");
    }
    let table = format!("{base}.{}", crate::config::kind::table_name(&s.kind));
    s.settings.check(&table, p);
    if s.concurrency == Some(0) {
        p.error(format!("{base}.concurrency"), "must be at least 1");
    }
    check_limits(config, &base, s.limits.memory_bytes, p);
    check_after(config, name, s, p);
    let renderer = match (&s.renderer, s.settings.uses_renderer()) {
        (Some(r), true) => r,
        (None, true) => {
            p.error(format!("{base}.renderer"), format!("missing: kind = \"{}\" delivers what a renderer plugin makes; e.g. renderer = \"plugins/bcgw_plugin_niche_xml.wasm\"", s.kind));
            return None;
        }
        (Some(_), false) => {
            p.warn(
                format!("{base}.renderer"),
                format!("ignored: kind = \"{}\" builds its own messages", s.kind),
            );
            return None;
        }
        (None, false) => return None,
    };
    if !renderer.exists() {
        p.error(
            format!("{base}.renderer"),
            format!(
                "{} does not exist; build it or fix the path",
                renderer.display()
            ),
        );
        return None;
    }
    let engine = engine?;
    let trust = Trust {
        pin: s.renderer_sha256.clone(),
        keys: keys.clone(),
    };
    match RendererPlugin::load_trusted(engine, renderer, &trust, s.limits.clone()) {
        Ok(r) => {
            if s.renderer_sha256.is_none() && keys.is_empty() {
                p.warn(format!("{base}.renderer_sha256"), format!("not set: any file at this path will be run; pin it with renderer_sha256 = \"{}\"", r.sha256()));
            }
            let json = config_json(&s.renderer_config);
            if let Err(e) = r.validate_config(&json) {
                p.error(format!("{base}.renderer_config"), e.to_string());
                return None;
            }
            Some(LoadedRenderer {
                plugin: Arc::new(r),
                config_json: json.into(),
            })
        }
        Err(e) => {
            plugin_problem(p, &base, "renderer", e);
            None
        }
    }
}
