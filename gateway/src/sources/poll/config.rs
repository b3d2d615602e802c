//! `[sources.<name>.poll]`: what to ask, how often, how to page, how to log in.

use super::auth::{PollAuth, TokenSource};
use super::pagination::Pagination;
use super::source::PollSource;
use crate::common::reconnect::ReconnectConfig;
use crate::config::problems::Problems;
use crate::config::secret::SecretSource;
use crate::sources::{RunningSource, SourceContext, SourceSettings};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Settings of a poll source.
#[derive(Debug, Clone, Deserialize)]
pub struct PollConfig {
    /// The URL to ask, with `{cursor}` (or `{page}`) where the pagination puts its
    /// place, e.g. `https://api.example/v1/incidents?cursor={cursor}&limit=100`.
    pub url: String,
    /// How the source finds the next page (default: one request per interval).
    #[serde(default)]
    pub pagination: Pagination,
    /// Seconds between polls once caught up.
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    /// Seconds one request may take, connection included.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Largest page (bytes); a larger one is an error, retried with backoff.
    #[serde(default = "default_max_page")]
    pub max_page_bytes: usize,
    /// Most pages fetched in one go before waiting an interval (a bound on a
    /// platform whose cursor never ends).
    #[serde(default = "default_max_pages")]
    pub max_pages_per_poll: u32,
    /// Extra request headers (not secrets: those go in `auth`), e.g.
    /// `{ Accept = "application/json" }`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Credentials (default: none).
    #[serde(default)]
    pub auth: Option<PollAuth>,
    /// The wait after a failed request doubles from `initial_ms` to `max_ms`,
    /// jittered; a `Retry-After` from the platform is honoured when longer. A
    /// page saved starts it again from `initial_ms`.
    #[serde(default = "default_backoff")]
    pub backoff: ReconnectConfig,
}

fn default_interval() -> u64 {
    60
}
fn default_timeout() -> u64 {
    30
}
fn default_max_page() -> usize {
    10 << 20
}
fn default_max_pages() -> u32 {
    1_000
}
fn default_backoff() -> ReconnectConfig {
    ReconnectConfig {
        initial_ms: 1_000,
        max_ms: 300_000,
    }
}

impl PollConfig {
    fn secrets(&self) -> Vec<(&'static str, &SecretSource)> {
        match &self.auth {
            None => Vec::new(),
            Some(PollAuth::Bearer { token }) => vec![("token", token)],
            Some(PollAuth::Basic { password, .. }) => vec![("password", password)],
            Some(PollAuth::Oauth2 { client_secret, .. }) => vec![("client_secret", client_secret)],
        }
    }
}

impl SourceSettings for PollConfig {
    fn resolve_paths(&mut self, base: &std::path::Path) {
        let secret = match &mut self.auth {
            None => return,
            Some(PollAuth::Bearer { token }) => token,
            Some(PollAuth::Basic { password, .. }) => password,
            Some(PollAuth::Oauth2 { client_secret, .. }) => client_secret,
        };
        if let SecretSource::File { file } = secret
            && file.is_relative()
        {
            *file = base.join(&*file);
        }
    }

    fn check(&self, key: &str, p: &mut Problems) {
        match reqwest::Url::parse(&self.url.replace("{cursor}", "c").replace("{page}", "1")) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            Ok(u) => p.error(
                format!("{key}.url"),
                format!("scheme {} is not http or https", u.scheme()),
            ),
            Err(e) => p.error(format!("{key}.url"), format!("not a URL: {e}")),
        }
        self.pagination
            .check(&format!("{key}.pagination"), &self.url, p);
        if self.interval_secs == 0 {
            p.error(format!("{key}.interval_secs"), "must be at least 1");
        }
        if self.timeout_secs == 0 {
            p.error(format!("{key}.timeout_secs"), "must be at least 1");
        }
        if self.max_page_bytes == 0 || self.max_pages_per_poll == 0 {
            p.error(
                format!("{key}.max_page_bytes"),
                "max_page_bytes and max_pages_per_poll must be at least 1",
            );
        }
        for (name, value) in &self.headers {
            let bad_name = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err();
            if bad_name || reqwest::header::HeaderValue::from_str(value).is_err() {
                p.error(
                    format!("{key}.headers.{name}"),
                    "not a valid header name and value",
                );
            } else if name.eq_ignore_ascii_case("authorization") {
                p.error(
                    format!("{key}.headers.{name}"),
                    "credentials go in auth, where they are read from env or file",
                );
            }
        }
        if let Some(PollAuth::Oauth2 { token_url, .. }) = &self.auth
            && reqwest::Url::parse(token_url).is_err()
        {
            p.error(format!("{key}.auth.token_url"), "not a URL");
        }
        for (name, secret) in self.secrets() {
            match secret {
                SecretSource::Literal(_) => p.error(
                    format!("{key}.auth.{name}"),
                    "secrets come from { env = \"NAME\" } or { file = \"path\" } only, never the config file",
                ),
                s => {
                    if let Err(e) = s.resolve() {
                        p.error(format!("{key}.auth.{name}"), e);
                    }
                }
            }
        }
    }

    fn build(&self, cx: SourceContext) -> anyhow::Result<RunningSource> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(self.timeout_secs))
            .connect_timeout(std::time::Duration::from_secs(self.timeout_secs.min(10)))
            .no_proxy()
            .build()?;
        let tokens = TokenSource::new(self.auth.as_ref(), client.clone())
            .map_err(|e| anyhow::anyhow!("auth: {e}"))?;
        let source = PollSource {
            config: self.clone(),
            client,
            tokens,
            cx,
        };
        Ok(Box::pin(source.run()))
    }
}
