//! `[sources.<name>]`: where payloads come from and which adapter translates them.

use crate::plugins::SandboxLimits;
use serde::Deserialize;
use std::path::PathBuf;

/// The kinds of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A folder that exports are dropped into (settings in `csv_folder`).
    CsvFolder,
}

/// One source.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceConfig {
    /// What kind of source this is; its settings go in the table of the same name.
    pub kind: SourceKind,
    /// The adapter plugin (.wasm) that translates this source's payloads.
    pub plugin: PathBuf,
    /// SHA-256 of the plugin file. When set, a file with another digest is refused.
    /// `bcgw plugin inspect` prints it.
    #[serde(default)]
    pub plugin_sha256: Option<String>,
    /// The plugin's own settings, handed to it as JSON with every payload.
    #[serde(default)]
    pub plugin_config: toml::Table,
    /// A TOML file holding the plugin's settings instead (the same file
    /// `bcgw plugin test --config` takes). Not together with `plugin_config`.
    #[serde(default)]
    pub plugin_config_file: Option<PathBuf>,
    /// Sandbox limits for this plugin (deadline, memory, output caps).
    #[serde(default)]
    pub limits: SandboxLimits,
    /// The information sharing agreement this source's data flows under; recorded
    /// on every record.
    #[serde(default)]
    pub isa: Option<String>,
    /// Settings for `kind = "csv-folder"`.
    #[serde(default)]
    pub csv_folder: Option<CsvFolderConfig>,
}

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
