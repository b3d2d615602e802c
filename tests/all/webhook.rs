//! The webhook source of a running `bcgw run`, over loopback: every client mistake
//! answered with the right status and a problem document, 202 only after the
//! journal commit, receipts that bring back the Niche reference, `kill -9` while a
//! platform posts, and the journal full.

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

fn wait_listening(gw: &Gateway, port: u16) {
    wait_for("the API listener", Duration::from_secs(60), || {
        request(port, "GET", "/openapi.json", &[], b"").ok()
    });
    let _ = gw;
}

fn problem(r: &Response, status: u16, kind: &str) {
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
    wait_listening(&gw, port);
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
    wait_listening(&gw, port);
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
    wait_listening(&gw, port);
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
fn a_full_journal_answers_503_and_loses_nothing_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    gw.env.push(("BCGW__STORE__MAX_SIZE_MB".into(), "1".into()));
    gw.start();
    wait_listening(&gw, port);
    let mut accepted = Vec::new();
    let mut refused = None;
    for batch in 0..200 {
        let rows = (batch * 50, batch * 50 + 50);
        let r = post_csv(port, &csv_rows(rows.0, rows.1)).unwrap();
        match r.status {
            202 => accepted.push(rows),
            503 => {
                refused = Some((rows, r));
                break;
            }
            other => panic!("unexpected {other}: {r:?}"),
        }
    }
    let (rows, r) = refused.expect("the journal filled up");
    problem(&r, 503, "unavailable");
    assert!(r.header("retry-after").is_some());
    assert!(gw.running());
    gw.kill9();
    // More room: what was accepted is all there, and the refused body now goes in.
    gw.env.retain(|(k, _)| k != "BCGW__STORE__MAX_SIZE_MB");
    gw.start();
    wait_listening(&gw, port);
    assert_eq!(
        post_csv(port, &csv_rows(rows.0, rows.1)).unwrap().status,
        202
    );
    let total = (accepted.len() + 1) * 50;
    wait_for(
        "every accepted row delivered",
        Duration::from_secs(180),
        || (sim.occurrences() as usize >= total).then_some(()),
    );
    std::thread::sleep(Duration::from_millis(500));
    let keys = sim.keys();
    assert_eq!(keys.len(), total, "exactly once");
    for (from, to) in accepted.iter().chain([&rows]) {
        for i in *from..*to {
            assert!(keys.contains(&record_id_of_row(i)), "row {i} lost");
        }
    }
}

#[test]
fn kill_9_while_a_platform_posts_2000_reports_loses_and_doubles_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const REPORTS: usize = 2_000;
    const CLIENTS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    gw.start();
    wait_listening(&gw, port);
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let acknowledged = acknowledged.clone();
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                for i in (c..REPORTS).step_by(CLIENTS) {
                    // A platform retries until it hears 202 (or 200: already had it).
                    loop {
                        match post_csv(port, &csv_rows(i, i + 1)) {
                            Ok(r) if r.status == 202 || r.status == 200 => {
                                answers.push((i, r.status));
                                acknowledged.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            Ok(r) => assert!(r.status == 503, "unexpected {r:?}"),
                            Err(_) => {}
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                answers
            })
        })
        .collect();
    for kill_at in [400, 1_200] {
        while acknowledged.load(Ordering::Relaxed) < kill_at {
            std::thread::sleep(Duration::from_millis(5));
        }
        gw.kill9();
        std::thread::sleep(Duration::from_millis(500));
        gw.start();
    }
    let answers: Vec<(usize, u16)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert_eq!(answers.len(), REPORTS);
    wait_for(
        "every report in the simulator",
        Duration::from_secs(240),
        || (sim.occurrences() as usize >= REPORTS).then_some(()),
    );
    std::thread::sleep(Duration::from_millis(500));
    let keys = sim.keys();
    let unique: std::collections::HashSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), REPORTS, "no report twice");
    assert_eq!(unique.len(), REPORTS);
    for i in 0..REPORTS {
        assert!(unique.contains(&record_id_of_row(i)), "report {i} lost");
    }
}

/// A test CA and a server certificate for 127.0.0.1 it signed, made with the
/// openssl CLI: (CA certificate, server certificate, server key).
fn certificates(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("openssl runs (scripts/test installs it)");
        assert!(status.success(), "openssl {args:?}");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-days",
            "2",
            "-subj",
            "/CN=bcgw test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

#[test]
fn over_tls_a_platform_gets_its_202_and_plain_http_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let (ca, cert, key) = certificates(dir.path());
    let gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    let config = std::fs::read_to_string(&gw.config).unwrap().replace(
        "max_body_bytes = 200000",
        &format!("max_body_bytes = 200000\ntls = {{ cert_file = {cert:?}, key_file = {key:?} }}"),
    );
    std::fs::write(&gw.config, config).unwrap();
    let mut gw = gw;
    gw.start();
    let pem = std::fs::read(&ca).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .no_proxy()
        .build()
        .unwrap();
    let url = format!("https://127.0.0.1:{port}/sources/shop");
    let answer = wait_for("the TLS listener", Duration::from_secs(60), || {
        rt.block_on(
            client
                .post(&url)
                .bearer_auth(TOKEN)
                .header("content-type", "text/csv")
                .body(csv_rows(0, 2))
                .send(),
        )
        .ok()
    });
    assert_eq!(answer.status().as_u16(), 202);
    // Plain HTTP on the TLS port is not answered as HTTP.
    let plain = post_csv(port, &csv_rows(2, 3));
    assert!(
        plain.is_err() || plain.as_ref().is_ok_and(|r| r.status != 202),
        "{plain:?}"
    );
    wait_for("delivered", Duration::from_secs(60), || {
        (sim.occurrences() == 2).then_some(())
    });
    // A key that does not match is refused before start, by key.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let (_, other_cert, _) = certificates(&other);
    let bad = std::fs::read_to_string(&gw.config)
        .unwrap()
        .replace(&format!("{cert:?}"), &format!("{other_cert:?}"));
    std::fs::write(&gw.config, bad).unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["check-config"])
        .arg(&gw.config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout).to_string()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success());
    assert!(text.contains("http.tls"), "{text}");
}
