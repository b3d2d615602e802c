//! What the store reads back: damaged values are reported as damage, and every
//! state read back is one the gateway knows.

use crate::helpers::{journal_one, open_store};
use bcgw::store::sqlite::SqliteStore;
use bcgw::store::{Store, StoreError};
use chrono::Utc;

/// One CSV payload of the source `shop`, journaled; its id.
fn journal_csv(store: &SqliteStore) -> i64 {
    journal_one(store, "shop", "text/csv", b"a,b\n1,2\n", Utc::now())
}

/// Found on main: a received time out of range read back as 1970-01-01, so a
/// damaged row looked like a very old payload instead of damage.
#[test]
fn a_damaged_time_is_reported_as_corruption_not_read_as_1970() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bcgw.sqlite");
    let s = open_store(&path);
    let id = journal_csv(&s);
    assert_eq!(s.pending_payloads(None, 10).unwrap().len(), 1);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE payloads SET received_at = ?2 WHERE id = ?1",
            rusqlite::params![id, i64::MAX],
        )
        .unwrap();
    match s.pending_payloads(None, 10) {
        Err(StoreError::Corrupt(what)) => assert!(what.contains("stored time"), "{what}"),
        other => panic!("expected corruption, got {other:?}"),
    }
}

/// A state the gateway does not know (a hand edit, a newer release's store) is
/// damage too: it is never taken for pending or done.
#[test]
fn an_unknown_state_is_reported_as_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bcgw.sqlite");
    let s = open_store(&path);
    let id = journal_csv(&s);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("UPDATE payloads SET state = 'finished' WHERE id = ?1", [id])
        .unwrap();
    match s.receipt("shop", id) {
        Err(StoreError::Corrupt(what)) => assert!(what.contains("PayloadState"), "{what}"),
        other => panic!("expected corruption, got {other:?}"),
    }
}
