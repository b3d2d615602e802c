//! The simulator over real HTTP: idempotency, validation, faults, persistence.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Sim {
    child: Child,
    addr: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_niche-sim"))
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("niche-sim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("banner");
    assert!(line.contains("SIMULATOR"), "{line}");
    let addr = line
        .split("http://")
        .nth(1)
        .expect("address")
        .split_whitespace()
        .next()
        .expect("address")
        .to_string();
    Sim { child, addr }
}

/// One request on its own connection: (status, headers, body).
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: sim\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_string())
}

fn submission(key: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><NicheSubmission xmlns="urn:bcgw:niche-import:1"><Force>AS</Force><IncidentId>{key}</IncidentId><OccurrenceType>THEFT-SHOP</OccurrenceType><SourceReports><SourceReport recordId="{key}"/></SourceReports></NicheSubmission>"#
    )
}

fn post(addr: &str, key: &str) -> (u16, String, String) {
    request(
        addr,
        "POST",
        "/submissions",
        &[
            ("idempotency-key", key),
            ("content-type", "application/xml"),
        ],
        &submission(key),
    )
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("json body")
}

#[test]
fn the_same_key_gets_the_same_reference_and_one_occurrence() {
    let sim = start(&[]);
    let (s1, _, b1) = post(&sim.addr, "rec-1");
    let (s2, h2, b2) = post(&sim.addr, "rec-1");
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(
        json(&b1)["occurrence_reference"],
        json(&b2)["occurrence_reference"]
    );
    assert!(h2.contains("idempotent-replayed: true"));
    let (_, _, list) = request(&sim.addr, "GET", "/submissions", &[], "");
    assert_eq!(json(&list)["count"], 1);
}

#[test]
fn invalid_submissions_are_refused_with_reasons() {
    let sim = start(&[]);
    let (s, _, b) = request(
        &sim.addr,
        "POST",
        "/submissions",
        &[("idempotency-key", "k")],
        "<NicheSubmission/>",
    );
    assert_eq!(s, 400);
    assert!(!json(&b)["errors"].as_array().unwrap().is_empty());
    let (s, _, _) = request(&sim.addr, "POST", "/submissions", &[], &submission("k"));
    assert_eq!(s, 400, "a missing Idempotency-Key is refused");
    let (s, _, _) = request(
        &sim.addr,
        "POST",
        "/submissions",
        &[("idempotency-key", "other")],
        &submission("k"),
    );
    assert_eq!(s, 400, "IncidentId must match the key");
}

#[test]
fn an_outage_answers_503_with_retry_after_then_recovers() {
    let sim = start(&[]);
    let (s, _, _) = request(
        &sim.addr,
        "PUT",
        "/control/faults",
        &[],
        r#"{"unavailable_for_ms": 300, "retry_after_s": 7}"#,
    );
    assert_eq!(s, 200);
    let (s, h, _) = post(&sim.addr, "rec-2");
    assert_eq!(s, 503);
    assert!(h.contains("retry-after: 7"), "{h}");
    std::thread::sleep(std::time::Duration::from_millis(350));
    assert_eq!(post(&sim.addr, "rec-2").0, 201);
    let (_, _, stats) = request(&sim.addr, "GET", "/stats", &[], "");
    assert_eq!(json(&stats)["injected_unavailable"], 1);
}

#[test]
fn dropped_connections_get_no_answer() {
    let sim = start(&["--drop-ratio", "1.0"]);
    let (status, _, _) = post(&sim.addr, "rec-3");
    assert_eq!(status, 0, "the connection closed without a status line");
}

#[test]
fn a_bearer_token_is_required_when_configured() {
    let sim = start(&["--token", "s3cret"]);
    assert_eq!(post(&sim.addr, "rec-4").0, 401);
    let key = "rec-4";
    let (s, _, _) = request(
        &sim.addr,
        "POST",
        "/submissions",
        &[("idempotency-key", key), ("authorization", "Bearer s3cret")],
        &submission(key),
    );
    assert_eq!(s, 201);
}

#[test]
fn occurrences_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sim.jsonl");
    let state = state.to_str().unwrap();
    let first = {
        let sim = start(&["--state", state]);
        json(&post(&sim.addr, "rec-5").2)["occurrence_reference"].clone()
    };
    let sim = start(&["--state", state]);
    let (s, _, b) = post(&sim.addr, "rec-5");
    assert_eq!(s, 200);
    assert_eq!(json(&b)["occurrence_reference"], first);
}
