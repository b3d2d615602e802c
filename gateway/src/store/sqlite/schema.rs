//! The SQLite schema. Times are Unix milliseconds (UTC) so comparisons are integer
//! comparisons; JSON columns hold serde forms of SDK types.

/// The version [`DDL`] creates. Tables change only through numbered migrations
/// (`migrations.rs`) on top of it, never by editing it: a new store goes through
/// the same migrations as an old one.
pub const BASE_VERSION: i64 = 1;

/// Creates the version-1 tables if they do not exist.
pub const DDL: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The journal: every raw payload, committed before its source is acknowledged.
CREATE TABLE IF NOT EXISTS payloads (
    id            INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    origin        TEXT    NOT NULL,
    received_at   INTEGER NOT NULL,
    journaled_at  INTEGER NOT NULL,
    content_type  TEXT    NOT NULL,
    metadata      TEXT    NOT NULL,
    bytes         BLOB    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'pending',
    translated_at INTEGER,
    UNIQUE (source, sha256)
);
CREATE INDEX IF NOT EXISTS payloads_pending ON payloads (id) WHERE state = 'pending';

-- Payloads refused because the journal already held the same bytes from the source.
CREATE TABLE IF NOT EXISTS payload_repeats (
    payload_id INTEGER NOT NULL REFERENCES payloads (id),
    origin     TEXT    NOT NULL,
    seen_at    INTEGER NOT NULL
);

-- Translated, validated records, by stable id (exact de-duplication).
CREATE TABLE IF NOT EXISTS records (
    record_id   TEXT PRIMARY KEY,
    payload_id  INTEGER NOT NULL REFERENCES payloads (id),
    source      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    record      TEXT    NOT NULL
);

-- Exact duplicates seen: a record id arriving again from another payload.
CREATE TABLE IF NOT EXISTS duplicates (
    record_id  TEXT    NOT NULL,
    payload_id INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    PRIMARY KEY (record_id, payload_id)
);

-- One row per incident and sink: what to deliver, and what happened.
CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY,
    sink            TEXT    NOT NULL,
    incident_id     TEXT    NOT NULL,
    record_ids      TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    journaled_at    INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    reference       TEXT,
    last_error      TEXT,
    UNIQUE (sink, incident_id)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (sink, next_attempt_at) WHERE state = 'pending';
-- Counts per state and sink (status, /metrics) read this index alone; without it
-- they visit every outbox row.
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, sink);

-- Items kept aside with the reason, replayable.
CREATE TABLE IF NOT EXISTS quarantine (
    id            INTEGER PRIMARY KEY,
    stage         TEXT    NOT NULL,
    payload_id    INTEGER REFERENCES payloads (id),
    outbox_id     INTEGER REFERENCES outbox (id),
    component     TEXT    NOT NULL,
    item_index    INTEGER,
    line          INTEGER,
    record_id     TEXT,
    error_kind    TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    plugin        TEXT    NOT NULL,
    plugin_sha256 TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'open',
    replayed_at   INTEGER
);
CREATE INDEX IF NOT EXISTS quarantine_open ON quarantine (id) WHERE state = 'open';
"#;
