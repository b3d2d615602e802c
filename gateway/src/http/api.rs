//! The API routes: what a BCRP platform's developers build against, documented in
//! `docs/openapi.json` (served at `GET /openapi.json`). A test checks the document
//! against the running server, so the two cannot drift apart.

use super::problem::Problem;
use super::{Endpoints, SourceEndpoint};
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use std::sync::Arc;

/// The OpenAPI 3.1 document of this API.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// The API routes over the registered sources.
pub fn routes(endpoints: Endpoints) -> Router {
    Router::new()
        .route("/openapi.json", any(openapi))
        .route("/sources/{source}", any(submit))
        .route("/sources/{source}/receipts/{receipt}", any(receipt))
        .fallback(not_found)
        .with_state(endpoints)
}

async fn not_found() -> Problem {
    Problem::not_found(
        "no such path: sources post to /sources/<name>; the API is described at /openapi.json",
    )
}

fn endpoint(endpoints: &Endpoints, source: &str) -> Result<Arc<dyn SourceEndpoint>, Problem> {
    endpoints.get(source).ok_or_else(|| {
        Problem::not_found(format!(
            "no webhook source is called {:?}",
            source.chars().take(64).collect::<String>()
        ))
    })
}

fn only(allowed: &'static str) -> Response {
    let mut r = Problem::method_not_allowed(allowed).into_response();
    r.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allowed));
    r
}

async fn openapi(method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return only("GET");
    }
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn submit(
    State(endpoints): State<Endpoints>,
    Path(source): Path<String>,
    request: Request,
) -> Response {
    let endpoint = match endpoint(&endpoints, &source) {
        Ok(e) => e,
        Err(p) => return p.into_response(),
    };
    if request.method() != Method::POST {
        return only("POST");
    }
    endpoint.submit(request).await
}

async fn receipt(
    State(endpoints): State<Endpoints>,
    Path((source, receipt)): Path<(String, String)>,
    request: Request,
) -> Response {
    let endpoint = match endpoint(&endpoints, &source) {
        Ok(e) => e,
        Err(p) => return p.into_response(),
    };
    if request.method() != Method::GET {
        return only("GET");
    }
    endpoint.receipt(request, &receipt).await
}
