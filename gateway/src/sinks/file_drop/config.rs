//! `[sinks.<name>.file_drop]`: the folder submissions are written into.

use super::sink::FileDropSink;
use crate::config::kind::resolve;
use crate::config::problems::Problems;
use crate::sinks::{Sink, SinkContext, SinkSettings};
use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Settings of a file-drop sink.
#[derive(Debug, Clone, Deserialize)]
pub struct FileDropConfig {
    /// The folder submissions are written into (atomically: temp file, then rename).
    pub dir: PathBuf,
    /// File extension of submissions.
    #[serde(default = "default_extension")]
    pub extension: String,
}

fn default_extension() -> String {
    "xml".into()
}

impl SinkSettings for FileDropConfig {
    fn resolve_paths(&mut self, base: &Path) {
        resolve(base, &mut self.dir);
    }

    fn check(&self, key: &str, p: &mut Problems) {
        if self.dir.exists() && tempfile::tempfile_in(&self.dir).is_err() {
            p.error(
                format!("{key}.dir"),
                format!("{} is not writable", self.dir.display()),
            );
        }
    }

    fn build(&self, cx: &SinkContext) -> anyhow::Result<Arc<dyn Sink>> {
        let sink = FileDropSink::new(&self.dir, &self.extension)
            .with_context(|| format!("sinks.{}.file_drop.dir {}", cx.name, self.dir.display()))?;
        Ok(Arc::new(sink))
    }
}
