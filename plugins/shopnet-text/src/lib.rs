//! `shopnet-text`: plain-text ShopNet radio alerts, one per line, as serial-port and
//! MQTT radio bridges pass them on (`ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE
//! THEFT :: took razors`). The text is parsed by `bcgw-radio-text` from
//! configuration alone; see `plugins/shopnet-text/README.md`.

use bcgw_radio_text::{AlertConfig, AlertParser, config_keys, translate_lines};
use bcgw_sdk::prelude::*;

/// The adapter. See the crate docs and `plugins/shopnet-text/README.md`.
pub struct ShopnetText;

impl Adapter for ShopnetText {
    type Config = AlertConfig;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "shopnet-text".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "Translates plain-text ShopNet radio alerts, one per line, into alert reports."
                    .into(),
            systems: vec!["shopnet-radio".into()],
            // Bridges label payloads inconsistently; any content type is read as text.
            content_types: vec!["text/plain".into(), "application/octet-stream".into()],
            config_keys: config_keys(),
        }
    }

    fn check_config(config: AlertConfig) -> Result<(), AdapterError> {
        AlertParser::from_config(config).map(|_| ())
    }

    fn translate(payload: Payload, config: AlertConfig) -> Result<Translation, AdapterError> {
        let parser = AlertParser::from_config(config)?;
        translate_lines(&parser, &payload)
    }
}

bcgw_sdk::export_adapter!(ShopnetText);

#[cfg(test)]
mod tests;
