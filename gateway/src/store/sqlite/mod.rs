//! The embedded default store: SQLite in WAL mode with `synchronous=FULL`, one
//! writer thread doing group commit ([`writer`]), and a separate connection for
//! reads (WAL lets readers and the writer work at once).

mod audit;
mod checkpoint;
mod incident_reads;
mod linking;
mod migrations;
mod ops;
mod reads;
mod retention;
mod schema;
mod states;
mod subject;
mod writer;

use super::*;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
pub use writer::GroupCommit;
use writer::Writer;

/// The SQLite store.
pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
    reader: Mutex<Connection>,
    wakeups: Arc<Wakeups>,
    _checkpointer: checkpoint::Checkpointer,
}

/// Store settings.
#[derive(Debug, Clone)]
pub struct SqliteSettings {
    /// The database file.
    pub path: PathBuf,
    /// Refuse writes past this size (bytes), reported as "full".
    pub max_size_bytes: Option<u64>,
    /// Group commit settings.
    pub group: GroupCommit,
}

/// Turns a database error into a store error that names the file.
pub(crate) fn map_err(path: &Path, context: &'static str, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    // A stored value that does not decode was wrapped on its way out of the row
    // reader; it is corruption, whatever the statement was.
    if let rusqlite::Error::FromSqlConversionFailure(_, _, inner) = &e
        && let Some(StoreError::Corrupt(what)) = inner.downcast_ref::<StoreError>()
    {
        return StoreError::Corrupt(what.clone());
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::Full {
            path: path.to_owned(),
        },
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) => StoreError::ReadOnly {
            path: path.to_owned(),
        },
        _ => StoreError::Database {
            context,
            message: e.to_string(),
        },
    }
}

fn open_error(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::Open {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Checks the directory exists (creating it) and is writable, for a clear message
/// before SQLite's "unable to open database file".
fn check_directory(path: &Path) -> Result<(), StoreError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| {
        open_error(
            path,
            format!("cannot create directory {}: {e}", dir.display()),
        )
    })?;
    tempfile::tempfile_in(dir).map_err(|e| {
        open_error(
            path,
            format!("directory {} is not writable ({e}); the journal must be writable before any payload is acknowledged", dir.display()),
        )
    })?;
    Ok(())
}

fn configure(
    conn: &Connection,
    path: &Path,
    max_size_bytes: Option<u64>,
) -> Result<(), StoreError> {
    let err = |e| open_error(path, format!("cannot configure the database: {e}"));
    conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(open_error(
            path,
            format!("the file system does not support WAL (journal_mode is {mode})"),
        ));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(err)?;
    if let Some(max) = max_size_bytes {
        let page_size: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(err)?;
        let pages = (max / page_size.max(1) as u64).max(1);
        conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
            .map_err(err)?;
    }
    Ok(())
}

/// Brings the store to the latest schema version, running each migration above
/// the stored one; refuses a store written by a newer bcgw.
fn upgrade(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .ok();
    let version = match stored.as_deref().map(str::parse::<i64>) {
        None => schema::BASE_VERSION,
        Some(Ok(v)) => v,
        Some(Err(_)) => {
            return Err(open_error(
                path,
                format!(
                    "schema version {stored:?} is not a number: this is not a bcgw store, or it is damaged"
                ),
            ));
        }
    };
    let latest = migrations::latest();
    if version > latest {
        return Err(open_error(
            path,
            format!(
                "schema version {version} is newer than this bcgw knows ({latest}): it was written by a later release; run that release, or restore a backup"
            ),
        ));
    }
    if stored.is_none() {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
            [version.to_string()],
        )
        .map_err(|e| map_err(path, "writing the schema version", e))?;
    }
    let ran =
        migrations::run(conn, version).map_err(|e| map_err(path, "migrating the schema", e))?;
    for m in ran {
        tracing::info!(store = %path.display(), to = m.to, "store schema migrated: {}", m.what);
    }
    Ok(())
}

/// The writer's page cache. Record ids are hashes, so each new record lands on a
/// random page of the record, version, outbox and incident indexes; with
/// SQLite's default 2 MiB cache most of those pages were read back from the
/// operating system on every insert. 32 MiB holds the hot part of those indexes
/// for millions of records and stays well inside the daemon's memory budget.
const WRITER_CACHE_KIB: u32 = 32 * 1024;

/// The reader's page cache (status, receipts, due deliveries).
const READER_CACHE_KIB: u32 = 8 * 1024;

impl SqliteStore {
    /// Opens (creating if needed) the store. Fails with a clear message when the
    /// directory is missing and cannot be created, or is not writable.
    pub fn open(settings: &SqliteSettings) -> Result<SqliteStore, StoreError> {
        let path = &settings.path;
        check_directory(path)?;
        let mut conn = Connection::open(path).map_err(|e| open_error(path, e.to_string()))?;
        configure(&conn, path, settings.max_size_bytes)?;
        conn.execute_batch(schema::DDL)
            .map_err(|e| map_err(path, "creating tables", e))?;
        upgrade(&mut conn, path)?;
        // Checkpoints run on their own thread (checkpoint.rs), not inside a commit;
        // savepoints' journals stay in memory.
        conn.execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {}; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{};",
            checkpoint::TRUNCATE_ABOVE,
            WRITER_CACHE_KIB
        ))
        .map_err(|e| map_err(path, "configuring the writer", e))?;
        let checkpointer = checkpoint::Checkpointer::start(path)
            .map_err(|e| open_error(path, format!("cannot start the checkpoint thread: {e}")))?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| open_error(path, e.to_string()))?;
        reader
            .busy_timeout(Duration::from_secs(10))
            .map_err(|e| open_error(path, e.to_string()))?;
        reader
            .execute_batch(&format!("PRAGMA cache_size = -{READER_CACHE_KIB};"))
            .map_err(|e| open_error(path, e.to_string()))?;
        let writer = Writer::start(conn, path.clone(), settings.group)
            .map_err(|e| open_error(path, format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            path: path.clone(),
            writer,
            reader: Mutex::new(reader),
            wakeups: Arc::new(Wakeups::default()),
            _checkpointer: checkpointer,
        })
    }

    /// Hands every payload `source` journaled (held ones aside), oldest first, to
    /// `each` until it returns false, reading the file read-only: nothing is
    /// written, and a running gateway may go on using the store meanwhile (what
    /// `bcgw plugin diff` runs on). Returns how many were read.
    pub fn read_journal(
        path: &Path,
        source: &str,
        each: &mut dyn FnMut(StoredPayload) -> bool,
    ) -> Result<usize, StoreError> {
        if !path.is_file() {
            return Err(open_error(path, "no store there"));
        }
        let c = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| open_error(path, e.to_string()))?;
        c.busy_timeout(Duration::from_secs(10))
            .map_err(|e| open_error(path, e.to_string()))?;
        let mut after = 0;
        let mut read = 0;
        loop {
            let page = reads::source_payloads(&c, source, after, 64)
                .map_err(|e| map_err(path, "reading the journal", e))?;
            let Some(last) = page.last().map(|p| p.id) else {
                return Ok(read);
            };
            after = last;
            for p in page {
                read += 1;
                if !each(p) {
                    return Ok(read);
                }
            }
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read<T>(
        &self,
        context: &'static str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let conn = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        f(&conn).map_err(|e| map_err(&self.path, context, e))
    }

    fn write<T: Send + 'static>(
        &self,
        context: &'static str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        self.writer
            .write(move |conn| f(conn).map_err(|e| map_err(&path, context, e)))
    }

    /// Rings the bells for `work` once `result` says the commit was made.
    fn rang<T>(&self, result: Result<T, StoreError>, work: &[Work]) -> Result<T, StoreError> {
        if result.is_ok() {
            for w in work {
                self.wakeups.ring(*w);
            }
        }
        result
    }
}

impl Store for SqliteStore {
    fn append_payloads(&self, batch: Vec<NewPayload>) -> Result<Vec<Appended>, StoreError> {
        let r = self.write("journaling payloads", move |c| {
            ops::append_payloads(c, batch)
        });
        self.rang(r, &[Work::Translate])
    }

    fn append_payloads_then(&self, batch: Vec<NewPayload>, done: AppendDone) {
        let path = self.path.clone();
        let wakeups = self.wakeups.clone();
        self.writer.submit(
            move |c| {
                ops::append_payloads(c, batch).map_err(|e| map_err(&path, "journaling payloads", e))
            },
            move |r| {
                if r.is_ok() {
                    wakeups.ring(Work::Translate);
                }
                done(r)
            },
        );
    }

    fn append_page(
        &self,
        batch: Vec<NewPayload>,
        source: &str,
        cursor: Option<String>,
    ) -> Result<Vec<Appended>, StoreError> {
        let source = source.to_string();
        let r = self.write("journaling a page", move |c| {
            let appended = ops::append_payloads(c, batch)?;
            if let Some(cursor) = cursor {
                ops::set_cursor(c, &source, &cursor)?;
            }
            Ok(appended)
        });
        self.rang(r, &[Work::Translate])
    }

    fn cursor(&self, source: &str) -> Result<Option<String>, StoreError> {
        self.read("reading a cursor", |c| reads::cursor(c, source))
    }

    fn pending_payloads(
        &self,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredPayload>, StoreError> {
        self.read("reading pending payloads", |c| {
            reads::pending_payloads(c, after, limit)
        })
    }

    fn complete_translation(&self, outcome: TranslationOutcome) -> Result<CommitStats, StoreError> {
        let r = self.write("committing a translation", move |c| {
            ops::complete_translation(c, outcome)
        });
        // Records to link; an amendment may also have queued an update.
        self.rang(r, &[Work::Link, Work::Deliver])
    }

    fn due_deliveries(
        &self,
        sink: &str,
        after: Option<&str>,
        now: DateTime<Utc>,
        limit: usize,
        in_flight: &[i64],
    ) -> Result<Vec<Delivery>, StoreError> {
        self.read("reading due deliveries", |c| {
            reads::due_deliveries(c, sink, after, now, limit, in_flight)
        })
    }

    fn finish_deliveries(&self, results: Vec<DeliveryResult>) -> Result<(), StoreError> {
        let r = self.write("recording deliveries", move |c| {
            ops::finish_deliveries(c, results)
        });
        // A sink chained `after` this one may now have work, or an update
        // queued while a delivery was in flight is due.
        self.rang(r, &[Work::Deliver])
    }

    fn next_due(
        &self,
        sink: &str,
        after: Option<&str>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.read("reading the outbox", |c| reads::next_due(c, sink, after))
    }

    fn quarantine_list(
        &self,
        filter: &QuarantineFilter,
    ) -> Result<Vec<QuarantineEntry>, StoreError> {
        self.read("listing the quarantine", |c| {
            reads::quarantine_list(c, filter)
        })
    }

    fn quarantine_get(
        &self,
        id: i64,
    ) -> Result<Option<(QuarantineEntry, Option<StoredPayload>)>, StoreError> {
        self.read("reading the quarantine", |c| reads::quarantine_get(c, id))
    }

    fn quarantine_replay(&self, ids: &[i64]) -> Result<ReplayStats, StoreError> {
        let ids = ids.to_vec();
        let r = self.write("replaying quarantine entries", move |c| {
            ops::quarantine_replay(c, &ids)
        });
        self.rang(r, &[Work::Translate, Work::Deliver])
    }

    fn receipt(&self, source: &str, payload_id: i64) -> Result<Option<Receipt>, StoreError> {
        self.read("reading a receipt", |c| {
            reads::receipt(c, source, payload_id)
        })
    }

    fn unlinked_records(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<LinkableRecord>, StoreError> {
        self.read("reading records to link", |c| {
            incident_reads::unlinked_records(c, after, limit)
        })
    }

    fn linked_records(
        &self,
        since: DateTime<Utc>,
        each: &mut dyn FnMut(LinkableRecord),
    ) -> Result<(), StoreError> {
        self.read("reading linked records", |c| {
            incident_reads::linked_records(c, since, each)
        })
    }

    fn unresolved_premises(
        &self,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UnresolvedPremises>, StoreError> {
        self.read("listing unresolved premises", |c| {
            incident_reads::unresolved_premises(c, source, limit)
        })
    }

    fn link_window(&self, recent: usize) -> Result<LinkWindow, StoreError> {
        self.read("reading the link window", |c| {
            incident_reads::link_window(c, recent)
        })
    }

    fn release_held(&self) -> Result<usize, StoreError> {
        let r = self.write("releasing held deliveries", linking::release_held);
        self.rang(r, &[Work::Deliver])
    }

    fn link_generation(&self) -> Result<i64, StoreError> {
        self.read("reading the link generation", linking::link_generation)
    }

    fn commit_links(&self, batch: LinkBatch) -> Result<LinkStats, StoreError> {
        let path = self.path.clone();
        let r = self.writer.write(move |c| {
            linking::commit_links(c, batch).map_err(|f| f.into_store(&path, "committing links"))
        });
        self.rang(r, &[Work::Deliver])
    }

    fn reviews(&self, all: bool, limit: usize) -> Result<Vec<ReviewItem>, StoreError> {
        self.read("listing the review queue", |c| {
            incident_reads::reviews(c, all, limit)
        })
    }

    fn review_item(&self, id: i64) -> Result<Option<ReviewItem>, StoreError> {
        self.read("reading a review item", |c| {
            incident_reads::review_item(c, id)
        })
    }

    fn incident(&self, id: &str) -> Result<Option<IncidentView>, StoreError> {
        self.read("reading an incident", |c| incident_reads::incident(c, id))
    }

    fn incident_of(&self, record_id: &str) -> Result<Option<String>, StoreError> {
        self.read("reading a record's incident", |c| {
            incident_reads::incident_of(c, record_id)
        })
    }

    fn decide(&self, decision: Decision, by: DecidedBy) -> Result<DecisionOutcome, StoreError> {
        let path = self.path.clone();
        let r = self.writer.write(move |c| {
            linking::decide(c, decision, by)
                .map_err(|f| f.into_store(&path, "recording a review decision"))
        });
        self.rang(r, &[Work::Link, Work::Deliver])
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        self.read("counting", reads::stats)
    }

    fn wakeups(&self) -> &Wakeups {
        &self.wakeups
    }

    fn backlog(&self) -> Result<Backlog, StoreError> {
        self.read("counting the backlog", reads::backlog)
    }

    fn purge(&self, cut: RetentionCut, chunk: usize) -> Result<PurgeStats, StoreError> {
        let r = self.write("purging by retention", move |c| {
            retention::purge(c, chrono::Utc::now().timestamp_millis(), &cut, chunk)
        });
        self.rang(r, &[Work::Link])
    }

    fn subject_access(
        &self,
        q: &super::subject::SubjectQuery,
        actor: &str,
        reason: &str,
    ) -> Result<super::subject::SubjectFindings, StoreError> {
        // The search reads on the reader (a scan of every payload must not hold
        // up the journal); the bundle is handed back only once its audit entry
        // is committed.
        let found = self.read("answering a subject access request", |c| {
            subject::find(c, q)
        })?;
        self.audit(vec![
            crate::audit::AuditEvent::new(
                crate::audit::Operation::Consultation,
                actor,
                format!("subject access request: {reason}"),
            )
            .records(found.records.iter().map(|r| r.record_id.clone()))
            .incidents(found.records.iter().filter_map(|r| r.incident_id.clone()))
            .detail(serde_json::json!({
                "payloads": found.payload_extracts.iter().map(|p| p.payload_id).collect::<Vec<_>>(),
                "deliveries": found.deliveries.len(),
                "quarantine_entries": found.quarantine_entries,
            })),
        ])?;
        Ok(found)
    }

    fn erase(
        &self,
        q: &super::subject::SubjectQuery,
        actor: &str,
        reason: &str,
    ) -> Result<super::subject::ErasureReport, StoreError> {
        let (q, actor, reason) = (q.clone(), actor.to_string(), reason.to_string());
        let r = self.write("erasing a person's data", move |c| {
            subject::erase(
                c,
                &q,
                &actor,
                &reason,
                chrono::Utc::now().timestamp_millis(),
            )
        });
        self.rang(r, &[Work::Link, Work::Deliver])
    }

    fn audit(&self, events: Vec<crate::audit::AuditEvent>) -> Result<(), StoreError> {
        self.write("writing the audit log", move |c| {
            audit::append(c, chrono::Utc::now().timestamp_millis(), &events)
        })
    }

    fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.read("reading the audit log's head", audit::head)
    }

    fn audit_evidence(&self) -> Result<crate::audit::Evidence, StoreError> {
        self.read(
            "reading what the audit log must account for",
            audit::evidence,
        )
    }

    fn audit_entries(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        each: &mut dyn FnMut(crate::audit::StoredEntry) -> bool,
    ) -> Result<(), StoreError> {
        self.read("reading the audit log", |c| {
            audit::scan(
                c,
                from.map(|t| t.timestamp_millis()),
                to.map(|t| t.timestamp_millis()),
                each,
            )
        })
    }
}
