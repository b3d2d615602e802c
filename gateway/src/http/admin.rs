//! The operators' routes (`[admin] listen`): Prometheus metrics and a health check.
//!
//! - `GET /metrics`: counts read from the store (journal, records, amendments,
//!   deliveries per sink, open quarantine by error kind) plus the in-process
//!   component error counts, in the Prometheus text format. They come from the
//!   store, not from in-process counters, so they survive restarts and agree with
//!   `bcgw status` and `bcgw quarantine list`.
//! - `GET /healthz` (alive): `200 ok` while the store answers, `503` when it does not.
//! - `GET /readyz` (ready): `200` while every supervised stage is running and,
//!   for those that report progress, made some within
//!   [`STALL_AFTER`](crate::supervise::STALL_AFTER); else `503` naming each stage
//!   that is not, and since when. Both answer JSON with every stage's state.

use super::metrics::render;
use super::problem::Problem;
use crate::store::Store;
use crate::supervise::{Health, StageReport, StageState};
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
    /// The supervised stages.
    pub health: Arc<Health>,
}

/// The admin routes.
pub fn routes(state: AdminState) -> Router {
    Router::new()
        .route("/metrics", get(metrics).fallback(get_only))
        .route("/healthz", get(healthz).fallback(get_only))
        .route("/readyz", get(readyz).fallback(get_only))
        .with_state(state)
}

async fn get_only() -> Problem {
    Problem::method_not_allowed("GET")
}

/// The admin listener's answer to any other path.
pub async fn not_found() -> Problem {
    Problem::not_found("no such path: try /metrics, /healthz or /readyz")
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
            ) + &render_stages(&state.health),
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

/// One stage as `/readyz` lists it.
fn stage_json(report: &StageReport) -> serde_json::Value {
    serde_json::json!({
        "stage": report.name,
        "state": match report.state {
            StageState::Running => "running",
            StageState::Restarting => "restarting",
            StageState::Stopped => "stopped",
        },
        "for_seconds": report.state_for.as_secs_f64().round(),
        "last_progress_seconds_ago": report.last_progress_ago.map(|d| (d.as_secs_f64() * 10.0).round() / 10.0),
        "restarts": report.restarts,
        "ready": report.ready(),
    })
}

async fn readyz(State(state): State<AdminState>) -> Response {
    let reports = state.health.reports();
    let problems: Vec<String> = reports.iter().filter_map(StageReport::problem).collect();
    let status = if problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "ready": problems.is_empty(),
        "problems": problems,
        "stages": reports.iter().map(stage_json).collect::<Vec<_>>(),
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The supervised stages' series for `/metrics`: up, restarts, last progress.
fn render_stages(health: &Health) -> String {
    use std::fmt::Write;
    let reports = health.reports();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP bcgw_stage_up Whether a supervised stage is running (1) or failed and restarting, or stopped (0)."
    );
    let _ = writeln!(out, "# TYPE bcgw_stage_up gauge");
    for r in &reports {
        let up = u8::from(r.state == StageState::Running);
        let _ = writeln!(out, "bcgw_stage_up{{stage=\"{}\"}} {up}", r.name);
    }
    let _ = writeln!(
        out,
        "# HELP bcgw_stage_restarts_total Times a stage panicked or ended and was started again."
    );
    let _ = writeln!(out, "# TYPE bcgw_stage_restarts_total counter");
    for r in &reports {
        let _ = writeln!(
            out,
            "bcgw_stage_restarts_total{{stage=\"{}\"}} {}",
            r.name, r.restarts
        );
    }
    let _ = writeln!(
        out,
        "# HELP bcgw_stage_last_progress_timestamp_seconds When a stage last reported progress (Unix time); absent for stages that do not report."
    );
    let _ = writeln!(
        out,
        "# TYPE bcgw_stage_last_progress_timestamp_seconds gauge"
    );
    for r in &reports {
        if let Some(t) = health.progress_unix_seconds(r) {
            let _ = writeln!(
                out,
                "bcgw_stage_last_progress_timestamp_seconds{{stage=\"{}\"}} {t:.3}",
                r.name
            );
        }
    }
    out
}
