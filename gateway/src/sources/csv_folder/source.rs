//! The CSV folder source: retailers and BCRPs drop exports into a folder; each
//! complete file is streamed into the journal in chunks, and only once every chunk
//! is committed is the file moved to `done/` — that move is the acknowledgement.
//! A file that cannot be read goes to `failed/` with a `.reason` file beside it.
//!
//! When a file counts as complete is set by `completion` (see
//! [`Completion`](super::Completion)): a size and mtime that have
//! stopped changing (default), a `.done` marker, or "every file is complete"
//! for writers that rename files in atomically.

use super::chunks::CsvChunker;
use super::config::{Completion, CsvFolderConfig};
use crate::events::{CsvFolderUnreadable, InternalEvent, JournalWriteFailed};
use crate::store::{Appended, NewPayload, Store, StoreError};
use bcgw_sdk::plugin::metadata_keys;
use chrono::Utc;
use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// Chunks journaled per store call: one group-commit job each.
const CHUNKS_PER_APPEND: usize = 8;

/// What ingesting one file came to.
#[derive(Debug)]
pub enum Ingested {
    /// Every chunk is journaled and the file moved to `done/`.
    Done {
        /// Chunks newly journaled.
        new: usize,
        /// Chunks the journal already held.
        repeated: usize,
    },
    /// The file could not be read; moved to `failed/`.
    Failed(String),
}

/// A CSV drop folder.
pub struct CsvFolderSource {
    /// The configured source name.
    pub name: String,
    /// Its settings.
    pub config: CsvFolderConfig,
    /// The store.
    pub store: Arc<dyn Store>,
    /// True when the last scan found no file at all (complete or not).
    pub idle: Arc<AtomicBool>,
}

fn is_candidate(path: &Path, extensions: &[String]) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if name.starts_with('.')
        || name.ends_with(".tmp")
        || name.ends_with(".part")
        || name.ends_with(".done")
    {
        return false;
    }
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn marker_for(path: &Path) -> PathBuf {
    let mut m = path.as_os_str().to_owned();
    m.push(".done");
    PathBuf::from(m)
}

/// Moves `file` into `dir`, adding a timestamp if the name is taken.
fn move_into(file: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let name = file.file_name().unwrap_or_default();
    let mut target = dir.join(name);
    if target.exists() {
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        target = dir.join(format!("{}.{stamp}", name.to_string_lossy()));
    }
    std::fs::rename(file, &target)?;
    Ok(target)
}

impl CsvFolderSource {
    fn done_dir(&self) -> PathBuf {
        self.config.path.join("done")
    }

    fn failed_dir(&self) -> PathBuf {
        self.config.path.join("failed")
    }

    /// Streams one file into the journal and acknowledges it. A store error is
    /// returned (the file stays where it is, unacknowledged); a read error sends the
    /// file to `failed/`.
    pub fn ingest(&self, path: &Path) -> Result<Ingested, StoreError> {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let received_at = Utc::now();
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return Ok(self.fail(path, &format!("cannot open: {e}"))),
        };
        if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
            return Ok(self.fail(path, "the file is empty"));
        }
        let mut chunks = CsvChunker::new(
            BufReader::with_capacity(256 * 1024, file),
            self.config.chunk_rows,
        );
        let (mut new, mut repeated) = (0, 0);
        loop {
            let mut batch = Vec::with_capacity(CHUNKS_PER_APPEND);
            for _ in 0..CHUNKS_PER_APPEND {
                match chunks.next_chunk() {
                    Ok(Some(c)) => batch.push(NewPayload {
                        source: self.name.clone(),
                        received_at,
                        content_type: self.config.content_type.clone(),
                        metadata: vec![
                            (metadata_keys::FILE_NAME.into(), file_name.clone()),
                            (metadata_keys::FIRST_LINE.into(), c.first_line.to_string()),
                            ("chunk-index".into(), c.index.to_string()),
                        ],
                        origin: format!("{file_name}#{}", c.index),
                        bytes: c.bytes,
                        identity_scope: None,
                        hold: None,
                    }),
                    Ok(None) => break,
                    Err(e) => {
                        return Ok(self.fail(
                            path,
                            &format!(
                                "read error after {} chunk(s): {e}",
                                new + repeated + batch.len()
                            ),
                        ));
                    }
                }
            }
            if batch.is_empty() {
                break;
            }
            for a in self.store.append_payloads(batch)? {
                match a {
                    Appended::New(_) => new += 1,
                    Appended::Duplicate(_) => repeated += 1,
                }
            }
        }
        // Every chunk is durable: acknowledge by moving the file out of the folder.
        if let Err(e) = move_into(path, &self.done_dir()) {
            tracing::error!(source = %self.name, file = %file_name, error = %e, "journaled but cannot move to done/; it will be taken again (and de-duplicated)");
        }
        let _ = std::fs::remove_file(marker_for(path));
        tracing::info!(source = %self.name, file = %file_name, new_chunks = new, repeated_chunks = repeated, "file journaled");
        Ok(Ingested::Done { new, repeated })
    }

    fn fail(&self, path: &Path, reason: &str) -> Ingested {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        tracing::warn!(source = %self.name, file = %name, reason, "file moved to failed/");
        match move_into(path, &self.failed_dir()) {
            Ok(target) => {
                let mut r = target.into_os_string();
                r.push(".reason");
                let _ = std::fs::write(PathBuf::from(r), format!("{reason}\n"));
            }
            Err(e) => {
                tracing::error!(source = %self.name, file = %name, error = %e, "cannot move to failed/")
            }
        }
        let _ = std::fs::remove_file(marker_for(path));
        Ingested::Failed(reason.to_string())
    }

    /// Files in the folder that are complete now. `sizes` remembers what each file
    /// looked like at earlier scans, for `completion = "stable"`.
    fn ready_files(
        &self,
        sizes: &mut HashMap<PathBuf, (u64, SystemTime, Instant)>,
    ) -> std::io::Result<(Vec<PathBuf>, usize)> {
        let mut ready = Vec::new();
        let mut seen = 0;
        let mut present = Vec::new();
        for entry in std::fs::read_dir(&self.config.path)? {
            let path = entry?.path();
            if !path.is_file() || !is_candidate(&path, &self.config.extensions) {
                continue;
            }
            seen += 1;
            present.push(path.clone());
            let complete = match self.config.completion {
                Completion::Rename => true,
                Completion::Marker => marker_for(&path).exists(),
                Completion::Stable => {
                    let meta = std::fs::metadata(&path)?;
                    let now_shape = (
                        meta.len(),
                        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    );
                    let settle = Duration::from_millis(self.config.settle_ms);
                    match sizes.get(&path) {
                        Some(&(len, mtime, since)) if (len, mtime) == now_shape => {
                            since.elapsed() >= settle
                        }
                        _ => {
                            sizes.insert(path.clone(), (now_shape.0, now_shape.1, Instant::now()));
                            settle.is_zero()
                        }
                    }
                }
            };
            if complete {
                ready.push(path);
            }
        }
        sizes.retain(|p, _| present.contains(p));
        ready.sort();
        Ok((ready, seen))
    }

    /// Watches the folder until `shutdown`.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.config.poll_interval_ms.max(10));
        let mut sizes = HashMap::new();
        let mut warned = false;
        while !*shutdown.borrow() {
            let this = self.clone();
            let scan = tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&this.config.path)?;
                let (ready, seen) = this.ready_files(&mut sizes)?;
                let mut store_error = None;
                for path in &ready {
                    if let Err(e) = this.ingest(path) {
                        store_error = Some(e);
                        break;
                    }
                }
                Ok::<_, std::io::Error>((sizes, seen, store_error))
            })
            .await;
            match scan {
                Ok(Ok((s, seen, store_error))) => {
                    sizes = s;
                    self.idle.store(seen == 0, Ordering::Relaxed);
                    match store_error {
                        Some(e) => JournalWriteFailed {
                            source: &self.name,
                            kind: "csv-folder",
                            payloads: 1,
                            error: &e.to_string(),
                        }
                        .emit(),
                        None => warned = false,
                    }
                }
                Ok(Err(e)) => {
                    sizes = HashMap::new();
                    CsvFolderUnreadable {
                        source: &self.name,
                        folder: &self.config.path,
                        error: &e.to_string(),
                        first: !warned,
                    }
                    .emit();
                    warned = true;
                }
                Err(e) => {
                    sizes = HashMap::new();
                    tracing::error!(source = %self.name, error = %e, "folder scan task failed");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
