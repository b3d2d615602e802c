//! The end of an occurrence: `POST /submissions/{reference}/merge` (a case officer
//! decided two occurrences are one incident) and `POST
//! /submissions/{reference}/withdraw`. Both are final and idempotent per key like a
//! creation or update: the same key again answers as before (`"replayed": true`) and
//! does nothing; a new key asking for what already is so answers `200` with
//! `"unchanged": true`.
//!
//! Refusals: no key, a body that is not the endpoint's JSON (unknown fields included)
//! or an empty `into`: 400. An unknown occurrence or target: 404. A merge into itself:
//! 422. A key used for anything else, or a change that conflicts with where the
//! occurrences stand (already merged elsewhere, withdrawn, a target that is itself
//! merged or withdrawn, withdrawing a merged one): 409 with that standing.

use crate::answers::{cannot_persist, conflict, idempotency_key, replayed, unknown_reference};
use crate::http::{Request, Response};
use crate::state::{Change, Merge, State, Status, Withdrawal};
use crate::{Shared, lock};
use serde::Deserialize;
use serde_json::json;

/// The body of a merge. Unknown fields are refused so that a misspelt `into` is a
/// 400, not a merge somewhere unexpected.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    into: String,
    #[serde(default)]
    reason: String,
}

/// The body of a withdrawal.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct WithdrawBody {
    #[serde(default)]
    reason: String,
}

fn merged(reference: &str, into: &str) -> serde_json::Value {
    json!({"reference": reference, "status": Status::Merged, "merged_into": into})
}

fn withdrawn(reference: &str, reason: &str) -> serde_json::Value {
    json!({"reference": reference, "status": Status::Withdrawn, "withdrawn_reason": reason})
}

/// 200 for a request with a new key asking for what already is so.
fn unchanged(mut answer: serde_json::Value) -> Response {
    answer["unchanged"] = json!(true);
    Response::json(200, answer)
}

/// A 400 for a body that is not what the endpoint takes.
fn bad_body(state: &mut State, problem: String) -> Response {
    state.stats.rejected += 1;
    Response::json(400, json!({"errors": [problem]}))
}

/// A 409 or 422 for a change that conflicts with where the occurrences stand;
/// `details` says where they do.
fn refused(state: &mut State, status: u16, error: String, details: serde_json::Value) -> Response {
    state.stats.change_refused += 1;
    let mut v = details;
    v["error"] = json!(error);
    Response::json(status, v)
}

/// Where the occurrence created under `key` stands, as details of a refusal.
fn standing_of(state: &State, key: &str, reference: &str) -> serde_json::Value {
    let st = state.standing(key);
    json!({
        "reference": reference,
        "status": state.status(key),
        "merged_into": st.and_then(|s| s.merged_into.as_deref()),
        "withdrawn_reason": st.and_then(|s| s.withdrawn_reason.as_deref()),
    })
}

/// The occurrence key of `reference` and, if `key` was used before, the answer to
/// give now: a replay of the same change, or a 409 for a key used for anything else.
fn known(
    state: &mut State,
    key: &str,
    reference: &str,
    same: impl Fn(&Change) -> Option<(serde_json::Value, bool)>,
) -> Result<String, Response> {
    let Some(occurrence) = state.by_reference(reference) else {
        return Err(unknown_reference(reference));
    };
    let occurrence_key = occurrence.idempotency_key.clone();
    if let Some(used) = state.keys.get(key) {
        return Err(conflict(key, &state.reference_of(&used.occurrence_key)));
    }
    if let Some(change) = state.change_made_by(key) {
        if change.reference() != reference {
            return Err(conflict(key, change.reference()));
        }
        let Some((answer, same_body)) = same(change) else {
            // A merge key used to withdraw, or the other way round.
            return Err(conflict(key, reference));
        };
        state.stats.change_replayed += 1;
        if !same_body {
            state.stats.change_replayed_with_different_body += 1;
        }
        return Err(replayed(answer));
    }
    Ok(occurrence_key)
}

/// `POST /submissions/{reference}/merge` with `{"into": target, "reason": ...}`.
pub fn merge(sim: &Shared, req: &Request, reference: &str) -> Response {
    let key = match idempotency_key(sim, req) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let body = serde_json::from_slice::<MergeBody>(&req.body);
    let mut s = lock(sim);
    let state = &mut s.state;
    let source = match known(state, &key, reference, |change| match change {
        Change::Merge(m) => Some((
            merged(&m.occurrence_reference, &m.into),
            body.as_ref()
                .is_ok_and(|b| b.into == m.into && b.reason == m.reason),
        )),
        Change::Withdraw(_) => None,
    }) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let body = match body {
        Ok(b) if b.into.is_empty() => return bad_body(state, "into is empty".into()),
        Ok(b) => b,
        Err(e) => {
            return bad_body(
                state,
                format!("not a merge ({{\"into\": ..., \"reason\": ...}}): {e}"),
            );
        }
    };
    let Some(target) = state
        .by_reference(&body.into)
        .map(|o| o.idempotency_key.clone())
    else {
        // Said apart from an unknown source, which a caller handles differently.
        return Response::json(
            404,
            json!({"error": format!("no occurrence {} to merge into", body.into), "into": body.into}),
        );
    };
    if target == source {
        return refused(
            state,
            422,
            format!("occurrence {reference} cannot be merged into itself"),
            standing_of(state, &source, reference),
        );
    }
    let into = state
        .standing(&source)
        .and_then(|st| st.merged_into.clone());
    match state.status(&source) {
        Status::Merged if into.as_deref() == Some(body.into.as_str()) => {
            state.stats.change_unchanged += 1;
            return unchanged(merged(reference, &body.into));
        }
        Status::Merged => {
            let error = format!(
                "occurrence {reference} is already merged into {}",
                into.unwrap_or_default()
            );
            let details = standing_of(state, &source, reference);
            return refused(state, 409, error, details);
        }
        Status::Withdrawn => {
            let details = standing_of(state, &source, reference);
            let error = format!("occurrence {reference} is withdrawn");
            return refused(state, 409, error, details);
        }
        Status::Active => {}
    }
    if state.status(&target) != Status::Active {
        // Merging into an occurrence that is itself gone would hide the source where
        // nobody looks; the caller should merge into where the target went, or not.
        let mut details = standing_of(state, &source, reference);
        details["into"] = standing_of(state, &target, &body.into);
        let error = format!(
            "occurrence {} is {}: nothing can be merged into it",
            body.into,
            state.status(&target).as_str()
        );
        return refused(state, 409, error, details);
    }
    let change = Change::Merge(Merge {
        occurrence_reference: reference.to_owned(),
        into: body.into.clone(),
        reason: body.reason,
        idempotency_key: key,
        at: chrono::Utc::now().to_rfc3339(),
    });
    if let Err(e) = state.change(change) {
        return cannot_persist(&e);
    }
    state.stats.merges += 1;
    Response::json(200, merged(reference, &body.into))
}

/// `POST /submissions/{reference}/withdraw` with `{"reason": ...}`.
pub fn withdraw(sim: &Shared, req: &Request, reference: &str) -> Response {
    let key = match idempotency_key(sim, req) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let body = serde_json::from_slice::<WithdrawBody>(&req.body);
    let mut s = lock(sim);
    let state = &mut s.state;
    let source = match known(state, &key, reference, |change| match change {
        Change::Withdraw(w) => Some((
            withdrawn(&w.occurrence_reference, &w.reason),
            body.as_ref().is_ok_and(|b| b.reason == w.reason),
        )),
        Change::Merge(_) => None,
    }) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            return bad_body(
                state,
                format!("not a withdrawal ({{\"reason\": ...}}): {e}"),
            );
        }
    };
    match state.status(&source) {
        Status::Withdrawn => {
            state.stats.change_unchanged += 1;
            // The reason given first stands.
            let reason = state
                .standing(&source)
                .and_then(|st| st.withdrawn_reason.clone())
                .unwrap_or_default();
            return unchanged(withdrawn(reference, &reason));
        }
        Status::Merged => {
            let details = standing_of(state, &source, reference);
            let error = format!(
                "occurrence {reference} is merged into {}: it can no longer be withdrawn",
                details["merged_into"].as_str().unwrap_or_default()
            );
            return refused(state, 409, error, details);
        }
        Status::Active => {}
    }
    let change = Change::Withdraw(Withdrawal {
        occurrence_reference: reference.to_owned(),
        reason: body.reason.clone(),
        idempotency_key: key,
        at: chrono::Utc::now().to_rfc3339(),
    });
    if let Err(e) = state.change(change) {
        return cannot_persist(&e);
    }
    state.stats.withdrawals += 1;
    Response::json(200, withdrawn(reference, &body.reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::submissions::{list, show, submit, update};
    use crate::testkit::{answer, body, create, request, sim};

    fn json_request(key: Option<&str>, body: serde_json::Value) -> Request {
        request("POST", key, body.to_string().into_bytes())
    }

    fn merge_into(sim: &Shared, from: &str, key: &str, into: &str) -> (u16, serde_json::Value) {
        answer(&merge(
            sim,
            &json_request(Some(key), json!({"into": into, "reason": "same incident"})),
            from,
        ))
    }

    fn withdraw_for(
        sim: &Shared,
        reference: &str,
        key: &str,
        reason: &str,
    ) -> (u16, serde_json::Value) {
        answer(&withdraw(
            sim,
            &json_request(Some(key), json!({"reason": reason})),
            reference,
        ))
    }

    #[test]
    fn a_merge_happens_once_per_key_and_both_occurrences_show_it() {
        let sim = sim();
        let a = create(&sim, "inc-a");
        let b = create(&sim, "inc-b");

        let (status, v) = merge_into(&sim, &a, "m-1", &b);
        assert_eq!(status, 200);
        assert_eq!(
            v,
            json!({"reference": a, "status": "merged", "merged_into": b})
        );
        // The same key again: the same answer, marked as a replay, nothing done.
        let r = merge(
            &sim,
            &json_request(Some("m-1"), json!({"into": b, "reason": "same incident"})),
            &a,
        );
        assert!(
            r.headers
                .contains(&("idempotent-replayed".into(), "true".into()))
        );
        let (status, v) = answer(&r);
        assert_eq!(status, 200);
        assert_eq!(
            v,
            json!({"reference": a, "status": "merged", "merged_into": b, "replayed": true})
        );
        // A new key asking for the same merge: 200, nothing done.
        let (status, v) = merge_into(&sim, &a, "m-2", &b);
        assert_eq!(
            (status, &v["merged_into"], &v["unchanged"]),
            (200, &json!(b), &json!(true))
        );

        let (_, shown_a) = answer(&show(&sim, &a));
        assert_eq!(
            (
                &shown_a["status"],
                &shown_a["merged_into"],
                &shown_a["merged_from"]
            ),
            (&json!("merged"), &json!(b), &json!([]))
        );
        let events: Vec<_> = shown_a["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["event"].clone(), e["idempotency_key"].clone()))
            .collect();
        assert_eq!(
            events,
            [
                (json!("created"), json!("inc-a")),
                (json!("merged"), json!("m-1"))
            ]
        );
        assert_eq!(shown_a["history"][1]["into"], json!(b));
        assert_eq!(shown_a["history"][1]["reason"], "same incident");
        assert!(shown_a["history"][1]["at"].as_str().is_some());
        assert_eq!(shown_a["versions"].as_array().unwrap().len(), 1);

        let (_, shown_b) = answer(&show(&sim, &b));
        assert_eq!(
            (
                &shown_b["status"],
                &shown_b["merged_into"],
                &shown_b["merged_from"]
            ),
            (&json!("active"), &json!(null), &json!([a]))
        );
        assert_eq!(shown_b["history"][1]["event"], "merged_from");
        assert_eq!(shown_b["history"][1]["from"], json!(a));

        let st = &lock(&sim).state.stats;
        assert_eq!(
            (st.merges, st.change_replayed, st.change_unchanged),
            (1, 1, 1)
        );
    }

    #[test]
    fn merges_that_cannot_be_are_refused_with_a_reason() {
        let sim = sim();
        let [a, b, c, d] = ["inc-a", "inc-b", "inc-c", "inc-d"].map(|i| create(&sim, i));
        assert_eq!(merge_into(&sim, &a, "m-1", &b).0, 200);
        assert_eq!(withdraw_for(&sim, &d, "w-1", "sent in error").0, 200);

        let (status, v) = merge_into(&sim, "OCC/AS/2026/999999", "k-1", &b);
        assert_eq!(status, 404, "{v}");
        let (status, v) = merge_into(&sim, &c, "k-2", "OCC/AS/2026/999999");
        assert_eq!((status, &v["into"]), (404, &json!("OCC/AS/2026/999999")));
        let (status, v) = merge_into(&sim, &c, "k-3", &c);
        assert_eq!(status, 422, "{v}");
        // Already merged elsewhere.
        let (status, v) = merge_into(&sim, &a, "k-4", &c);
        assert_eq!(status, 409);
        assert_eq!(
            (&v["status"], &v["merged_into"]),
            (&json!("merged"), &json!(b))
        );
        assert!(v["error"].as_str().unwrap().contains(&b), "{v}");
        // A target that is gone itself.
        let (status, v) = merge_into(&sim, &c, "k-5", &a);
        assert_eq!(status, 409);
        assert_eq!(v["into"]["status"], "merged");
        let (status, v) = merge_into(&sim, &c, "k-6", &d);
        assert_eq!(status, 409);
        assert_eq!(v["into"]["status"], "withdrawn");
        // A withdrawn occurrence is not merged anywhere.
        let (status, v) = merge_into(&sim, &d, "k-7", &c);
        assert_eq!((status, &v["status"]), (409, &json!("withdrawn")));

        // Bodies and keys.
        let no_key = merge(&sim, &json_request(None, json!({"into": b})), &c);
        assert_eq!(no_key.status, 400);
        let not_json = merge(&sim, &request("POST", Some("k-8"), b"{into".to_vec()), &c);
        assert_eq!(answer(&not_json).0, 400);
        let misspelt = merge(&sim, &json_request(Some("k-9"), json!({"in": b})), &c);
        assert_eq!(misspelt.status, 400);
        let empty = merge(&sim, &json_request(Some("k-10"), json!({"into": ""})), &c);
        assert_eq!(empty.status, 400);
        // Keys already used for something else: a creation, a withdrawal, another
        // occurrence's merge.
        assert_eq!(merge_into(&sim, &c, "inc-a", &b).0, 409);
        assert_eq!(merge_into(&sim, &d, "w-1", &b).0, 409);
        assert_eq!(merge_into(&sim, &c, "m-1", &b).0, 409);

        // Nothing of that changed anything: c is still active and b took only a.
        let (_, shown_c) = answer(&show(&sim, &c));
        assert_eq!(shown_c["status"], "active");
        let (_, shown_b) = answer(&show(&sim, &b));
        assert_eq!(shown_b["merged_from"], json!([a]));
        assert_eq!(lock(&sim).state.stats.change_refused, 5);
    }

    #[test]
    fn a_withdrawal_happens_once_and_the_first_reason_stands() {
        let sim = sim();
        let [a, b, c] = ["inc-a", "inc-b", "inc-c"].map(|i| create(&sim, i));

        let (status, v) = withdraw_for(&sim, &a, "w-1", "sent in error");
        assert_eq!(status, 200);
        assert_eq!(
            v,
            json!({"reference": a, "status": "withdrawn", "withdrawn_reason": "sent in error"})
        );
        let (status, v) = withdraw_for(&sim, &a, "w-1", "sent in error");
        assert_eq!((status, &v["replayed"]), (200, &json!(true)));
        let (status, v) = withdraw_for(&sim, &a, "w-2", "another reason");
        assert_eq!(status, 200);
        assert_eq!(
            (&v["withdrawn_reason"], &v["unchanged"]),
            (&json!("sent in error"), &json!(true))
        );
        let (_, shown) = answer(&show(&sim, &a));
        assert_eq!(
            (&shown["status"], &shown["withdrawn_reason"]),
            (&json!("withdrawn"), &json!("sent in error"))
        );
        assert_eq!(shown["history"].as_array().unwrap().len(), 2);
        assert_eq!(shown["history"][1]["event"], "withdrawn");

        assert_eq!(merge_into(&sim, &b, "m-1", &c).0, 200);
        let (status, v) = withdraw_for(&sim, &b, "w-3", "dup");
        assert_eq!((status, &v["merged_into"]), (409, &json!(c)));
        assert_eq!(withdraw_for(&sim, "OCC/AS/2026/999999", "w-4", "x").0, 404);
        assert_eq!(
            withdraw(&sim, &json_request(None, json!({})), &c).status,
            400
        );
        let not_json = withdraw(&sim, &request("POST", Some("w-5"), b"reason".to_vec()), &c);
        assert_eq!(not_json.status, 400);
        // The merge key of b cannot withdraw c (or b).
        assert_eq!(withdraw_for(&sim, &c, "m-1", "x").0, 409);
        assert_eq!(withdraw_for(&sim, &b, "m-1", "x").0, 409);
        // No reason is needed.
        let (status, v) = answer(&withdraw(&sim, &json_request(Some("w-6"), json!({})), &c));
        assert_eq!((status, &v["withdrawn_reason"]), (200, &json!("")));
        assert_eq!(lock(&sim).state.stats.withdrawals, 2);
    }

    #[test]
    fn a_merged_or_withdrawn_occurrence_takes_no_update_but_replays_old_ones() {
        let sim = sim();
        let [a, b, c] = ["inc-a", "inc-b", "inc-c"].map(|i| create(&sim, i));
        let put = |reference: &str, incident: &str, key: &str| {
            answer(&update(
                &sim,
                &request("PUT", Some(key), body(incident, "ASSAULT")),
                reference,
            ))
        };
        assert_eq!(put(&a, "inc-a", "inc-a#2").0, 200);
        assert_eq!(merge_into(&sim, &a, "m-1", &b).0, 200);
        assert_eq!(withdraw_for(&sim, &c, "w-1", "sent in error").0, 200);

        let (status, v) = put(&a, "inc-a", "inc-a#3");
        assert_eq!(status, 409);
        assert_eq!(
            (&v["status"], &v["merged_into"]),
            (&json!("merged"), &json!(b))
        );
        let (status, v) = put(&c, "inc-c", "inc-c#2");
        assert_eq!(status, 409);
        assert_eq!(
            (&v["status"], &v["withdrawn_reason"]),
            (&json!("withdrawn"), &json!("sent in error"))
        );
        // The update made before the merge is still answered as made.
        let (status, v) = put(&a, "inc-a", "inc-a#2");
        assert_eq!(
            (status, &v["version"], &v["replayed"]),
            (200, &json!(2), &json!(true))
        );
        // The target of a merge still takes updates.
        assert_eq!(put(&b, "inc-b", "inc-b#2").0, 200);
        // Keys of merges and withdrawals make nothing else.
        assert_eq!(put(&b, "inc-b", "m-1").0, 409);
        let post = submit(
            &sim,
            &request("POST", Some("w-1"), body("w-1", "THEFT-SHOP")),
            "AS",
        );
        assert_eq!(post.status, 409);
        assert_eq!(lock(&sim).state.stats.update_refused_not_active, 2);
        assert_eq!(lock(&sim).state.version("inc-a"), 2);
    }

    #[test]
    fn the_list_filters_by_status_and_counts_every_occurrence() {
        let sim = sim();
        let [a, b, c] = ["inc-a", "inc-b", "inc-c"].map(|i| create(&sim, i));
        // b's latest version holds two source reports.
        let two = String::from_utf8(body("inc-b", "ASSAULT"))
            .unwrap()
            .replace(
                "</SourceReports>",
                r#"<SourceReport recordId="inc-b2"/></SourceReports>"#,
            );
        let r = update(&sim, &request("PUT", Some("inc-b#2"), two.into_bytes()), &b);
        assert_eq!(r.status, 200);
        assert_eq!(merge_into(&sim, &a, "m-1", &b).0, 200);
        assert_eq!(withdraw_for(&sim, &c, "w-1", "x").0, 200);

        let listed = |query: &str| {
            let mut req = request("GET", None, Vec::new());
            req.query = query.into();
            answer(&list(&sim, &req))
        };
        let (status, all) = listed("");
        assert_eq!(status, 200);
        for (field, n) in [
            ("count", 3),
            ("total", 3),
            ("active", 1),
            ("merged", 1),
            ("withdrawn", 1),
            ("versions", 4),
        ] {
            assert_eq!(all[field], json!(n), "{field}: {all}");
        }
        let items = all["submissions"].as_array().unwrap();
        let b_item = &items[1];
        assert_eq!(
            (
                &b_item["occurrence_reference"],
                &b_item["status"],
                &b_item["version"]
            ),
            (&json!(b), &json!("active"), &json!(2))
        );
        assert_eq!(
            (
                &b_item["incident_id"],
                &b_item["source_reports"],
                &b_item["merged_from"]
            ),
            (&json!("inc-b"), &json!(2), &json!([a]))
        );
        assert_eq!(items[0]["merged_into"], json!(b));
        assert_eq!(items[2]["withdrawn_reason"], "x");
        assert!(b_item.get("body").is_none());

        let (_, active) = listed("status=active");
        assert_eq!((&active["count"], &active["total"]), (&json!(1), &json!(3)));
        assert_eq!(active["submissions"][0]["occurrence_reference"], json!(b));
        let (_, merged) = listed("bodies=1&status=merged");
        assert_eq!(merged["submissions"][0]["occurrence_reference"], json!(a));
        assert!(
            merged["submissions"][0]["body"]
                .as_str()
                .unwrap()
                .contains("inc-a")
        );
        assert_eq!(listed("status=withdrawn").1["count"], 1);
        assert_eq!(listed("status=gone").0, 400);
    }
}
