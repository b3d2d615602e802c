//! The receive loop: keeps the connection polled (acknowledgements go out only
//! while it is), subscribes on every new connection, hands messages to the
//! journal task through a bounded channel, and on shutdown lets the
//! journal task finish, flushes the acknowledgements and disconnects.

use super::config::MqttIntake;
use super::journal::{Connection, JournalTask, Received};
use crate::common::mqtt::client::PollError;
use crate::common::mqtt::{Broker, Incoming, connect};
use crate::common::reconnect::Backoff;
use crate::events::{
    InternalEvent, MqttAuthFailed, MqttConnected, MqttConnectionFailed, MqttSubscribeFailed,
};
use crate::sources::SourceContext;
use chrono::Utc;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// How long, at shutdown, queued acknowledgements and the disconnect get to go out.
const FLUSH_AT_SHUTDOWN: Duration = Duration::from_secs(2);

/// A slot in the journal channel (`None` once it is closed).
async fn reserve(tx: &Option<mpsc::Sender<Received>>) -> Option<mpsc::Permit<'_, Received>> {
    match tx {
        Some(tx) => tx.reserve().await.ok(),
        None => std::future::pending().await,
    }
}

/// A running MQTT source.
pub struct MqttSource {
    /// What to subscribe to and how messages are taken in.
    pub config: MqttIntake,
    /// The broker, with the default client id filled in.
    pub broker: Broker,
    /// Largest body taken in as it is.
    pub max_message_bytes: usize,
    /// The source's context.
    pub cx: SourceContext,
}

impl MqttSource {
    /// Runs until shutdown.
    pub async fn run(self) {
        let name = self.cx.name.clone();
        let mut shutdown = self.cx.shutdown.clone();
        let mut backoff = Backoff::new(&self.broker.reconnect);
        // Secrets and TLS files were checked at start-up; if they vanish since,
        // wait and try again rather than run without them.
        let creds = loop {
            match self.broker.credentials() {
                Ok(c) => break c,
                Err(e) => {
                    let (attempt, wait) = backoff.failed();
                    MqttConnectionFailed {
                        component: &name,
                        kind: "mqtt",
                        broker: &self.broker.address(),
                        error: &format!("cannot read credentials: {e}"),
                        attempt,
                        retry_in_ms: wait.as_millis() as u64,
                    }
                    .emit();
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.changed() => return,
                    }
                }
            }
        };
        // The channel holds a few batches: enough to keep commits pipelined, small
        // enough that a stalled store stops us reading (and the broker queues).
        let capacity = self.config.max_batch.max(1) * 4;
        // Each connection gets a client and event loop of its own. An
        // acknowledgement queued on a connection that has since dropped must never
        // reach the next one: a restarted broker may give the same packet id to
        // another message, which our stale ack would then acknowledge unseen.
        let (mut client, mut conn) = connect(&self.broker, &creds, true, capacity);
        let mut generation = 0u64;
        let (current, connection) = watch::channel(Connection {
            generation,
            client: client.clone(),
        });
        let (tx, rx) = mpsc::channel::<Received>(capacity);
        let in_hand = Arc::new(AtomicUsize::new(0));
        let journal = JournalTask {
            source: name.clone(),
            store: self.cx.store.clone(),
            connection,
            max_batch: self.config.max_batch.max(1),
            content_type: self.config.content_type.clone(),
            max_bytes: self.max_message_bytes,
            in_hand: in_hand.clone(),
            shutdown: shutdown.clone(),
        };
        let mut journal_done = tokio::spawn(journal.run(rx));
        let mut tx = Some(tx);
        let mut waiting: VecDeque<Received> = VecDeque::new();
        let mut closing = false;
        let address = self.broker.address();
        let idle_after = Duration::from_millis(self.config.idle_after_ms);
        let mut last_message = Instant::now();
        let mut subscribed = false;
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            // The shutdown arm below sees a change once; a stop that arrived while
            // the loop waited out a reconnect backoff is caught here.
            if tx.is_some() && *shutdown.borrow() {
                closing = true;
            }
            if std::mem::take(&mut closing) {
                // Closing the channel lets the journal task drain, commit and
                // acknowledge what it has, then end. What was still waiting is
                // left unacknowledged: the broker sends it again.
                tx = None;
                in_hand.fetch_sub(waiting.len(), Ordering::SeqCst);
                waiting.clear();
            }
            tokio::select! {
                polled = conn.poll() => match polled {
                    Ok(Incoming::Connected { session_present }) => {
                        backoff.succeeded();
                        MqttConnected { component: &name, broker: &address, session_present }.emit();
                        if let Err(e) = client.try_subscribe(&self.config.topics, self.config.qos) {
                            MqttSubscribeFailed { component: &name, filter: &self.config.topics.join(","), reason: &e }.emit();
                        }
                    }
                    Ok(Incoming::Subscribed { refused }) => {
                        subscribed = true;
                        for i in refused {
                            let filter = self.config.topics.get(i).map(String::as_str).unwrap_or("?");
                            MqttSubscribeFailed { component: &name, filter, reason: "refused by the broker (not authorised, or invalid)" }.emit();
                        }
                    }
                    Ok(Incoming::Message(message)) => {
                        last_message = Instant::now();
                        // While stopping, messages are left unacknowledged: the broker
                        // sends them again on the next connection.
                        if let Some(tx) = &tx {
                            in_hand.fetch_add(1, Ordering::SeqCst);
                            let received = Received { message, received_at: Utc::now(), generation };
                            // Never wait here: acknowledgements go out only while
                            // this loop polls the connection, and the journal task
                            // waits on them. What the channel cannot take yet waits
                            // in `waiting`, bounded by the broker's in-flight window.
                            if waiting.is_empty() {
                                match tx.try_send(received) {
                                    Ok(()) => {}
                                    Err(mpsc::error::TrySendError::Full(r)) => waiting.push_back(r),
                                    Err(mpsc::error::TrySendError::Closed(_)) => {
                                        in_hand.fetch_sub(1, Ordering::SeqCst);
                                    }
                                }
                            } else {
                                waiting.push_back(received);
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        subscribed = false;
                        if tx.is_none() {
                            break; // stopping and the connection is gone: nothing to flush
                        }
                        let (attempt, wait) = backoff.failed();
                        match &e {
                            PollError::Refused(code) => MqttAuthFailed { component: &name, kind: "mqtt", code }.emit(),
                            PollError::Lost(error) => MqttConnectionFailed {
                                component: &name, kind: "mqtt", broker: &address, error, attempt,
                                retry_in_ms: wait.as_millis() as u64,
                            }.emit(),
                        }
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = shutdown.changed() => {}
                        }
                        (client, conn) = connect(&self.broker, &creds, true, capacity);
                        generation += 1;
                        current.send_replace(Connection { generation, client: client.clone() });
                    }
                },
                permit = reserve(&tx), if !waiting.is_empty() => {
                    match (permit, waiting.pop_front()) {
                        (Some(permit), Some(r)) => permit.send(r),
                        (None, Some(_)) => { in_hand.fetch_sub(1, Ordering::SeqCst); }
                        _ => {}
                    }
                }
                _ = shutdown.changed(), if tx.is_some() => {
                    closing = true;
                }
                _ = &mut journal_done, if tx.is_none() => {
                    client.try_disconnect();
                    let deadline = tokio::time::sleep(FLUSH_AT_SHUTDOWN);
                    tokio::pin!(deadline);
                    loop {
                        tokio::select! {
                            r = conn.poll() => if r.is_err() { break },
                            _ = &mut deadline => break,
                        }
                    }
                    break;
                }
                _ = tick.tick() => {
                    let idle = subscribed
                        && in_hand.load(Ordering::SeqCst) == 0
                        && last_message.elapsed() >= idle_after;
                    self.cx.idle.store(idle, Ordering::Relaxed);
                }
            }
        }
        tracing::info!(source = %name, "mqtt source stopped");
    }
}
