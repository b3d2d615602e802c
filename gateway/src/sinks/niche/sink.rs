//! The niche sink's HTTP side: POSTs rendered submissions to a Niche import endpoint over
//! HTTP(S), with the incident id as the idempotency key.
//!
//! The endpoint answers `201`/`200` with `{"occurrence_reference": "..."}` (or a
//! `Location` header); the reference is stored with the delivery. An update of an
//! occurrence already made (a report amended after delivery) is a `PUT` to
//! `<url>/<reference, percent-encoded>` with the key `<incident id>:r<revision>`,
//! so each revision is applied once however often it is retried. When two
//! delivered incidents become one, the absorbed occurrence is merged into the
//! survivor's: `POST <url>/<reference>/merge` with `{"into": "<reference>"}` and the
//! key `<incident id>:merge`; an incident left with no reports is withdrawn with
//! `POST <url>/<reference>/withdraw` (key `<incident id>:withdraw`). `429`, `503`,
//! other `5xx`, `408`, timeouts and connection failures are temporary (retried,
//! honouring `Retry-After`); other `4xx` are permanent (quarantined).

use super::config::NicheSinkConfig;
use crate::sinks::{Attempt, Outgoing, Sink};
use crate::store::DeliveryAction;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use std::time::Duration;

/// The header carrying the idempotency key.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Most of an error response body kept in a message: enough to see why, short
/// enough not to carry a whole echoed submission into logs.
const BODY_SNIPPET: usize = 300;

/// A Niche import endpoint.
pub struct NicheSink {
    client: reqwest::Client,
    url: reqwest::Url,
    bearer: Option<HeaderValue>,
}

impl NicheSink {
    /// Builds the HTTP client from config: timeouts, TLS client certificate and extra
    /// CA, bearer token, a connection pool for `concurrency` requests. The error is
    /// the key below the niche table that is wrong (e.g. `.auth.ca_file`) and why.
    pub fn new(
        config: &NicheSinkConfig,
        concurrency: usize,
    ) -> Result<NicheSink, (&'static str, String)> {
        let url = reqwest::Url::parse(&config.url).map_err(|e| (".url", e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err((
                ".url",
                format!("scheme {} is not http or https", url.scheme()),
            ));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms.min(5_000)))
            .no_proxy()
            .pool_max_idle_per_host(concurrency.max(1));
        let mut bearer = None;
        if let Some(auth) = &config.auth {
            if let Some(ca) = &auth.ca_file {
                let pem = std::fs::read(ca)
                    .map_err(|e| (".auth.ca_file", format!("{}: {e}", ca.display())))?;
                let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                    (
                        ".auth.ca_file",
                        format!("{}: not a PEM certificate: {e}", ca.display()),
                    )
                })?;
                builder = builder.add_root_certificate(cert);
            }
            match (&auth.client_cert_file, &auth.client_key_file) {
                (Some(cert), Some(key)) => {
                    let mut pem = std::fs::read(cert).map_err(|e| {
                        (".auth.client_cert_file", format!("{}: {e}", cert.display()))
                    })?;
                    pem.extend(std::fs::read(key).map_err(|e| {
                        (".auth.client_key_file", format!("{}: {e}", key.display()))
                    })?);
                    let id = reqwest::Identity::from_pem(&pem).map_err(|e| {
                        (
                            ".auth.client_cert_file",
                            format!("with client_key_file: not a PEM certificate and key: {e}"),
                        )
                    })?;
                    builder = builder.identity(id);
                }
                (None, None) => {}
                _ => {
                    return Err((
                        ".auth",
                        "client_cert_file and client_key_file go together".into(),
                    ));
                }
            }
            if let Some(token) = &auth.bearer_token {
                let secret = token.resolve().map_err(|e| (".auth.bearer_token", e))?;
                let mut value = HeaderValue::from_str(&format!("Bearer {}", secret.expose()))
                    .map_err(|_| {
                        (
                            ".auth.bearer_token",
                            "contains characters not allowed in a header".to_string(),
                        )
                    })?;
                value.set_sensitive(true);
                bearer = Some(value);
            }
        }
        let client = builder
            .build()
            .map_err(|e| ("", format!("cannot build the HTTP client: {e}")))?;
        Ok(NicheSink {
            client,
            url,
            bearer,
        })
    }
}

impl NicheSink {
    /// Where an occurrence is updated: the submissions URL, then the reference as
    /// one path segment (references contain `/`).
    fn occurrence_url(&self, reference: &str) -> reqwest::Url {
        let mut url = self.url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(reference);
        }
        url
    }
}

impl NicheSink {
    /// Where an occurrence's merge or withdrawal is posted: `<url>/<reference>/<verb>`.
    fn lifecycle_url(&self, reference: &str, verb: &str) -> reqwest::Url {
        let mut url = self.occurrence_url(reference);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(verb);
        }
        url
    }
}

fn snippet(body: &str) -> String {
    let mut end = body.len().min(BODY_SNIPPET);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].trim().replace('\n', " ")
}

#[async_trait::async_trait]
impl Sink for NicheSink {
    async fn deliver(&self, outgoing: &Outgoing<'_>) -> Attempt {
        let key = outgoing.idempotency_key();
        let request = match (outgoing.action, outgoing.existing_reference) {
            (DeliveryAction::Submit, existing) => {
                let submission = match outgoing.rendered() {
                    Ok(s) => s,
                    Err(refused) => return refused,
                };
                let request = match existing {
                    None => self.client.post(self.url.clone()),
                    Some(reference) => self.client.put(self.occurrence_url(reference)),
                };
                request
                    .header(CONTENT_TYPE, submission.content_type.as_str())
                    .body(submission.body.clone())
            }
            (
                DeliveryAction::MergeInto {
                    reference: Some(into),
                    ..
                },
                Some(reference),
            ) => self
                .client
                .post(self.lifecycle_url(reference, "merge"))
                .header(CONTENT_TYPE, "application/json")
                .body(
                    serde_json::json!({
                        "into": into,
                        "reason": "the gateway linked both occurrences' reports to one incident",
                    })
                    .to_string(),
                ),
            (DeliveryAction::Withdraw, Some(reference)) => self
                .client
                .post(self.lifecycle_url(reference, "withdraw"))
                .header(CONTENT_TYPE, "application/json")
                .body(
                    serde_json::json!({
                        "reason": "the incident has no reports left in the gateway",
                    })
                    .to_string(),
                ),
            // No occurrence here to merge or withdraw, or none to merge into
            // (Niche refused the survivor): nothing to send.
            _ => {
                return outgoing
                    .nothing_to_send()
                    .unwrap_or(Attempt::Rejected("nothing to deliver".into()));
            }
        };
        let mut req = request.header(IDEMPOTENCY_KEY, key);
        if let Some(b) = &self.bearer {
            req = req.header(AUTHORIZATION, b.clone());
        }
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "cannot connect"
                } else {
                    "request failed"
                };
                return Attempt::Retry {
                    error: format!("{what}: {}", crate::observability::error_chain(&e)),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let after = crate::common::retry_after::parse(response.headers());
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            let reference = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("occurrence_reference")?.as_str().map(str::to_owned))
                .or(location)
                .or(outgoing.existing_reference.map(str::to_owned));
            return match reference {
                Some(r) if !r.trim().is_empty() => Attempt::Delivered(r),
                // Accepted, but we cannot tell which occurrence it became: retrying is
                // safe (same idempotency key) and gets the reference next time.
                _ => Attempt::Retry {
                    error: format!("HTTP {status} without an occurrence reference"),
                    retry_after: after,
                },
            };
        }
        let error = format!("HTTP {status}: {}", snippet(&body));
        match status {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => Attempt::Retry {
                error,
                retry_after: after,
            },
            s if s.is_server_error() => Attempt::Retry {
                error,
                retry_after: after,
            },
            _ => Attempt::Rejected(error),
        }
    }
}
