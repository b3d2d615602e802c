//! Events of the CSV folder source.

use super::{InternalEvent, count_error};
use std::path::Path;

/// The drop folder cannot be listed or created.
pub struct CsvFolderUnreadable<'a> {
    /// The configured source name.
    pub source: &'a str,
    /// The folder.
    pub folder: &'a Path,
    /// The I/O error.
    pub error: &'a str,
    /// Whether this is the first failure in a row (only that one is logged at
    /// error level; the rest are counted).
    pub first: bool,
}

impl InternalEvent for CsvFolderUnreadable<'_> {
    fn emit(self) {
        if self.first {
            tracing::error!(source = %self.source, folder = %self.folder.display(), error = %self.error, "cannot read the drop folder");
        }
        count_error(self.source, "csv-folder", "scan");
    }
}
