//! niche-sim: a SIMULATOR of a Niche RMS import endpoint. It is not Niche.
//!
//! Niche publishes no import interface, so bcgw's tests and quick start need a
//! stand-in. This one speaks only the wire format (the bcgw Niche import profile):
//!
//! - `POST /submissions` with an `Idempotency-Key` header and an XML body:
//!   validates it, creates an occurrence and answers
//!   `201 {"occurrence_reference": ..., "version": 1}`; the same key again answers
//!   `200 {"occurrence_reference": ..., "version": 1, "replayed": true}` and creates
//!   nothing. A key already used for an update answers `409`.
//! - `PUT /submissions/{occurrence_reference}` (the reference path-encoded,
//!   `OCC%2FAS%2F2026%2F000123`, or with raw slashes) with an `Idempotency-Key` header
//!   and an XML body validated like a POST's (its `IncidentId` must be the
//!   occurrence's): a new key adds version n+1, stored durably before the answer
//!   `200 {"occurrence_reference": ..., "version": n+1}`; a key already used for this
//!   occurrence (its creation or an update) adds nothing and answers `200` with the
//!   version that key made and `"replayed": true`; a key used for another occurrence
//!   answers `409`, an unknown reference `404`.
//! - `GET /submissions` lists what it holds (with each occurrence's current
//!   `version`); `GET /submissions/{occurrence_reference}` shows one occurrence with
//!   every version; `GET /stats` counts requests; `GET /health`.
//! - `PUT /control/faults` (JSON) makes it misbehave on `POST` and `PUT
//!   /submissions...`: `fail_ratio` (500s), `unavailable_for_ms` with
//!   `retry_after_s` (503 + Retry-After), `stall_ms`, `drop_ratio` (connections
//!   closed without an answer). The same settings exist as command-line flags.

mod http;
mod state;
mod validate;

use clap::Parser;
use http::{Request, Response};
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;
use state::{Occurrence, State, Update};
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
    /// Share of submissions (POST and PUT) answered 500 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    fail_ratio: f64,
    /// Answer 503 to every submission (POST and PUT) for this long from now.
    #[arg(long, default_value_t = 0)]
    unavailable_for_ms: u64,
    /// Retry-After (seconds) sent with 503s.
    #[arg(long, default_value_t = 1)]
    retry_after_s: u64,
    /// Delay every submission (POST and PUT) by this long before answering.
    #[arg(long, default_value_t = 0)]
    stall_ms: u64,
    /// Share of submissions (POST and PUT) whose connection is closed without an
    /// answer (0.0-1.0).
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

/// What to do with a submission (POST or PUT) before looking at it.
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

/// The `Idempotency-Key` header, or the 400 answer when it is missing.
fn idempotency_key(sim: &Shared, req: &Request) -> Result<String, Response> {
    match req
        .header("idempotency-key")
        .map(str::to_owned)
        .filter(|k| !k.is_empty())
    {
        Some(key) => Ok(key),
        None => {
            lock(sim).state.stats.rejected += 1;
            Err(Response::json(
                400,
                json!({"errors": ["Idempotency-Key header is required"]}),
            ))
        }
    }
}

fn conflict(key: &str, reference: &str) -> Response {
    Response::json(
        409,
        json!({"error": format!("Idempotency-Key {key} was already used for occurrence {reference}")}),
    )
}

fn unknown_reference(reference: &str) -> Response {
    Response::json(404, json!({"error": format!("no occurrence {reference}")}))
}

fn replayed(reference: &str, version: u32) -> Response {
    let mut r = Response::json(
        200,
        json!({"occurrence_reference": reference, "version": version, "replayed": true}),
    );
    r.headers
        .push(("idempotent-replayed".into(), "true".into()));
    r
}

fn cannot_persist(e: &std::io::Error) -> Response {
    Response::json(
        500,
        json!({"error": format!("simulator cannot persist: {e}")}),
    )
}

/// A valid submission about `incident` (its `IncidentId`), or the 400 to answer,
/// counted as rejected.
fn valid_for(
    stats: &mut state::Stats,
    body: &[u8],
    incident: &str,
    mismatch: &str,
) -> Result<validate::Submission, Response> {
    let sub = validate::validate(body).map_err(|problems| {
        stats.rejected += 1;
        Response::json(400, json!({"errors": problems}))
    })?;
    if sub.incident_id != incident {
        stats.rejected += 1;
        return Err(Response::json(400, json!({"errors": [mismatch]})));
    }
    Ok(sub)
}

/// `POST /submissions`: creates an occurrence (version 1).
fn submit(sim: &Shared, req: &Request, force: &str) -> Response {
    let key = match idempotency_key(sim, req) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let body_sha = hex::encode(sha2::Sha256::digest(&req.body));
    let mut s = lock(sim);
    if let Some(used) = s.state.keys.get(&key).cloned() {
        let reference = s.state.reference_of(&used.occurrence_key);
        if used.version != 1 {
            // The key made an update: it cannot also create an occurrence.
            return conflict(&key, &reference);
        }
        s.state.stats.replayed += 1;
        if s.state.body_sha256_of(&key) != Some(body_sha.as_str()) {
            s.state.stats.replayed_with_different_body += 1;
        }
        return replayed(&reference, 1);
    }
    let sub = match valid_for(
        &mut s.state.stats,
        &req.body,
        &key,
        "IncidentId does not match the Idempotency-Key",
    ) {
        Ok(sub) => sub,
        Err(r) => return r,
    };
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
        return cannot_persist(&e);
    }
    s.state.stats.created += 1;
    let mut r = Response::json(
        201,
        json!({"occurrence_reference": reference, "version": 1}),
    );
    r.headers
        .push(("location".into(), format!("/submissions/{reference}")));
    r
}

/// `PUT /submissions/{reference}`: adds a version to an occurrence.
fn update(sim: &Shared, req: &Request, reference: &str) -> Response {
    let key = match idempotency_key(sim, req) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let body_sha = hex::encode(sha2::Sha256::digest(&req.body));
    let mut s = lock(sim);
    let Some(occurrence) = s.state.by_reference(reference) else {
        return unknown_reference(reference);
    };
    let occurrence_key = occurrence.idempotency_key.clone();
    if let Some(used) = s.state.keys.get(&key).cloned() {
        if used.occurrence_key != occurrence_key {
            let other = s.state.reference_of(&used.occurrence_key);
            return conflict(&key, &other);
        }
        s.state.stats.update_replayed += 1;
        if s.state.body_sha256_of(&key) != Some(body_sha.as_str()) {
            s.state.stats.update_replayed_with_different_body += 1;
        }
        return replayed(reference, used.version);
    }
    // The occurrence was created under its incident's id: an update must be about the
    // same incident.
    let sub = match valid_for(
        &mut s.state.stats,
        &req.body,
        &occurrence_key,
        "IncidentId does not match the occurrence's IncidentId",
    ) {
        Ok(sub) => sub,
        Err(r) => return r,
    };
    let version = s.state.version(&occurrence_key) + 1;
    let update = Update {
        occurrence_reference: reference.to_owned(),
        version,
        idempotency_key: key,
        created_at: chrono::Utc::now().to_rfc3339(),
        force: sub.force,
        occurrence_type: sub.occurrence_type,
        body_sha256: body_sha,
        body: String::from_utf8_lossy(&req.body).into_owned(),
    };
    if let Err(e) = s.state.update(update) {
        return cannot_persist(&e);
    }
    s.state.stats.updated += 1;
    Response::json(
        200,
        json!({"occurrence_reference": reference, "version": version}),
    )
}

/// `GET /submissions/{reference}`: one occurrence with every version.
fn show(sim: &Shared, reference: &str) -> Response {
    let s = lock(sim);
    let Some(o) = s.state.by_reference(reference) else {
        return unknown_reference(reference);
    };
    Response::json(
        200,
        json!({
            "simulator": "niche-sim (not Niche RMS)",
            "occurrence_reference": o.occurrence_reference,
            "idempotency_key": o.idempotency_key,
            "created_at": o.created_at,
            "force": o.force,
            "occurrence_type": o.occurrence_type,
            "version": s.state.version(&o.idempotency_key),
            "versions": s.state.versions(&o.idempotency_key),
        }),
    )
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
                "version": s.state.version(&o.idempotency_key),
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

/// The occurrence reference of `/submissions/{reference}`, encoded
/// (`OCC%2FAS%2F2026%2F000123`) or with raw slashes (`OCC/AS/2026/000123`).
fn reference_in(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/submissions/")?;
    percent_decode(rest).filter(|r| !r.is_empty())
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
    if let Some(reference) = reference_in(&req.path) {
        return match req.method.as_str() {
            "GET" => Some(show(sim, &reference)),
            "PUT" => {
                let (fault, stall) = pre_fault(sim);
                if stall > 0 {
                    tokio::time::sleep(Duration::from_millis(stall)).await;
                }
                match fault {
                    Fault::Drop => None,
                    Fault::Respond(r) => Some(r),
                    Fault::None => Some(update(sim, &req, &reference)),
                }
            }
            _ => Some(Response::json(405, json!({"error": "method not allowed"}))),
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> Shared {
        Arc::new(Mutex::new(Sim {
            state: State::open(None, false).unwrap(),
            faults: FaultArgs::default(),
            unavailable_until: None,
            rng: 1,
        }))
    }

    fn body(incident: &str, kind: &str) -> Vec<u8> {
        format!(
            r#"<NicheSubmission xmlns="urn:bcgw:niche-import:1"><Force>AS</Force><IncidentId>{incident}</IncidentId><OccurrenceType>{kind}</OccurrenceType><SourceReports><SourceReport recordId="{incident}"/></SourceReports></NicheSubmission>"#
        )
        .into_bytes()
    }

    fn request(method: &str, key: Option<&str>, body: Vec<u8>) -> Request {
        Request {
            method: method.into(),
            path: String::new(),
            query: String::new(),
            headers: key
                .map(|k| ("idempotency-key".to_string(), k.to_string()))
                .into_iter()
                .collect(),
            body,
        }
    }

    fn answer(r: &Response) -> (u16, serde_json::Value) {
        (r.status, serde_json::from_str(&r.body).unwrap())
    }

    #[test]
    fn references_are_read_encoded_or_with_raw_slashes() {
        let want = Some("OCC/AS/2026/000123".to_string());
        assert_eq!(reference_in("/submissions/OCC%2FAS%2F2026%2F000123"), want);
        assert_eq!(reference_in("/submissions/OCC%2fAS%2f2026%2f000123"), want);
        assert_eq!(reference_in("/submissions/OCC/AS/2026/000123"), want);
        assert_eq!(reference_in("/submissions/"), None);
        assert_eq!(reference_in("/submissions"), None);
        assert_eq!(reference_in("/submissions/OCC%2"), None);
        assert_eq!(reference_in("/submissions/OCC%ZZ"), None);
        assert_eq!(reference_in("/submissions/OCC%+1"), None);
        assert_eq!(reference_in("/submissions/OCC%C3%A9"), Some("OCCé".into()));
        assert_eq!(reference_in("/stats"), None);
    }

    #[test]
    fn an_update_adds_a_version_once_per_key() {
        let sim = sim();
        let created = submit(
            &sim,
            &request("POST", Some("inc-1"), body("inc-1", "THEFT-SHOP")),
            "AS",
        );
        let (status, v) = answer(&created);
        assert_eq!((status, &v["version"]), (201, &json!(1)));
        let reference = v["occurrence_reference"].as_str().unwrap().to_owned();

        let put = |key: &str, kind: &str| {
            answer(&update(
                &sim,
                &request("PUT", Some(key), body("inc-1", kind)),
                &reference,
            ))
        };
        let (status, v) = put("inc-1#2", "ASSAULT");
        assert_eq!(status, 200);
        assert_eq!(v, json!({"occurrence_reference": reference, "version": 2}));
        let (status, v) = put("inc-1#2", "ASSAULT");
        assert_eq!(
            (status, &v["version"], &v["replayed"]),
            (200, &json!(2), &json!(true))
        );
        let (status, v) = put("inc-1#2", "ROBBERY");
        assert_eq!((status, &v["version"]), (200, &json!(2)));
        let (status, v) = put("inc-1", "THEFT-SHOP");
        assert_eq!(
            (status, &v["version"]),
            (200, &json!(1)),
            "the creation key made version 1"
        );
        let (status, v) = put("inc-1#3", "ROBBERY");
        assert_eq!((status, &v["version"]), (200, &json!(3)));

        {
            let s = lock(&sim);
            assert_eq!(s.state.version("inc-1"), 3);
            let st = &s.state.stats;
            assert_eq!(
                (
                    st.updated,
                    st.update_replayed,
                    st.update_replayed_with_different_body
                ),
                (2, 3, 1)
            );
        }
        let (status, v) = answer(&show(&sim, &reference));
        assert_eq!((status, &v["version"]), (200, &json!(3)));
        let versions: Vec<_> = v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["version"].clone(), v["idempotency_key"].clone()))
            .collect();
        assert_eq!(
            versions,
            [
                (json!(1), json!("inc-1")),
                (json!(2), json!("inc-1#2")),
                (json!(3), json!("inc-1#3"))
            ]
        );
        assert!(
            v["versions"][1]["body"]
                .as_str()
                .unwrap()
                .contains("ASSAULT")
        );
    }

    #[test]
    fn updates_are_refused_for_foreign_keys_unknown_references_and_bad_bodies() {
        let sim = sim();
        let post = |key: &str| {
            let r = submit(
                &sim,
                &request("POST", Some(key), body(key, "THEFT-SHOP")),
                "AS",
            );
            answer(&r).1["occurrence_reference"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let first = post("inc-1");
        let second = post("inc-2");
        let put = |reference: &str, key: Option<&str>, body: Vec<u8>| {
            answer(&update(&sim, &request("PUT", key, body), reference))
        };
        assert_eq!(
            put(&first, Some("inc-1#2"), body("inc-1", "ASSAULT")).0,
            200
        );
        // Keys of another occurrence, its creation's or an update's.
        let (status, v) = put(&first, Some("inc-2"), body("inc-1", "ASSAULT"));
        assert_eq!(status, 409, "{v}");
        assert_eq!(
            put(&second, Some("inc-1#2"), body("inc-2", "ASSAULT")).0,
            409
        );
        // A POST cannot reuse a key that made an update.
        let r = submit(
            &sim,
            &request("POST", Some("inc-1#2"), body("inc-1#2", "THEFT-SHOP")),
            "AS",
        );
        assert_eq!(r.status, 409);
        assert_eq!(
            put("OCC/AS/2026/999999", Some("k"), body("inc-1", "ASSAULT")).0,
            404
        );
        assert_eq!(put(&first, None, body("inc-1", "ASSAULT")).0, 400);
        let (status, v) = put(&first, Some("k"), b"<NicheSubmission/>".to_vec());
        assert_eq!(status, 400);
        assert!(!v["errors"].as_array().unwrap().is_empty());
        let (status, v) = put(&first, Some("k"), body("inc-2", "ASSAULT"));
        assert_eq!(
            status, 400,
            "an update must be about the occurrence's incident: {v}"
        );
        assert_eq!(lock(&sim).state.version("inc-1"), 2);
        assert_eq!(lock(&sim).state.version("inc-2"), 1);
    }
}
