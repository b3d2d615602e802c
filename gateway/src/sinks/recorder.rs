//! Records a sink's delivery results in the store beside its delivery loop.
//!
//! A result is written in the next group commit with every other result that
//! finished meanwhile; the delivery loop goes on claiming and sending while the
//! commit (and its fsync) is made, instead of waiting for it after each reply.
//! An outbox row stays in flight (never claimed again) until its result is
//! committed, so nothing is sent twice because its result was not yet recorded.

use super::worker::blocking;
use crate::store::{DeliveryResult, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Most results written in one commit.
const MOST_PER_COMMIT: usize = 2048;

/// The handle the delivery loop keeps.
pub struct Recorder {
    results: Option<mpsc::UnboundedSender<(i64, DeliveryResult)>>,
    recorded: mpsc::UnboundedReceiver<Vec<i64>>,
    task: JoinHandle<()>,
}

impl Recorder {
    /// Starts recording for the sink `sink`; `retry_base` is the first wait after
    /// the store refused a write (doubling, at most 5 s).
    pub fn start(store: Arc<dyn Store>, sink: String, retry_base: Duration) -> Recorder {
        let (results, rx) = mpsc::unbounded_channel();
        let (done, recorded) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(store, sink, retry_base, rx, done));
        Recorder {
            results: Some(results),
            recorded,
            task,
        }
    }

    /// Queues the result of the delivery of outbox row `outbox_id`.
    pub fn record(&self, outbox_id: i64, result: DeliveryResult) {
        if let Some(tx) = &self.results {
            // The task only ends once this sender is dropped (in `finish`).
            let _ = tx.send((outbox_id, result));
        }
    }

    /// Outbox rows whose results were committed since the last call.
    pub fn take_recorded(&mut self) -> Vec<i64> {
        let mut ids = Vec::new();
        while let Ok(batch) = self.recorded.try_recv() {
            ids.extend(batch);
        }
        ids
    }

    /// Waits for the next commit of results; the rows it recorded.
    pub async fn next_recorded(&mut self) -> Vec<i64> {
        match self.recorded.recv().await {
            Some(ids) => ids,
            // Only once the task ended: nothing more will come.
            None => std::future::pending().await,
        }
    }

    /// Records what is queued, then stops.
    pub async fn finish(mut self) {
        self.results = None;
        let _ = (&mut self.task).await;
    }
}

async fn run(
    store: Arc<dyn Store>,
    sink: String,
    retry_base: Duration,
    mut rx: mpsc::UnboundedReceiver<(i64, DeliveryResult)>,
    done: mpsc::UnboundedSender<Vec<i64>>,
) {
    let mut failures: u32 = 0;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MOST_PER_COMMIT {
            match rx.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        loop {
            let results: Vec<DeliveryResult> = batch.iter().map(|(_, r)| r.clone()).collect();
            let store = store.clone();
            match blocking(move || store.finish_deliveries(results)).await {
                Ok(()) => {
                    failures = 0;
                    let _ = done.send(batch.into_iter().map(|(id, _)| id).collect());
                    break;
                }
                Err(e) => {
                    // The rows stay in flight (not sent again) until recorded.
                    failures = failures.saturating_add(1);
                    let wait = (retry_base * 2u32.saturating_pow(failures.min(8)))
                        .min(Duration::from_secs(5));
                    tracing::error!(sink = %sink, error = %e, retry_in_ms = wait.as_millis() as u64, "cannot record delivery results");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}
