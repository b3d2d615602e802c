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
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        to: 2,
        what: "record versions (amended reports), occurrence revisions in the outbox, poll cursors",
        apply: v2_record_versions,
    },
    Migration {
        to: 3,
        what: "incidents: cross-source links with their explanations, the review queue, merges in the outbox",
        apply: v3_incidents,
    },
    Migration {
        to: 4,
        what: "the hash-chained audit log, each record's agreement, purged payloads",
        apply: v4_audit,
    },
    Migration {
        to: 5,
        what: "records linked at the end of their hold, how each report's premises resolved to a register member",
        apply: v5_hold_and_members,
    },
];

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

/// v3: records belong to incidents. `records.incident_id` is set by the link
/// stage (NULL: not linked yet); `incidents` says which are open and which were
/// merged into another; `links` keeps every decision with its score and
/// explanation (the linker's and a case officer's); `reviews` is the queue of
/// uncertain matches; an outbox row can carry a merge of its occurrence into
/// another (`merge_into`). Records stored before linking existed each stay their
/// own incident, as they were delivered.
fn v3_incidents(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "ALTER TABLE records ADD COLUMN incident_id TEXT;
         ALTER TABLE records ADD COLUMN occurred_at INTEGER;
         -- Also finds the unlinked (NULL) records, in rowid order.
         CREATE INDEX records_incident ON records (incident_id);
         CREATE INDEX records_occurred ON records (occurred_at) WHERE incident_id IS NOT NULL;
         CREATE TABLE incidents (
             incident_id  TEXT PRIMARY KEY,
             state        TEXT    NOT NULL DEFAULT 'open',
             merged_into  TEXT,
             created_at   INTEGER NOT NULL,
             updated_at   INTEGER NOT NULL
         );
         CREATE INDEX incidents_state ON incidents (state);
         CREATE TABLE links (
             id          INTEGER PRIMARY KEY,
             record_id   TEXT    NOT NULL,
             incident_id TEXT    NOT NULL,
             kind        TEXT    NOT NULL,
             linked_to   TEXT,
             other       TEXT,
             score       REAL,
             explanation TEXT,
             decided_by  TEXT    NOT NULL,
             reason      TEXT,
             created_at  INTEGER NOT NULL
         );
         CREATE INDEX links_record ON links (record_id);
         CREATE INDEX links_incident ON links (incident_id);
         CREATE TABLE reviews (
             id          INTEGER PRIMARY KEY,
             record_id   TEXT    NOT NULL,
             incident_id TEXT    NOT NULL,
             candidate   TEXT    NOT NULL,
             linked_to   TEXT    NOT NULL,
             score       REAL    NOT NULL,
             explanation TEXT    NOT NULL,
             state       TEXT    NOT NULL DEFAULT 'pending',
             created_at  INTEGER NOT NULL,
             decided_at  INTEGER,
             decided_by  TEXT,
             reason      TEXT
         );
         CREATE INDEX reviews_pending ON reviews (id) WHERE state = 'pending';
         ALTER TABLE outbox ADD COLUMN merge_into TEXT;
         INSERT INTO meta (key, value) VALUES ('link_generation', '0')
             ON CONFLICT (key) DO NOTHING;
         UPDATE records SET incident_id = record_id;
         INSERT INTO incidents (incident_id, created_at, updated_at)
             SELECT record_id, created_at, created_at FROM records;
         INSERT INTO links (record_id, incident_id, kind, decided_by, reason, created_at)
             SELECT record_id, record_id, 'new', 'upgrade', 'stored before linking existed', created_at
             FROM records;
         -- When each happened, for rebuilding the linker's window on start.
         UPDATE records SET occurred_at = (
             SELECT CAST(strftime('%s', COALESCE(
                        json_extract(v.record, '$.report.event.occurred_from'),
                        json_extract(v.record, '$.report.event.reported_at'))) AS INTEGER) * 1000
             FROM record_versions v
             WHERE v.record_id = records.record_id AND v.version = records.version);",
    )
}

/// v4: the audit log of the DPA 2018 s.62 operations (`crate::audit`), each
/// entry chained to the one before by its hash; the agreement each record came
/// under (for the audit of its disclosure); and when a payload's bytes were
/// purged by retention or erasure (the row stays, so receipts and the
/// journal's repeat check keep working).
fn v4_audit(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "CREATE TABLE audit (
             seq            INTEGER PRIMARY KEY,
             at             INTEGER NOT NULL,
             operation      TEXT    NOT NULL,
             actor          TEXT    NOT NULL,
             isa            TEXT,
             reason         TEXT    NOT NULL,
             records        TEXT    NOT NULL,
             incidents      TEXT    NOT NULL,
             detail         TEXT    NOT NULL,
             content_sha256 TEXT    NOT NULL,
             prev_sha256    TEXT    NOT NULL,
             sha256         TEXT    NOT NULL,
             pruned_at      INTEGER
         );
         ALTER TABLE records ADD COLUMN isa TEXT;
         UPDATE records SET isa = (
             SELECT json_extract(v.record, '$.envelope.isa') FROM record_versions v
             WHERE v.record_id = records.record_id AND v.version = records.version);
         ALTER TABLE payloads ADD COLUMN purged_at INTEGER;
         -- Retention and erasure delete a record's review rows.
         CREATE INDEX reviews_record ON reviews (record_id);",
    )
}

/// v5: a record is linked when its hold ends (`link_due_at`), so the link stage
/// decides an incident's reports together rather than one by one on arrival; how
/// each report's premises resolved against the member registers
/// (`premises_method`, NULL without registers), for counts and `bcgw members
/// unresolved`. Records an older release left unlinked are due at once; its
/// linked records are placed as they were.
fn v5_hold_and_members(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "ALTER TABLE records ADD COLUMN link_due_at INTEGER;
         ALTER TABLE records ADD COLUMN premises_method TEXT;
         UPDATE records SET link_due_at = 0 WHERE incident_id IS NULL;
         CREATE INDEX records_link_due ON records (link_due_at) WHERE incident_id IS NULL;
         CREATE INDEX records_premises ON records (source, premises_method);",
    )
}
