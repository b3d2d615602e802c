//! Store errors. Each says what is wrong and what to do.

use std::path::PathBuf;

/// An error from the store.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store could not be opened (missing or read-only directory, corrupt file).
    #[error("cannot open store {path}: {reason}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why, with what to do.
        reason: String,
    },
    /// The disk (or `store.max_size_mb`) is full: nothing more can be journaled, so
    /// sources are not acknowledged.
    #[error(
        "store {path} is full (disk full or store.max_size_mb reached): new payloads are not acknowledged until space is freed or the limit raised"
    )]
    Full {
        /// The database file.
        path: PathBuf,
    },
    /// The store became read-only (permissions changed, file system remounted).
    #[error("store {path} is read-only: new payloads are not acknowledged; make it writable")]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// Any other database error.
    #[error("store error while {context}: {message}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The database's message.
        message: String,
    },
    /// Stored data could not be decoded (a bug or a damaged database).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// Link decisions made on a view of the incidents a case officer has changed
    /// since: nothing was written; rebuild the linker and link them again.
    #[error("a review decision changed the incidents since these links were made")]
    Stale,
    /// A decision that cannot be applied as asked (no such review item, already
    /// decided, a record alone in its incident...). Nothing was written.
    #[error("{0}")]
    Refused(String),
    /// The store's writer thread has stopped (the gateway is shutting down).
    #[error("the store is closed")]
    Closed,
}
