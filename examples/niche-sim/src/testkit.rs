//! Helpers for the handlers' unit tests: a simulator in memory and requests to it.

use crate::http::{Request, Response};
use crate::state::State;
use crate::{Shared, Sim, submissions};
use std::sync::{Arc, Mutex};

/// A simulator without a state file or faults.
pub fn sim() -> Shared {
    Arc::new(Mutex::new(Sim::new(State::open(None, false).unwrap(), 1)))
}

/// A valid submission about `incident` with one `SourceReport`.
pub fn body(incident: &str, kind: &str) -> Vec<u8> {
    format!(
        r#"<NicheSubmission xmlns="urn:bcgw:niche-import:1"><Force>AS</Force><IncidentId>{incident}</IncidentId><OccurrenceType>{kind}</OccurrenceType><SourceReports><SourceReport recordId="{incident}"/></SourceReports></NicheSubmission>"#
    )
    .into_bytes()
}

/// A request with an optional `Idempotency-Key`.
pub fn request(method: &str, key: Option<&str>, body: Vec<u8>) -> Request {
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

/// A response's status and JSON body.
pub fn answer(r: &Response) -> (u16, serde_json::Value) {
    (r.status, serde_json::from_str(&r.body).unwrap())
}

/// Creates an occurrence for `incident` and returns its reference.
pub fn create(sim: &Shared, incident: &str) -> String {
    let r = submissions::submit(
        sim,
        &request("POST", Some(incident), body(incident, "THEFT-SHOP")),
        "AS",
    );
    assert_eq!(r.status, 201, "{}", r.body);
    answer(&r).1["occurrence_reference"]
        .as_str()
        .unwrap()
        .to_owned()
}
