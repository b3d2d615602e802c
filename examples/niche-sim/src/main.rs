//! niche-sim: a SIMULATOR of a Niche RMS import endpoint. It is not Niche.
//!
//! Niche publishes no import interface, so bcgw's tests and quick start need a
//! stand-in. This one speaks only the wire format (the bcgw Niche import profile):
//!
//! - `POST /submissions` with an `Idempotency-Key` header and an XML body:
//!   validates it, creates an occurrence and answers
//!   `201 {"occurrence_reference": ..., "version": 1}`; the same key again answers
//!   `200 {"occurrence_reference": ..., "version": 1, "replayed": true}` and creates
//!   nothing. A key already used for an update, merge or withdrawal answers `409`.
//! - `PUT /submissions/{occurrence_reference}` (the reference path-encoded,
//!   `OCC%2FAS%2F2026%2F000123`, or with raw slashes) with an `Idempotency-Key` header
//!   and an XML body validated like a POST's (its `IncidentId` must be the
//!   occurrence's): a new key adds version n+1, stored durably before the answer
//!   `200 {"occurrence_reference": ..., "version": n+1}`; a key already used for this
//!   occurrence (its creation or an update) adds nothing and answers `200` with the
//!   version that key made and `"replayed": true`; a key used for another occurrence
//!   answers `409`, an unknown reference `404`. A merged or withdrawn occurrence
//!   takes no new version: `409 {"error", "occurrence_reference", "status",
//!   "merged_into", "withdrawn_reason"}`.
//! - `POST /submissions/{occurrence_reference}/merge` with `Idempotency-Key` and
//!   `{"into": target, "reason": ...}`: the occurrence becomes `merged` into the
//!   target, which lists it in `merged_from`; `200 {"reference", "status": "merged",
//!   "merged_into"}`. See [`lifecycle`] for the refusals (404, 409, 422, 400).
//! - `POST /submissions/{occurrence_reference}/withdraw` with `Idempotency-Key` and
//!   `{"reason": ...}`: the occurrence becomes `withdrawn`; `200 {"reference",
//!   "status": "withdrawn", "withdrawn_reason"}`.
//! - `GET /submissions[?status=active|merged|withdrawn][&bodies=1]` lists what it
//!   holds (each occurrence with its current `version`, `status`, the body of its
//!   latest version with `bodies=1`, and the
//!   `incident_id` and `source_reports` of its latest version) with counts `total`,
//!   `active`, `merged`, `withdrawn`, `versions`; `GET
//!   /submissions/{occurrence_reference}` shows one occurrence with every version and
//!   its history; `GET /stats` counts requests and occurrences; `GET /health`.
//! - `PUT /control/faults` (JSON) makes it misbehave on every request that changes
//!   something (create, update, merge, withdraw): `fail_ratio` (500s),
//!   `unavailable_for_ms` with `retry_after_s` (503 + Retry-After), `stall_ms`,
//!   `drop_ratio` (connections closed without an answer). The same settings exist as
//!   command-line flags.

mod answers;
mod faults;
mod http;
mod lifecycle;
mod state;
mod submissions;
#[cfg(test)]
mod testkit;
mod validate;

use clap::Parser;
use faults::FaultArgs;
use http::{Request, Response};
use serde_json::json;
use state::State;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::BufReader;
use tokio::net::TcpListener;

/// A simulator of a Niche RMS import endpoint (NOT Niche).
#[derive(Debug, Parser)]
#[command(name = "niche-sim", version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free one (printed on start).
    #[arg(long, default_value = "127.0.0.1:8088")]
    listen: SocketAddr,
    /// File that keeps occurrences across restarts (JSON lines).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Require `Authorization: Bearer <token>`.
    #[arg(long, env = "NICHE_SIM_TOKEN")]
    token: Option<String>,
    /// fsync the state file before answering (off only for benchmarks that measure
    /// the gateway rather than the simulator's disk).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    fsync: bool,
    /// The force code in references.
    #[arg(long, default_value = "AS")]
    force: String,
    /// Initial faults (see PUT /control/faults).
    #[command(flatten)]
    faults: FaultArgs,
}

/// Everything the simulator holds, behind one lock.
struct Sim {
    state: State,
    faults: FaultArgs,
    unavailable_until: Option<Instant>,
    rng: u64,
}

impl Sim {
    fn new(state: State, rng: u64) -> Sim {
        Sim {
            state,
            faults: FaultArgs::default(),
            unavailable_until: None,
            rng,
        }
    }

    fn roll(&mut self) -> f64 {
        // xorshift64*: deterministic enough for fault injection.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn set_faults(&mut self, f: FaultArgs) {
        self.unavailable_until = (f.unavailable_for_ms > 0)
            .then(|| Instant::now() + Duration::from_millis(f.unavailable_for_ms));
        self.faults = f;
    }
}

type Shared = Arc<Mutex<Sim>>;

fn lock(sim: &Shared) -> std::sync::MutexGuard<'_, Sim> {
    sim.lock().unwrap_or_else(|e| e.into_inner())
}

/// Decodes `%XX` escapes in a path segment; `None` if they are malformed or the
/// result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What a request to one occurrence asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// `/submissions/{reference}`: show or update.
    Occurrence,
    /// `/submissions/{reference}/merge`.
    Merge,
    /// `/submissions/{reference}/withdraw`.
    Withdraw,
}

/// The occurrence reference of `/submissions/{reference}[/merge|/withdraw]`, encoded
/// (`OCC%2FAS%2F2026%2F000123`) or with raw slashes (`OCC/AS/2026/000123`), and what
/// is asked of it. The action is read before decoding, so an encoded `%2Fmerge`
/// would be part of a reference, never an action.
fn route(path: &str) -> Option<(String, Action)> {
    let rest = path.strip_prefix("/submissions/")?;
    let (rest, action) = if let Some(r) = rest.strip_suffix("/merge") {
        (r, Action::Merge)
    } else if let Some(r) = rest.strip_suffix("/withdraw") {
        (r, Action::Withdraw)
    } else {
        (rest, Action::Occurrence)
    };
    let reference = percent_decode(rest).filter(|r| !r.is_empty())?;
    Some((reference, action))
}

fn authorised(req: &Request, token: &Option<String>) -> bool {
    match token {
        None => true,
        Some(t) => req.header("authorization") == Some(format!("Bearer {t}").as_str()),
    }
}

fn method_not_allowed() -> Response {
    Response::json(405, json!({"error": "method not allowed"}))
}

async fn handle(sim: &Shared, req: Request, args: &Args) -> Option<Response> {
    lock(sim).state.stats.requests += 1;
    if req.path != "/health" && !authorised(&req, &args.token) {
        lock(sim).state.stats.unauthorized += 1;
        return Some(Response::json(
            401,
            json!({"error": "missing or wrong bearer token"}),
        ));
    }
    if let Some((reference, action)) = route(&req.path) {
        return match (req.method.as_str(), action) {
            ("GET", Action::Occurrence) => Some(submissions::show(sim, &reference)),
            ("PUT", Action::Occurrence) => {
                faults::guarded(sim, || submissions::update(sim, &req, &reference)).await
            }
            ("POST", Action::Merge) => {
                faults::guarded(sim, || lifecycle::merge(sim, &req, &reference)).await
            }
            ("POST", Action::Withdraw) => {
                faults::guarded(sim, || lifecycle::withdraw(sim, &req, &reference)).await
            }
            _ => Some(method_not_allowed()),
        };
    }
    Some(match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/submissions") => {
            return faults::guarded(sim, || submissions::submit(sim, &req, &args.force)).await;
        }
        ("GET", "/submissions") => submissions::list(sim, &req),
        ("GET", "/stats") => {
            let s = lock(sim);
            let mut v = serde_json::to_value(&s.state.stats).unwrap_or_default();
            v["occurrences"] = json!(s.state.by_key.len());
            if let Ok(serde_json::Value::Object(summary)) = serde_json::to_value(s.state.summary())
            {
                for (name, count) in summary {
                    v[name] = count;
                }
            }
            Response::json(200, v)
        }
        ("GET", "/health") => Response::json(
            200,
            json!({"status": "ok", "simulator": "niche-sim (not Niche RMS)"}),
        ),
        ("PUT", "/control/faults") => match serde_json::from_slice::<FaultArgs>(&req.body) {
            Ok(f) => {
                lock(sim).set_faults(f);
                Response::json(200, json!({"faults": "set"}))
            }
            Err(e) => Response::json(400, json!({"error": e.to_string()})),
        },
        (_, "/submissions") | (_, "/control/faults") => method_not_allowed(),
        _ => Response::json(404, json!({"error": "not found"})),
    })
}

async fn serve(stream: tokio::net::TcpStream, sim: Shared, args: Arc<Args>) {
    let mut conn = BufReader::new(stream);
    loop {
        let req = match http::read_request(&mut conn).await {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(_) => {
                let _ = http::write_response(
                    &mut conn,
                    &Response::json(413, json!({"error": "bad request"})),
                )
                .await;
                return;
            }
        };
        let close = req
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        match handle(&sim, req, &args).await {
            // Dropping the connection without a word is the point of this fault.
            None => return,
            Some(resp) => {
                if http::write_response(&mut conn, &resp).await.is_err() || close {
                    return;
                }
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    let state = State::open(args.state.clone(), args.fsync)?;
    let listener = TcpListener::bind(args.listen).await?;
    let mut sim = Sim::new(state, 0x9E37_79B9_7F4A_7C15);
    sim.set_faults(args.faults.clone());
    let held = sim.state.by_key.len();
    let sim: Shared = Arc::new(Mutex::new(sim));
    println!(
        "niche-sim: a SIMULATOR of a Niche RMS import endpoint (not Niche) listening on http://{} ({held} occurrence(s) loaded)",
        listener.local_addr()?
    );
    use std::io::Write;
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve(stream, sim.clone(), args.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_encoded_or_with_raw_slashes() {
        let reference = |path: &str| route(path).map(|(r, _)| r);
        let want = Some("OCC/AS/2026/000123".to_string());
        assert_eq!(reference("/submissions/OCC%2FAS%2F2026%2F000123"), want);
        assert_eq!(reference("/submissions/OCC%2fAS%2f2026%2f000123"), want);
        assert_eq!(reference("/submissions/OCC/AS/2026/000123"), want);
        assert_eq!(reference("/submissions/"), None);
        assert_eq!(reference("/submissions"), None);
        assert_eq!(reference("/submissions/OCC%2"), None);
        assert_eq!(reference("/submissions/OCC%ZZ"), None);
        assert_eq!(reference("/submissions/OCC%+1"), None);
        assert_eq!(reference("/submissions/OCC%C3%A9"), Some("OCCé".into()));
        assert_eq!(reference("/stats"), None);
    }

    #[test]
    fn merge_and_withdraw_are_read_after_a_reference_in_either_form() {
        let occ = "OCC/AS/2026/000123".to_string();
        for path in [
            "/submissions/OCC%2FAS%2F2026%2F000123/merge",
            "/submissions/OCC/AS/2026/000123/merge",
        ] {
            assert_eq!(route(path), Some((occ.clone(), Action::Merge)), "{path}");
        }
        assert_eq!(
            route("/submissions/OCC/AS/2026/000123/withdraw"),
            Some((occ.clone(), Action::Withdraw))
        );
        assert_eq!(
            route("/submissions/OCC/AS/2026/000123"),
            Some((occ, Action::Occurrence))
        );
        // An encoded slash belongs to the reference.
        assert_eq!(
            route("/submissions/X%2Fmerge"),
            Some(("X/merge".into(), Action::Occurrence))
        );
        assert_eq!(route("/submissions//merge"), None);
        assert_eq!(
            route("/submissions/merge"),
            Some(("merge".into(), Action::Occurrence))
        );
    }
}
