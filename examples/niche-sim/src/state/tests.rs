//! The state file and what it replays.

use super::*;

fn occurrence(n: u32, key: &str) -> Occurrence {
    Occurrence {
        occurrence_reference: format!("OCC/AS/2026/{n:06}"),
        idempotency_key: key.into(),
        created_at: "2026-11-03T14:05:00+00:00".into(),
        force: "AS".into(),
        occurrence_type: "THEFT-SHOP".into(),
        body_sha256: format!("sha-{key}"),
        body: format!("<body {key}/>"),
    }
}

fn update(n: u32, version: u32, key: &str) -> Update {
    Update {
        occurrence_reference: format!("OCC/AS/2026/{n:06}"),
        version,
        idempotency_key: key.into(),
        created_at: "2026-11-04T09:00:00+00:00".into(),
        force: "AS".into(),
        occurrence_type: "ASSAULT".into(),
        body_sha256: format!("sha-{key}"),
        body: format!("<body {key}/>"),
    }
}

#[test]
fn versions_are_kept_in_order_and_keys_remember_what_they_made() {
    let mut s = State::open(None, false).unwrap();
    s.insert(occurrence(1, "inc-1")).unwrap();
    s.insert(occurrence(2, "inc-2")).unwrap();
    s.update(update(1, 2, "inc-1#2")).unwrap();
    s.update(update(1, 3, "inc-1#3")).unwrap();
    assert_eq!((s.version("inc-1"), s.version("inc-2")), (3, 1));
    let v: Vec<_> = s
        .versions("inc-1")
        .iter()
        .map(|v| (v.version, v.idempotency_key.to_owned()))
        .collect();
    assert_eq!(
        v,
        [
            (1, "inc-1".into()),
            (2, "inc-1#2".into()),
            (3, "inc-1#3".into())
        ]
    );
    assert_eq!(
        s.keys["inc-1#3"],
        KeyUse {
            occurrence_key: "inc-1".into(),
            version: 3
        }
    );
    assert_eq!(s.body_sha256_of("inc-1#2"), Some("sha-inc-1#2"));
    assert_eq!(s.body_sha256_of("inc-2"), Some("sha-inc-2"));
    assert_eq!(
        s.by_reference("OCC/AS/2026/000002")
            .map(|o| o.idempotency_key.as_str()),
        Some("inc-2")
    );
    assert!(s.by_reference("OCC/AS/2026/000009").is_none());
}

#[test]
fn a_restart_replays_occurrences_and_updates_and_skips_a_torn_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.jsonl");
    {
        let mut s = State::open(Some(path.clone()), true).unwrap();
        s.insert(occurrence(1, "inc-1")).unwrap();
        s.update(update(1, 2, "inc-1#2")).unwrap();
    }
    // Killed mid-write: half a line, no newline.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(br#"{"update":{"occurrence_reference":"OCC/AS/2026/0000"#)
        .unwrap();
    drop(f);
    {
        let mut s = State::open(Some(path.clone()), true).unwrap();
        assert_eq!(s.version("inc-1"), 2);
        // The next line is not glued to the torn one.
        s.update(update(1, 3, "inc-1#3")).unwrap();
    }
    let s = State::open(Some(path.clone()), true).unwrap();
    assert_eq!(s.order, ["inc-1"]);
    assert_eq!(s.version("inc-1"), 3);
    assert_eq!(s.versions("inc-1")[2].body, "<body inc-1#3/>");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with(r#"{"update":"#))
            .count(),
        3
    );
}

#[test]
fn files_written_before_updates_existed_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.jsonl");
    let old = r#"{"occurrence_reference":"OCC/AS/2026/000001","idempotency_key":"rec-1","created_at":"2026-11-03T14:05:00+00:00","force":"AS","occurrence_type":"THEFT-SHOP","body_sha256":"abc","body":"<x/>"}"#;
    std::fs::write(&path, format!("{old}\n")).unwrap();
    let s = State::open(Some(path), false).unwrap();
    assert_eq!(s.by_key["rec-1"].body_sha256, "abc");
    assert_eq!(s.version("rec-1"), 1);
    assert_eq!(s.keys["rec-1"].version, 1);
}

fn merge(n: u32, into: u32, key: &str) -> Change {
    Change::Merge(Merge {
        occurrence_reference: format!("OCC/AS/2026/{n:06}"),
        into: format!("OCC/AS/2026/{into:06}"),
        reason: "same incident".into(),
        idempotency_key: key.into(),
        at: "2026-11-05T10:00:00+00:00".into(),
    })
}

fn withdrawal(n: u32, key: &str) -> Change {
    Change::Withdraw(Withdrawal {
        occurrence_reference: format!("OCC/AS/2026/{n:06}"),
        reason: "sent in error".into(),
        idempotency_key: key.into(),
        at: "2026-11-05T11:00:00+00:00".into(),
    })
}

#[test]
fn merges_and_withdrawals_are_journaled_and_replayed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.jsonl");
    {
        let mut s = State::open(Some(path.clone()), true).unwrap();
        for (n, key) in [(1, "inc-1"), (2, "inc-2"), (3, "inc-3")] {
            s.insert(occurrence(n, key)).unwrap();
        }
        s.change(merge(1, 2, "m-1")).unwrap();
        s.update(update(2, 2, "inc-2#2")).unwrap();
        s.change(withdrawal(3, "w-1")).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with(r#"{"merge":{"#)),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with(r#"{"withdraw":{"#)),
        "{text}"
    );
    // Killed while journaling another merge.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(br#"{"merge":{"occurrence_reference":"OCC/AS/20"#)
        .unwrap();
    drop(f);

    let s = State::open(Some(path), true).unwrap();
    assert_eq!(
        ["inc-1", "inc-2", "inc-3"].map(|k| s.status(k)),
        [Status::Merged, Status::Active, Status::Withdrawn]
    );
    let one = s.standing("inc-1").unwrap();
    assert_eq!(one.merged_into.as_deref(), Some("OCC/AS/2026/000002"));
    let two = s.standing("inc-2").unwrap();
    assert_eq!(two.merged_from, ["OCC/AS/2026/000001"]);
    let events: Vec<_> = two
        .history
        .iter()
        .map(|e| (e.event, e.idempotency_key.as_str(), e.version))
        .collect();
    assert_eq!(
        events,
        [
            ("created", "inc-2", Some(1)),
            ("merged_from", "m-1", None),
            ("updated", "inc-2#2", Some(2))
        ]
    );
    let three = s.standing("inc-3").unwrap();
    assert_eq!(three.withdrawn_reason.as_deref(), Some("sent in error"));
    assert_eq!(s.change_made_by("w-1"), Some(&withdrawal(3, "w-1")));
    assert_eq!(s.change_made_by("m-1"), Some(&merge(1, 2, "m-1")));
    assert_eq!(
        s.summary(),
        Summary {
            total: 3,
            active: 1,
            merged: 1,
            withdrawn: 1,
            versions: 4
        }
    );
}

#[test]
fn files_written_before_merges_existed_still_load() {
    // Exactly what the simulator wrote before merges and withdrawals: occurrences
    // and `{"update": ...}` lines.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.jsonl");
    let body = r#"<NicheSubmission xmlns=\"urn:bcgw:niche-import:1\"><Force>AS</Force><IncidentId>rec-1</IncidentId><OccurrenceType>THEFT-SHOP</OccurrenceType><SourceReports><SourceReport recordId=\"rec-1\"/></SourceReports></NicheSubmission>"#;
    let old = [
        format!(
            r#"{{"occurrence_reference":"OCC/AS/2026/000001","idempotency_key":"rec-1","created_at":"2026-11-03T14:05:00+00:00","force":"AS","occurrence_type":"THEFT-SHOP","body_sha256":"abc","body":"{body}"}}"#
        ),
        format!(
            r#"{{"update":{{"occurrence_reference":"OCC/AS/2026/000001","version":2,"idempotency_key":"rec-1#2","created_at":"2026-11-04T09:00:00+00:00","force":"AS","occurrence_type":"ASSAULT","body_sha256":"def","body":"{body}"}}}}"#
        ),
    ];
    std::fs::write(&path, old.join("\n") + "\n").unwrap();
    let s = State::open(Some(path), false).unwrap();
    assert_eq!((s.version("rec-1"), s.status("rec-1")), (2, Status::Active));
    assert_eq!(
        s.latest_facts("rec-1"),
        Some(&Facts {
            incident_id: "rec-1".into(),
            source_reports: 1
        })
    );
    assert_eq!(s.versions("rec-1")[1].occurrence_type, "ASSAULT");
    assert_eq!(s.standing("rec-1").unwrap().history.len(), 2);
}

#[test]
fn a_hand_edited_file_cannot_revive_or_loop_occurrences() {
    let mut s = State::open(None, false).unwrap();
    s.insert(occurrence(1, "inc-1")).unwrap();
    s.insert(occurrence(2, "inc-2")).unwrap();
    s.change(merge(1, 2, "m-1")).unwrap();
    // Back the other way, into itself, into nothing, withdrawn after merged, with
    // a key already used: all ignored.
    s.change(merge(2, 1, "m-2")).unwrap();
    s.change(merge(2, 2, "m-3")).unwrap();
    s.change(merge(2, 9, "m-4")).unwrap();
    s.change(withdrawal(1, "w-1")).unwrap();
    s.change(withdrawal(2, "m-1")).unwrap();
    assert_eq!(
        (s.status("inc-1"), s.status("inc-2")),
        (Status::Merged, Status::Active)
    );
    assert!(
        ["m-2", "m-3", "m-4", "w-1"]
            .iter()
            .all(|k| s.change_made_by(k).is_none())
    );
}
