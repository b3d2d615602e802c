//! Which broker, and how to reach it: address, protocol version, TLS, credentials,
//! client id, keep-alive. Checked without connecting; turned into rumqttc options
//! when a connection is made.

use crate::common::reconnect::ReconnectConfig;
use crate::config::problems::Problems;
use crate::config::secret::SecretSource;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// The MQTT protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub enum ProtocolVersion {
    /// MQTT 3.1.1 (what most radio bridges speak).
    #[default]
    #[serde(rename = "3.1.1")]
    V311,
    /// MQTT 5 (user properties, session expiry).
    #[serde(rename = "5")]
    V5,
}

/// `tls = { ... }`: TLS (rustls) to the broker.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
pub struct TlsSettings {
    /// CA certificate(s) (PEM) to trust. Unset: the system's trusted roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Client certificate (PEM), for brokers that authenticate clients by
    /// certificate. With `client_key_file`.
    #[serde(default)]
    pub client_cert_file: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[serde(default)]
    pub client_key_file: Option<PathBuf>,
}

/// The connection keys every MQTT table has (`[sources.<name>.mqtt]`,
/// `[sinks.<name>.mqtt]`), beside the kind's own keys in the same table.
#[derive(Debug, Clone, Deserialize)]
pub struct BrokerConfig {
    /// The broker's host name or address.
    pub host: String,
    /// The broker's port. Default: 1883, or 8883 with `tls`.
    #[serde(default)]
    pub port: Option<u16>,
    /// `"3.1.1"` (default) or `"5"`.
    #[serde(default)]
    pub protocol: ProtocolVersion,
    /// The client id. Keep it stable: the broker keeps the session (and queues)
    /// under it. Default: `bcgw-<name>` (`bcgw-sink-<name>` for a sink).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Username, from `{ env = "..." }`, `{ file = "..." }` or a literal.
    #[serde(default)]
    pub username: Option<SecretSource>,
    /// Password, from `{ env = "..." }` or `{ file = "..." }`.
    #[serde(default)]
    pub password: Option<SecretSource>,
    /// TLS (rustls) to the broker: `tls = {}` for the system roots, or with
    /// `ca_file`, `client_cert_file`, `client_key_file`.
    #[serde(default)]
    pub tls: Option<TlsSettings>,
    /// Keep-alive interval (seconds).
    #[serde(default = "default_keep_alive")]
    pub keep_alive_secs: u64,
    /// Keep the session while disconnected (clean session off), so the broker
    /// queues for us. Turn off only for brokers that cannot keep sessions.
    #[serde(default = "default_true")]
    pub persistent_session: bool,
    /// MQTT 5: how long (seconds) the broker keeps the session while we are away.
    #[serde(default = "default_session_expiry")]
    pub session_expiry_secs: u32,
    /// Largest message body (bytes) taken in as it is; a larger one (up to four
    /// times this, at least 1 MiB) is kept in the quarantine with its first
    /// `max_message_bytes` bytes, and acknowledged.
    #[serde(default = "default_max_message")]
    pub max_message_bytes: usize,
    /// Reconnect backoff.
    #[serde(default)]
    pub reconnect: ReconnectConfig,
}

fn default_keep_alive() -> u64 {
    30
}
fn default_true() -> bool {
    true
}
fn default_session_expiry() -> u32 {
    7 * 24 * 3600
}
fn default_max_message() -> usize {
    256 * 1024
}

impl BrokerConfig {
    /// The broker settings, with `default_client_id` when none is configured.
    pub fn broker(&self, default_client_id: &str) -> Broker {
        Broker {
            host: self.host.clone(),
            port: self
                .port
                .unwrap_or(if self.tls.is_some() { 8883 } else { 1883 }),
            protocol: self.protocol,
            client_id: self
                .client_id
                .clone()
                .unwrap_or_else(|| default_client_id.to_string()),
            username: self.username.clone(),
            password: self.password.clone(),
            tls: self.tls.clone(),
            keep_alive: Duration::from_secs(self.keep_alive_secs),
            persistent_session: self.persistent_session,
            session_expiry_secs: self.session_expiry_secs,
            // A packet over this limit drops the connection, and the broker sends
            // the same message again on the next: a poison message. So the limit
            // is well above max_message_bytes, and a message between the two is
            // taken and held in the quarantine instead (see the MQTT source).
            max_packet_bytes: packet_limit(self.max_message_bytes),
            reconnect: self.reconnect.clone(),
        }
    }

    /// Makes the TLS and secret file paths absolute.
    pub fn resolve_paths(&mut self, base: &std::path::Path) {
        use crate::config::kind::resolve;
        if let Some(tls) = &mut self.tls {
            for p in [
                &mut tls.ca_file,
                &mut tls.client_cert_file,
                &mut tls.client_key_file,
            ]
            .into_iter()
            .flatten()
            {
                resolve(base, p);
            }
        }
        for secret in [&mut self.username, &mut self.password]
            .into_iter()
            .flatten()
        {
            if let SecretSource::File { file } = secret {
                resolve(base, file);
            }
        }
    }

    /// The client id this connection holds on its broker.
    pub fn resource(&self, default_client_id: &str) -> crate::config::resources::Resource {
        let b = self.broker(default_client_id);
        crate::config::resources::Resource::MqttClient {
            broker: format!("{}:{}", b.host.to_ascii_lowercase(), b.port),
            client_id: b.client_id,
        }
    }

    /// Checks the connection keys (`default_client_id` as in [`Self::broker`]).
    pub fn check(&self, key: &str, default_client_id: &str, p: &mut Problems) {
        self.broker(default_client_id).check(key, p);
        if self.max_message_bytes == 0 || self.max_message_bytes > 256 << 20 {
            p.error(
                format!("{key}.max_message_bytes"),
                "must be 1 byte to 256 MiB",
            );
        }
    }
}

/// The largest packet read from or written to a broker: four times the largest
/// message (at least 1 MiB, at most 256 MiB), so a somewhat oversized message is
/// received (and quarantined), not a connection loop.
pub fn packet_limit(max_message_bytes: usize) -> usize {
    max_message_bytes
        .max(1 << 20)
        .saturating_mul(4)
        .min(256 << 20)
}

/// Everything needed to connect to a broker.
#[derive(Debug, Clone)]
pub struct Broker {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Protocol version.
    pub protocol: ProtocolVersion,
    /// The client id: stable, so the broker keeps our session (and queues for us)
    /// while we are away.
    pub client_id: String,
    /// Username, if the broker wants one.
    pub username: Option<SecretSource>,
    /// Password.
    pub password: Option<SecretSource>,
    /// TLS, if set.
    pub tls: Option<TlsSettings>,
    /// Keep-alive interval.
    pub keep_alive: Duration,
    /// Keep the session while disconnected (clean session off / MQTT 5 session
    /// expiry): the broker queues QoS 1 messages for us while we are down.
    pub persistent_session: bool,
    /// MQTT 5: how long the broker keeps the session after we disconnect.
    pub session_expiry_secs: u32,
    /// Largest packet accepted (bytes).
    pub max_packet_bytes: usize,
    /// Reconnect backoff.
    pub reconnect: ReconnectConfig,
}

impl Broker {
    /// `host:port`, for logs.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Checks the settings without connecting. `key` is the table's dotted path.
    pub fn check(&self, key: &str, p: &mut Problems) {
        if self.host.trim().is_empty() {
            p.error(
                format!("{key}.host"),
                "empty: set the broker's host name or address",
            );
        }
        if self.port == 0 {
            p.error(format!("{key}.port"), "must be 1-65535");
        }
        if self.client_id.is_empty() || self.client_id.len() > 65_535 {
            p.error(format!("{key}.client_id"), "must be 1 to 65535 bytes");
        } else if self.protocol == ProtocolVersion::V311 && self.client_id.len() > 23 {
            p.warn(
                format!("{key}.client_id"),
                "longer than 23 characters: MQTT 3.1.1 brokers may refuse it",
            );
        }
        if self.keep_alive < Duration::from_secs(1) {
            p.error(format!("{key}.keep_alive_secs"), "must be at least 1");
        }
        for (name, secret) in [("username", &self.username), ("password", &self.password)] {
            if let Some(s) = secret
                && let Err(e) = s.resolve()
            {
                p.error(format!("{key}.{name}"), e);
            }
        }
        if self.password.is_some() && self.username.is_none() {
            p.error(
                format!("{key}.password"),
                "set username as well: MQTT sends a password only with a username",
            );
        }
        if let Some(tls) = &self.tls {
            for (name, file) in [
                ("ca_file", &tls.ca_file),
                ("client_cert_file", &tls.client_cert_file),
                ("client_key_file", &tls.client_key_file),
            ] {
                if let Some(f) = file
                    && let Err(e) = std::fs::read(f)
                {
                    p.error(format!("{key}.tls.{name}"), format!("{}: {e}", f.display()));
                }
            }
            if tls.client_cert_file.is_some() != tls.client_key_file.is_some() {
                p.error(
                    format!("{key}.tls"),
                    "client_cert_file and client_key_file go together",
                );
            }
        } else if self.password.is_some() && !is_loopback(&self.host) {
            p.warn(format!("{key}.tls"), "a password to a remote broker without TLS crosses the network in clear; set tls = {}");
        }
        if self.reconnect.initial_ms == 0 {
            p.error(format!("{key}.reconnect.initial_ms"), "must be at least 1");
        }
    }

    /// Reads the secrets and TLS files: what a connection needs that can fail.
    pub fn credentials(&self) -> Result<Credentials, String> {
        let read = |s: &Option<SecretSource>| -> Result<Option<String>, String> {
            s.as_ref()
                .map(|s| s.resolve().map(|v| v.expose().to_string()))
                .transpose()
        };
        let tls = match &self.tls {
            None => None,
            Some(t) => {
                let file = |f: &Option<PathBuf>| -> Result<Option<Vec<u8>>, String> {
                    f.as_ref()
                        .map(|f| std::fs::read(f).map_err(|e| format!("{}: {e}", f.display())))
                        .transpose()
                };
                Some(TlsFiles {
                    ca: file(&t.ca_file)?,
                    client_cert: file(&t.client_cert_file)?,
                    client_key: file(&t.client_key_file)?,
                })
            }
        };
        Ok(Credentials {
            username: read(&self.username)?,
            password: read(&self.password)?,
            tls,
        })
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]")
}

/// Secrets and TLS material, read.
pub struct Credentials {
    /// Username.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// TLS files, when TLS is on.
    pub tls: Option<TlsFiles>,
}

/// TLS files' contents.
pub struct TlsFiles {
    /// CA PEM; `None`: system roots.
    pub ca: Option<Vec<u8>>,
    /// Client certificate PEM.
    pub client_cert: Option<Vec<u8>>,
    /// Client key PEM.
    pub client_key: Option<Vec<u8>>,
}
