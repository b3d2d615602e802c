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

fn submission_of(incident: &str, kind: &str) -> String {
    submission(incident).replace("THEFT-SHOP", kind)
}

/// `PUT /submissions/{reference}` with the reference path-encoded.
fn put(addr: &str, reference: &str, key: &str, body: &str) -> (u16, String, String) {
    request(
        addr,
        "PUT",
        &format!("/submissions/{}", reference.replace('/', "%2F")),
        &[
            ("idempotency-key", key),
            ("content-type", "application/xml"),
        ],
        body,
    )
}

#[test]
fn updates_add_versions_once_per_key_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sim.jsonl");
    let state = state.to_str().unwrap();
    let sim = start(&["--state", state]);
    let (s, _, b) = post(&sim.addr, "inc-1");
    assert_eq!(s, 201);
    let created = json(&b);
    assert_eq!(created["version"], 1);
    let reference = created["occurrence_reference"].as_str().unwrap().to_owned();
    let other = json(&post(&sim.addr, "inc-2").2)["occurrence_reference"]
        .as_str()
        .unwrap()
        .to_owned();

    let v2 = submission_of("inc-1", "ASSAULT");
    let (s, _, b) = put(&sim.addr, &reference, "inc-1#2", &v2);
    assert_eq!(
        (s, json(&b)),
        (
            200,
            serde_json::json!({"occurrence_reference": reference, "version": 2})
        )
    );
    // The same update again, this time with raw slashes: nothing new, same version.
    let (s, h, b) = request(
        &sim.addr,
        "PUT",
        &format!("/submissions/{reference}"),
        &[("idempotency-key", "inc-1#2")],
        &v2,
    );
    assert_eq!((s, &json(&b)["version"]), (200, &serde_json::json!(2)));
    assert!(h.contains("idempotent-replayed: true"), "{h}");
    // A key of another occurrence; an unknown reference.
    assert_eq!(put(&sim.addr, &reference, "inc-2", &v2).0, 409);
    assert_eq!(put(&sim.addr, "OCC/AS/2026/999999", "inc-1#9", &v2).0, 404);
    assert_eq!(
        put(&sim.addr, &other, "inc-1#2", &submission("inc-2")).0,
        409
    );

    let (_, _, stats) = request(&sim.addr, "GET", "/stats", &[], "");
    let stats = json(&stats);
    assert_eq!(
        (&stats["updated"], &stats["update_replayed"]),
        (&serde_json::json!(1), &serde_json::json!(1))
    );
    let (_, _, list) = request(&sim.addr, "GET", "/submissions", &[], "");
    let list = json(&list);
    assert_eq!(
        (&list["count"], &list["submissions"][0]["version"]),
        (&serde_json::json!(2), &serde_json::json!(2))
    );
    drop(sim);

    let sim = start(&["--state", state]);
    let (s, _, b) = request(
        &sim.addr,
        "GET",
        &format!("/submissions/{}", reference.replace('/', "%2F")),
        &[],
        "",
    );
    assert_eq!(s, 200);
    let shown = json(&b);
    assert_eq!(shown["version"], 2);
    let versions = shown["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (
            &versions[0]["idempotency_key"],
            &versions[1]["idempotency_key"]
        ),
        (&serde_json::json!("inc-1"), &serde_json::json!("inc-1#2"))
    );
    assert_eq!(versions[1]["body"], v2);
    assert_eq!(versions[0]["body"], submission("inc-1"));
    // Still remembered: the update key replays, a new one makes version 3.
    assert_eq!(
        json(&put(&sim.addr, &reference, "inc-1#2", &v2).2)["version"],
        2
    );
    assert_eq!(
        json(&put(&sim.addr, &reference, "inc-1#3", &v2).2)["version"],
        3
    );
}

#[test]
fn updates_get_the_same_auth_and_faults_as_creations() {
    let sim = start(&["--token", "s3cret"]);
    let auth = ("authorization", "Bearer s3cret");
    let (_, _, b) = request(
        &sim.addr,
        "POST",
        "/submissions",
        &[("idempotency-key", "inc-1"), auth],
        &submission("inc-1"),
    );
    let reference = json(&b)["occurrence_reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/submissions/{}", reference.replace('/', "%2F"));
    assert_eq!(
        put(&sim.addr, &reference, "inc-1#2", &submission("inc-1")).0,
        401
    );
    let (s, _, _) = request(
        &sim.addr,
        "PUT",
        "/control/faults",
        &[auth],
        r#"{"unavailable_for_ms": 60000, "retry_after_s": 4}"#,
    );
    assert_eq!(s, 200);
    let (s, h, _) = request(
        &sim.addr,
        "PUT",
        &path,
        &[("idempotency-key", "inc-1#2"), auth],
        &submission("inc-1"),
    );
    assert_eq!(s, 503);
    assert!(h.contains("retry-after: 4"), "{h}");
    request(
        &sim.addr,
        "PUT",
        "/control/faults",
        &[auth],
        r#"{"fail_ratio": 1.0}"#,
    );
    let (s, _, _) = request(
        &sim.addr,
        "PUT",
        &path,
        &[("idempotency-key", "inc-1#2"), auth],
        &submission("inc-1"),
    );
    assert_eq!(s, 500);
    let (_, _, stats) = request(&sim.addr, "GET", "/stats", &[auth], "");
    assert_eq!(json(&stats)["updated"], 0);
}

/// `POST /submissions/{reference}/{action}` with a JSON body.
fn lifecycle(
    addr: &str,
    reference: &str,
    action: &str,
    key: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let (s, _, b) = request(
        addr,
        "POST",
        &format!("/submissions/{}/{action}", reference.replace('/', "%2F")),
        &[
            ("idempotency-key", key),
            ("content-type", "application/json"),
        ],
        &body.to_string(),
    );
    (s, json(&b))
}

fn reference_of(created: (u16, String, String)) -> String {
    assert_eq!(created.0, 201, "{}", created.2);
    json(&created.2)["occurrence_reference"]
        .as_str()
        .expect("a reference")
        .to_owned()
}

#[test]
fn merges_and_withdrawals_are_answered_listed_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sim.jsonl");
    let state = state.to_str().unwrap();
    let sim = start(&["--state", state]);
    let a = reference_of(post(&sim.addr, "inc-a"));
    let b = reference_of(post(&sim.addr, "inc-b"));
    let c = reference_of(post(&sim.addr, "inc-c"));

    let merge = serde_json::json!({"into": b, "reason": "same incident"});
    let (s, v) = lifecycle(&sim.addr, &a, "merge", "m-1", merge.clone());
    assert_eq!(
        (s, v),
        (
            200,
            serde_json::json!({"reference": a, "status": "merged", "merged_into": b})
        )
    );
    // Raw slashes work too; the same key answers the same.
    let (s, _, body) = request(
        &sim.addr,
        "POST",
        &format!("/submissions/{a}/merge"),
        &[("idempotency-key", "m-1")],
        &merge.to_string(),
    );
    assert_eq!(
        (s, &json(&body)["merged_into"]),
        (200, &serde_json::json!(b))
    );
    let (s, v) = lifecycle(
        &sim.addr,
        &c,
        "withdraw",
        "w-1",
        serde_json::json!({"reason": "sent in error"}),
    );
    assert_eq!((s, &v["status"]), (200, &serde_json::json!("withdrawn")));
    assert_eq!(put(&sim.addr, &a, "inc-a#2", &submission("inc-a")).0, 409);
    let (s, _, _) = request(
        &sim.addr,
        "GET",
        &format!("/submissions/{a}/merge"),
        &[],
        "",
    );
    assert_eq!(s, 405);
    drop(sim);

    let sim = start(&["--state", state]);
    let (_, _, list) = request(&sim.addr, "GET", "/submissions?status=active", &[], "");
    let list = json(&list);
    assert_eq!(
        (
            &list["count"],
            &list["total"],
            &list["merged"],
            &list["withdrawn"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(3),
            &serde_json::json!(1),
            &serde_json::json!(1)
        )
    );
    let only = &list["submissions"][0];
    assert_eq!(
        (
            &only["occurrence_reference"],
            &only["merged_from"],
            &only["incident_id"]
        ),
        (
            &serde_json::json!(b),
            &serde_json::json!([a]),
            &serde_json::json!("inc-b")
        )
    );
    let (_, _, shown) = request(
        &sim.addr,
        "GET",
        &format!("/submissions/{}", a.replace('/', "%2F")),
        &[],
        "",
    );
    let shown = json(&shown);
    assert_eq!(shown["status"], "merged");
    assert_eq!(shown["history"][1]["idempotency_key"], "m-1");
    // Still remembered after the restart: the key replays, a new one changes nothing.
    let (s, v) = lifecycle(&sim.addr, &a, "merge", "m-1", merge.clone());
    assert_eq!((s, &v["replayed"]), (200, &serde_json::json!(true)));
    let (s, v) = lifecycle(
        &sim.addr,
        &a,
        "merge",
        "m-2",
        serde_json::json!({"into": c}),
    );
    assert_eq!((s, &v["merged_into"]), (409, &serde_json::json!(b)));
    let (_, _, stats) = request(&sim.addr, "GET", "/stats", &[], "");
    let stats = json(&stats);
    assert_eq!(
        (&stats["occurrences"], &stats["active"], &stats["versions"]),
        (
            &serde_json::json!(3),
            &serde_json::json!(1),
            &serde_json::json!(3)
        )
    );
}

#[test]
fn merges_and_withdrawals_get_the_same_auth_and_faults_as_submissions() {
    let sim = start(&["--token", "s3cret"]);
    let auth = ("authorization", "Bearer s3cret");
    let create = |key: &str| {
        reference_of(request(
            &sim.addr,
            "POST",
            "/submissions",
            &[("idempotency-key", key), auth],
            &submission(key),
        ))
    };
    let a = create("inc-a");
    let b = create("inc-b");
    let merge_path = format!("/submissions/{}/merge", a.replace('/', "%2F"));
    let withdraw_path = format!("/submissions/{}/withdraw", a.replace('/', "%2F"));
    let merge = serde_json::json!({"into": b}).to_string();
    assert_eq!(
        request(
            &sim.addr,
            "POST",
            &merge_path,
            &[("idempotency-key", "m-1")],
            &merge
        )
        .0,
        401
    );
    request(
        &sim.addr,
        "PUT",
        "/control/faults",
        &[auth],
        r#"{"unavailable_for_ms": 60000, "retry_after_s": 3}"#,
    );
    let (s, h, _) = request(
        &sim.addr,
        "POST",
        &merge_path,
        &[("idempotency-key", "m-1"), auth],
        &merge,
    );
    assert_eq!(s, 503);
    assert!(h.contains("retry-after: 3"), "{h}");
    request(
        &sim.addr,
        "PUT",
        "/control/faults",
        &[auth],
        r#"{"fail_ratio": 1.0}"#,
    );
    let (s, _, _) = request(
        &sim.addr,
        "POST",
        &withdraw_path,
        &[("idempotency-key", "w-1"), auth],
        "{}",
    );
    assert_eq!(s, 500);
    request(
        &sim.addr,
        "PUT",
        "/control/faults",
        &[auth],
        r#"{"drop_ratio": 1.0}"#,
    );
    let (s, _, _) = request(
        &sim.addr,
        "POST",
        &merge_path,
        &[("idempotency-key", "m-1"), auth],
        &merge,
    );
    assert_eq!(s, 0, "dropped without an answer");
    request(&sim.addr, "PUT", "/control/faults", &[auth], "{}");
    let (s, _, _) = request(
        &sim.addr,
        "POST",
        &merge_path,
        &[("idempotency-key", "m-1"), auth],
        &merge,
    );
    assert_eq!(s, 200, "once the faults are gone the merge happens");
    let (_, _, stats) = request(&sim.addr, "GET", "/stats", &[auth], "");
    let stats = json(&stats);
    assert_eq!(
        (&stats["merges"], &stats["withdrawals"], &stats["merged"]),
        (
            &serde_json::json!(1),
            &serde_json::json!(0),
            &serde_json::json!(1)
        )
    );
}
