//! niche-sim: a SIMULATOR of a Niche RMS import endpoint. It is not Niche.
//!
//! Niche publishes no import interface, so bcgw's tests and quick start need a
//! stand-in. This one speaks only the wire format (the bcgw Niche import profile):
//!
//! - `POST /submissions` with an `Idempotency-Key` header and an XML body:
//!   validates it, creates an occurrence and answers `201 {"occurrence_reference": ...}`;
//!   the same key again answers `200` with the same reference and creates nothing.
//! - `GET /submissions` lists what it holds; `GET /stats` counts requests;
//!   `GET /health`.
//! - `PUT /control/faults` (JSON) makes it misbehave: `fail_ratio` (500s),
//!   `unavailable_for_ms` with `retry_after_s` (503 + Retry-After), `stall_ms`,
//!   `drop_ratio` (connections closed without an answer). The same settings exist
//!   as command-line flags.

mod http;
mod state;
mod validate;

use clap::Parser;
use http::{Request, Response};
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;
use state::{Occurrence, State};
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

#[derive(Debug, Clone, Default, Parser, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FaultArgs {
    /// Share of POSTs answered 500 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    fail_ratio: f64,
    /// Answer 503 to every POST for this long from now.
    #[arg(long, default_value_t = 0)]
    unavailable_for_ms: u64,
    /// Retry-After (seconds) sent with 503s.
    #[arg(long, default_value_t = 1)]
    retry_after_s: u64,
    /// Delay every POST by this long before answering.
    #[arg(long, default_value_t = 0)]
    stall_ms: u64,
    /// Share of POSTs whose connection is closed without an answer (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    drop_ratio: f64,
}

struct Sim {
    state: State,
    faults: FaultArgs,
    unavailable_until: Option<Instant>,
    rng: u64,
}

impl Sim {
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

/// What to do with a POST before looking at it.
enum Fault {
    None,
    Drop,
    Respond(Response),
}

fn lock(sim: &Shared) -> std::sync::MutexGuard<'_, Sim> {
    sim.lock().unwrap_or_else(|e| e.into_inner())
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

fn submit(sim: &Shared, req: &Request, force: &str) -> Response {
    let Some(key) = req
        .header("idempotency-key")
        .map(str::to_owned)
        .filter(|k| !k.is_empty())
    else {
        lock(sim).state.stats.rejected += 1;
        return Response::json(
            400,
            json!({"errors": ["Idempotency-Key header is required"]}),
        );
    };
    let body_sha = hex::encode(sha2::Sha256::digest(&req.body));
    let mut s = lock(sim);
    if let Some(existing) = s.state.by_key.get(&key).cloned() {
        s.state.stats.replayed += 1;
        if existing.body_sha256 != body_sha {
            s.state.stats.replayed_with_different_body += 1;
        }
        let mut r = Response::json(
            200,
            json!({"occurrence_reference": existing.occurrence_reference, "replayed": true}),
        );
        r.headers
            .push(("idempotent-replayed".into(), "true".into()));
        return r;
    }
    let sub = match validate::validate(&req.body) {
        Ok(sub) => sub,
        Err(problems) => {
            s.state.stats.rejected += 1;
            return Response::json(400, json!({"errors": problems}));
        }
    };
    if sub.incident_id != key {
        s.state.stats.rejected += 1;
        return Response::json(
            400,
            json!({"errors": ["IncidentId does not match the Idempotency-Key"]}),
        );
    }
    let number = s.state.order.len() + 1;
    let reference = format!(
        "OCC/{force}/{}/{number:06}",
        chrono::Utc::now().format("%Y")
    );
    let occurrence = Occurrence {
        occurrence_reference: reference.clone(),
        idempotency_key: key,
        created_at: chrono::Utc::now().to_rfc3339(),
        force: sub.force,
        occurrence_type: sub.occurrence_type,
        body_sha256: body_sha,
        body: String::from_utf8_lossy(&req.body).into_owned(),
    };
    if let Err(e) = s.state.insert(occurrence) {
        return Response::json(
            500,
            json!({"error": format!("simulator cannot persist: {e}")}),
        );
    }
    s.state.stats.created += 1;
    let mut r = Response::json(201, json!({"occurrence_reference": reference}));
    r.headers
        .push(("location".into(), format!("/submissions/{reference}")));
    r
}

fn list(sim: &Shared, req: &Request) -> Response {
    let s = lock(sim);
    let bodies = req.query.split('&').any(|q| q == "bodies=1");
    let items: Vec<_> = s
        .state
        .order
        .iter()
        .filter_map(|k| s.state.by_key.get(k))
        .map(|o| {
            let mut v = json!({
                "occurrence_reference": o.occurrence_reference,
                "idempotency_key": o.idempotency_key,
                "created_at": o.created_at,
                "force": o.force,
                "occurrence_type": o.occurrence_type,
            });
            if bodies {
                v["body"] = json!(o.body);
            }
            v
        })
        .collect();
    Response::json(
        200,
        json!({"simulator": "niche-sim (not Niche RMS)", "count": items.len(), "submissions": items}),
    )
}

fn authorised(req: &Request, token: &Option<String>) -> bool {
    match token {
        None => true,
        Some(t) => req.header("authorization") == Some(format!("Bearer {t}").as_str()),
    }
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
    Some(match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/submissions") => {
            let (fault, stall) = pre_fault(sim);
            if stall > 0 {
                tokio::time::sleep(Duration::from_millis(stall)).await;
            }
            match fault {
                Fault::Drop => return None,
                Fault::Respond(r) => r,
                Fault::None => submit(sim, &req, &args.force),
            }
        }
        ("GET", "/submissions") => list(sim, &req),
        ("GET", "/stats") => {
            let s = lock(sim);
            let mut v = serde_json::to_value(&s.state.stats).unwrap_or_default();
            v["occurrences"] = json!(s.state.by_key.len());
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
        (_, "/submissions") | (_, "/control/faults") => {
            Response::json(405, json!({"error": "method not allowed"}))
        }
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
    let mut sim = Sim {
        state,
        faults: FaultArgs::default(),
        unavailable_until: None,
        rng: 0x9E37_79B9_7F4A_7C15,
    };
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
