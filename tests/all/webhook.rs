//! The webhook source of a running `bcgw run`, over loopback: every client mistake
//! answered with the right status and a problem document, receipts that bring back
//! the Niche reference, the rate limit. Durability is in `webhook_durability.rs`,
//! TLS in `webhook_tls.rs`; the helpers here serve them all.

use crate::admin::free_port;
use crate::gateway::{Gateway, MAPPING, csv_rows, niche_sink_toml, record_id_of_row, store_toml};
use crate::helpers::wait_for;
use crate::http_client::{Response, request};
use crate::niche::NicheSim;
use bcgw::sources::webhook::auth::sign;
use bcgw_test_artifacts::CSV_MAPPED;
use std::path::Path;
use std::time::Duration;

/// The bearer token of source `shop`.
pub const TOKEN: &str = "test-token-0123456789abcdef";
/// The HMAC secret of source `signed`.
pub const SECRET: &str = "hmac-secret-0123456789abcdef";

/// A webhook source `name` with csv-mapped and the tests' mapping; `auth` and
/// `extra` go into its webhook table.
pub fn webhook_source_toml(name: &str, auth: &str, extra: &str) -> String {
    let mapping = MAPPING
        .replace(
            "[columns]",
            &format!("[sources.{name}.plugin_config.columns]"),
        )
        .replace(
            "[categories]",
            &format!("[sources.{name}.plugin_config.categories]"),
        );
    format!(
        r#"
[sources.{name}]
kind = "webhook"
plugin = {CSV_MAPPED:?}
isa = "ISA-TEST-1"
[sources.{name}.plugin_config]
{mapping}
[sources.{name}.webhook]
auth = {auth}
{extra}
"#
    )
}

/// A gateway with webhook sources `shop` (bearer) and `signed` (HMAC) on `port`,
/// delivering to `niche_url`. `shop_extra` goes into shop's webhook table.
pub fn webhook_gateway(dir: &Path, niche_url: &str, port: u16, shop_extra: &str) -> Gateway {
    let config = format!(
        "{store}\n[http]\nlisten = \"127.0.0.1:{port}\"\nmax_body_bytes = 200000\n{shop}\n{signed}\n{sink}",
        store = store_toml(dir),
        shop = webhook_source_toml(
            "shop",
            "{ kind = \"bearer\", token = { env = \"SHOP_TOKEN\" } }",
            shop_extra
        ),
        signed = webhook_source_toml(
            "signed",
            "{ kind = \"hmac\", secret = { env = \"SIGNED_SECRET\" } }",
            ""
        ),
        sink = niche_sink_toml(niche_url),
    );
    let mut gw = Gateway::with_config(dir, &config);
    gw.env.push(("SHOP_TOKEN".into(), TOKEN.into()));
    gw.env.push(("SIGNED_SECRET".into(), SECRET.into()));
    gw
}

/// Posts a CSV body to source `shop` with its token.
pub fn post_csv(port: u16, body: &str) -> std::io::Result<Response> {
    request(
        port,
        "POST",
        "/sources/shop",
        &[
            ("authorization", &format!("Bearer {TOKEN}")),
            ("content-type", "text/csv"),
        ],
        body.as_bytes(),
    )
}

/// The signature headers for `signed` at time `ts`.
fn signed_headers(ts: i64, signed: &[u8]) -> (String, String) {
    (
        ts.to_string(),
        format!(
            "sha256={}",
            hex::encode(sign(SECRET.as_bytes(), &ts.to_string(), signed))
        ),
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn post_signed(port: u16, ts: i64, signature: &str, body: &[u8]) -> Response {
    request(
        port,
        "POST",
        "/sources/signed",
        &[
            ("content-type", "text/csv"),
            ("x-bcgw-timestamp", &ts.to_string()),
            ("x-bcgw-signature", signature),
        ],
        body,
    )
    .expect("gateway answers")
}

/// Waits until the API listener answers.
pub fn wait_listening(port: u16) {
    wait_for("the API listener", Duration::from_secs(60), || {
        request(port, "GET", "/openapi.json", &[], b"").ok()
    });
}

/// Asserts `r` is a problem document of `kind` with `status`.
pub fn problem(r: &Response, status: u16, kind: &str) {
    assert_eq!(r.status, status, "{:?}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{r:?}"
    );
    let doc = r.json();
    assert_eq!(doc["status"], status, "{doc}");
    assert_eq!(
        doc["type"],
        format!("https://bcgw.example/problems/{kind}"),
        "{doc}"
    );
    assert!(
        doc["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{doc}"
    );
}

#[test]
fn every_client_mistake_gets_its_status_and_a_problem_document() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    gw.start();
    wait_listening(port);
    let body = csv_rows(0, 2);
    let csv = |headers: &[(&str, &str)], body: &[u8]| {
        request(port, "POST", "/sources/shop", headers, body).unwrap()
    };
    let bearer = format!("Bearer {TOKEN}");

    // Who: no credentials, wrong ones.
    let r = csv(&[("content-type", "text/csv")], body.as_bytes());
    problem(&r, 401, "unauthenticated");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    problem(
        &csv(
            &[
                ("authorization", "Bearer not-the-token-at-all"),
                ("content-type", "text/csv"),
            ],
            body.as_bytes(),
        ),
        403,
        "bad-credentials",
    );
    // Where and how.
    problem(
        &request(port, "POST", "/sources/nobody", &[], b"x").unwrap(),
        404,
        "not-found",
    );
    problem(
        &request(port, "GET", "/nowhere", &[], b"").unwrap(),
        404,
        "not-found",
    );
    let r = request(
        port,
        "GET",
        "/sources/shop",
        &[("authorization", &bearer)],
        b"",
    )
    .unwrap();
    problem(&r, 405, "method-not-allowed");
    assert_eq!(r.header("allow"), Some("POST"));
    // What: content type, size, syntax.
    problem(
        &csv(
            &[("authorization", &bearer), ("content-type", "text/plain")],
            body.as_bytes(),
        ),
        415,
        "unsupported-media-type",
    );
    problem(
        &csv(&[("authorization", &bearer)], body.as_bytes()),
        415,
        "unsupported-media-type",
    );
    let big = "x".repeat(200_001);
    problem(
        &csv(
            &[("authorization", &bearer), ("content-type", "text/csv")],
            big.as_bytes(),
        ),
        413,
        "body-too-large",
    );
    problem(
        &csv(
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            b"{\"reports\": [1,",
        ),
        400,
        "malformed-body",
    );
    problem(
        &csv(
            &[
                ("authorization", &bearer),
                ("content-type", "application/x-ndjson"),
            ],
            b"nope\n{oops\n",
        ),
        400,
        "malformed-body",
    );
    // NDJSON with one bad line: taken, the bad line named.
    let r = csv(
        &[
            ("authorization", &bearer),
            ("content-type", "application/x-ndjson"),
        ],
        b"{\"id\":1}\n{oops\n{\"id\":2}\n",
    );
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(r.json()["invalid_lines"], serde_json::json!([2]));

    // HMAC: missing, wrong, expired, replayed; a good one once.
    let (ts, sig) = signed_headers(now(), body.as_bytes());
    let r = request(
        port,
        "POST",
        "/sources/signed",
        &[("content-type", "text/csv")],
        body.as_bytes(),
    )
    .unwrap();
    problem(&r, 401, "unauthenticated");
    assert_eq!(r.header("www-authenticate"), Some("HMAC-SHA256"));
    let ts_now: i64 = ts.parse().unwrap();
    let (_, other) = signed_headers(ts_now, b"other body");
    problem(
        &post_signed(port, ts_now, &other, body.as_bytes()),
        403,
        "bad-credentials",
    );
    let (_, old) = signed_headers(ts_now - 301, body.as_bytes());
    problem(
        &post_signed(port, ts_now - 301, &old, body.as_bytes()),
        403,
        "signature-expired",
    );
    let first = post_signed(port, ts_now, &sig, body.as_bytes());
    assert_eq!(first.status, 202, "{first:?}");
    problem(
        &post_signed(port, ts_now, &sig, body.as_bytes()),
        403,
        "signature-replayed",
    );
    // Signed afresh, the same body is a repeat: 200 with the original receipt.
    let (ts2, sig2) = signed_headers(now() + 1, body.as_bytes());
    let again = post_signed(port, ts2.parse().unwrap(), &sig2, body.as_bytes());
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.json()["receipt_id"], first.json()["receipt_id"]);
    assert_eq!(again.json()["status"], "duplicate");

    // Nothing a client sent made the gateway fail, and it still takes good requests.
    let ok = post_csv(port, &csv_rows(2, 3)).unwrap();
    assert_eq!(ok.status, 202, "{ok:?}");
    assert!(!gw.logs().contains("panicked"), "{}", gw.logs());
    // What reaches the logs: statuses and kinds, never a body or a credential.
    let logs = gw.logs();
    assert!(logs.contains("bad-credentials"), "{logs}");
    assert!(
        !logs.contains("took items") && !logs.contains(TOKEN) && !logs.contains(SECRET),
        "{logs}"
    );
}

#[test]
fn a_202_is_journaled_and_the_receipt_brings_back_the_niche_reference() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    gw.start();
    wait_listening(port);
    // Two good rows, one with a date in words (the adapter refuses it), one dated in 2099
    // (the schema refuses it).
    let mut body = csv_rows(0, 2);
    body.push_str("R90,yesterday,Store 1,BS1 3XE,Shoplifting,no date\r\n");
    body.push_str("R91,01/01/2099 10:00,Store 1,BS1 3XE,Shoplifting,from the future\r\n");
    let r = post_csv(port, &body).unwrap();
    assert_eq!(r.status, 202, "{r:?}");
    let accepted = r.json();
    let url = accepted["receipt_url"].as_str().unwrap().to_string();
    assert_eq!(r.header("location"), Some(url.as_str()));
    let bearer = format!("Bearer {TOKEN}");
    let receipt = wait_for("both rows delivered", Duration::from_secs(60), || {
        let r = request(port, "GET", &url, &[("authorization", &bearer)], b"").ok()?;
        let doc = r.json();
        let delivered = doc["records"]
            .as_array()?
            .iter()
            .all(|rec| rec["deliveries"][0]["state"] == "delivered");
        (doc["state"] == "translated" && doc["records"].as_array()?.len() == 2 && delivered)
            .then_some(doc)
    });
    assert_eq!(receipt["receipt_id"], accepted["receipt_id"]);
    let ids: Vec<&str> = receipt["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![record_id_of_row(0), record_id_of_row(1)]);
    let references: Vec<String> = receipt["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["deliveries"][0]["reference"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let held = sim.request("GET", "/submissions", "").unwrap();
    for (id, reference) in ids.iter().zip(&references) {
        let occ = held["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["idempotency_key"] == *id)
            .expect("in the simulator");
        assert_eq!(
            occ["occurrence_reference"].as_str(),
            Some(reference.as_str())
        );
    }
    let kinds: Vec<(&str, &str)> = receipt["quarantined"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["stage"].as_str().unwrap(),
                q["error_kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds.len(), 2, "{receipt}");
    assert!(kinds.iter().any(|(s, _)| *s == "translate"), "{receipt}");
    assert!(kinds.iter().any(|(s, _)| *s == "validate"), "{receipt}");
    // Receipts are per source, and need the source's credentials.
    let id = accepted["receipt_id"].as_str().unwrap();
    problem(
        &request(port, "GET", &url, &[], b"").unwrap(),
        401,
        "unauthenticated",
    );
    problem(
        &request(
            port,
            "GET",
            &format!("/sources/shop/receipts/{}", 999_999),
            &[("authorization", &bearer)],
            b"",
        )
        .unwrap(),
        404,
        "not-found",
    );
    let (ts, sig) = signed_headers(now(), format!("/sources/signed/receipts/{id}").as_bytes());
    let other = request(
        port,
        "GET",
        &format!("/sources/signed/receipts/{id}"),
        &[("x-bcgw-timestamp", &ts), ("x-bcgw-signature", &sig)],
        b"",
    )
    .unwrap();
    problem(&other, 404, "not-found");
    assert_eq!(sim.occurrences(), 2);
}

#[test]
fn a_rate_limited_source_answers_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(
        dir.path(),
        &sim.url(),
        port,
        "rate_limit = { per_second = 0.5, burst = 2 }",
    );
    gw.start();
    wait_listening(port);
    let statuses: Vec<u16> = (0..3)
        .map(|i| post_csv(port, &csv_rows(i, i + 1)).unwrap().status)
        .collect();
    assert_eq!(statuses, vec![202, 202, 429]);
    let r = post_csv(port, &csv_rows(5, 6)).unwrap();
    problem(&r, 429, "rate-limited");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    std::thread::sleep(Duration::from_secs(wait));
    assert_eq!(post_csv(port, &csv_rows(5, 6)).unwrap().status, 202);
}

#[test]
fn a_posted_report_reaches_niche_without_waiting_for_any_stage_to_poll() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    // Stages that only polled would each sleep a minute before looking: the
    // store's wake-ups (a commit tells the next stage) are what move the report.
    let text = std::fs::read_to_string(&gw.config).unwrap();
    assert!(text.contains("idle_poll_ms = 20"));
    std::fs::write(
        &gw.config,
        text.replace("idle_poll_ms = 20", "idle_poll_ms = 60000"),
    )
    .unwrap();
    gw.start();
    wait_listening(port);
    // The stages have all looked once and found nothing by now.
    std::thread::sleep(Duration::from_millis(500));
    let r = post_csv(port, &csv_rows(0, 2)).unwrap();
    assert_eq!(r.status, 202, "{r:?}");
    wait_for(
        "both rows in the simulator, well inside one poll",
        Duration::from_secs(20),
        || (sim.occurrences() == 2).then_some(()),
    );
    let mut keys = sim.keys();
    keys.sort();
    let mut expected = vec![record_id_of_row(0), record_id_of_row(1)];
    expected.sort();
    assert_eq!(keys, expected);
}
