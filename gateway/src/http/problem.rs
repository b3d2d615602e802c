//! RFC 9457 problem details: every error the HTTP API answers is one of these, as
//! `application/problem+json`, with a stable `type` a client can match on.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Duration;

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Where problem types are documented: `type` is this plus the problem's slug.
const TYPE_BASE: &str = "https://bcgw.example/problems/";

/// A problem to answer with. Boxed: it travels in `Err` through every check.
#[derive(Debug, Clone)]
pub struct Problem(Box<Document>);

/// The problem document.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// A URI naming the kind of problem; stable, documented in the OpenAPI document.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: &'static str,
    /// The HTTP status, repeated in the body.
    pub status: u16,
    /// What went wrong with this request, and what to do. Never echoes the body.
    pub detail: String,
    /// Seconds to wait before retrying (429, 503), repeated as `Retry-After`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(skip)]
    slug: &'static str,
    #[serde(skip)]
    status_code: StatusCode,
    #[serde(skip)]
    www_authenticate: Option<&'static str>,
}

impl Problem {
    /// A problem of kind `slug` with `status`.
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem(Box::new(Document {
            kind: format!("{TYPE_BASE}{slug}"),
            slug,
            title,
            status: status.as_u16(),
            detail: detail.into(),
            retry_after: None,
            status_code: status,
            www_authenticate: None,
        }))
    }

    /// The problem's short name (the end of its `type`), for logs and metrics.
    pub fn slug(&self) -> &'static str {
        self.0.slug
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// Adds `Retry-After` (rounded up to whole seconds, at least 1).
    pub fn retry_after(mut self, wait: Duration) -> Problem {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.0.retry_after = Some(secs.max(1));
        self
    }

    /// Adds a `WWW-Authenticate` challenge (401).
    pub fn challenge(mut self, scheme: &'static str) -> Problem {
        self.0.www_authenticate = Some(scheme);
        self
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            detail,
        )
    }

    /// 404: no such source, receipt or path.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 405, with the methods that are allowed in the detail.
    pub fn method_not_allowed(allowed: &str) -> Problem {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            format!("this path answers {allowed}"),
        )
    }

    /// 503: the journal cannot be written; nothing was accepted.
    pub fn unavailable(detail: impl Into<String>, wait: Duration) -> Problem {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            detail,
        )
        .retry_after(wait)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let doc = self.0;
        let body = serde_json::to_vec(&doc).unwrap_or_default();
        let mut response = (doc.status_code, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = doc.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(scheme) = doc.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(scheme));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_rfc9457_json_with_retry_after() {
        let p = Problem::unavailable("the journal is full", Duration::from_millis(2_500));
        let r = p.into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(r.headers()[header::RETRY_AFTER], "3");
    }
}
