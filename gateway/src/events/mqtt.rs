//! Events of the MQTT source and sink. Topics and filters are configuration, not
//! content; message bodies never appear here.

use super::{InternalEvent, count_error};

/// Connected (or reconnected) to the broker; logged once per connection.
pub struct MqttConnected<'a> {
    /// The configured component name.
    pub component: &'a str,
    /// `host:port`.
    pub broker: &'a str,
    /// Whether the broker still had our session (queued messages follow).
    pub session_present: bool,
}

impl InternalEvent for MqttConnected<'_> {
    fn emit(self) {
        tracing::info!(component = %self.component, broker = %self.broker, session_present = self.session_present, "mqtt connected");
    }
}

/// A connection attempt failed or an established connection dropped.
pub struct MqttConnectionFailed<'a> {
    /// The configured component name.
    pub component: &'a str,
    /// `mqtt` (source) or `mqtt-sink`.
    pub kind: &'static str,
    /// `host:port`.
    pub broker: &'a str,
    /// What went wrong.
    pub error: &'a str,
    /// Failures in a row, counting this one: only the first is logged at warn.
    pub attempt: u32,
    /// The wait before the next attempt.
    pub retry_in_ms: u64,
}

impl InternalEvent for MqttConnectionFailed<'_> {
    fn emit(self) {
        if self.attempt <= 1 {
            tracing::warn!(component = %self.component, broker = %self.broker, error = %self.error, retry_in_ms = self.retry_in_ms, "mqtt connection lost; reconnecting with backoff");
        } else {
            tracing::debug!(component = %self.component, broker = %self.broker, error = %self.error, attempt = self.attempt, retry_in_ms = self.retry_in_ms, "mqtt reconnect failed");
        }
        count_error(self.component, self.kind, "connect");
    }
}

/// The broker refused our credentials or client id.
pub struct MqttAuthFailed<'a> {
    /// The configured component name.
    pub component: &'a str,
    /// `mqtt` or `mqtt-sink`.
    pub kind: &'static str,
    /// The broker's return code.
    pub code: &'a str,
}

impl InternalEvent for MqttAuthFailed<'_> {
    fn emit(self) {
        tracing::error!(component = %self.component, code = %self.code, "mqtt broker refused the connection: check username, password and client id");
        count_error(self.component, self.kind, "auth");
    }
}

/// The broker refused a subscription.
pub struct MqttSubscribeFailed<'a> {
    /// The configured source name.
    pub component: &'a str,
    /// The topic filter.
    pub filter: &'a str,
    /// The broker's reason.
    pub reason: &'a str,
}

impl InternalEvent for MqttSubscribeFailed<'_> {
    fn emit(self) {
        tracing::error!(component = %self.component, filter = %self.filter, reason = %self.reason, "mqtt subscription refused");
        count_error(self.component, "mqtt", "subscribe");
    }
}

/// An acknowledgement could not be handed to the connection; the broker will send
/// the message again (and the journal will refuse the repeat).
pub struct MqttAckFailed<'a> {
    /// The configured source name.
    pub component: &'a str,
    /// Messages whose acknowledgement was lost.
    pub messages: usize,
    /// Why.
    pub error: &'a str,
}

impl InternalEvent for MqttAckFailed<'_> {
    fn emit(self) {
        tracing::warn!(component = %self.component, messages = self.messages, error = %self.error, "mqtt acknowledgement not sent; the broker will redeliver");
        count_error(self.component, "mqtt", "ack");
    }
}
