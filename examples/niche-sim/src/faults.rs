//! Misbehaviour on purpose, so the gateway's retries, timeouts and dead letters can be
//! tested: 500s, outages answered 503 + Retry-After, stalls, dropped connections. It
//! applies to every request that changes an occurrence (create, update, merge,
//! withdraw) and to nothing else, so a test can still read what the simulator holds.

use crate::http::Response;
use crate::{Shared, lock};
use clap::Parser;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use std::time::Instant;

/// The faults to inject (`PUT /control/faults`, or flags at start).
#[derive(Debug, Clone, Default, Parser, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultArgs {
    /// Share of changing requests (POST, PUT, merge, withdraw) answered 500 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fail_ratio: f64,
    /// Answer 503 to every changing request for this long from now.
    #[arg(long, default_value_t = 0)]
    pub unavailable_for_ms: u64,
    /// Retry-After (seconds) sent with 503s.
    #[arg(long, default_value_t = 1)]
    pub retry_after_s: u64,
    /// Delay every changing request by this long before answering.
    #[arg(long, default_value_t = 0)]
    pub stall_ms: u64,
    /// Share of changing requests whose connection is closed without an answer
    /// (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    pub drop_ratio: f64,
}

/// What to do with a changing request before looking at it.
enum Fault {
    None,
    Drop,
    Respond(Response),
}

fn pre_fault(sim: &Shared) -> (Fault, u64) {
    let mut s = lock(sim);
    let stall = s.faults.stall_ms;
    if stall > 0 {
        s.state.stats.stalled += 1;
    }
    if s.unavailable_until.is_some_and(|u| Instant::now() < u) {
        s.state.stats.injected_unavailable += 1;
        let mut r = Response::json(503, json!({"error": "simulated outage"}));
        r.headers
            .push(("retry-after".into(), s.faults.retry_after_s.to_string()));
        return (Fault::Respond(r), stall);
    }
    let drop_ratio = s.faults.drop_ratio;
    if drop_ratio > 0.0 && s.roll() < drop_ratio {
        s.state.stats.dropped += 1;
        return (Fault::Drop, stall);
    }
    let fail_ratio = s.faults.fail_ratio;
    if fail_ratio > 0.0 && s.roll() < fail_ratio {
        s.state.stats.injected_failures += 1;
        return (
            Fault::Respond(Response::json(500, json!({"error": "simulated failure"}))),
            stall,
        );
    }
    (Fault::None, stall)
}

/// Runs `handler` unless a fault says otherwise: `None` drops the connection without
/// an answer.
pub async fn guarded(sim: &Shared, handler: impl FnOnce() -> Response) -> Option<Response> {
    let (fault, stall) = pre_fault(sim);
    if stall > 0 {
        tokio::time::sleep(Duration::from_millis(stall)).await;
    }
    match fault {
        Fault::Drop => None,
        Fault::Respond(r) => Some(r),
        Fault::None => Some(handler()),
    }
}
