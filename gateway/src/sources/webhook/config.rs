//! `[sources.<name>.webhook]`: how a BCRP platform authenticates, what it may
//! send, and how fast.

use super::auth::Authenticator;
use super::endpoint::WebhookEndpoint;
use super::rate::RateLimiter;
use crate::common::media::BodyFormat;
use crate::config::problems::Problems;
use crate::config::secret::SecretSource;
use crate::sources::{RunningSource, SourceContext, SourceSettings};
use serde::Deserialize;
use std::sync::Arc;

/// Settings of a webhook source.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookConfig {
    /// How requests prove they come from the platform.
    pub auth: AuthConfig,
    /// Largest body (bytes); default `http.max_body_bytes`. Larger requests get 413.
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
    /// Body formats taken: any of `json`, `ndjson`, `csv`, `xml` (default all).
    /// Anything else gets 415.
    #[serde(default = "all_formats")]
    pub accept: Vec<BodyFormat>,
    /// Requests per second allowed, with bursts: `{ per_second = 50, burst = 100 }`.
    /// Beyond it, 429 with `Retry-After`. Unset: no limit.
    #[serde(default)]
    pub rate_limit: Option<RateLimitConfig>,
}

fn all_formats() -> Vec<BodyFormat> {
    BodyFormat::ALL.to_vec()
}

/// `auth = { kind = "bearer", token = { env = "..." } }` or
/// `auth = { kind = "hmac", secret = { file = "..." } }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AuthConfig {
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token, from `{ env = "..." }` or `{ file = "..." }`.
        token: SecretSource,
        /// While rotating: the token being replaced, still accepted until removed.
        #[serde(default)]
        previous_token: Option<SecretSource>,
    },
    /// An HMAC-SHA256 signature over the timestamp and the body.
    Hmac {
        /// The shared secret, from `{ env = "..." }` or `{ file = "..." }`.
        secret: SecretSource,
        /// While rotating: the secret being replaced, still accepted until removed.
        #[serde(default)]
        previous_secret: Option<SecretSource>,
        /// The header carrying the hex signature (optionally prefixed `sha256=`).
        #[serde(default = "default_signature_header")]
        signature_header: String,
        /// The header carrying the Unix time (seconds) the request was signed at.
        #[serde(default = "default_timestamp_header")]
        timestamp_header: String,
        /// How far the timestamp may be from the gateway's clock (seconds).
        #[serde(default = "default_max_skew")]
        max_skew_secs: u64,
        /// Signatures remembered to refuse replays within the skew window. When
        /// full, the oldest are forgotten and requests signed before them refused.
        #[serde(default = "default_replay_cache")]
        replay_cache_entries: usize,
    },
}

fn default_signature_header() -> String {
    "x-bcgw-signature".into()
}
fn default_timestamp_header() -> String {
    "x-bcgw-timestamp".into()
}
fn default_max_skew() -> u64 {
    300
}
fn default_replay_cache() -> usize {
    1_000_000
}

/// `rate_limit = { per_second = 50, burst = 100 }`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct RateLimitConfig {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests allowed at once after a quiet spell (default: one second's worth).
    #[serde(default)]
    pub burst: Option<u32>,
}

impl WebhookConfig {}

impl AuthConfig {
    /// The secrets accepted, each with its key: the current one first, then the
    /// one being rotated out, if any.
    pub fn secrets(&self) -> Vec<(&'static str, &SecretSource)> {
        let (current, previous) = match self {
            AuthConfig::Bearer {
                token,
                previous_token,
            } => (
                ("token", token),
                previous_token.as_ref().map(|p| ("previous_token", p)),
            ),
            AuthConfig::Hmac {
                secret,
                previous_secret,
                ..
            } => (
                ("secret", secret),
                previous_secret.as_ref().map(|p| ("previous_secret", p)),
            ),
        };
        std::iter::once(current).chain(previous).collect()
    }

    fn secrets_mut(&mut self) -> Vec<&mut SecretSource> {
        match self {
            AuthConfig::Bearer {
                token,
                previous_token,
            } => std::iter::once(token)
                .chain(previous_token.as_mut())
                .collect(),
            AuthConfig::Hmac {
                secret,
                previous_secret,
                ..
            } => std::iter::once(secret)
                .chain(previous_secret.as_mut())
                .collect(),
        }
    }
}

impl SourceSettings for WebhookConfig {
    fn resolve_paths(&mut self, base: &std::path::Path) {
        for s in self.auth.secrets_mut() {
            if let SecretSource::File { file } = s
                && file.is_relative()
            {
                *file = base.join(&*file);
            }
        }
    }

    fn check(&self, key: &str, p: &mut Problems) {
        for (name, source) in self.auth.secrets() {
            let secret_key = format!("{key}.auth.{name}");
            match source {
                SecretSource::Literal(_) => p.error(
                    &secret_key,
                    "webhook secrets come from { env = \"NAME\" } or { file = \"path\" } only, never the config file",
                ),
                s => match s.resolve() {
                    Ok(v) if v.expose().len() < 16 => p.error(
                        &secret_key,
                        "shorter than 16 characters: use a long random secret (e.g. openssl rand -hex 32)",
                    ),
                    Ok(_) => {}
                    Err(e) => p.error(&secret_key, e),
                },
            }
        }
        if let AuthConfig::Hmac {
            signature_header,
            timestamp_header,
            max_skew_secs,
            replay_cache_entries,
            ..
        } = &self.auth
        {
            for (k, h) in [
                ("signature_header", signature_header),
                ("timestamp_header", timestamp_header),
            ] {
                if axum::http::HeaderName::from_bytes(h.as_bytes()).is_err() {
                    p.error(
                        format!("{key}.auth.{k}"),
                        format!("{h:?} is not a header name"),
                    );
                }
            }
            if *max_skew_secs == 0 {
                p.error(format!("{key}.auth.max_skew_secs"), "must be at least 1");
            }
            if *replay_cache_entries == 0 {
                p.error(
                    format!("{key}.auth.replay_cache_entries"),
                    "must be at least 1",
                );
            }
        }
        if self.accept.is_empty() {
            p.error(
                format!("{key}.accept"),
                "empty: take at least one of json, ndjson, csv, xml",
            );
        }
        if self.max_body_bytes == Some(0) {
            p.error(format!("{key}.max_body_bytes"), "must be at least 1");
        }
        if let Some(r) = &self.rate_limit {
            if !(r.per_second.is_finite() && r.per_second > 0.0) {
                p.error(format!("{key}.rate_limit.per_second"), "must be above 0");
            }
            if r.burst == Some(0) {
                p.error(format!("{key}.rate_limit.burst"), "must be at least 1");
            }
        }
    }

    fn listens_for_http(&self) -> bool {
        true
    }

    fn build(&self, cx: SourceContext) -> anyhow::Result<RunningSource> {
        let secrets = self
            .auth
            .secrets()
            .into_iter()
            .map(|(name, s)| s.resolve().map_err(|e| anyhow::anyhow!("auth.{name}: {e}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let endpoint = WebhookEndpoint {
            source: cx.name.clone(),
            store: cx.store.clone(),
            auth: Authenticator::new(&self.auth, secrets),
            accept: self.accept.clone(),
            max_body_bytes: self.max_body_bytes.unwrap_or(cx.http.max_body_bytes),
            rate: self.rate_limit.map(RateLimiter::new),
        };
        cx.http.register(&cx.name, Arc::new(endpoint));
        // Requests are served by the shared listener, each holding its connection
        // until its body is committed: the source itself has nothing in hand, so it
        // is idle, and its task only waits for shutdown.
        cx.idle.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut shutdown = cx.shutdown.clone();
        Ok(Box::pin(async move {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
        }))
    }
}
