//! The mqtt sink's connection task: publishes what deliveries ask for and
//! answers each once the broker has acknowledged it. Publishes go out in the order
//! they were queued, so the n-th new packet id on the wire belongs to the n-th
//! request; a packet id seen again (a retransmission after a reconnect) is
//! already matched. The session is persistent, so a publish unacknowledged when
//! the connection drops is sent again by the client on reconnect.

use crate::common::mqtt::client::PollError;
use crate::common::mqtt::{Broker, Incoming, connect};
use crate::common::reconnect::Backoff;
use crate::events::{InternalEvent, MqttAuthFailed, MqttConnected, MqttConnectionFailed};
use std::collections::{HashMap, VecDeque};
use tokio::sync::{mpsc, oneshot};

/// One message to publish, and where to say it was acknowledged.
pub struct PublishRequest {
    /// Topic.
    pub topic: String,
    /// Body.
    pub payload: Vec<u8>,
    /// Told `Ok` once the broker acknowledged it (or it went out at QoS 0).
    pub done: oneshot::Sender<Result<(), String>>,
}

/// Runs the connection until every sender of requests is gone.
pub async fn run(
    name: String,
    broker: Broker,
    qos: u8,
    window: usize,
    mut rx: mpsc::Receiver<PublishRequest>,
) {
    let mut backoff = Backoff::new(&broker.reconnect);
    let creds = loop {
        match broker.credentials() {
            Ok(c) => break c,
            Err(e) => {
                let (attempt, wait) = backoff.failed();
                MqttConnectionFailed {
                    component: &name,
                    kind: "mqtt-sink",
                    broker: &broker.address(),
                    error: &format!("cannot read credentials: {e}"),
                    attempt,
                    retry_in_ms: wait.as_millis() as u64,
                }
                .emit();
                tokio::time::sleep(wait).await;
            }
        }
    };
    // The request queue towards the event loop never fills: at most `window`
    // publishes are outstanding.
    let window = window.max(1);
    let (client, mut conn) = connect(&broker, &creds, false, window + 8);
    let address = broker.address();
    let mut unsent: VecDeque<oneshot::Sender<Result<(), String>>> = VecDeque::new();
    let mut unacked: HashMap<u16, oneshot::Sender<Result<(), String>>> = HashMap::new();
    let mut open = true;
    loop {
        let room = unsent.len() + unacked.len() < window;
        tokio::select! {
            request = rx.recv(), if open && room => match request {
                Some(r) => match client.publish(&r.topic, r.payload, qos).await {
                    Ok(()) => unsent.push_back(r.done),
                    Err(e) => { let _ = r.done.send(Err(e)); }
                },
                None => open = false,
            },
            polled = conn.poll() => match polled {
                Ok(Incoming::Connected { session_present }) => {
                    backoff.succeeded();
                    MqttConnected { component: &name, broker: &address, session_present }.emit();
                }
                Ok(Incoming::Sent { pkid }) => {
                    if qos == 0 {
                        if let Some(done) = unsent.pop_front() {
                            let _ = done.send(Ok(()));
                        }
                    } else if !unacked.contains_key(&pkid)
                        && let Some(done) = unsent.pop_front()
                    {
                        unacked.insert(pkid, done);
                    }
                }
                Ok(Incoming::Published { pkid }) => {
                    if let Some(done) = unacked.remove(&pkid) {
                        let _ = done.send(Ok(()));
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let (attempt, wait) = backoff.failed();
                    match &e {
                        PollError::Refused(code) => MqttAuthFailed { component: &name, kind: "mqtt-sink", code }.emit(),
                        PollError::Lost(error) => MqttConnectionFailed {
                            component: &name, kind: "mqtt-sink", broker: &address, error, attempt,
                            retry_in_ms: wait.as_millis() as u64,
                        }.emit(),
                    }
                    tokio::time::sleep(wait).await;
                }
            },
        }
        if !open && unsent.is_empty() && unacked.is_empty() {
            client.try_disconnect();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), conn.poll()).await;
            return;
        }
    }
}
