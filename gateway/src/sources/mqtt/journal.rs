//! Journal, then acknowledge. Messages are taken from the receive loop in batches
//! (whatever has arrived, up to `max_batch`), each batch journaled as one store
//! call, and acknowledged only once that call has returned: the messages are
//! committed. A few batches are in flight at once so the writer's group commit can
//! merge them; acknowledgements still go out in the order the messages came.
//!
//! When the store refuses (full, read-only), the batch is retried with backoff and
//! nothing is acknowledged; at shutdown an uncommitted batch is left
//! unacknowledged, and the broker sends it again on the next connection.

use crate::common::mqtt::{Message, MqttClient};
use crate::common::reconnect::{Backoff, ReconnectConfig};
use crate::events::{InternalEvent, JournalWriteFailed, MqttAckFailed};
use crate::store::{Hold, NewPayload, Store, StoreError};
use bcgw_sdk::plugin::metadata_keys;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Batches committing at once.
const PIPELINE_DEPTH: usize = 4;

/// A message and when it arrived.
pub struct Received {
    /// The message.
    pub message: Message,
    /// When the source received it.
    pub received_at: DateTime<Utc>,
    /// The connection it came on.
    pub generation: u64,
}

/// The connection acknowledgements go to now.
#[derive(Clone)]
pub struct Connection {
    /// Counts connections made; a message is acknowledged only on its own.
    pub generation: u64,
    /// That connection's client.
    pub client: MqttClient,
}

/// The journal side of an MQTT source.
pub struct JournalTask {
    /// The configured source name.
    pub source: String,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The current connection, for acknowledgements.
    pub connection: watch::Receiver<Connection>,
    /// Most messages per store call.
    pub max_batch: usize,
    /// Content type handed to the adapter.
    pub content_type: String,
    /// Largest body taken in as it is.
    pub max_bytes: usize,
    /// Messages received and not yet acknowledged (or given up).
    pub in_hand: Arc<AtomicUsize>,
    /// Set when the gateway stops.
    pub shutdown: watch::Receiver<bool>,
}

type Commit = JoinHandle<Result<(), StoreError>>;

/// The payload a message is journaled as. A body over `max_bytes` is cut to it
/// and held in the quarantine.
pub fn payload(source: &str, content_type: &str, max_bytes: usize, r: &Received) -> NewPayload {
    let m = &r.message;
    let mut metadata = vec![
        (metadata_keys::MQTT_TOPIC.to_string(), m.topic.clone()),
        (metadata_keys::MQTT_QOS.to_string(), m.qos.to_string()),
        (metadata_keys::MQTT_RETAIN.to_string(), m.retain.to_string()),
    ];
    for (k, v) in &m.properties {
        metadata.push((
            format!("{}{k}", metadata_keys::MQTT_PROPERTY_PREFIX),
            v.clone(),
        ));
    }
    // The same bytes on the same topic (with the same properties) are the same
    // message: a redelivery after a lost acknowledgement, or a retained copy.
    let mut scope = m.topic.clone();
    for (k, v) in &m.properties {
        scope.push('\n');
        scope.push_str(k);
        scope.push('=');
        scope.push_str(v);
    }
    NewPayload {
        source: source.to_string(),
        received_at: r.received_at,
        content_type: content_type.to_string(),
        metadata,
        bytes: m.payload[..m.payload.len().min(max_bytes)].to_vec(),
        origin: format!("mqtt:{}", m.topic),
        identity_scope: Some(scope),
        hold: (m.payload.len() > max_bytes).then(|| Hold {
            error_kind: "message-too-large".into(),
            reason: format!(
                "MQTT message of {} bytes is larger than max_message_bytes ({max_bytes}); its first {max_bytes} bytes are kept",
                m.payload.len()
            ),
        }),
    }
}

impl JournalTask {
    fn commit(&self, batch: &[Received]) -> Commit {
        let payloads: Vec<NewPayload> = batch
            .iter()
            .map(|r| payload(&self.source, &self.content_type, self.max_bytes, r))
            .collect();
        // Answered from the store's writer once committed: no thread waits.
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.store.append_payloads_then(
            payloads,
            Box::new(move |r| {
                let _ = tx.send(r.map(|_| ()));
            }),
        );
        tokio::spawn(async move { rx.await.unwrap_or(Err(StoreError::Closed)) })
    }

    /// Acknowledges a committed batch; a failed commit is first retried until it
    /// succeeds or the gateway stops (then nothing is acknowledged).
    async fn settle(&mut self, batch: Vec<Received>, mut result: Result<(), StoreError>) {
        let mut backoff = Backoff::new(&ReconnectConfig {
            initial_ms: 100,
            max_ms: 5_000,
        });
        while let Err(e) = result {
            JournalWriteFailed {
                source: &self.source,
                kind: "mqtt",
                payloads: batch.len(),
                error: &e.to_string(),
            }
            .emit();
            if *self.shutdown.borrow() {
                self.in_hand.fetch_sub(batch.len(), Ordering::SeqCst);
                return;
            }
            let (_, wait) = backoff.failed();
            tokio::time::sleep(wait).await;
            result = joined(self.commit(&batch).await);
        }
        let mut failed = 0;
        let mut last_error = String::new();
        let connection = self.connection.borrow().clone();
        for r in &batch {
            if r.message.qos == 0 {
                continue;
            }
            if r.generation != connection.generation {
                // Its connection is gone: the broker sends it again on the new one,
                // and the journal refuses the repeat; that copy is acknowledged.
                continue;
            }
            if let Err(e) = connection.client.ack(r.message.qos, r.message.pkid).await {
                failed += 1;
                last_error = e;
            }
        }
        if failed > 0 {
            MqttAckFailed {
                component: &self.source,
                messages: failed,
                error: &last_error,
            }
            .emit();
        }
        self.in_hand.fetch_sub(batch.len(), Ordering::SeqCst);
    }

    fn start(&self, first: Received, rx: &mut mpsc::Receiver<Received>) -> (Vec<Received>, Commit) {
        let mut batch = vec![first];
        while batch.len() < self.max_batch {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let commit = self.commit(&batch);
        (batch, commit)
    }

    /// Runs until the channel is closed and everything taken from it is settled.
    pub async fn run(mut self, mut rx: mpsc::Receiver<Received>) {
        let mut in_flight: VecDeque<(Vec<Received>, Commit)> = VecDeque::new();
        let mut open = true;
        loop {
            // Start another batch while earlier ones commit, up to the depth; the
            // oldest is acknowledged as soon as it is committed.
            let more = open && in_flight.len() < PIPELINE_DEPTH;
            let Some((_, oldest)) = in_flight.front_mut() else {
                match rx.recv().await {
                    Some(first) => in_flight.push_back(self.start(first, &mut rx)),
                    None => return, // closed and drained
                }
                continue;
            };
            tokio::select! {
                biased;
                done = oldest => {
                    if let Some((batch, _)) = in_flight.pop_front() {
                        self.settle(batch, joined(done)).await;
                    }
                }
                next = rx.recv(), if more => match next {
                    Some(first) => in_flight.push_back(self.start(first, &mut rx)),
                    None => open = false,
                },
            }
        }
    }
}

fn joined(r: Result<Result<(), StoreError>, tokio::task::JoinError>) -> Result<(), StoreError> {
    r.unwrap_or_else(|e| {
        Err(StoreError::Database {
            context: "journal task",
            message: e.to_string(),
        })
    })
}
