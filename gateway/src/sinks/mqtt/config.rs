//! `[sinks.<name>.mqtt]`: the broker (shared keys with the MQTT source), the topic
//! template and which reports get an acknowledgement.

use super::message::TopicTemplate;
use super::sink::MqttSink;
use crate::common::mqtt::broker::BrokerConfig;
use crate::config::kind::KindTable;
use crate::config::problems::Problems;
use crate::sinks::{Sink, SinkContext, SinkSettings};
use serde::Deserialize;
use std::sync::Arc;

/// Settings of an mqtt sink: connection keys ([`BrokerConfig`]) and these.
#[derive(Debug, Clone)]
pub struct MqttSinkConfig {
    /// The broker connection.
    pub broker: BrokerConfig,
    /// What is published.
    pub publish: MqttPublish,
}

/// The sink's own keys.
#[derive(Debug, Clone, Deserialize)]
pub struct MqttPublish {
    /// The topic of each acknowledgement. Placeholders from the report: `{town}`,
    /// `{bcrp_area}`, `{source}` (configured source name), `{source_system}`;
    /// values are lower-cased with anything but letters and digits turned to `-`.
    /// A report without a value for a placeholder is refused (quarantined).
    pub topic: String,
    /// QoS of the acknowledgements: 1 (default) or 2; 0 sends without waiting.
    #[serde(default = "default_qos")]
    pub qos: u8,
    /// Acknowledge only reports from these sources (e.g. the radio sources).
    /// Empty: every report.
    #[serde(default)]
    pub sources: Vec<String>,
    /// How long to wait for the broker's acknowledgement before the delivery is
    /// retried (ms).
    #[serde(default = "default_ack_timeout")]
    pub ack_timeout_ms: u64,
}

fn default_qos() -> u8 {
    1
}
fn default_ack_timeout() -> u64 {
    10_000
}

/// Parses `[sinks.<name>.mqtt]`.
pub fn parse(table: KindTable<'_>) -> crate::sinks::Parsed {
    let base = table.base.to_path_buf();
    let (mut broker, publish): (BrokerConfig, MqttPublish) = table.parse_pair()?;
    broker.resolve_paths(&base);
    Ok(Arc::new(MqttSinkConfig { broker, publish }))
}

/// The client id a sink gets when none is configured.
pub fn default_client_id(sink: &str) -> String {
    format!("bcgw-sink-{sink}")
}

impl SinkSettings for MqttSinkConfig {
    fn resources(&self, name: &str) -> Vec<crate::config::resources::Resource> {
        vec![self.broker.resource(&default_client_id(name))]
    }

    fn check(&self, key: &str, p: &mut Problems) {
        let name = key.split('.').nth(1).unwrap_or("sink");
        self.broker.check(key, &default_client_id(name), p);
        if let Err(e) = TopicTemplate::parse(&self.publish.topic) {
            p.error(format!("{key}.topic"), e);
        }
        if self.publish.qos > 2 {
            p.error(format!("{key}.qos"), "must be 0, 1 or 2");
        }
        if self.publish.ack_timeout_ms == 0 {
            p.error(format!("{key}.ack_timeout_ms"), "must be at least 1");
        }
    }

    fn build(&self, cx: &SinkContext) -> anyhow::Result<Arc<dyn Sink>> {
        let topic = TopicTemplate::parse(&self.publish.topic)
            .map_err(|e| anyhow::anyhow!("sinks.{}.mqtt.topic: {e}", cx.name))?;
        let broker = self.broker.broker(&default_client_id(&cx.name));
        Ok(Arc::new(MqttSink::start(
            &cx.name,
            broker,
            topic,
            self.publish.clone(),
            cx.delivery.concurrency,
        )))
    }

    fn uses_renderer(&self) -> bool {
        false
    }
}
