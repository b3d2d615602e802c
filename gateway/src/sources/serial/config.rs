//! `[sources.<name>.serial]`: the port, its line settings and the framing.

use super::source::SerialSource;
use crate::common::reconnect::ReconnectConfig;
use crate::config::problems::Problems;
use crate::sources::framing::{Framing, LineEnd};
use crate::sources::{RunningSource, SourceContext, SourceSettings};
use serde::Deserialize;

/// Parity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    /// None (the usual 8N1).
    #[default]
    None,
    /// Odd.
    Odd,
    /// Even.
    Even,
}

/// Flow control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FlowControl {
    /// None.
    #[default]
    None,
    /// XON/XOFF.
    Software,
    /// RTS/CTS.
    Hardware,
}

/// Settings of a serial source.
#[derive(Debug, Clone, Deserialize)]
pub struct SerialSourceConfig {
    /// The port: `/dev/ttyUSB0`, `/dev/serial/by-id/...` (stable across replugs),
    /// or `COM3` on Windows.
    pub port: String,
    /// Baud rate.
    #[serde(default = "default_baud")]
    pub baud_rate: u32,
    /// Data bits: 5, 6, 7 or 8.
    #[serde(default = "default_data_bits")]
    pub data_bits: u8,
    /// Parity: `none`, `odd`, `even`.
    #[serde(default)]
    pub parity: Parity,
    /// Stop bits: 1 or 2.
    #[serde(default = "default_stop_bits")]
    pub stop_bits: u8,
    /// Flow control: `none`, `software`, `hardware`.
    #[serde(default)]
    pub flow_control: FlowControl,
    /// How frames are cut: `line` (default), `stx-etx`, `length-prefix`.
    #[serde(default)]
    pub framing: Framing,
    /// For `framing = "line"`: `lf` (default; CRLF works too), `cr`, `crlf`.
    #[serde(default)]
    pub line_terminator: LineEnd,
    /// The longest frame (bytes); a longer one is quarantined and the stream
    /// goes on.
    #[serde(default = "default_max_frame")]
    pub max_frame_bytes: usize,
    /// Reopen backoff when the device is absent or goes away.
    #[serde(default)]
    pub reconnect: ReconnectConfig,
    /// Content type handed to the adapter (`application/octet-stream` suits
    /// binary frames).
    #[serde(default = "default_content_type")]
    pub content_type: String,
    /// For `bcgw run --until-idle`: idle once no byte has arrived for this long (ms).
    #[serde(default = "default_idle_after")]
    pub idle_after_ms: u64,
}

fn default_baud() -> u32 {
    9600
}
fn default_data_bits() -> u8 {
    8
}
fn default_stop_bits() -> u8 {
    1
}
fn default_max_frame() -> usize {
    4096
}
fn default_content_type() -> String {
    "text/plain".into()
}
fn default_idle_after() -> u64 {
    1000
}

impl SourceSettings for SerialSourceConfig {
    fn resources(&self, _name: &str) -> Vec<crate::config::resources::Resource> {
        vec![crate::config::resources::Resource::SerialPort(
            self.port.clone(),
        )]
    }

    fn check(&self, key: &str, p: &mut Problems) {
        if self.port.trim().is_empty() {
            p.error(format!("{key}.port"), "empty: e.g. /dev/ttyUSB0 or COM3");
        }
        if self.baud_rate == 0 {
            p.error(format!("{key}.baud_rate"), "must be above 0, e.g. 9600");
        }
        if !(5..=8).contains(&self.data_bits) {
            p.error(format!("{key}.data_bits"), "must be 5, 6, 7 or 8");
        }
        if !(1..=2).contains(&self.stop_bits) {
            p.error(format!("{key}.stop_bits"), "must be 1 or 2");
        }
        if self.max_frame_bytes == 0 || self.max_frame_bytes > 16 << 20 {
            p.error(format!("{key}.max_frame_bytes"), "must be 1 byte to 16 MiB");
        }
        if self.framing == Framing::LengthPrefix && self.max_frame_bytes < 3 {
            p.error(
                format!("{key}.max_frame_bytes"),
                "a length-prefixed frame needs at least 3 bytes",
            );
        }
        if self.reconnect.initial_ms == 0 {
            p.error(format!("{key}.reconnect.initial_ms"), "must be at least 1");
        }
    }

    fn build(&self, cx: SourceContext) -> anyhow::Result<RunningSource> {
        let source = SerialSource {
            config: self.clone(),
            cx,
            seq: Default::default(),
        };
        Ok(Box::pin(source.run()))
    }
}
