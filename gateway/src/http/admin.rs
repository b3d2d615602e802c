//! The operators' routes (`[admin] listen`): Prometheus metrics and a health check.
//!
//! - `GET /metrics`: counts read from the store (journal, records, amendments,
//!   deliveries per sink, open quarantine by error kind) plus the in-process
//!   component error counts, in the Prometheus text format. They come from the
//!   store, not from in-process counters, so they survive restarts and agree with
//!   `bcgw status` and `bcgw quarantine list`.
//! - `GET /healthz`: `200 ok` while the store answers, `503` when it does not.

use super::metrics::render;
use super::problem::Problem;
use crate::store::Store;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the admin routes read.
#[derive(Clone)]
pub struct AdminState {
    /// The store the counts come from.
    pub store: Arc<dyn Store>,
    /// The configured sink names: each gets its series even before its first
    /// delivery, so a dashboard shows a zero rather than a gap.
    pub sinks: Arc<Vec<String>>,
    /// When the process started serving.
    pub started: Instant,
}

/// The admin routes.
pub fn routes(state: AdminState) -> Router {
    Router::new()
        .route("/metrics", get(metrics).fallback(get_only))
        .route("/healthz", get(healthz).fallback(get_only))
        .with_state(state)
}

async fn get_only() -> Problem {
    Problem::method_not_allowed("GET")
}

/// The admin listener's answer to any other path.
pub async fn not_found() -> Problem {
    Problem::not_found("no such path: try /metrics or /healthz")
}

async fn stats(state: &AdminState) -> Result<crate::store::StoreStats, Problem> {
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.stats()).await {
        Ok(Ok(stats)) => Ok(stats),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "admin: the store does not answer");
            Err(Problem::unavailable(
                format!("store unavailable: {e}"),
                Duration::from_secs(5),
            ))
        }
        Err(_) => Err(Problem::unavailable(
            "store unavailable",
            Duration::from_secs(5),
        )),
    }
}

async fn metrics(State(state): State<AdminState>) -> Response {
    match stats(&state).await {
        Ok(stats) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            render(
                &stats,
                &state.sinks,
                &crate::events::component_errors(),
                state.started.elapsed(),
            ),
        )
            .into_response(),
        Err(p) => p.into_response(),
    }
}

async fn healthz(State(state): State<AdminState>) -> Response {
    match stats(&state).await {
        Ok(_) => ([(header::CONTENT_TYPE, "text/plain")], "ok\n").into_response(),
        Err(p) => p.into_response(),
    }
}
