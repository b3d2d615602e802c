//! A store written by the previous release opens after an upgrade: the numbered
//! migrations run on a real old store (`tests/fixtures/stores/`), everything it
//! held is still there, and the new features work on it.

use crate::helpers::workspace;
use bcgw::store::sqlite::SqliteStore;
use bcgw::store::{Store, TranslationOutcome};

fn open(path: &std::path::Path) -> SqliteStore {
    crate::helpers::open_store(path)
}

fn old_store() -> (tempfile::TempDir, std::path::PathBuf) {
    fixture("v1-quickstart.sqlite")
}

/// A copy of the fixture store `name` in a temporary directory.
fn fixture(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bcgw.sqlite");
    std::fs::copy(workspace().join("tests/fixtures/stores").join(name), &path)
        .expect("fixture copied");
    (dir, path)
}

fn schema_version(path: &std::path::Path) -> String {
    let c = rusqlite::Connection::open(path).expect("store");
    c.query_row(
        "SELECT value FROM meta WHERE key = 'schema_version'",
        [],
        |r| r.get(0),
    )
    .expect("a schema version")
}

#[test]
fn a_version_1_store_is_migrated_and_keeps_everything() {
    let (_dir, path) = old_store();
    assert_eq!(schema_version(&path), "1");
    let store = open(&path);
    let stats = store.stats().unwrap();
    // What the quickstart left: the same counts as its summary printed.
    assert_eq!(stats.payloads, 3);
    assert_eq!(stats.duplicate_payloads, 1);
    assert_eq!(stats.records, 10);
    assert_eq!(stats.duplicate_records, 2);
    assert_eq!(stats.delivered, vec![("niche".to_string(), 10)]);
    assert_eq!(stats.quarantined, 3);
    assert_eq!(stats.amended_records, 0);
    // Each record stored before linking existed is its own incident, as it was
    // delivered: nothing waits for the link stage and nothing is queued again.
    assert_eq!(stats.link.incidents, 10);
    assert_eq!(stats.link.unlinked, 0);
    assert_eq!(stats.link.links, 0);
    assert!(
        stats.pending.iter().all(|(_, n)| *n == 0),
        "{:?}",
        stats.pending
    );
    drop(store);
    assert_eq!(schema_version(&path), "5");
    let c = rusqlite::Connection::open(&path).unwrap();
    let (named_after_record, with_time): (i64, i64) = c
        .query_row(
            "SELECT SUM(incident_id = record_id), COUNT(occurred_at) FROM records",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((named_after_record, with_time), (10, 10));
    drop(c);
    // Opening again runs nothing twice.
    let store = open(&path);
    assert_eq!(store.stats().unwrap().records, 10);
    // Receipts work for payloads journaled before receipts existed.
    let receipt = store
        .receipt("northgate-retail", 1)
        .unwrap()
        .expect("payload 1");
    assert_eq!(receipt.state, "translated");
    assert!(!receipt.records.is_empty());
    assert!(receipt.records.iter().all(|r| {
        r.deliveries
            .iter()
            .all(|d| d.state == "delivered" && d.reference.is_some())
    }));
}

#[test]
fn a_report_amended_after_the_upgrade_queues_an_update_of_its_old_occurrence() {
    let (_dir, path) = old_store();
    let store = open(&path);
    let receipt = store.receipt("northgate-retail", 1).unwrap().unwrap();
    let record_id = receipt.records[0].record_id.clone();
    let reference = receipt.records[0].deliveries[0].reference.clone().unwrap();
    // The stored record, with new content, from a new payload of the same source.
    let c = rusqlite::Connection::open(&path).unwrap();
    let json: String = c
        .query_row(
            "SELECT record FROM record_versions WHERE record_id = ?1 AND version = 1",
            [&record_id],
            |r| r.get(0),
        )
        .unwrap();
    let mut record: bcgw_sdk::schema::SourceRecord = serde_json::from_str(&json).unwrap();
    record.report.event.narrative = Some("amended after the upgrade".into());
    let payload_id = crate::helpers::journal_one(
        &store,
        "northgate-retail",
        "text/csv",
        b"amended",
        chrono::Utc::now(),
    );
    let stats = store
        .complete_translation(TranslationOutcome {
            payload_id,
            records: vec![bcgw::store::TranslatedRecord::new(record).expect("encodes")],
            quarantined: vec![],
            sinks: vec!["niche".into()],
            audit: Default::default(),
        })
        .unwrap();
    assert_eq!(
        (stats.new_records, stats.amended, stats.duplicates),
        (0, 1, 0)
    );
    let due = store
        .due_deliveries("niche", None, chrono::Utc::now(), 10, &[])
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].incident_id, record_id);
    assert_eq!(due[0].revision, 1);
    assert_eq!(
        due[0].reference.as_deref(),
        Some(reference.as_str()),
        "an update of the old occurrence"
    );
}

/// A schema-2 store (with an amended report and its
/// occurrence update) opens with incidents: every record is its own incident as it
/// was delivered, nothing is queued again, and the link stage's restart window
/// finds every record.
#[test]
fn a_version_2_store_is_migrated_to_incidents_and_keeps_everything() {
    let (_dir, path) = fixture("v2-quickstart.sqlite");
    assert_eq!(schema_version(&path), "2");
    let store = open(&path);
    let stats = store.stats().unwrap();
    assert_eq!(stats.payloads, 5);
    assert_eq!(stats.records, 13);
    assert_eq!(stats.duplicate_records, 2);
    assert_eq!(stats.amended_records, 1);
    assert_eq!(stats.updates_delivered, vec![("niche".to_string(), 1)]);
    assert_eq!(stats.delivered, vec![("niche".to_string(), 13)]);
    assert_eq!(stats.quarantined, 4);
    assert_eq!(stats.link.incidents, 13);
    assert_eq!(stats.link.unlinked, 0);
    assert!(
        stats.pending.iter().all(|(_, n)| *n == 0),
        "{:?}",
        stats.pending
    );
    let mut restored = 0;
    store
        .linked_records(chrono::DateTime::<chrono::Utc>::MIN_UTC, &mut |r| {
            assert_eq!(
                r.incident_id.as_deref(),
                Some(r.record.envelope.record_id.as_str())
            );
            restored += 1;
        })
        .unwrap();
    assert_eq!(
        restored, 13,
        "every old record is a candidate for new reports"
    );
    drop(store);
    assert_eq!(schema_version(&path), "5");
}

/// The previous release's store (schema 3) opens with the audit log: nothing
/// lost, each record's agreement read from its envelope, an empty log that then
/// records what is done to the old data.
#[test]
fn a_version_3_store_is_migrated_to_the_audit_log_and_keeps_everything() {
    let (_dir, path) = fixture("v3-quickstart.sqlite");
    assert_eq!(schema_version(&path), "3");
    let store = open(&path);
    let stats = store.stats().unwrap();
    assert_eq!(stats.payloads, 5);
    assert_eq!(stats.records, 13);
    assert_eq!(stats.duplicate_records, 2);
    assert_eq!(stats.amended_records, 1);
    assert_eq!(stats.delivered, vec![("niche".to_string(), 13)]);
    assert_eq!(stats.quarantined, 4);
    assert_eq!(stats.link.incidents, 13);
    // Each record's agreement, read from its stored envelope.
    let c = rusqlite::Connection::open(&path).unwrap();
    let isas: Vec<(String, i64)> = c
        .prepare("SELECT isa, COUNT(*) FROM records GROUP BY isa ORDER BY isa")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(isas.iter().map(|(_, n)| n).sum::<i64>(), 13, "{isas:?}");
    assert!(
        isas.iter().any(|(i, _)| i.starts_with("ISA-AS-2025-017")),
        "{isas:?}"
    );
    // The audit log starts empty, and the old data can be purged, audited.
    let mut entries = Vec::new();
    store
        .audit_entries(None, None, &mut |e| {
            entries.push(e);
            true
        })
        .unwrap();
    assert!(entries.is_empty());
    // Its records were stored before it kept a log: nothing the log must account for.
    assert_eq!(store.audit_evidence().unwrap().records, 0);
    let tomorrow = chrono::Utc::now().timestamp_millis() + 86_400_000;
    let purged = store
        .purge(
            bcgw::store::RetentionCut {
                source: Some("northgate-retail".into()),
                raw_payload_before: Some(tomorrow),
                ..Default::default()
            },
            100,
        )
        .unwrap();
    assert!(purged.raw_payloads >= 1, "{purged:?}");
    let mut v = bcgw::audit::verify::Verifier::default();
    store
        .audit_entries(None, None, &mut |e| v.feed(&e))
        .unwrap();
    let verdict = v.finish();
    assert_eq!((verdict.checked, verdict.broken), (1, None));
    drop(store);
    assert_eq!(schema_version(&path), "5");
}

/// The previous release's store (schema 4) opens with holds and premises
/// resolutions: nothing lost, the audit log still verifies whole, nothing left
/// for the link stage, the window read back from its links; a record stored
/// after the upgrade carries its hold and how its premises resolved.
#[test]
fn a_version_4_store_is_migrated_to_holds_and_member_resolutions() {
    use bcgw_sdk::schema::{PremisesResolution, ResolutionMethod};
    let (_dir, path) = fixture("v4-quickstart.sqlite");
    assert_eq!(schema_version(&path), "4");
    let store = open(&path);
    let stats = store.stats().unwrap();
    assert_eq!(stats.payloads, 5);
    assert_eq!(stats.records, 13);
    assert_eq!(stats.amended_records, 1);
    assert_eq!(stats.delivered, vec![("niche".to_string(), 13)]);
    assert_eq!(stats.link.incidents, 13);
    assert_eq!((stats.link.unlinked, stats.link.held), (0, 0));
    let mut v = bcgw::audit::verify::Verifier::default();
    store
        .audit_entries(None, None, &mut |e| v.feed(&e))
        .unwrap();
    let verdict = v.finish();
    assert_eq!((verdict.checked, verdict.broken), (20, None));
    assert!(store.unlinked_records(0, 100).unwrap().is_empty());
    let window = store.link_window(255).unwrap();
    assert_eq!(
        window.anchor, None,
        "no anchor committed before the upgrade"
    );
    assert_eq!(window.recent_days.len(), 13, "every old link read back");
    // A new report after the upgrade: held, with its resolution kept.
    let c = rusqlite::Connection::open(&path).unwrap();
    let json: String = c
        .query_row(
            "SELECT record FROM record_versions ORDER BY record_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut record: bcgw_sdk::schema::SourceRecord = serde_json::from_str(&json).unwrap();
    record.envelope.record_id = "rec-after-upgrade".into();
    record.report.source_record_id = Some("after-upgrade".into());
    record.envelope.premises = Some(PremisesResolution::unresolved());
    let payload_id = crate::helpers::journal_one(
        &store,
        "northgate-retail",
        "text/csv",
        b"new",
        chrono::Utc::now(),
    );
    let mut translated = bcgw::store::TranslatedRecord::new(record).expect("encodes");
    let due = chrono::Utc::now() + chrono::Duration::minutes(5);
    translated.link_due_at = Some(due);
    store
        .complete_translation(TranslationOutcome {
            payload_id,
            records: vec![translated],
            quarantined: vec![],
            sinks: vec!["niche".into()],
            audit: Default::default(),
        })
        .unwrap();
    let waiting = store.unlinked_records(0, 100).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0].link_due_at.map(|t| t.timestamp_millis()),
        Some(due.timestamp_millis())
    );
    assert_eq!(
        waiting[0]
            .record
            .envelope
            .premises
            .as_ref()
            .map(|p| p.method),
        Some(ResolutionMethod::Unresolved)
    );
    assert_eq!(store.stats().unwrap().link.held, 1);
    drop(store);
    assert_eq!(schema_version(&path), "5");
}
