//! `[sources.<name>.mqtt]`: the broker, the topics, how messages are taken in.

use super::source::MqttSource;
use crate::common::mqtt::broker::BrokerConfig;
use crate::common::mqtt::topic::filter_problem;
use crate::config::kind::KindTable;
use crate::config::problems::Problems;
use crate::sources::{RunningSource, SourceContext, SourceSettings};
use serde::Deserialize;

/// Settings of an MQTT source: the connection keys ([`BrokerConfig`]) and these,
/// in one table.
#[derive(Debug, Clone)]
pub struct MqttSourceConfig {
    /// The broker connection.
    pub broker: BrokerConfig,
    /// What to subscribe to and how messages are taken in.
    pub intake: MqttIntake,
}

/// The source's own keys.
#[derive(Debug, Clone, Deserialize)]
pub struct MqttIntake {
    /// Topic filters to subscribe to, e.g. `["shopnet/+/alerts"]`.
    pub topics: Vec<String>,
    /// Subscription QoS: 1 (default; at least once, acknowledged after the journal
    /// commit), 2, or 0 (alerts may be lost; not recommended).
    #[serde(default = "default_qos")]
    pub qos: u8,
    /// Most messages journaled in one store call.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    /// Content type handed to the adapter.
    #[serde(default = "default_content_type")]
    pub content_type: String,
    /// For `bcgw run --until-idle`: the source counts as idle once nothing has
    /// arrived for this long (ms) and everything received is acknowledged.
    #[serde(default = "default_idle_after")]
    pub idle_after_ms: u64,
}

fn default_qos() -> u8 {
    1
}
fn default_max_batch() -> usize {
    512
}
fn default_content_type() -> String {
    "text/plain".into()
}
fn default_idle_after() -> u64 {
    1000
}

/// Parses `[sources.<name>.mqtt]`: connection keys and intake keys share it.
pub fn parse(table: KindTable<'_>) -> crate::sources::Parsed {
    let base = table.base.to_path_buf();
    let (mut broker, intake): (BrokerConfig, MqttIntake) = table.parse_pair()?;
    broker.resolve_paths(&base);
    Ok(std::sync::Arc::new(MqttSourceConfig { broker, intake }))
}

/// The client id a source gets when none is configured.
pub fn default_client_id(source: &str) -> String {
    format!("bcgw-{source}")
}

impl SourceSettings for MqttSourceConfig {
    fn resources(&self, name: &str) -> Vec<crate::config::resources::Resource> {
        vec![self.broker.resource(&default_client_id(name))]
    }

    fn check(&self, key: &str, p: &mut Problems) {
        // The source name only shapes the default client id, which is checked too.
        let name = key.split('.').nth(1).unwrap_or("source");
        self.broker.check(key, &default_client_id(name), p);
        let i = &self.intake;
        if i.topics.is_empty() {
            p.error(
                format!("{key}.topics"),
                "empty: subscribe to at least one topic filter, e.g. [\"shopnet/+/alerts\"]",
            );
        }
        for (n, t) in i.topics.iter().enumerate() {
            if let Some(why) = filter_problem(t) {
                p.error(
                    format!("{key}.topics[{n}]"),
                    format!("{t:?} is not a topic filter: {why}"),
                );
            }
        }
        match i.qos {
            0 => p.warn(format!("{key}.qos"), "QoS 0: the broker does not redeliver, so alerts in flight when the gateway stops are lost; use 1"),
            1 | 2 => {}
            _ => p.error(format!("{key}.qos"), "must be 0, 1 or 2"),
        }
        if !self.broker.persistent_session && i.qos > 0 {
            p.warn(
                format!("{key}.persistent_session"),
                "off: alerts published while the gateway is down are not queued for it",
            );
        }
        if i.max_batch == 0 {
            p.error(format!("{key}.max_batch"), "must be at least 1");
        }
    }

    fn build(&self, cx: SourceContext) -> anyhow::Result<RunningSource> {
        let source = MqttSource {
            broker: self.broker.broker(&default_client_id(&cx.name)),
            max_message_bytes: self.broker.max_message_bytes,
            config: self.intake.clone(),
            cx,
        };
        Ok(Box::pin(source.run()))
    }
}
