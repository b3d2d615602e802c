//! Occurrences and their versions: `POST /submissions` creates one, `PUT
//! /submissions/{reference}` adds a version, `GET` shows them.

use crate::answers::{cannot_persist, conflict, idempotency_key, replayed, unknown_reference};
use crate::http::{Request, Response};
use crate::state::{self, Occurrence, State, Status, Update};
use crate::{Shared, lock, validate};
use serde_json::json;
use sha2::Digest;

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
pub fn submit(sim: &Shared, req: &Request, force: &str) -> Response {
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
        return replayed(json!({"occurrence_reference": reference, "version": 1}));
    }
    if let Some(change) = s.state.change_made_by(&key) {
        return conflict(&key, change.reference());
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

/// 409 for an update of an occurrence that is merged or withdrawn: naming where it
/// went, so a caller can send the update there instead.
fn not_active(state: &State, key: &str, reference: &str) -> Option<Response> {
    let standing = state.standing(key)?;
    let why = match standing.status {
        Status::Active => return None,
        Status::Merged => format!(
            "occurrence {reference} is merged into {}: it takes no updates",
            standing.merged_into.as_deref().unwrap_or_default()
        ),
        Status::Withdrawn => format!("occurrence {reference} is withdrawn: it takes no updates"),
    };
    Some(Response::json(
        409,
        json!({
            "error": why,
            "occurrence_reference": reference,
            "status": standing.status,
            "merged_into": standing.merged_into,
            "withdrawn_reason": standing.withdrawn_reason,
        }),
    ))
}

/// `PUT /submissions/{reference}`: adds a version to an occurrence.
pub fn update(sim: &Shared, req: &Request, reference: &str) -> Response {
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
        // Replayed even after a merge or withdrawal: the update did happen, and a
        // client retrying it must learn so rather than that it failed.
        s.state.stats.update_replayed += 1;
        if s.state.body_sha256_of(&key) != Some(body_sha.as_str()) {
            s.state.stats.update_replayed_with_different_body += 1;
        }
        return replayed(json!({"occurrence_reference": reference, "version": used.version}));
    }
    if let Some(change) = s.state.change_made_by(&key) {
        return conflict(&key, change.reference());
    }
    if let Some(refused) = not_active(&s.state, &occurrence_key, reference) {
        s.state.stats.update_refused_not_active += 1;
        return refused;
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

/// What the list and the detail both say of an occurrence: its creation, its current
/// version, where it stands, and what its latest version's body says.
fn describe(state: &State, o: &Occurrence) -> serde_json::Value {
    let key = &o.idempotency_key;
    let standing = state.standing(key);
    let facts = state.latest_facts(key);
    json!({
        "occurrence_reference": o.occurrence_reference,
        "idempotency_key": o.idempotency_key,
        "created_at": o.created_at,
        "force": o.force,
        "occurrence_type": o.occurrence_type,
        "version": state.version(key),
        "status": standing.map_or(Status::Active, |st| st.status),
        "merged_into": standing.and_then(|st| st.merged_into.as_deref()),
        "merged_from": standing.map(|st| st.merged_from.as_slice()).unwrap_or_default(),
        "withdrawn_reason": standing.and_then(|st| st.withdrawn_reason.as_deref()),
        "incident_id": facts.map(|f| &f.incident_id),
        "source_reports": facts.map(|f| f.source_reports),
    })
}

/// `GET /submissions/{reference}`: one occurrence with every version and its history.
pub fn show(sim: &Shared, reference: &str) -> Response {
    let s = lock(sim);
    let Some(o) = s.state.by_reference(reference) else {
        return unknown_reference(reference);
    };
    let mut v = describe(&s.state, o);
    v["simulator"] = json!("niche-sim (not Niche RMS)");
    v["versions"] = json!(s.state.versions(&o.idempotency_key));
    v["history"] = json!(
        s.state
            .standing(&o.idempotency_key)
            .map(|st| st.history.as_slice())
            .unwrap_or_default()
    );
    Response::json(200, v)
}

/// `GET /submissions[?status=active|merged|withdrawn][&bodies=1]`: every occurrence (or
/// those in one status), in creation order, with counts over all of them.
pub fn list(sim: &Shared, req: &Request) -> Response {
    let s = lock(sim);
    let mut bodies = false;
    let mut only = None;
    for (name, value) in req.query.split('&').filter_map(|q| q.split_once('=')) {
        match name {
            "bodies" => bodies = value == "1",
            "status" => match Status::parse(value) {
                Some(status) => only = Some(status),
                None => {
                    return Response::json(
                        400,
                        json!({"errors": [format!("status {value:?} is not one of active, merged, withdrawn")]}),
                    );
                }
            },
            _ => {}
        }
    }
    let items: Vec<_> = s
        .state
        .order
        .iter()
        .filter(|k| only.is_none_or(|status| s.state.status(k) == status))
        .filter_map(|k| s.state.by_key.get(k))
        .map(|o| {
            let mut v = describe(&s.state, o);
            // The body of the latest version: what the occurrence shows now.
            if bodies {
                let latest = s
                    .state
                    .versions(&o.idempotency_key)
                    .last()
                    .map(|v| v.body.to_string());
                v["body"] = json!(latest.unwrap_or_else(|| o.body.clone()));
            }
            v
        })
        .collect();
    let mut v = json!(s.state.summary());
    v["simulator"] = json!("niche-sim (not Niche RMS)");
    // `count` is what this answer lists (after `status`); `total` is every occurrence.
    v["count"] = json!(items.len());
    v["submissions"] = json!(items);
    Response::json(200, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{answer, body, request, sim};

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
