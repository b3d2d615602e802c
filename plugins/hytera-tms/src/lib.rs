//! `hytera-tms`: Hytera text messages carrying ShopNet radio alerts. Each frame of
//! the payload is cut, its UTF-16LE text decoded and parsed by `bcgw-radio-text` with
//! the same keys as `shopnet-text`; the sender's radio id (`radio-id`), the other
//! ids and the service type go into extensions. Frames follow the publicly described
//! TMP layout ([`tmp`]) or the simplified one an earlier DESIGN.md gave
//! ([`simplified`]); [`frame`] says which is read when. Acknowledgements are
//! protocol traffic and give neither a report nor a reject. See
//! `plugins/hytera-tms/README.md`.

pub mod frame;
pub mod simplified;
pub mod tmp;

use bcgw_radio_text::utf16::{self, ByteOrder};
use bcgw_radio_text::{ConfigTable, config_keys, optional_key, split_config, translate_items};
use bcgw_sdk::prelude::*;
use frame::{Frame, Message};
use serde::Deserialize;

/// Default for `max_frame_bytes`: a text message holds at most a few hundred
/// characters, so a longer frame is a framing error rather than an alert.
pub const DEFAULT_MAX_FRAME_BYTES: u32 = 1024;

/// The frame keys, beside the text keys of `bcgw-radio-text` in the same table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameConfig {
    /// Largest frame accepted, header and terminator included (default 1024).
    #[serde(default)]
    pub max_frame_bytes: Option<u32>,
}

/// The keys [`FrameConfig`] reads.
const FRAME_KEYS: [&str; 1] = ["max_frame_bytes"];

/// The adapter. See the crate docs.
pub struct HyteraTms;

impl Adapter for HyteraTms {
    type Config = ConfigTable;

    fn describe() -> PluginInfo {
        let mut config_keys = config_keys();
        config_keys.push(optional_key(
            "max_frame_bytes",
            "largest frame accepted, header and terminator included (default 1024)",
        ));
        PluginInfo {
            name: "hytera-tms".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "Translates Hytera text-message frames carrying radio alerts into alert reports."
                    .into(),
            systems: vec!["shopnet-radio".into(), "hytera".into()],
            content_types: vec!["application/octet-stream".into()],
            config_keys,
        }
    }

    fn check_config(config: ConfigTable) -> Result<(), AdapterError> {
        split_config::<FrameConfig>(config, &FRAME_KEYS).map(|_| ())
    }

    fn translate(payload: Payload, config: ConfigTable) -> Result<Translation, AdapterError> {
        let (frame_config, parser) = split_config::<FrameConfig>(config, &FRAME_KEYS)?;
        let receipt = parser.receipt(&payload)?;
        let max = frame_config
            .max_frame_bytes
            .unwrap_or(DEFAULT_MAX_FRAME_BYTES);
        let items = frame::frames(&payload.bytes, max as usize)
            .into_iter()
            .enumerate()
            .filter_map(|(i, cut)| match cut {
                Err(e) => Some((i, Err(AdapterError::Malformed(e.reason)))),
                Ok(Frame::Acknowledgement) => None,
                Ok(Frame::Message(m)) => Some((i, alert(&m))),
            });
        Ok(translate_items(&parser, &receipt, items))
    }
}

/// A message's decoded text and the extensions it adds to its report.
fn alert(m: &Message<'_>) -> Result<(String, Vec<(String, String)>), AdapterError> {
    let (text, _) = utf16::decode(m.text, ByteOrder::Le)
        .map_err(|why| AdapterError::invalid_field("text", why))?;
    let extensions = [
        ("hytera-service-type", m.service.name().to_string()),
        ("radio-request-id", m.request_id.to_string()),
        ("radio-source-id", m.source_id.to_string()),
        ("radio-destination-id", m.destination_id.to_string()),
        ("radio-id", m.source_id.to_string()),
        ("hytera-ack-wanted", m.ack_wanted.to_string()),
    ];
    let extensions = extensions
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect();
    Ok((text, extensions))
}

bcgw_sdk::export_adapter!(HyteraTms);

#[cfg(test)]
mod tests;
