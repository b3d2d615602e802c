//! Answers every request that changes something may give, in one place so POST, PUT,
//! merge and withdraw word them alike.

use crate::http::{Request, Response};
use crate::{Shared, lock};
use serde_json::json;

/// The `Idempotency-Key` header, or the 400 answer when it is missing.
pub fn idempotency_key(sim: &Shared, req: &Request) -> Result<String, Response> {
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

/// 409: `key` already did something else, to occurrence `reference`.
pub fn conflict(key: &str, reference: &str) -> Response {
    Response::json(
        409,
        json!({"error": format!("Idempotency-Key {key} was already used for occurrence {reference}")}),
    )
}

/// 404: no occurrence `reference`.
pub fn unknown_reference(reference: &str) -> Response {
    Response::json(404, json!({"error": format!("no occurrence {reference}")}))
}

/// 200 with `answer` and `"replayed": true`: the key did this before, nothing was done
/// now.
pub fn replayed(mut answer: serde_json::Value) -> Response {
    answer["replayed"] = json!(true);
    let mut r = Response::json(200, answer);
    r.headers
        .push(("idempotent-replayed".into(), "true".into()));
    r
}

/// 500: the state file cannot be written, so nothing was done.
pub fn cannot_persist(e: &std::io::Error) -> Response {
    Response::json(
        500,
        json!({"error": format!("simulator cannot persist: {e}")}),
    )
}
