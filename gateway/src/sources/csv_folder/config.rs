//! `[sources.<name>.csv_folder]`: the drop folder and how files are taken.

use super::source::CsvFolderSource;
use crate::config::kind::resolve;
use crate::config::problems::Problems;
use crate::sources::{RunningSource, SourceContext, SourceSettings};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How the CSV folder source decides a file is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Completion {
    /// The file is taken when its size and modification time have not changed for
    /// `settle_ms`. Works with any writer; costs `settle_ms` of latency.
    #[default]
    Stable,
    /// The file is taken only once `<name>.done` exists beside it (the marker is
    /// removed with the file). For writers that can create a marker.
    Marker,
    /// Every file in the folder is complete: writers create it elsewhere on the same
    /// file system and rename it in (atomic). Files whose names start with `.` or end
    /// in `.tmp`/`.part` are ignored under every mode.
    Rename,
}

/// Settings of a CSV folder source.
#[derive(Debug, Clone, Deserialize)]
pub struct CsvFolderConfig {
    /// The folder exports are dropped into. `done/` and `failed/` are created inside it.
    pub path: PathBuf,
    /// Which files to take, by extension (case-insensitive).
    #[serde(default = "default_extensions")]
    pub extensions: Vec<String>,
    /// How to tell a file is complete.
    #[serde(default)]
    pub completion: Completion,
    /// For `completion = "stable"`: how long size and mtime must stay unchanged.
    #[serde(default = "default_settle_ms")]
    pub settle_ms: u64,
    /// How often to look for new files.
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    /// Rows per payload: large files are split and streamed, never loaded whole.
    #[serde(default = "default_chunk_rows")]
    pub chunk_rows: usize,
    /// Content type handed to the plugin.
    #[serde(default = "default_content_type")]
    pub content_type: String,
}

fn default_extensions() -> Vec<String> {
    vec!["csv".into(), "tsv".into(), "txt".into()]
}
fn default_settle_ms() -> u64 {
    1000
}
fn default_poll_ms() -> u64 {
    500
}
fn default_chunk_rows() -> usize {
    1000
}
fn default_content_type() -> String {
    "text/csv".into()
}

impl SourceSettings for CsvFolderConfig {
    fn resources(&self, _name: &str) -> Vec<crate::config::resources::Resource> {
        vec![crate::config::resources::Resource::IntakeFolder(
            self.path.clone(),
        )]
    }

    fn resolve_paths(&mut self, base: &Path) {
        resolve(base, &mut self.path);
    }

    fn check(&self, key: &str, p: &mut Problems) {
        if self.chunk_rows == 0 {
            p.error(format!("{key}.chunk_rows"), "must be at least 1");
        }
        if self.extensions.is_empty() {
            p.error(
                format!("{key}.extensions"),
                "empty: no file would ever be taken",
            );
        }
        if self.path.exists() && !self.path.is_dir() {
            p.error(
                format!("{key}.path"),
                format!("{} is not a folder", self.path.display()),
            );
        } else if !self.path.exists() {
            p.warn(
                format!("{key}.path"),
                format!(
                    "{} does not exist yet; it will be created",
                    self.path.display()
                ),
            );
        }
    }

    fn build(&self, cx: SourceContext) -> anyhow::Result<RunningSource> {
        let source = Arc::new(CsvFolderSource {
            name: cx.name,
            config: self.clone(),
            store: cx.store,
            idle: cx.idle,
        });
        Ok(Box::pin(source.run(cx.shutdown)))
    }
}
