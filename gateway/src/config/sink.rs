//! `[sinks.<name>]`: where incidents are delivered, and how they are rendered.

use super::secret::SecretSource;
use crate::plugins::SandboxLimits;
use serde::Deserialize;
use std::path::PathBuf;

/// The kinds of sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SinkKind {
    /// POST to a Niche import endpoint over HTTP(S) (settings in `niche`).
    Niche,
    /// Write submissions as files into a folder an import service watches
    /// (settings in `file_drop`).
    FileDrop,
}

/// One sink.
#[derive(Debug, Clone, Deserialize)]
pub struct SinkConfig {
    /// What kind of sink this is; its settings go in the table of the same name.
    pub kind: SinkKind,
    /// The renderer plugin (.wasm, `sink-renderer` world) that turns an incident into
    /// a submission, e.g. `niche-xml`.
    pub renderer: PathBuf,
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
    /// Settings for `kind = "niche"`.
    #[serde(default)]
    pub niche: Option<NicheSinkConfig>,
    /// Settings for `kind = "file-drop"`.
    #[serde(default)]
    pub file_drop: Option<FileDropConfig>,
}

/// How the niche sink authenticates.
#[derive(Debug, Clone, Deserialize)]
pub struct NicheAuth {
    /// A bearer token sent as `Authorization: Bearer ...`.
    #[serde(default)]
    pub bearer_token: Option<SecretSource>,
    /// A client certificate (PEM) for mutual TLS.
    #[serde(default)]
    pub client_cert_file: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[serde(default)]
    pub client_key_file: Option<PathBuf>,
    /// Extra CA certificate (PEM) to trust, e.g. the force's internal CA.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

/// Retry timing for failed deliveries: exponential backoff with full jitter.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RetryConfig {
    /// First retry delay.
    pub initial_ms: u64,
    /// Longest delay between attempts.
    pub max_ms: u64,
    /// Longest `Retry-After` honoured; longer ones are capped to this.
    pub max_retry_after_ms: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            initial_ms: 500,
            max_ms: 60_000,
            max_retry_after_ms: 300_000,
        }
    }
}

/// The circuit breaker: stop sending to an endpoint that keeps failing.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long the circuit stays open before one trial request.
    pub open_ms: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            open_ms: 5_000,
        }
    }
}

/// Settings of a niche sink.
#[derive(Debug, Clone, Deserialize)]
pub struct NicheSinkConfig {
    /// The import endpoint, e.g. `https://niche-import.force.police.uk/submissions`.
    pub url: String,
    /// Authentication.
    #[serde(default)]
    pub auth: Option<NicheAuth>,
    /// Timeout for one request (connect + response).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Requests in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Retry timing.
    #[serde(default)]
    pub retry: RetryConfig,
    /// Circuit breaker.
    #[serde(default)]
    pub circuit_breaker: BreakerConfig,
}

fn default_timeout_ms() -> u64 {
    10_000
}
fn default_concurrency() -> usize {
    8
}

/// Settings of a file-drop sink.
#[derive(Debug, Clone, Deserialize)]
pub struct FileDropConfig {
    /// The folder submissions are written into (atomically: temp file, then rename).
    pub dir: PathBuf,
    /// File extension of submissions.
    #[serde(default = "default_extension")]
    pub extension: String,
}

fn default_extension() -> String {
    "xml".into()
}
