//! The poll loop: ask, journal the page with its cursor in one commit, follow the
//! pagination until caught up, wait the interval; on failure back off (honouring
//! `Retry-After`) and ask again from the cursor last committed. The backoff grows
//! only while nothing is saved: a poll that journaled pages before it failed
//! waits the first step.

use super::auth::TokenSource;
use super::config::PollConfig;
use super::pagination::Next;
use crate::common::media::{format_of, stored_content_type};
use crate::common::reconnect::Backoff;
use crate::events::{InternalEvent, PollFailed};
use crate::sources::SourceContext;
use crate::store::NewPayload;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A running poll source.
pub struct PollSource {
    /// Its settings.
    pub config: PollConfig,
    /// The HTTP client (timeouts set).
    pub client: reqwest::Client,
    /// Credentials.
    pub tokens: TokenSource,
    /// Name, store, shutdown.
    pub cx: SourceContext,
}

/// Why a poll stopped early.
struct Failure {
    stage: &'static str,
    error: String,
    retry_after: Option<Duration>,
}

impl Failure {
    fn new(stage: &'static str, error: impl Into<String>) -> Failure {
        Failure {
            stage,
            error: error.into(),
            retry_after: None,
        }
    }
}

/// One page as fetched.
struct Page {
    url: reqwest::Url,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl PollSource {
    /// Polls until shutdown.
    pub async fn run(self) {
        let mut shutdown = self.cx.shutdown.clone();
        let mut backoff = Backoff::new(&self.config.backoff);
        loop {
            if *shutdown.borrow() {
                return;
            }
            let mut saved = 0;
            let polled = self.poll(&mut saved).await;
            // A saved page is a success: a platform that refuses now and then
            // (429, 503) is asked again after the first step, not after a wait
            // grown by every refusal since the last time it was caught up.
            if saved > 0 {
                backoff.succeeded();
            }
            let wait = match polled {
                Ok(()) => {
                    backoff.succeeded();
                    self.cx.idle.store(true, Ordering::Relaxed);
                    Duration::from_secs(self.config.interval_secs)
                }
                Err(f) => {
                    let (attempts, wait) = backoff.failed();
                    let wait = wait.max(f.retry_after.unwrap_or_default());
                    PollFailed {
                        source: &self.cx.name,
                        stage: f.stage,
                        attempts,
                        wait,
                        error: &f.error,
                    }
                    .emit();
                    wait
                }
            };
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            self.cx.idle.store(false, Ordering::Relaxed);
        }
    }

    /// Follows the pages from the committed cursor until caught up (or the page
    /// bound), journaling each page with the cursor after it; `saved` counts the
    /// pages journaled, whatever stopped the poll.
    async fn poll(&self, saved: &mut u32) -> Result<(), Failure> {
        let mut cursor = self.cursor().await?;
        let mut shutdown = self.cx.shutdown.clone();
        for _ in 0..self.config.max_pages_per_poll {
            let page = tokio::select! {
                _ = shutdown.changed() => return Ok(()),
                page = self.fetch(&cursor) => page?,
            };
            let next = self
                .config
                .pagination
                .next(&cursor, &page.url, &page.headers, &page.body);
            match next {
                Ok(Next::Advance(next)) => {
                    self.journal(&page, Some(next.clone())).await?;
                    *saved += 1;
                    cursor = next;
                }
                Ok(Next::CaughtUp) => {
                    self.journal(&page, None).await?;
                    return Ok(());
                }
                Err(why) => {
                    // Journaled all the same (refused as a repeat if it comes
                    // again unchanged): the adapter's verdict goes to quarantine.
                    self.journal(&page, None).await?;
                    return Err(Failure::new("pagination", why));
                }
            }
        }
        Ok(())
    }

    async fn cursor(&self) -> Result<String, Failure> {
        let store = self.cx.store.clone();
        let name = self.cx.name.clone();
        let stored = tokio::task::spawn_blocking(move || store.cursor(&name))
            .await
            .map_err(|e| Failure::new("journal", e.to_string()))?
            .map_err(|e| Failure::new("journal", e.to_string()))?;
        Ok(stored.unwrap_or_else(|| self.config.pagination.start(&self.config.url)))
    }

    async fn journal(&self, page: &Page, cursor: Option<String>) -> Result<(), Failure> {
        let declared = page
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        let content_type = format_of(declared)
            .map(|f| stored_content_type(f, declared))
            .unwrap_or_else(|| "application/json".into());
        let payload = NewPayload {
            source: self.cx.name.clone(),
            received_at: chrono::Utc::now(),
            content_type,
            metadata: Vec::new(),
            bytes: page.body.clone(),
            origin: "poll".into(),
            identity_scope: None,
            hold: None,
        };
        let store = self.cx.store.clone();
        let name = self.cx.name.clone();
        tokio::task::spawn_blocking(move || store.append_page(vec![payload], &name, cursor))
            .await
            .map_err(|e| Failure::new("journal", e.to_string()))?
            .map_err(|e| Failure::new("journal", e.to_string()))?;
        Ok(())
    }

    /// Asks for the page at `cursor`; a 401 with an OAuth2 token is asked again
    /// once with a fresh token.
    async fn fetch(&self, cursor: &str) -> Result<Page, Failure> {
        let url = self.config.pagination.url(&self.config.url, cursor);
        let url = reqwest::Url::parse(&url)
            .map_err(|e| Failure::new("request", format!("not a URL: {e}")))?;
        let mut retried = false;
        loop {
            let mut request = self.client.get(url.clone());
            for (k, v) in &self.config.headers {
                request = request.header(k.as_str(), v.as_str());
            }
            request = self
                .tokens
                .authorize(request)
                .await
                .map_err(|e| Failure::new("auth", e))?;
            let response = request.send().await.map_err(|e| {
                let what = if e.is_timeout() {
                    "timed out"
                } else {
                    "request failed"
                };
                Failure::new(
                    "request",
                    format!("{what}: {}", crate::observability::error_chain(&e)),
                )
            })?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !retried && self.tokens.invalidate().await {
                retried = true;
                continue;
            }
            if !status.is_success() {
                let stage = if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                    "auth"
                } else {
                    "request"
                };
                return Err(Failure {
                    stage,
                    error: format!("HTTP {status}"),
                    retry_after: crate::common::retry_after::parse(response.headers()),
                });
            }
            let headers = response.headers().clone();
            let body = self.read(response).await?;
            return Ok(Page { url, headers, body });
        }
    }

    async fn read(&self, mut response: reqwest::Response) -> Result<Vec<u8>, Failure> {
        let max = self.config.max_page_bytes;
        let too_big = || {
            Failure::new(
                "request",
                format!("the page is larger than max_page_bytes ({max})"),
            )
        };
        if response.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            Failure::new(
                "request",
                format!(
                    "reading the page: {}",
                    crate::observability::error_chain(&e)
                ),
            )
        })? {
            if body.len() + chunk.len() > max {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
