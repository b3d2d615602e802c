//! Sources: where raw payloads come from. A source journals what it receives and
//! acknowledges it only once the journal has committed it; it never calls the
//! pipeline or a sink.
//!
//! Each kind lives in its own folder (`csv_folder/`, `mqtt/`, `poll/`, `serial/`,
//! `webhook/`): its
//! settings (`config.rs`, the `[sources.<name>.<kind>]` table) implement
//! [`SourceSettings`] — a pure `check` for `bcgw check-config` and a `build` that
//! starts it. [`KINDS`] is the one list of kinds.

pub mod csv_folder;
pub mod framing;
pub mod mqtt;
pub mod poll;
pub mod serial;
pub mod webhook;

use crate::config::kind::KindTable;
use crate::config::problems::Problems;
use crate::store::Store;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tokio::sync::watch;

/// Every source kind. Adding a kind: a folder beside this file and a line here.
pub const KINDS: &[SourceKind] = &[
    csv_folder::KIND,
    mqtt::KIND,
    poll::KIND,
    serial::KIND,
    webhook::KIND,
];

/// A kind of source: its name in config and how its table is parsed.
pub struct SourceKind {
    /// The value of `kind = "..."`.
    pub name: &'static str,
    /// Parses `[sources.<name>.<kind>]` into settings.
    pub parse: fn(KindTable<'_>) -> Parsed,
}

/// A kind's parsed settings, or the key that is wrong and why.
pub type Parsed = Result<Arc<dyn SourceSettings>, (String, String)>;

/// Finds a kind by its config name.
pub fn kind(name: &str) -> Option<&'static SourceKind> {
    KINDS.iter().find(|k| k.name == name)
}

/// The parse function of a kind whose settings are a serde struct.
pub fn parse_as<T>(table: KindTable<'_>) -> Parsed
where
    T: SourceSettings + serde::de::DeserializeOwned + 'static,
{
    let base = table.base.to_path_buf();
    let mut settings: T = table.parse()?;
    settings.resolve_paths(&base);
    Ok(Arc::new(settings))
}

/// What a running source is: a task that runs until shutdown.
pub type RunningSource = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a source is built with.
#[derive(Clone)]
pub struct SourceContext {
    /// The configured source name (goes into record ids and logs).
    pub name: String,
    /// The store payloads are journaled into.
    pub store: Arc<dyn Store>,
    /// Becomes `true` when the gateway stops; the source finishes what it has
    /// journaled (acknowledges it) and returns.
    pub shutdown: watch::Receiver<bool>,
    /// Set by the source while it has nothing in hand and nothing waiting (an empty
    /// folder, a quiet subscription): `bcgw run --until-idle` stops only when every
    /// source is idle and the store has no work left.
    pub idle: Arc<AtomicBool>,
    /// The shared API listener's routes: a source served over HTTP registers its
    /// endpoint here under its name.
    pub http: crate::http::Endpoints,
}

/// The settings of one kind of source: the `[sources.<name>.<kind>]` table.
pub trait SourceSettings: std::fmt::Debug + Send + Sync {
    /// Makes relative paths absolute against the config file's folder. Called once,
    /// when the config is parsed.
    fn resolve_paths(&mut self, _base: &std::path::Path) {}

    /// Checks the settings without starting anything or touching the network
    /// (`bcgw check-config`, and `bcgw run` before it starts). `key` is the table's
    /// dotted path, e.g. `sources.radio.mqtt`.
    fn check(&self, key: &str, problems: &mut Problems);

    /// Whether the source is served by the shared `[http]` listener (which must
    /// then be configured).
    fn listens_for_http(&self) -> bool {
        false
    }

    /// What the source named `name` holds exclusively while it runs (a serial
    /// port, an MQTT client id, an intake folder): two components holding the
    /// same are refused at check time.
    fn resources(&self, _name: &str) -> Vec<crate::config::resources::Resource> {
        Vec::new()
    }

    /// Starts the source. Called only after [`SourceSettings::check`] found no
    /// error; what can fail only at run time (a broker down) is retried by the
    /// source, not returned here.
    fn build(&self, cx: SourceContext) -> anyhow::Result<RunningSource>;
}

/// Settings that could not be parsed: reported by `check`, never built.
#[derive(Debug)]
pub struct Unparsed {
    /// The key that is wrong.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl SourceSettings for Unparsed {
    fn check(&self, _key: &str, problems: &mut Problems) {
        problems.error(&self.key, &self.message);
    }

    fn build(&self, _cx: SourceContext) -> anyhow::Result<RunningSource> {
        anyhow::bail!("config key {}: {}", self.key, self.message)
    }
}

/// Placeholder before a source's kind table is parsed.
pub fn unparsed() -> Arc<dyn SourceSettings> {
    Arc::new(Unparsed {
        key: "sources".into(),
        message: "not parsed".into(),
    })
}
