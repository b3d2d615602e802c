//! `mototrbo-tms`: MOTOTRBO text messages (UDP port 4007) carrying ShopNet radio
//! alerts. Each frame of the payload is cut and its UTF-16 text decoded (byte order
//! from a byte-order mark, config or a guess), then parsed by `bcgw-radio-text` with
//! the same keys as `shopnet-text`. Frames follow the TMS layout bridges send
//! ([`tms`]) or the simplified one an earlier DESIGN.md gave ([`frame`] says which
//! is read when); acknowledgements and control messages are protocol traffic and
//! give neither a report nor a reject. See `plugins/mototrbo-tms/README.md`.

pub mod address;
pub mod frame;
pub mod tms;

use bcgw_radio_text::utf16::{self, ByteOrder};
use bcgw_radio_text::{ConfigTable, config_keys, optional_key, split_config, translate_items};
use bcgw_sdk::prelude::*;
use frame::{Frame, Kind};
use serde::Deserialize;

/// Default for `max_frame_bytes`: a MOTOTRBO text message holds at most a few hundred
/// characters, so a longer frame is a framing error rather than an alert.
pub const DEFAULT_MAX_FRAME_BYTES: u32 = 1024;

/// The frame keys, beside the text keys of `bcgw-radio-text` in the same table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameConfig {
    /// `auto` (default: byte-order mark, else guessed), `le` or `be`, for text without a BOM.
    #[serde(default)]
    pub byte_order: ByteOrder,
    /// Largest frame accepted, as its length field counts (default 1024).
    #[serde(default)]
    pub max_frame_bytes: Option<u32>,
}

/// The keys [`FrameConfig`] reads.
const FRAME_KEYS: [&str; 2] = ["byte_order", "max_frame_bytes"];

/// The adapter. See the crate docs.
pub struct MototrboTms;

impl Adapter for MototrboTms {
    type Config = ConfigTable;

    fn describe() -> PluginInfo {
        let mut config_keys = config_keys();
        config_keys.push(optional_key(
            "byte_order",
            "auto | le | be: UTF-16 byte order when the text has no byte-order mark (default auto)",
        ));
        config_keys.push(optional_key(
            "max_frame_bytes",
            "largest frame accepted, as its length field counts (default 1024)",
        ));
        PluginInfo {
            name: "mototrbo-tms".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "Translates MOTOTRBO text-message frames carrying radio alerts into alert reports."
                    .into(),
            systems: vec!["shopnet-radio".into(), "mototrbo".into()],
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
                Ok(f) if f.kind != Kind::Text => None,
                Ok(f) => Some((i, alert(&f, frame_config.byte_order))),
            });
        Ok(translate_items(&parser, &receipt, items))
    }
}

/// A text frame's decoded text and the extensions it adds to its report.
fn alert(
    f: &Frame<'_>,
    byte_order: ByteOrder,
) -> Result<(String, Vec<(String, String)>), AdapterError> {
    let (text, order) = utf16::decode(f.text, byte_order)
        .map_err(|why| AdapterError::invalid_field("text", why))?;
    let mut extensions = Vec::new();
    let mut add = |key: &str, value: String| extensions.push((key.to_string(), value));
    if let Some(id) = f.message_id {
        add("mototrbo-message-id", id.to_string());
    }
    add("mototrbo-ack-wanted", f.ack_wanted().to_string());
    add(
        "utf16-byte-order",
        if order == ByteOrder::Be { "be" } else { "le" }.to_string(),
    );
    if let Some(sequence) = f.sequence {
        add("tms-sequence", sequence.to_string());
    }
    if !f.address.is_empty() {
        add("tms-address", address::shown(f.address));
    }
    if let Some(id) = address::radio_id(f.address) {
        add("radio-id", id.to_string());
    }
    Ok((text, extensions))
}

bcgw_sdk::export_adapter!(MototrboTms);

#[cfg(test)]
mod tests;
