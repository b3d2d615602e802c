//! Numbered schema migrations. A store records its schema version in `meta`;
//! opening it runs every migration above that version, each in its own
//! transaction with the new version, so a crash mid-upgrade leaves the store at
//! the last version completed. A new store is created at version 1 (`schema::DDL`)
//! and goes through the same migrations as an old one, so they run on every test.
//!
//! Adding a migration: a function here, a line in [`MIGRATIONS`], and a test that
//! opens a store written by the release before it (`tests/fixtures/stores/`).

use rusqlite::{Connection, params};

/// One step from version `to - 1` to `to`.
pub struct Migration {
    /// The version the store is at afterwards.
    pub to: i64,
    /// What it does, for the log.
    pub what: &'static str,
    /// The step, inside its transaction.
    pub apply: fn(&Connection) -> rusqlite::Result<()>,
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[Migration {
    to: 2,
    what: "record versions (amended reports), occurrence revisions in the outbox, poll cursors",
    apply: v2_record_versions,
}];

/// The version a store is at once every migration has run.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(1, |m| m.to)
}

/// Runs the migrations above `from`, each committed with its version.
pub fn run(conn: &mut Connection, from: i64) -> rusqlite::Result<Vec<&'static Migration>> {
    let mut ran = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.to > from) {
        let tx = conn.transaction()?;
        (m.apply)(&tx)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![m.to.to_string()],
        )?;
        tx.commit()?;
        ran.push(m);
    }
    Ok(ran)
}

/// v2: every version of a record is kept (`record_versions`, which now holds the
/// JSON), `records` says which is current (its number and content hash); an outbox row carries the
/// incident's revision and the revision last delivered, so an amendment (or, later,
/// a newly linked report) queues an update of the occurrence already made; a
/// polled source's cursor is committed with the page it follows.
fn v2_record_versions(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "ALTER TABLE records ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
         ALTER TABLE records ADD COLUMN content_sha256 TEXT NOT NULL DEFAULT '';
         CREATE TABLE record_versions (
             record_id      TEXT    NOT NULL,
             version        INTEGER NOT NULL,
             payload_id     INTEGER NOT NULL REFERENCES payloads (id),
             content_sha256 TEXT    NOT NULL,
             created_at     INTEGER NOT NULL,
             record         TEXT    NOT NULL,
             -- 1: received before the current version (a late replay): history only.
             superseded     INTEGER NOT NULL DEFAULT 0,
             PRIMARY KEY (record_id, version)
         );
         CREATE INDEX record_versions_payload ON record_versions (payload_id);
         CREATE INDEX records_payload ON records (payload_id);
         CREATE INDEX duplicates_payload ON duplicates (payload_id);
         ALTER TABLE outbox ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE outbox ADD COLUMN delivered_revision INTEGER;
         ALTER TABLE outbox ADD COLUMN updates_delivered INTEGER NOT NULL DEFAULT 0;
         UPDATE outbox SET delivered_revision = 0 WHERE state = 'delivered';
         CREATE TABLE source_cursors (
             source     TEXT PRIMARY KEY,
             cursor     TEXT    NOT NULL,
             updated_at INTEGER NOT NULL
         );",
    )?;
    // The content hash is computed from the stored JSON: SQLite has no SHA-256.
    let mut read = c.prepare("SELECT record_id, record FROM records")?;
    let rows: Vec<(String, String)> = read
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = c.prepare("UPDATE records SET content_sha256 = ?2 WHERE record_id = ?1")?;
    for (id, json) in rows {
        let hash = super::ops::content_hash_of_json(&json)?;
        set.execute(params![id, hash])?;
    }
    // Each record's JSON lives once, in its version; `records` keeps the number of
    // the current one.
    c.execute_batch(
        "INSERT INTO record_versions (record_id, version, payload_id, content_sha256, created_at, record)
         SELECT record_id, 1, payload_id, content_sha256, created_at, record FROM records;
         ALTER TABLE records DROP COLUMN record;",
    )?;
    Ok(())
}
