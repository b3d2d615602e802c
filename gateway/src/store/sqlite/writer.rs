//! The single writer thread and its group commit.
//!
//! Every write goes through one thread that owns the write connection. It takes a
//! job, gathers whatever else arrives within the commit window (up to a maximum),
//! runs each job in its own savepoint inside one transaction, and commits once —
//! one fsync for the whole group. Only after the commit does each caller get its
//! result, so "Ok" always means "durable". A job that fails rolls back to its
//! savepoint without disturbing the others; a failed commit fails them all.

use super::super::StoreError;
use super::map_err;
use rusqlite::Connection;
use std::any::Any;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

/// A write: runs inside the group's transaction and returns a value.
pub type Op = Box<dyn FnOnce(&Connection) -> Result<Box<dyn Any + Send>, StoreError> + Send>;

/// What a job returns to its caller.
type JobResult = Result<Box<dyn Any + Send>, StoreError>;

/// Where a job's result goes: a waiting thread's channel, or a callback that
/// hands it on to async code without a thread waiting.
type Reply = Box<dyn FnOnce(JobResult) + Send>;

struct Job {
    op: Op,
    reply: Reply,
}

/// Group commit settings.
#[derive(Debug, Clone, Copy)]
pub struct GroupCommit {
    /// Most jobs per transaction.
    pub max_jobs: usize,
    /// How long to wait for more jobs after the first.
    pub window: Duration,
}

/// Handle to the writer thread.
#[derive(Clone)]
pub struct Writer {
    jobs: SyncSender<Job>,
}

impl Writer {
    /// Starts the writer thread on `conn` (the database at `path`).
    pub fn start(conn: Connection, path: PathBuf, group: GroupCommit) -> std::io::Result<Writer> {
        // Bounded so that producers feel back-pressure when the disk is slow.
        let (tx, rx) = sync_channel::<Job>(group.max_jobs.max(1) * 4);
        std::thread::Builder::new()
            .name("bcgw-store-writer".into())
            .spawn(move || run(conn, path, rx, group))?;
        Ok(Writer { jobs: tx })
    }

    /// Runs `f` in the next group commit and returns its value once committed.
    pub fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, result) = sync_channel(1);
        self.submit(f, move |r| {
            let _ = reply.send(r);
        });
        result.recv().map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` in the next group commit and calls `done` with its value once
    /// committed (on the writer thread: `done` must only hand it on). Returns at
    /// once unless the queue is full.
    pub fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        done: impl FnOnce(Result<T, StoreError>) + Send + 'static,
    ) {
        let op: Op = Box::new(move |conn| f(conn).map(|v| Box::new(v) as Box<dyn Any + Send>));
        let reply: Reply = Box::new(move |r: JobResult| {
            done(r.and_then(|value| {
                value.downcast::<T>().map(|v| *v).map_err(|_| {
                    StoreError::Corrupt("writer returned a value of the wrong type".into())
                })
            }))
        });
        if let Err(refused) = self.jobs.send(Job { op, reply }) {
            (refused.0.reply)(Err(StoreError::Closed));
        }
    }
}

fn gather(rx: &Receiver<Job>, first: Job, group: GroupCommit) -> Vec<Job> {
    let mut jobs = vec![first];
    let deadline = Instant::now() + group.window;
    while jobs.len() < group.max_jobs {
        // Take what is already queued without waiting, then wait out the window.
        if let Ok(job) = rx.try_recv() {
            jobs.push(job);
            continue;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(left) {
            Ok(job) => jobs.push(job),
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    jobs
}

/// Runs one job in its own savepoint.
fn run_job(
    conn: &Connection,
    op: Op,
    map_err: &impl Fn(&'static str, rusqlite::Error) -> StoreError,
) -> Result<Box<dyn Any + Send>, StoreError> {
    conn.execute_batch("SAVEPOINT job")
        .map_err(|e| map_err("starting a savepoint", e))?;
    let r = op(conn);
    if conn.is_autocommit() {
        // SQLite rolled the whole transaction back itself (disk full, I/O error):
        // there is no savepoint left to end.
        return r;
    }
    let end = if r.is_ok() {
        "RELEASE job"
    } else {
        "ROLLBACK TO job; RELEASE job"
    };
    conn.execute_batch(end)
        .map_err(|e| map_err("ending a savepoint", e))?;
    r
}

fn run(conn: Connection, path: PathBuf, rx: Receiver<Job>, group: GroupCommit) {
    let map_err = |context, e| map_err(&path, context, e);
    while let Ok(first) = rx.recv() {
        let jobs = gather(&rx, first, group);
        // Jobs whose work is in the open transaction, with their results.
        let mut open: Vec<(Reply, JobResult)> = Vec::new();
        let mut began = false;
        for job in jobs {
            if !began {
                if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
                    (job.reply)(Err(map_err("beginning a transaction", e)));
                    continue;
                }
                began = true;
            }
            let r = run_job(&conn, job.op, &map_err);
            if conn.is_autocommit() {
                // The transaction is gone, and with it the work of every job before
                // this one in the group: they fail too (their callers retry).
                let err = match &r {
                    Err(e) => e.clone(),
                    Ok(_) => StoreError::Database {
                        context: "committing",
                        message: "the transaction was rolled back".into(),
                    },
                };
                for (reply, _) in open.drain(..) {
                    reply(Err(err.clone()));
                }
                (job.reply)(r.and(Err(err)));
                began = false;
                continue;
            }
            open.push((job.reply, r));
        }
        if !began {
            continue;
        }
        match conn.execute_batch("COMMIT") {
            Ok(()) => {
                for (reply, r) in open {
                    reply(r);
                }
            }
            Err(e) => {
                let err = map_err("committing", e);
                let _ = conn.execute_batch("ROLLBACK");
                for (reply, _) in open {
                    reply(Err(err.clone()));
                }
            }
        }
    }
}
