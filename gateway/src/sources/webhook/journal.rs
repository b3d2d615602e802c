//! Journal many requests in one store call. Each request hands its body to the
//! source's journal task and waits for the answer; the task takes whatever has
//! arrived (up to [`MAX_BATCH`]) and journals it as one call, a few calls in
//! flight at once so the writer's group commit can merge them. A request hears
//! back only once the call holding its body has committed.
//!
//! One call per request would cost a blocking-pool hop and a writer job each; at a
//! few thousand requests per second those hops, not the disk, were the limit.

use crate::store::{Appended, NewPayload, Store, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;

/// Most bodies per store call.
const MAX_BATCH: usize = 256;
/// Store calls in flight at once.
const PIPELINE_DEPTH: usize = 4;
/// Requests waiting for the journal before new ones are told to come back (503).
pub const QUEUE: usize = 4_096;
/// After shutdown, how long the task waits for requests still being read.
const DRAIN_QUIET: std::time::Duration = std::time::Duration::from_millis(500);

/// What a request gets back: its journal entry, or why there is none.
pub type Answer = Result<Appended, String>;

/// A body to journal and where to send the answer.
pub struct Entry {
    /// The payload.
    pub payload: NewPayload,
    /// The waiting request.
    pub reply: oneshot::Sender<Answer>,
}

/// The request side.
#[derive(Clone)]
pub struct JournalQueue(mpsc::Sender<Entry>);

impl JournalQueue {
    /// Journals `payload`; `Err` when the journal cannot take it (store error, or
    /// the gateway stopping).
    pub async fn append(&self, payload: NewPayload) -> Answer {
        let (reply, answer) = oneshot::channel();
        self.0
            .send(Entry { payload, reply })
            .await
            .map_err(|_| "the journal is closed (the gateway is stopping)".to_string())?;
        answer
            .await
            .map_err(|_| "the journal stopped before answering".to_string())?
    }
}

/// A queue and the task draining it into `store`, which runs until shutdown (and
/// then while requests still arrive).
pub fn start(
    store: Arc<dyn Store>,
    shutdown: watch::Receiver<bool>,
) -> (JournalQueue, impl std::future::Future<Output = ()> + Send) {
    let (tx, rx) = mpsc::channel(QUEUE);
    (JournalQueue(tx), run(store, rx, shutdown))
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<Entry>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut commits: JoinSet<()> = JoinSet::new();
    let mut stopping = *shutdown.borrow();
    loop {
        while commits.len() >= PIPELINE_DEPTH {
            commits.join_next().await;
        }
        let first = if stopping {
            match tokio::time::timeout(DRAIN_QUIET, rx.recv()).await {
                Ok(Some(e)) => e,
                _ => break,
            }
        } else {
            tokio::select! {
                e = rx.recv() => match e {
                    Some(e) => e,
                    None => break,
                },
                _ = shutdown.changed() => {
                    stopping = true;
                    continue;
                }
                Some(_) = commits.join_next(), if !commits.is_empty() => continue,
            }
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        let store = store.clone();
        commits.spawn(async move {
            let (payloads, replies): (Vec<NewPayload>, Vec<_>) =
                batch.into_iter().map(|e| (e.payload, e.reply)).unzip();
            let result = tokio::task::spawn_blocking(move || store.append_payloads(payloads))
                .await
                .unwrap_or_else(|e| Err(StoreError::Corrupt(format!("journal task failed: {e}"))));
            match result {
                Ok(appended) if appended.len() == replies.len() => {
                    for (reply, a) in replies.into_iter().zip(appended) {
                        let _ = reply.send(Ok(a));
                    }
                }
                Ok(_) => {
                    for reply in replies {
                        let _ = reply.send(Err(
                            "the journal answered for a different number of payloads".into(),
                        ));
                    }
                }
                Err(e) => {
                    let error = e.to_string();
                    for reply in replies {
                        let _ = reply.send(Err(error.clone()));
                    }
                }
            }
        });
    }
    // Close the queue so requests arriving now hear 503 at once, then finish.
    rx.close();
    while let Some(e) = rx.recv().await {
        let _ = e.reply.send(Err("the gateway is stopping".into()));
    }
    while commits.join_next().await.is_some() {}
}
