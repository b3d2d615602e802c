//! The file-drop sink's write: writes each submission atomically (temp file, fsync, rename,
//! fsync the folder) into a folder an import service watches. The file is named by
//! the incident id, so writing the same incident again replaces it with the same
//! content: idempotent by construction. The write and its two fsyncs run on
//! tokio's blocking pool, never on a runtime worker other tasks share.

use crate::sinks::{Attempt, Outgoing, Sink};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// A folder of submissions.
pub struct FileDropSink {
    dir: Arc<Path>,
    extension: Arc<str>,
}

impl FileDropSink {
    /// A sink writing `<incident id>.<extension>` files into `dir` (created if missing).
    pub fn new(dir: &Path, extension: &str) -> std::io::Result<FileDropSink> {
        std::fs::create_dir_all(dir)?;
        Ok(FileDropSink {
            dir: dir.into(),
            extension: extension.trim_start_matches('.').into(),
        })
    }
}

/// Writes one submission into `dir`; blocking (two fsyncs).
fn write(
    dir: &Path,
    extension: &str,
    key: &str,
    revision: Option<i64>,
    body: &[u8],
) -> std::io::Result<String> {
    // Keys are `rec-<hex>`, or `rec-<hex>~<n>` for an incident split off by a
    // case officer; refuse anything that could leave the folder.
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '~'))
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "incident id is not a safe file name",
        ));
    }
    // An update is a file of its own: the import service may have taken the
    // first one already, and a file of the same name would import it again.
    let name = match revision {
        None => format!("{key}.{extension}"),
        Some(r) => format!("{key}.r{r}.{extension}"),
    };
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(body)?;
    tmp.as_file().sync_all()?;
    tmp.persist(dir.join(&name)).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(name)
}

#[async_trait::async_trait]
impl Sink for FileDropSink {
    async fn deliver(&self, outgoing: &Outgoing<'_>) -> Attempt {
        // The import service sees the merged incident's reports in the survivor's
        // next file; nothing to write for the absorbed one.
        if let Some(done) = outgoing.nothing_to_send() {
            return done;
        }
        let submission = match outgoing.rendered() {
            Ok(s) => s,
            Err(refused) => return refused,
        };
        let revision = outgoing.existing_reference.map(|_| outgoing.revision);
        let (dir, extension) = (self.dir.clone(), self.extension.clone());
        let (key, body) = (outgoing.key.to_string(), submission.body.clone());
        let written =
            tokio::task::spawn_blocking(move || write(&dir, &extension, &key, revision, &body))
                .await
                .unwrap_or_else(|e| {
                    Err(std::io::Error::other(format!(
                        "the write did not finish: {e}"
                    )))
                });
        match written {
            Ok(name) => Attempt::Delivered(name),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                Attempt::Rejected(e.to_string())
            }
            Err(e) => Attempt::Retry {
                error: format!("cannot write into {}: {e}", self.dir.display()),
                retry_after: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bcgw_sdk::plugin::{Incident, Submission};

    async fn send(sink: &FileDropSink, key: &str, submission: &Submission) -> Attempt {
        let incident = Incident {
            incident_id: key.into(),
            reports: vec![],
        };
        let outgoing = Outgoing {
            key,
            incident: &incident,
            submission: Some(submission),
            upstream_reference: None,
            revision: 0,
            existing_reference: None,
            action: &crate::store::DeliveryAction::Submit,
        };
        sink.deliver(&outgoing).await
    }

    /// A small XML submission.
    fn xml() -> Submission {
        Submission {
            content_type: "application/xml".into(),
            body: b"<a/>".to_vec(),
        }
    }

    #[tokio::test]
    async fn writes_atomically_and_idempotently() {
        let dir = tempfile::tempdir().unwrap();
        let sink = FileDropSink::new(dir.path(), "xml").unwrap();
        let sub = xml();
        assert_eq!(
            send(&sink, "rec-1", &sub).await,
            Attempt::Delivered("rec-1.xml".into())
        );
        assert_eq!(
            send(&sink, "rec-1", &sub).await,
            Attempt::Delivered("rec-1.xml".into())
        );
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files, vec![std::ffi::OsString::from("rec-1.xml")]);
        assert!(matches!(
            send(&sink, "../escape", &sub).await,
            Attempt::Rejected(_)
        ));
    }

    /// Found on main: an incident a case officer split off (`<record>~<n>`) was
    /// refused as an unsafe file name, so it never reached the import folder.
    #[tokio::test]
    async fn an_incident_split_off_in_review_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let sink = FileDropSink::new(dir.path(), "xml").unwrap();
        let sub = xml();
        assert_eq!(
            send(&sink, "rec-1~1", &sub).await,
            Attempt::Delivered("rec-1~1.xml".into())
        );
        assert_eq!(
            std::fs::read(dir.path().join("rec-1~1.xml")).unwrap(),
            b"<a/>"
        );
        assert!(matches!(
            send(&sink, ".hidden", &sub).await,
            Attempt::Rejected(_)
        ));
    }
}
