//! The poll source against a platform's export API, written here: it pages with a
//! cursor, fails now and then, answers 429 with `Retry-After`, lets OAuth tokens
//! expire, and is restarted; the gateway is killed mid-run. Every report reaches
//! the Niche simulator once.

use crate::admin::free_port;
use crate::gateway::{Gateway, niche_sink_toml, store_toml};
use crate::helpers::{wait_for, workspace};
use crate::niche::NicheSim;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bcgw_test_artifacts::JSON_MAPPED;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CLIENT_SECRET: &str = "platform-secret-0123456789";
const PAGE: usize = 25;

/// What the platform holds and how it has behaved.
#[derive(Default)]
struct Platform {
    reports: Vec<serde_json::Value>,
    api_requests: u64,
    tokens: HashMap<String, u32>,
    issued: u64,
    failed: u64,
    limited: u64,
    expired: u64,
}

type Shared = Arc<Mutex<Platform>>;

fn report(i: usize) -> serde_json::Value {
    json!({
        "id": format!("EVT-{i:05}"),
        "occurred_at": format!("2026-11-{:02}T{:02}:15:00Z", i % 27 + 1, i % 24),
        "type": "Theft",
        "store": format!("Store {}", i % 40),
        "text": format!("Report {i}: left without paying"),
    })
}

async fn token(State(s): State<Shared>, body: String) -> Response {
    if !body.contains("grant_type=client_credentials")
        || !body.contains(&format!("client_secret={CLIENT_SECRET}"))
    {
        return (StatusCode::UNAUTHORIZED, "bad client").into_response();
    }
    let mut p = s.lock().expect("platform state");
    p.issued += 1;
    let t = format!("tok-{}", p.issued);
    // Each token is good for 4 requests: the platform "expires" it early.
    p.tokens.insert(t.clone(), 4);
    axum::Json(json!({"access_token": t, "token_type": "Bearer", "expires_in": 3600}))
        .into_response()
}

async fn incidents(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut p = s.lock().expect("platform state");
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    match p.tokens.get_mut(&token) {
        Some(uses) if *uses > 0 => *uses -= 1,
        _ => {
            p.expired += 1;
            return (StatusCode::UNAUTHORIZED, "token expired").into_response();
        }
    }
    p.api_requests += 1;
    if p.api_requests % 5 == 0 {
        p.failed += 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response();
    }
    if p.api_requests % 7 == 0 {
        p.limited += 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "slow down",
        )
            .into_response();
    }
    let cursor = q.get("cursor").cloned().unwrap_or_default();
    let from: usize = cursor
        .strip_prefix('c')
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let to = (from + PAGE).min(p.reports.len());
    let data: Vec<_> = p.reports[from.min(to)..to].to_vec();
    let next = if data.is_empty() {
        cursor.clone()
    } else {
        format!("c{to}")
    };
    axum::Json(json!({"data": data, "next_cursor": next})).into_response()
}

/// The platform's API on a fixed port, restartable.
struct PlatformServer {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PlatformServer {
    fn start(port: u16, state: Shared) -> PlatformServer {
        PlatformServer::serve(
            port,
            Router::new()
                .route("/oauth/token", post(token))
                .route("/v1/incidents", get(incidents))
                .with_state(state),
        )
    }

    /// Serves `app` on `port` until stopped.
    fn serve(port: u16, app: Router) -> PlatformServer {
        PlatformServer::spawn(app, move || async move {
            loop {
                match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => break l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
    }

    /// Serves `app` on a port bound here (no other test can take it) until stopped.
    fn serve_any(app: Router) -> (PlatformServer, u16) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let port = listener.local_addr().expect("its address").port();
        let server = PlatformServer::spawn(app, move || async move {
            tokio::net::TcpListener::from_std(listener).expect("a tokio listener")
        });
        (server, port)
    }

    fn spawn<F>(app: Router, listen: impl FnOnce() -> F + Send + 'static) -> PlatformServer
    where
        F: std::future::Future<Output = tokio::net::TcpListener>,
    {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let listener = listen().await;
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here cuts every open connection: a crash, not a drain.
        });
        PlatformServer {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for PlatformServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn config(dir: &std::path::Path, api: u16, niche: &str) -> String {
    format!(
        r#"{store}
[sources.platform]
kind = "poll"
plugin = {plugin:?}
isa = "ISA-TEST-2"
[sources.platform.plugin_config]
source_system = "auror"
reports = "/data"
required = ["source_record_id", "occurred_at"]
[sources.platform.plugin_config.fields]
source_record_id = "/id"
occurred_at = "/occurred_at"
category = "/type"
narrative = "/text"
premises_name = "/store"
[sources.platform.plugin_config.categories]
"Theft" = "theft-from-shop"
[sources.platform.poll]
url = "http://127.0.0.1:{api}/v1/incidents?cursor={{cursor}}&limit={PAGE}"
interval_secs = 1
timeout_secs = 5
pagination = {{ kind = "cursor", next = "/next_cursor" }}
backoff = {{ initial_ms = 100, max_ms = 1000 }}
auth = {{ kind = "oauth2", token_url = "http://127.0.0.1:{api}/oauth/token", client_id = "bcgw", client_secret = {{ env = "PLATFORM_SECRET" }} }}
{sink}"#,
        store = store_toml(dir),
        plugin = JSON_MAPPED,
        sink = niche_sink_toml(niche),
    )
}

fn record_id(i: usize) -> String {
    let report = bcgw_sdk::schema::Report {
        source_system: "auror".into(),
        source_record_id: Some(format!("EVT-{i:05}")),
        ..Default::default()
    };
    bcgw::pipeline::record_id::record_id("platform", &report)
        .expect("a schema report has a record id")
}

#[test]
fn a_flaky_paginated_api_and_two_restarts_give_every_report_once() {
    let _ = workspace();
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let api = free_port();
    let state: Shared = Arc::default();
    state.lock().unwrap().reports = (0..120).map(report).collect();
    let mut server = PlatformServer::start(api, state.clone());
    let mut gw = Gateway::with_config(dir.path(), &config(dir.path(), api, &sim.url()));
    gw.env
        .push(("PLATFORM_SECRET".into(), CLIENT_SECRET.into()));
    gw.start();

    wait_for("some reports delivered", Duration::from_secs(120), || {
        (sim.occurrences() >= 40).then_some(())
    });
    // The gateway dies mid-run; the platform restarts (its tokens are gone).
    gw.kill9();
    server.stop();
    state.lock().unwrap().tokens.clear();
    server = PlatformServer::start(api, state.clone());
    gw.start();
    // New reports arrive on the platform after the last page was read.
    wait_for("the first 120 delivered", Duration::from_secs(180), || {
        (sim.occurrences() >= 120).then_some(())
    });
    state.lock().unwrap().reports.extend((120..200).map(report));
    wait_for("all 200 delivered", Duration::from_secs(180), || {
        (sim.occurrences() >= 200).then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    drop(server);

    let keys = sim.keys();
    let unique: std::collections::HashSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), 200, "no duplicates");
    for i in 0..200 {
        assert!(unique.contains(&record_id(i)), "report {i} missing");
    }
    let p = state.lock().unwrap();
    assert!(
        p.failed > 0 && p.limited > 0 && p.expired > 0,
        "faults exercised: {} 500s, {} 429s, {} 401s",
        p.failed,
        p.limited,
        p.expired
    );
    assert!(p.issued >= 2, "tokens refreshed");
    let logs = gw.logs();
    assert!(
        !logs.contains(CLIENT_SECRET) && !logs.contains("tok-"),
        "no secrets in logs"
    );
}

/// The CSV export pages of the second platform: 20 rows a page, `Link` to the next.
#[derive(Default)]
struct Export {
    rows: usize,
    pages_asked: Vec<usize>,
    refused: u64,
}

async fn export(
    State(s): State<Arc<Mutex<Export>>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut e = s.lock().expect("export state");
    // Basic auth: "bcgw:export-password-0123456789".
    let expected = "Basic YmNndzpleHBvcnQtcGFzc3dvcmQtMDEyMzQ1Njc4OQ==";
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(expected)
    {
        e.refused += 1;
        return (StatusCode::UNAUTHORIZED, "who are you").into_response();
    }
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    e.pages_asked.push(page);
    let from = (page - 1) * 20;
    let to = (from + 20).min(e.rows);
    let csv = crate::gateway::csv_rows(from.min(to), to);
    let mut response = ([(header::CONTENT_TYPE, "text/csv")], csv).into_response();
    if to < e.rows {
        let link = format!("</export?page={}>; rel=\"next\"", page + 1);
        response
            .headers_mut()
            .insert(header::LINK, link.parse().expect("a header value"));
    }
    response
}

#[test]
fn link_pagination_with_basic_auth_resumes_from_the_committed_cursor() {
    use crate::gateway::{MAPPING, record_id_of_row};
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let api = free_port();
    let state = Arc::new(Mutex::new(Export {
        rows: 100,
        ..Export::default()
    }));
    let _server = PlatformServer::serve(
        api,
        Router::new()
            .route("/export", get(export))
            .with_state(state.clone()),
    );
    let mapping = MAPPING
        .replace("[columns]", "[sources.shop.plugin_config.columns]")
        .replace("[categories]", "[sources.shop.plugin_config.categories]");
    let config = format!(
        r#"{store}
[sources.shop]
kind = "poll"
plugin = {csv:?}
[sources.shop.plugin_config]
{mapping}
[sources.shop.poll]
url = "http://127.0.0.1:{api}/export?page=1"
interval_secs = 1
pagination = {{ kind = "link" }}
auth = {{ kind = "basic", username = "bcgw", password = {{ env = "EXPORT_PASSWORD" }} }}
{sink}"#,
        store = store_toml(dir.path()),
        csv = bcgw_test_artifacts::CSV_MAPPED,
        sink = niche_sink_toml(&sim.url()),
    );
    let mut gw = Gateway::with_config(dir.path(), &config);
    gw.env.push((
        "EXPORT_PASSWORD".into(),
        "export-password-0123456789".into(),
    ));
    gw.start();
    wait_for("three pages in", Duration::from_secs(120), || {
        (sim.occurrences() >= 60).then_some(())
    });
    gw.kill9();
    let asked_before = state.lock().unwrap().pages_asked.len();
    gw.start();
    wait_for("all 100 rows", Duration::from_secs(120), || {
        (sim.occurrences() >= 100).then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    let keys = sim.keys();
    assert_eq!(keys.len(), 100, "no duplicates");
    for i in 0..100 {
        assert!(keys.contains(&record_id_of_row(i)), "row {i} missing");
    }
    let e = state.lock().unwrap();
    // After the restart the source went on from its committed cursor, not page 1.
    let first_after = e.pages_asked[asked_before];
    assert!(
        first_after >= 3,
        "resumed at page {first_after}: {:?}",
        e.pages_asked
    );
    assert_eq!(e.refused, 0);
}

/// An export API that refuses one request in five (429, then 503 the next time)
/// and otherwise serves 5-row CSV pages linked by `Link`; it notes when each
/// request came and whether it was refused.
#[derive(Default)]
struct Throttled {
    pages: usize,
    asked: Vec<(std::time::Instant, bool)>,
}

async fn throttled(
    State(s): State<Arc<Mutex<Throttled>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut t = s.lock().expect("export state");
    let n = t.asked.len() + 1;
    let refused = n % 5 == 0;
    t.asked.push((std::time::Instant::now(), refused));
    if refused {
        let status = if n % 10 == 5 {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        return (status, "busy").into_response();
    }
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let csv = crate::gateway::csv_rows((page - 1) * 5, page * 5);
    let mut response = ([(header::CONTENT_TYPE, "text/csv")], csv).into_response();
    if page < t.pages {
        let link = format!("</export?page={}>; rel=\"next\"", page + 1);
        response
            .headers_mut()
            .insert(header::LINK, link.parse().expect("a header value"));
    }
    response
}

/// Each page saved is a success: the wait after a refusal stays at the first
/// step of the backoff instead of growing towards its maximum while the pages
/// between the refusals come in.
#[test]
fn a_poll_that_saves_pages_between_refusals_does_not_back_off_further() {
    use crate::gateway::MAPPING;
    const PAGES: usize = 40;
    const INITIAL_MS: u64 = 300;
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(Mutex::new(Throttled {
        pages: PAGES,
        ..Throttled::default()
    }));
    let (_server, api) = PlatformServer::serve_any(
        Router::new()
            .route("/export", get(throttled))
            .with_state(state.clone()),
    );
    let mapping = MAPPING
        .replace("[columns]", "[sources.shop.plugin_config.columns]")
        .replace("[categories]", "[sources.shop.plugin_config.categories]");
    let config = format!(
        r#"{store}
[sources.shop]
kind = "poll"
plugin = {csv:?}
[sources.shop.plugin_config]
{mapping}
[sources.shop.poll]
url = "http://127.0.0.1:{api}/export?page=1"
interval_secs = 60
pagination = {{ kind = "link" }}
backoff = {{ initial_ms = {INITIAL_MS}, max_ms = 20000 }}
"#,
        store = store_toml(dir.path()),
        csv = bcgw_test_artifacts::CSV_MAPPED,
    );
    let mut gw = Gateway::with_config(dir.path(), &config);
    gw.start();
    let waits = || -> Vec<u64> {
        let t = state.lock().unwrap();
        t.asked
            .windows(2)
            .filter(|w| w[0].1)
            .map(|w| (w[1].0 - w[0].0).as_millis() as u64)
            .collect()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let caught_up = loop {
        let served = state.lock().unwrap().asked.iter().filter(|a| !a.1).count();
        if served >= PAGES || std::time::Instant::now() > deadline {
            break served >= PAGES;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let waits = waits();
    eprintln!("waits after refusals (ms): {waits:?}");
    assert!(
        caught_up,
        "not caught up in 30 s; waits after refusals (ms): {waits:?}"
    );
    assert!(waits.len() >= PAGES / 5 - 1, "{waits:?}");
    // Jittered between half the first step and the first step, plus the request.
    assert!(
        waits.iter().all(|&w| w < INITIAL_MS + 250),
        "the backoff grew while pages were saved: {waits:?}"
    );
}
