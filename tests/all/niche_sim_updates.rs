//! The Niche simulator keeps every version of an occurrence: `PUT
//! /submissions/{reference}` with a new `Idempotency-Key` adds one, the same key again
//! adds nothing, a key of another occurrence is a conflict, and a restarted simulator
//! remembers every version. The real `niche-sim` binary over loopback: this is the
//! wire contract the gateway's Niche sink is written against.

use crate::niche::NicheSim;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;

/// One request on its own connection: the status and the JSON body (`Null` if none).
fn request(
    sim: &NicheSim,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut s = TcpStream::connect(&sim.addr).expect("connect to niche-sim");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: sim\r\nconnection: close\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(key) = key {
        req.push_str(&format!("idempotency-key: {key}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send the request");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read the answer");
    let (head, body) = out.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A valid submission for `incident` (the simulator wants `IncidentId` = the
/// occurrence's creation key).
fn submission(incident: &str, occurrence_type: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><NicheSubmission xmlns="urn:bcgw:niche-import:1" schemaVersion="1"><Force>AS</Force><IncidentId>{incident}</IncidentId><OccurrenceType>{occurrence_type}</OccurrenceType><SourceReports><SourceReport recordId="{incident}"/></SourceReports></NicheSubmission>"#
    )
}

/// `/submissions/{reference}` with the reference path-encoded (it contains `/`).
fn path_of(reference: &str) -> String {
    format!("/submissions/{}", reference.replace('/', "%2F"))
}

fn post(sim: &NicheSim, key: &str, body: &str) -> (u16, Value) {
    request(sim, "POST", "/submissions", Some(key), body)
}

fn put(sim: &NicheSim, reference: &str, key: &str, body: &str) -> (u16, Value) {
    request(sim, "PUT", &path_of(reference), Some(key), body)
}

fn versions(sim: &NicheSim, reference: &str) -> Vec<(u64, String, String)> {
    let (status, shown) = request(sim, "GET", &path_of(reference), None, "");
    assert_eq!(status, 200, "{shown}");
    shown["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().expect("version"),
                v["idempotency_key"]
                    .as_str()
                    .expect("idempotency_key")
                    .to_owned(),
                v["body"].as_str().expect("body").to_owned(),
            )
        })
        .collect()
}

#[test]
fn updates_are_kept_as_versions_once_per_key_across_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sim = NicheSim::start(dir.path());
    let v1 = submission("inc-1", "THEFT-SHOP");
    let (status, created) = post(&sim, "inc-1", &v1);
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["version"], 1);
    let reference = created["occurrence_reference"]
        .as_str()
        .expect("an occurrence reference")
        .to_owned();
    let (status, other) = post(&sim, "inc-2", &submission("inc-2", "THEFT-SHOP"));
    assert_eq!(status, 201, "{other}");
    let other = other["occurrence_reference"]
        .as_str()
        .expect("an occurrence reference")
        .to_owned();

    // A new key: version 2, both versions kept.
    let v2 = submission("inc-1", "ASSAULT");
    let (status, updated) = put(&sim, &reference, "inc-1#2", &v2);
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        updated,
        json!({"occurrence_reference": reference, "version": 2})
    );
    let expected = vec![
        (1, "inc-1".to_owned(), v1.clone()),
        (2, "inc-1#2".to_owned(), v2.clone()),
    ];
    assert_eq!(versions(&sim, &reference), expected);

    // The same update again: the same answer, no new version.
    let (status, again) = put(&sim, &reference, "inc-1#2", &v2);
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (&again["occurrence_reference"], &again["version"]),
        (&updated["occurrence_reference"], &updated["version"])
    );
    assert_eq!(versions(&sim, &reference), expected);

    // A key another occurrence was created with, or updated with: a conflict.
    let (status, conflict) = put(&sim, &reference, "inc-2", &v2);
    assert_eq!(status, 409, "{conflict}");
    let (status, conflict) = put(&sim, &other, "inc-1#2", &submission("inc-2", "ASSAULT"));
    assert_eq!(status, 409, "{conflict}");
    // An occurrence the simulator never created.
    let (status, unknown) = put(&sim, "OCC/AS/2026/999999", "inc-1#9", &v2);
    assert_eq!(status, 404, "{unknown}");
    assert_eq!(versions(&sim, &reference), expected);
    assert_eq!(versions(&sim, &other).len(), 1);

    let stats = sim.stats();
    assert_eq!(
        (
            &stats["updated"],
            &stats["update_replayed"],
            &stats["update_replayed_with_different_body"]
        ),
        (&json!(1), &json!(1), &json!(0))
    );
    // Updates are versions, not occurrences.
    assert_eq!(sim.occurrences(), 2);
    assert_eq!(sim.keys(), ["inc-1", "inc-2"]);

    // A restarted simulator remembers every version and every key.
    sim.restart();
    assert_eq!(versions(&sim, &reference), expected);
    let (status, replayed) = put(&sim, &reference, "inc-1#2", &v2);
    assert_eq!(
        (status, &replayed["version"]),
        (200, &json!(2)),
        "{replayed}"
    );
    let (status, v3) = put(&sim, &reference, "inc-1#3", &submission("inc-1", "ROBBERY"));
    assert_eq!((status, &v3["version"]), (200, &json!(3)), "{v3}");
    assert_eq!(versions(&sim, &reference).len(), 3);
    assert_eq!(sim.occurrences(), 2);
}
