//! `bcgw check-config`: every problem in a config, each with its key path and what
//! to do — not just the first.

use super::{Config, ConfigError, SinkKind, SourceKind};
use crate::plugins::{AdapterPlugin, PluginEngine, PluginError, RendererPlugin};
use std::path::Path;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The gateway will not start (or will lose data) with this.
    Error,
    /// Works, but probably not what was meant.
    Warning,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// How bad.
    pub level: Level,
    /// Dotted key path, e.g. `sources.northgate.plugin_sha256`.
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{level}: {}: {}", self.key, self.message)
    }
}

struct Problems(Vec<Problem>);

impl Problems {
    fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            level: Level::Error,
            key: key.into(),
            message: message.into(),
        });
    }
    fn warn(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            level: Level::Warning,
            key: key.into(),
            message: message.into(),
        });
    }
}

/// Checks the config at `path` with these environment variables. Loads every plugin
/// to check its pin, its world and its own config.
pub fn check(path: &Path, vars: impl IntoIterator<Item = (String, String)>) -> Vec<Problem> {
    let mut p = Problems(Vec::new());
    let (loaded, unknown) = match super::parse(path, vars) {
        Ok(v) => v,
        Err(e) => {
            let key = match &e {
                ConfigError::Invalid { path, .. } => path.clone(),
                _ => path.display().to_string(),
            };
            let message = match e {
                ConfigError::Invalid { message, .. } => message,
                other => other.to_string(),
            };
            p.error(key, message);
            return p.0;
        }
    };
    for key in unknown {
        p.error(key, "unknown key: not a setting (misspelt, or in the wrong table?); every key is documented in config/bcgw.example.toml");
    }
    let config = loaded.config;
    check_store(&config, &mut p);
    if config.sources.is_empty() {
        p.warn("sources", "no sources: nothing will be taken in");
    }
    if config.sinks.is_empty() {
        p.warn(
            "sinks",
            "no sinks: records will be stored but not delivered",
        );
    }
    let engine = match crate::daemon::engine(&config) {
        Ok(e) => Some(e),
        Err(e) => {
            p.error("plugins", format!("{e:#}"));
            None
        }
    };
    for (name, s) in &config.sources {
        check_source(&config, name, s, engine.as_ref(), &mut p);
    }
    for (name, s) in &config.sinks {
        check_sink(name, s, engine.as_ref(), &mut p);
    }
    p.0
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
        p.error("store.path", format!("{} is not writable: the journal must be writable before any payload is acknowledged", existing.display()));
    }
    if config.store.group_commit_max == 0 {
        p.error("store.group_commit_max", "must be at least 1");
    }
}

fn source_name_ok(name: &str) -> bool {
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

fn check_source(
    config: &Config,
    name: &str,
    s: &super::SourceConfig,
    engine: Option<&PluginEngine>,
    p: &mut Problems,
) {
    let base = format!("sources.{name}");
    if !source_name_ok(name) {
        p.error(&base, "source names are lower-case letters, digits, '-' and '_' (they go into record ids and file names)");
    }
    match s.kind {
        SourceKind::CsvFolder => match &s.csv_folder {
            None => p.error(
                format!("{base}.csv_folder"),
                format!(
                    "missing: kind = \"csv-folder\" needs [{base}.csv_folder] with path = \"...\""
                ),
            ),
            Some(c) => {
                if c.chunk_rows == 0 {
                    p.error(
                        format!("{base}.csv_folder.chunk_rows"),
                        "must be at least 1",
                    );
                }
                if c.extensions.is_empty() {
                    p.error(
                        format!("{base}.csv_folder.extensions"),
                        "empty: no file would ever be taken",
                    );
                }
                if c.path.exists() && !c.path.is_dir() {
                    p.error(
                        format!("{base}.csv_folder.path"),
                        format!("{} is not a folder", c.path.display()),
                    );
                } else if !c.path.exists() {
                    p.warn(
                        format!("{base}.csv_folder.path"),
                        format!(
                            "{} does not exist yet; it will be created",
                            c.path.display()
                        ),
                    );
                }
            }
        },
    }
    if s.limits.memory_bytes > config.plugins.max_memory_mb << 20 {
        p.error(
            format!("{base}.limits.memory_bytes"),
            format!(
                "{} is above plugins.max_memory_mb ({} MiB); raise that or lower this",
                s.limits.memory_bytes, config.plugins.max_memory_mb
            ),
        );
    }
    if !s.plugin.exists() {
        p.error(format!("{base}.plugin"), format!("{} does not exist; build it (scripts/quickstart builds the bundled plugins) or fix the path", s.plugin.display()));
        return;
    }
    let Some(engine) = engine else { return };
    match AdapterPlugin::load(
        engine,
        &s.plugin,
        s.plugin_sha256.as_deref(),
        s.limits.clone(),
    ) {
        Ok(plugin) => {
            if s.plugin_sha256.is_none() {
                p.warn(format!("{base}.plugin_sha256"), format!("not set: any file at this path will be run; pin it with plugin_sha256 = \"{}\"", plugin.sha256()));
            }
            if let Err(e) = plugin.validate_config(&crate::daemon::config_json(&s.plugin_config)) {
                p.error(format!("{base}.plugin_config"), e.to_string());
            }
        }
        Err(e) => plugin_problem(p, &base, "plugin", e),
    }
}

fn check_sink(name: &str, s: &super::SinkConfig, engine: Option<&PluginEngine>, p: &mut Problems) {
    let base = format!("sinks.{name}");
    match s.kind {
        SinkKind::Niche => match &s.niche {
            None => p.error(
                format!("{base}.niche"),
                format!(
                    "missing: kind = \"niche\" needs [{base}.niche] with url = \"https://...\""
                ),
            ),
            Some(n) => {
                match reqwest::Url::parse(&n.url) {
                    Err(e) => p.error(format!("{base}.niche.url"), format!("{:?} is not a URL ({e}); e.g. https://niche-import.example.police.uk/submissions", n.url)),
                    Ok(u) if !matches!(u.scheme(), "http" | "https") => p.error(format!("{base}.niche.url"), format!("scheme {} is not http or https", u.scheme())),
                    Ok(u) if u.scheme() == "http" && !matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "::1" | "[::1]")) => {
                        p.warn(format!("{base}.niche.url"), "plain http to a remote host: personal data would cross the network unencrypted; use https")
                    }
                    Ok(_) => {}
                }
                if n.concurrency == 0 {
                    p.error(format!("{base}.niche.concurrency"), "must be at least 1");
                }
                let mut auth_ok = true;
                if let Some(auth) = &n.auth {
                    if let Some(token) = &auth.bearer_token
                        && let Err(e) = token.resolve()
                    {
                        auth_ok = false;
                        p.error(format!("{base}.niche.auth.bearer_token"), e);
                    }
                    for (key, file) in [
                        ("client_cert_file", &auth.client_cert_file),
                        ("client_key_file", &auth.client_key_file),
                        ("ca_file", &auth.ca_file),
                    ] {
                        if let Some(f) = file
                            && let Err(e) = std::fs::metadata(f)
                        {
                            auth_ok = false;
                            p.error(
                                format!("{base}.niche.auth.{key}"),
                                format!("{}: {e}", f.display()),
                            );
                        }
                    }
                }
                // Building the client catches what is left (PEM that does not parse...).
                if auth_ok
                    && reqwest::Url::parse(&n.url).is_ok()
                    && let Err(e) = crate::sinks::niche::NicheSink::new(n)
                {
                    let key = e
                        .split(':')
                        .next()
                        .unwrap_or("niche")
                        .split_whitespace()
                        .next()
                        .unwrap_or("niche");
                    p.error(format!("{base}.{key}"), e.clone());
                }
            }
        },
        SinkKind::FileDrop => match &s.file_drop {
            None => p.error(
                format!("{base}.file_drop"),
                format!(
                    "missing: kind = \"file-drop\" needs [{base}.file_drop] with dir = \"...\""
                ),
            ),
            Some(f) => {
                if f.dir.exists() && tempfile::tempfile_in(&f.dir).is_err() {
                    p.error(
                        format!("{base}.file_drop.dir"),
                        format!("{} is not writable", f.dir.display()),
                    );
                }
            }
        },
    }
    if !s.renderer.exists() {
        p.error(
            format!("{base}.renderer"),
            format!(
                "{} does not exist; build it or fix the path",
                s.renderer.display()
            ),
        );
        return;
    }
    let Some(engine) = engine else { return };
    match RendererPlugin::load(
        engine,
        &s.renderer,
        s.renderer_sha256.as_deref(),
        s.limits.clone(),
    ) {
        Ok(r) => {
            if s.renderer_sha256.is_none() {
                p.warn(format!("{base}.renderer_sha256"), format!("not set: any file at this path will be run; pin it with renderer_sha256 = \"{}\"", r.sha256()));
            }
            if let Err(e) = r.validate_config(&crate::daemon::config_json(&s.renderer_config)) {
                p.error(format!("{base}.renderer_config"), e.to_string());
            }
        }
        Err(e) => plugin_problem(p, &base, "renderer", e),
    }
}
