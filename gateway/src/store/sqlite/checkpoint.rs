//! WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside
//! the commit that crosses its threshold, on the writer thread, so every caller
//! queued behind that commit waits for the copy and its fsync too. The writer
//! turns it off; this thread checkpoints every [`EVERY`] on its own connection,
//! `PASSIVE`: it never blocks the writer or a reader, and copies what no reader
//! still needs.

use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

/// How often the WAL is copied back into the database.
const EVERY: Duration = Duration::from_millis(200);

/// The checkpoint thread; it stops when this is dropped (with the store).
pub struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`.
    pub fn start(path: &Path) -> std::io::Result<Checkpointer> {
        let conn = Connection::open(path).map_err(std::io::Error::other)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(std::io::Error::other)?;
        let (stop, stopped) = channel();
        std::thread::Builder::new()
            .name("bcgw-store-checkpoint".into())
            .spawn(move || run(conn, stopped))?;
        Ok(Checkpointer { _stop: stop })
    }
}

fn run(conn: Connection, stopped: Receiver<()>) {
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
    }
}
