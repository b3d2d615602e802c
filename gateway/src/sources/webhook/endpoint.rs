//! One webhook source's requests: `POST /sources/<name>` journals a body and
//! answers `202` with a receipt id only once the journal has committed it;
//! `GET /sources/<name>/receipts/<id>` says what became of it.
//!
//! The checks run cheapest first and before the body is read where they can:
//! credentials present (401), content type (415), declared length (413); then the
//! body (413 past the limit), the credentials themselves (403), the rate limit
//! (429), the syntax (400), and the journal (503 while it cannot be written).

use super::auth::{Authenticator, Refusal};
use super::body::{Syntax, check};
use super::rate::RateLimiter;
use crate::common::media::{BodyFormat, format_of, stored_content_type};
use crate::events::{InternalEvent, JournalWriteFailed, WebhookRefused};
use crate::http::SourceEndpoint;
use crate::http::problem::Problem;
use crate::store::{Appended, NewPayload, Store};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a client has to send its body once the head is in.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// What a 503 asks the client to wait.
const STORE_RETRY: Duration = Duration::from_secs(5);

/// A webhook source, registered on the shared listener.
pub struct WebhookEndpoint {
    /// The configured source name.
    pub source: String,
    /// Where bodies are journaled and receipts read.
    pub store: Arc<dyn Store>,
    /// Credentials.
    pub auth: Authenticator,
    /// Formats taken.
    pub accept: Vec<BodyFormat>,
    /// Largest body.
    pub max_body_bytes: usize,
    /// Requests per second, if limited.
    pub rate: Option<RateLimiter>,
}

#[async_trait::async_trait]
impl SourceEndpoint for WebhookEndpoint {
    async fn submit(&self, request: Request) -> Response {
        match self.take(request).await {
            Ok(response) => response,
            Err(problem) => self.refuse(problem),
        }
    }

    async fn receipt(&self, request: Request, receipt: &str) -> Response {
        match self.look_up(request, receipt).await {
            Ok(response) => response,
            Err(problem) => self.refuse(problem),
        }
    }
}

impl WebhookEndpoint {
    fn refuse(&self, problem: Problem) -> Response {
        WebhookRefused {
            source: &self.source,
            status: problem.status(),
            kind: problem.slug(),
        }
        .emit();
        problem.into_response()
    }

    fn auth_problem(&self, refusal: Refusal) -> Problem {
        match refusal {
            Refusal::Missing(why) => Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Credentials missing",
                why,
            )
            .challenge(self.auth.challenge()),
            Refusal::Wrong(why) => Problem::new(
                StatusCode::FORBIDDEN,
                "bad-credentials",
                "Credentials refused",
                why,
            ),
            Refusal::Expired(why) => Problem::new(
                StatusCode::FORBIDDEN,
                "signature-expired",
                "Signature expired",
                why,
            ),
            Refusal::Replayed => Problem::new(
                StatusCode::FORBIDDEN,
                "signature-replayed",
                "Signature already used",
                "this signature was already accepted (or is older than the replay cache remembers): sign each request afresh",
            ),
        }
    }

    async fn take(&self, request: Request) -> Result<Response, Problem> {
        let (parts, body) = request.into_parts();
        self.auth
            .present(&parts.headers)
            .map_err(|r| self.auth_problem(r))?;
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let format = format_of(content_type)
            .filter(|f| self.accept.contains(f))
            .ok_or_else(|| self.unsupported(content_type))?;
        let bytes = self.read_body(&parts.headers, body).await?;
        let now = chrono::Utc::now();
        let pass = self
            .auth
            .verify(&parts.headers, &bytes, now.timestamp(), true)
            .map_err(|r| self.auth_problem(r))?;
        if let Some(Err(wait)) = self.rate.as_ref().map(|r| r.take(Instant::now())) {
            self.auth.forget(pass);
            return Err(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!("source {:?} takes a limited number of requests per second; retry after the wait", self.source),
            )
            .retry_after(wait));
        }
        let invalid_lines = match check(format, &bytes) {
            Syntax::Ok => Vec::new(),
            Syntax::SomeLinesBad(lines) => lines,
            Syntax::Bad(why) => {
                self.auth.forget(pass);
                return Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "malformed-body",
                    "Malformed body",
                    why,
                ));
            }
        };
        let payload = NewPayload {
            source: self.source.clone(),
            received_at: now,
            content_type: stored_content_type(format, content_type),
            metadata: Vec::new(),
            bytes: bytes.to_vec(),
            origin: "webhook".into(),
            identity_scope: None,
            hold: None,
        };
        match self.journal(payload).await {
            Ok(Appended::New(id)) => {
                Ok(self.accepted(StatusCode::ACCEPTED, "accepted", id, &invalid_lines))
            }
            Ok(Appended::Duplicate(id)) => Ok(self.accepted(StatusCode::OK, "duplicate", id, &[])),
            Err(error) => {
                self.auth.forget(pass);
                JournalWriteFailed {
                    source: &self.source,
                    kind: "webhook",
                    payloads: 1,
                    error: &error,
                }
                .emit();
                Err(Problem::unavailable(
                    "the journal cannot be written just now; nothing was accepted: send the same request again after the wait",
                    STORE_RETRY,
                ))
            }
        }
    }

    /// Journals one body. The store answers once the commit holding it is made;
    /// no thread waits meanwhile, and concurrent requests share the writer's group
    /// commit (an extra batching step here measured slower: one more hand-off).
    async fn journal(&self, payload: NewPayload) -> Result<Appended, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.store.append_payloads_then(
            vec![payload],
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
        );
        match rx.await {
            Ok(Ok(mut appended)) => appended
                .pop()
                .ok_or_else(|| "the journal answered nothing".to_string()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the journal stopped before answering".to_string()),
        }
    }

    fn unsupported(&self, content_type: &str) -> Problem {
        let names: Vec<&str> = self.accept.iter().map(|f| f.media_type()).collect();
        let given = if content_type.is_empty() {
            "no Content-Type".to_string()
        } else {
            format!(
                "Content-Type {:?}",
                content_type.chars().take(80).collect::<String>()
            )
        };
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!("{given}: this source takes {}", names.join(", ")),
        )
    }

    fn too_large(&self) -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Body too large",
            format!(
                "this source takes bodies up to {} bytes: send fewer reports per request",
                self.max_body_bytes
            ),
        )
    }

    async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<bytes::Bytes, Problem> {
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body_bytes as u64) {
            return Err(self.too_large());
        }
        let limited = http_body_util::Limited::new(body, self.max_body_bytes);
        match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(self.too_large()),
            Ok(Err(_)) => Err(Problem::bad_request(
                "the body could not be read to its end",
            )),
            Err(_) => Err(Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "body-timeout",
                "Body too slow",
                format!(
                    "the body did not arrive within {} s",
                    BODY_TIMEOUT.as_secs()
                ),
            )),
        }
    }

    fn accepted(
        &self,
        status: StatusCode,
        what: &str,
        id: i64,
        invalid_lines: &[usize],
    ) -> Response {
        let url = format!("/sources/{}/receipts/{id}", self.source);
        let mut body = serde_json::json!({
            "receipt_id": id.to_string(),
            "status": what,
            "receipt_url": url,
        });
        if !invalid_lines.is_empty() {
            body["invalid_lines"] = serde_json::json!(invalid_lines);
        }
        (status, [(header::LOCATION, url)], axum::Json(body)).into_response()
    }

    async fn look_up(&self, request: Request, receipt: &str) -> Result<Response, Problem> {
        let headers = request.headers();
        self.auth
            .present(headers)
            .map_err(|r| self.auth_problem(r))?;
        let path = request.uri().path().as_bytes().to_vec();
        self.auth
            .verify(headers, &path, chrono::Utc::now().timestamp(), false)
            .map_err(|r| self.auth_problem(r))?;
        let not_found = || {
            Problem::not_found(format!(
                "source {:?} has no receipt {receipt:?}",
                self.source
            ))
        };
        let id: i64 = receipt.parse().map_err(|_| not_found())?;
        let store = self.store.clone();
        let source = self.source.clone();
        let found = tokio::task::spawn_blocking(move || store.receipt(&source, id))
            .await
            .map_err(|_| Problem::unavailable("the store does not answer", STORE_RETRY))?
            .map_err(|_| Problem::unavailable("the store does not answer", STORE_RETRY))?;
        match found {
            Some(r) => Ok(axum::Json(r).into_response()),
            None => Err(not_found()),
        }
    }
}
