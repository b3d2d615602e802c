//! `[sinks.<name>]`: where incidents are delivered, and how they are rendered. The
//! keys here are common to every kind (renderer, delivery settings); each kind's
//! own settings go in the table named after it (`[sinks.<name>.niche]`,
//! `.file_drop`) and are parsed by the kind (`crate::sinks`).

use crate::plugins::SandboxLimits;
use crate::sinks::{BreakerConfig, DeliverySettings, RetryConfig, SinkSettings};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// One sink.
#[derive(Debug, Clone, Deserialize)]
pub struct SinkConfig {
    /// What kind of sink this is (`niche`, `file-drop`); its settings go in the
    /// table of the same name.
    pub kind: String,
    /// The renderer plugin (.wasm, `sink-renderer` world) that turns an incident into
    /// a submission, e.g. `niche-xml`. Required by kinds that deliver rendered
    /// submissions (niche, file-drop); the mqtt kind builds its own messages.
    #[serde(default)]
    pub renderer: Option<PathBuf>,
    /// SHA-256 of the renderer file; when set, a file with another digest is refused.
    #[serde(default)]
    pub renderer_sha256: Option<String>,
    /// The renderer's own settings (force code tables...), handed to it as JSON.
    #[serde(default)]
    pub renderer_config: toml::Table,
    /// A TOML file holding the renderer's settings instead. Not together with
    /// `renderer_config`.
    #[serde(default)]
    pub renderer_config_file: Option<PathBuf>,
    /// Sandbox limits for the renderer.
    #[serde(default)]
    pub limits: SandboxLimits,
    /// Deliver an incident to this sink only once the named sink has finished
    /// with it (delivered, or given up); this sink then sees that sink's reference.
    /// E.g. `after = "niche"` on an mqtt sink publishes the Niche occurrence
    /// reference back to the radio net.
    #[serde(default)]
    pub after: Option<String>,
    /// Deliveries in flight at once. Default: the kind's (8 for niche, 4 otherwise).
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Retry timing for failed deliveries.
    #[serde(default)]
    pub retry: Option<RetryConfig>,
    /// The circuit breaker.
    #[serde(default)]
    pub circuit_breaker: Option<BreakerConfig>,
    /// The kind's own settings, parsed from its table by the kind.
    #[serde(skip, default = "crate::sinks::unparsed")]
    pub settings: Arc<dyn SinkSettings>,
}

impl SinkConfig {
    /// The delivery settings this sink runs with: the sink-level keys, else the
    /// kind's deprecated ones, else the defaults.
    pub fn delivery(&self) -> DeliverySettings {
        let legacy = self.settings.legacy_delivery();
        DeliverySettings {
            concurrency: self
                .concurrency
                .or(legacy.concurrency)
                .unwrap_or_else(|| self.settings.default_concurrency())
                .max(1),
            retry: self.retry.clone().or(legacy.retry).unwrap_or_default(),
            circuit_breaker: self
                .circuit_breaker
                .clone()
                .or(legacy.circuit_breaker)
                .unwrap_or_default(),
        }
    }
}
