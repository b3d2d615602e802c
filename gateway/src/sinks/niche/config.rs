//! `[sinks.<name>.niche]`: the import endpoint and how to authenticate.

use super::sink::NicheSink;
use crate::config::kind::resolve;
use crate::config::problems::Problems;
use crate::config::secret::SecretSource;
use crate::sinks::{BreakerConfig, LegacyDelivery, RetryConfig, Sink, SinkContext, SinkSettings};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Deprecated place of `[sinks.<name>] concurrency`.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Deprecated place of `[sinks.<name>.retry]`.
    #[serde(default)]
    pub retry: Option<RetryConfig>,
    /// Deprecated place of `[sinks.<name>.circuit_breaker]`.
    #[serde(default)]
    pub circuit_breaker: Option<BreakerConfig>,
}

fn default_timeout_ms() -> u64 {
    10_000
}

fn is_loopback(u: &reqwest::Url) -> bool {
    matches!(
        u.host_str(),
        Some("localhost" | "127.0.0.1" | "::1" | "[::1]")
    )
}

impl SinkSettings for NicheSinkConfig {
    fn resolve_paths(&mut self, base: &Path) {
        if let Some(auth) = &mut self.auth {
            for p in [
                &mut auth.client_cert_file,
                &mut auth.client_key_file,
                &mut auth.ca_file,
            ]
            .into_iter()
            .flatten()
            {
                resolve(base, p);
            }
            if let Some(SecretSource::File { file }) = &mut auth.bearer_token {
                resolve(base, file);
            }
        }
    }

    fn check(&self, key: &str, p: &mut Problems) {
        let url_ok = match reqwest::Url::parse(&self.url) {
            Err(e) => {
                p.error(format!("{key}.url"), format!("{:?} is not a URL ({e}); e.g. https://niche-import.example.police.uk/submissions", self.url));
                false
            }
            Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                p.error(
                    format!("{key}.url"),
                    format!("scheme {} is not http or https", u.scheme()),
                );
                false
            }
            Ok(u) => {
                if u.scheme() == "http" && !is_loopback(&u) {
                    p.warn(format!("{key}.url"), "plain http to a remote host: personal data would cross the network unencrypted; use https");
                }
                true
            }
        };
        if self.concurrency == Some(0) {
            p.error(format!("{key}.concurrency"), "must be at least 1");
        }
        let sink_key = key.rsplit_once('.').map(|(s, _)| s).unwrap_or(key);
        for (old, set) in [
            ("concurrency", self.concurrency.is_some()),
            ("retry", self.retry.is_some()),
            ("circuit_breaker", self.circuit_breaker.is_some()),
        ] {
            if set {
                p.warn(
                    format!("{key}.{old}"),
                    format!("deprecated here: every sink has it now; move it to {sink_key}.{old}"),
                );
            }
        }
        let mut auth_ok = true;
        if let Some(auth) = &self.auth {
            if let Some(token) = &auth.bearer_token
                && let Err(e) = token.resolve()
            {
                auth_ok = false;
                p.error(format!("{key}.auth.bearer_token"), e);
            }
            for (name, file) in [
                ("client_cert_file", &auth.client_cert_file),
                ("client_key_file", &auth.client_key_file),
                ("ca_file", &auth.ca_file),
            ] {
                if let Some(f) = file
                    && let Err(e) = std::fs::metadata(f)
                {
                    auth_ok = false;
                    p.error(
                        format!("{key}.auth.{name}"),
                        format!("{}: {e}", f.display()),
                    );
                }
            }
        }
        // Building the client catches what is left (PEM that does not parse...).
        if auth_ok
            && url_ok
            && let Err((sub, message)) = NicheSink::new(self, 1)
        {
            p.error(format!("{key}{sub}"), message);
        }
    }

    fn build(&self, cx: &SinkContext) -> anyhow::Result<Arc<dyn Sink>> {
        let sink = NicheSink::new(self, cx.delivery.concurrency)
            .map_err(|(sub, message)| anyhow::anyhow!("sinks.{}.niche{sub}: {message}", cx.name))?;
        Ok(Arc::new(sink))
    }

    fn default_concurrency(&self) -> usize {
        8
    }

    fn legacy_delivery(&self) -> LegacyDelivery {
        LegacyDelivery {
            concurrency: self.concurrency,
            retry: self.retry.clone(),
            circuit_breaker: self.circuit_breaker.clone(),
        }
    }
}
