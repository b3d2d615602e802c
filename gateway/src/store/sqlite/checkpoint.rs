//! WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside
//! the commit that crosses its threshold, on the writer thread, so every caller
//! queued behind that commit waits for the copy and its fsync too. The writer
//! turns it off; this thread checkpoints every [`EVERY`] on its own connection,
//! `PASSIVE`: it never blocks the writer or a reader, and copies what no reader
//! still needs.
//!
//! A passive checkpoint never shrinks the WAL file, and while readers keep
//! reading (a busy daemon, a dashboard polling) the log cannot start over, so
//! it grew to 0.9 GB in a 20,000-incident backfill. Past [`TRUNCATE_ABOVE`] the
//! thread asks for a `TRUNCATE` checkpoint, waiting at most [`TRUNCATE_WAIT`]
//! for readers and the writer (it gives up rather than stall commits), and the
//! writer's `journal_size_limit` trims the file whenever the log restarts.

use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

/// How often the WAL is copied back into the database.
const EVERY: Duration = Duration::from_millis(200);
/// A WAL larger than this is truncated at the next chance.
pub const TRUNCATE_ABOVE: u64 = 64 * 1024 * 1024;
/// How long a truncating checkpoint may wait for readers and the writer.
const TRUNCATE_WAIT: Duration = Duration::from_millis(50);

/// The checkpoint thread; it stops when this is dropped (with the store).
pub struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`.
    pub fn start(path: &Path) -> std::io::Result<Checkpointer> {
        Checkpointer::start_with(path, TRUNCATE_ABOVE)
    }

    /// [`Checkpointer::start`] truncating a WAL past `truncate_above` bytes.
    pub fn start_with(path: &Path, truncate_above: u64) -> std::io::Result<Checkpointer> {
        let conn = Connection::open(path).map_err(std::io::Error::other)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(std::io::Error::other)?;
        let wal = wal_path(path);
        let (stop, stopped) = channel();
        std::thread::Builder::new()
            .name("bcgw-store-checkpoint".into())
            .spawn(move || run(conn, stopped, wal, truncate_above))?;
        Ok(Checkpointer { _stop: stop })
    }
}

/// The WAL file beside the database.
fn wal_path(db: &Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

fn run(conn: Connection, stopped: Receiver<()>, wal: std::path::PathBuf, truncate_above: u64) {
    loop {
        match stopped.recv_timeout(EVERY) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        // A failure (disk full, I/O) leaves the WAL as it is: commits still work,
        // and the next round tries again.
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %e, "WAL checkpoint failed; will try again");
        }
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if size > truncate_above {
            let _ = conn.busy_timeout(TRUNCATE_WAIT);
            // Busy (a reader mid-read, a commit): no harm, the next round tries again.
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            let _ = conn.busy_timeout(Duration::from_secs(10));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wal_past_the_limit_is_truncated_once_readers_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.sqlite");
        let writer = Connection::open(&db).unwrap();
        writer
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (b BLOB);")
            .unwrap();
        // A reader holding a snapshot keeps the log from restarting.
        let reader = Connection::open(&db).unwrap();
        reader
            .execute_batch("BEGIN; SELECT count(*) FROM t;")
            .unwrap();
        let blob = vec![7u8; 64 * 1024];
        for _ in 0..64 {
            writer
                .execute("INSERT INTO t VALUES (?1)", [&blob])
                .unwrap();
        }
        let wal = wal_path(&db);
        let grown = std::fs::metadata(&wal).unwrap().len();
        assert!(grown > 4 * 1024 * 1024, "{grown}");
        let _checkpoints = Checkpointer::start_with(&db, 1024 * 1024).unwrap();
        std::thread::sleep(Duration::from_millis(600));
        assert!(
            std::fs::metadata(&wal).unwrap().len() >= grown,
            "held by the reader"
        );
        reader.execute_batch("COMMIT;").unwrap();
        let mut size = grown;
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(100));
            size = std::fs::metadata(&wal).unwrap().len();
            if size == 0 {
                break;
            }
        }
        assert_eq!(size, 0, "the WAL was not truncated");
        let rows: i64 = writer
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 64);
    }
}
