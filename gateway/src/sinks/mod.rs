//! Sinks: where incidents are delivered. A [`DeliveryWorker`] per sink claims due
//! outbox entries, renders each incident with the sink's renderer plugin, hands
//! the submission to the [`Sink`], and records what happened. Sinks never see the
//! sources; they read only the outbox.
//!
//! Each kind lives in its own folder (`niche/`, `file_drop/`): its settings (the
//! `[sinks.<name>.<kind>]` table) implement [`SinkSettings`] — a pure `check` for
//! `bcgw check-config` and a `build`. [`KINDS`] is the one list of kinds.
//! Settings every sink has (concurrency, retry, circuit breaker) are in
//! [`delivery`].

pub mod backoff;
pub mod breaker;
pub mod delivery;
pub mod file_drop;
pub mod mqtt;
pub mod niche;
pub mod recorder;
pub mod worker;

pub use delivery::{BreakerConfig, DeliverySettings, LegacyDelivery, RetryConfig};
pub use worker::DeliveryWorker;

use crate::config::kind::KindTable;
use crate::config::problems::Problems;
use crate::store::DeliveryAction;
use bcgw_sdk::plugin::{Incident, Submission};
use std::sync::Arc;
use std::time::Duration;

/// Every sink kind. Adding a kind: a folder beside this file and a line here.
pub const KINDS: &[SinkKind] = &[niche::KIND, file_drop::KIND, mqtt::KIND];

/// A kind of sink: its name in config and how its table is parsed.
pub struct SinkKind {
    /// The value of `kind = "..."`.
    pub name: &'static str,
    /// Parses `[sinks.<name>.<kind>]` into settings.
    pub parse: fn(KindTable<'_>) -> Parsed,
}

/// A kind's parsed settings, or the key that is wrong and why.
pub type Parsed = Result<Arc<dyn SinkSettings>, (String, String)>;

/// Finds a kind by its config name.
pub fn kind(name: &str) -> Option<&'static SinkKind> {
    KINDS.iter().find(|k| k.name == name)
}

/// The parse function of a kind whose settings are a serde struct.
pub fn parse_as<T>(table: KindTable<'_>) -> Parsed
where
    T: SinkSettings + serde::de::DeserializeOwned + 'static,
{
    let base = table.base.to_path_buf();
    let mut settings: T = table.parse()?;
    settings.resolve_paths(&base);
    Ok(Arc::new(settings))
}

/// What a sink is built with.
#[derive(Debug, Clone)]
pub struct SinkContext {
    /// The configured sink name.
    pub name: String,
    /// The delivery settings it runs with (its connection pool may follow
    /// `concurrency`).
    pub delivery: DeliverySettings,
}

/// The settings of one kind of sink: the `[sinks.<name>.<kind>]` table.
pub trait SinkSettings: std::fmt::Debug + Send + Sync {
    /// Makes relative paths absolute against the config file's folder.
    fn resolve_paths(&mut self, _base: &std::path::Path) {}

    /// Checks the settings without starting anything or touching the network.
    /// `key` is the table's dotted path, e.g. `sinks.niche.niche`.
    fn check(&self, key: &str, problems: &mut Problems);

    /// What the sink named `name` holds exclusively while it runs (an MQTT
    /// client id): two components holding the same are refused at check time.
    fn resources(&self, _name: &str) -> Vec<crate::config::resources::Resource> {
        Vec::new()
    }

    /// Builds the sink. Called only after [`SinkSettings::check`] found no error.
    fn build(&self, cx: &SinkContext) -> anyhow::Result<Arc<dyn Sink>>;

    /// Deliveries in flight at once when `[sinks.<name>] concurrency` is not set.
    fn default_concurrency(&self) -> usize {
        4
    }

    /// Whether the kind delivers what a renderer plugin made (`renderer = ...`
    /// required) or builds its messages itself from the incident (no renderer).
    fn uses_renderer(&self) -> bool {
        true
    }

    /// Delivery settings this kind used to keep in its own table.
    fn legacy_delivery(&self) -> LegacyDelivery {
        LegacyDelivery::default()
    }
}

/// Settings that could not be parsed: reported by `check`, never built.
#[derive(Debug)]
pub struct Unparsed {
    /// The key that is wrong.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl SinkSettings for Unparsed {
    fn check(&self, _key: &str, problems: &mut Problems) {
        problems.error(&self.key, &self.message);
    }

    fn build(&self, _cx: &SinkContext) -> anyhow::Result<Arc<dyn Sink>> {
        anyhow::bail!("config key {}: {}", self.key, self.message)
    }
}

/// Placeholder before a sink's kind table is parsed.
pub fn unparsed() -> Arc<dyn SinkSettings> {
    Arc::new(Unparsed {
        key: "sinks".into(),
        message: "not parsed".into(),
    })
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted; the sink's reference (a Niche occurrence reference, a file name).
    Delivered(String),
    /// A temporary failure (timeout, 5xx, 429, connection refused): try again later,
    /// not before `retry_after` if the endpoint said so.
    Retry {
        /// What went wrong.
        error: String,
        /// The endpoint's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// A permanent refusal (the submission is invalid): quarantine it.
    Rejected(String),
}

/// One delivery as a sink sees it.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The incident's stable id, the idempotency key: delivering the same key
    /// twice must not create two occurrences.
    pub key: &'a str,
    /// The incident, with its reports.
    pub incident: &'a Incident,
    /// The submission the sink's renderer made, for kinds that use one.
    pub submission: Option<&'a Submission>,
    /// For a sink with `after = "<sink>"`: that sink's reference (the Niche
    /// occurrence reference), `None` if it gave up on the incident.
    pub upstream_reference: Option<&'a str>,
    /// The incident's revision: 0 for the first delivery, higher for an update
    /// (a report amended, or linked, after the incident was delivered).
    pub revision: i64,
    /// What this sink answered when it first took the incident (the occurrence
    /// reference). `Some`: this delivery is an update of that occurrence.
    pub existing_reference: Option<&'a str>,
    /// What to do: submit (make or update the occurrence), merge it into
    /// another incident's, or withdraw it.
    pub action: &'a DeliveryAction,
}

impl Outgoing<'_> {
    /// The idempotency key of this delivery: the incident id for the first, the
    /// incident id and revision for an update (so each update is applied once,
    /// and a retried one is recognised).
    pub fn idempotency_key(&self) -> String {
        match (self.action, self.existing_reference) {
            (DeliveryAction::MergeInto { .. }, _) => format!("{}:merge", self.key),
            (DeliveryAction::Withdraw, _) => format!("{}:withdraw", self.key),
            (DeliveryAction::Submit, None) => self.key.to_string(),
            (DeliveryAction::Submit, Some(_)) => format!("{}:r{}", self.key, self.revision),
        }
    }

    /// For a sink with nothing to do for a merge or a withdrawal (a folder, an
    /// acknowledgement topic): done, with what it answered before. `None` for a
    /// submission, which the sink must make.
    pub fn nothing_to_send(&self) -> Option<Attempt> {
        match self.action {
            DeliveryAction::Submit => None,
            _ => Some(Attempt::Delivered(
                self.existing_reference.unwrap_or(self.key).to_string(),
            )),
        }
    }

    /// The rendered submission; a kind that needs one refuses without it.
    pub fn rendered(&self) -> Result<&Submission, Attempt> {
        self.submission.ok_or_else(|| {
            Attempt::Rejected("no submission: this sink kind needs a renderer".into())
        })
    }
}

/// Something incidents can be delivered to.
#[async_trait::async_trait]
pub trait Sink: Send + Sync {
    /// Delivers one incident.
    async fn deliver(&self, outgoing: &Outgoing<'_>) -> Attempt;
}
