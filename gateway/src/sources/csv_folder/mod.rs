//! `kind = "csv-folder"`: retailers and BCRPs drop exports into a folder; each
//! complete file is streamed into the journal in chunks and moved to `done/` once
//! every chunk is committed.
//!
//! - `config.rs`: the `[sources.<name>.csv_folder]` table, its checks, `build`;
//! - `source.rs`: the folder watcher and ingestion;
//! - `chunks.rs`: cuts a CSV stream into payloads at record boundaries.

pub mod chunks;
pub mod config;
pub mod source;

pub use config::{Completion, CsvFolderConfig};
pub use source::{CsvFolderSource, Ingested};

/// The registration of this kind.
pub const KIND: super::SourceKind = super::SourceKind {
    name: "csv-folder",
    parse: super::parse_as::<CsvFolderConfig>,
};
