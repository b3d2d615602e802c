//! Delivering an incident to the radio net: one acknowledgement per report from
//! the configured sources, each waited for until the broker has it.

use super::config::MqttPublish;
use super::message::{AckBody, TopicTemplate};
use super::publisher::{self, PublishRequest};
use crate::common::mqtt::Broker;
use crate::sinks::{Attempt, Outgoing, Sink};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// An mqtt sink: a handle on its connection task.
pub struct MqttSink {
    requests: mpsc::Sender<PublishRequest>,
    topic: TopicTemplate,
    settings: MqttPublish,
}

impl MqttSink {
    /// Starts the connection task (on the current tokio runtime). `window`:
    /// publishes outstanding at once.
    pub fn start(
        name: &str,
        broker: Broker,
        topic: TopicTemplate,
        settings: MqttPublish,
        window: usize,
    ) -> MqttSink {
        let (tx, rx) = mpsc::channel(window.max(1) * 4);
        tokio::spawn(publisher::run(
            name.to_string(),
            broker,
            settings.qos,
            window.max(1) * 4,
            rx,
        ));
        MqttSink {
            requests: tx,
            topic,
            settings,
        }
    }

    async fn publish(&self, topic: String, payload: Vec<u8>) -> Result<(), String> {
        let (done, answer) = oneshot::channel();
        self.requests
            .send(PublishRequest {
                topic,
                payload,
                done,
            })
            .await
            .map_err(|_| "the mqtt connection task has stopped".to_string())?;
        let timeout = Duration::from_millis(self.settings.ack_timeout_ms);
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err("the mqtt connection task has stopped".into()),
            Err(_) => Err(format!(
                "the broker did not acknowledge within {} ms",
                self.settings.ack_timeout_ms
            )),
        }
    }
}

#[async_trait::async_trait]
impl Sink for MqttSink {
    async fn deliver(&self, outgoing: &Outgoing<'_>) -> Attempt {
        // A merge or withdrawal changes no report's acknowledgement.
        if let Some(done) = outgoing.nothing_to_send() {
            return done;
        }
        let wanted = |source: &str| {
            self.settings.sources.is_empty() || self.settings.sources.iter().any(|s| s == source)
        };
        let mut published = 0;
        for record in &outgoing.incident.reports {
            if !wanted(&record.envelope.source) {
                continue;
            }
            let topic = match self.topic.render(record) {
                Ok(t) => t,
                Err(e) => {
                    return Attempt::Rejected(format!("record {}: {e}", record.envelope.record_id));
                }
            };
            let body = AckBody::of(record, outgoing.upstream_reference);
            let payload = match serde_json::to_vec(&body) {
                Ok(p) => p,
                Err(e) => {
                    return Attempt::Rejected(format!("cannot encode the acknowledgement: {e}"));
                }
            };
            if let Err(error) = self.publish(topic, payload).await {
                return Attempt::Retry {
                    error,
                    retry_after: None,
                };
            }
            published += 1;
        }
        Attempt::Delivered(format!("{published} acknowledgement(s) published"))
    }
}
