//! What passes between the host and a plugin, besides the schema itself.
//!
//! Each type mirrors a record or variant in `sdk/wit/plugin.wit`.

use crate::schema::{Report, SourceRecord};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One raw payload as a source received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Payload {
    /// The raw bytes, exactly as received.
    pub bytes: Vec<u8>,
    /// Its media type, e.g. `text/csv`.
    pub content_type: String,
    /// The configured source name, e.g. `tesco-exports`.
    pub source: String,
    /// What the source knows about it: `file-name`, `mqtt-topic`, `first-line`,
    /// `received-at`... Keys are lower-kebab-case; see [`metadata_keys`].
    pub metadata: Vec<(String, String)>,
    /// The plugin's own configuration from the gateway config, as JSON text.
    pub config: String,
}

impl Payload {
    /// The media type without parameters, lower-cased: `text/csv` for
    /// `Text/CSV; charset=windows-1252`.
    pub fn media_type(&self) -> String {
        self.content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }

    /// The value of a metadata key, if the source set it.
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Metadata keys the gateway's sources set on payloads.
pub mod metadata_keys {
    /// The file the payload came from (CSV folder source), without directories.
    pub const FILE_NAME: &str = "file-name";
    /// The 1-based line number in the original file of the payload's first line. A
    /// large file is split into several payloads; each repeats the header line, and
    /// this says where its first *data* line sat in the file (the header is line 1).
    pub const FIRST_LINE: &str = "first-line";
    /// When the gateway received the payload, RFC 3339 UTC.
    pub const RECEIVED_AT: &str = "received-at";
    /// The MQTT topic the payload was published on.
    pub const MQTT_TOPIC: &str = "mqtt-topic";
    /// The QoS the MQTT message was delivered with (`0`, `1` or `2`).
    pub const MQTT_QOS: &str = "mqtt-qos";
    /// `true` when the broker delivered a retained copy of the message.
    pub const MQTT_RETAIN: &str = "mqtt-retain";
    /// Prefix of MQTT 5 user properties: `mqtt-property:sent-at` holds the value of
    /// the user property `sent-at`.
    pub const MQTT_PROPERTY_PREFIX: &str = "mqtt-property:";
    /// The serial port a frame was read from (`/dev/ttyUSB0`, `COM3`).
    pub const SERIAL_PORT: &str = "serial-port";
    /// How a serial frame was cut from the byte stream (`line`, `stx-etx`,
    /// `length-prefix`).
    pub const SERIAL_FRAMING: &str = "serial-framing";
}

/// A field that is present but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field (column, JSON path...) as the source names it.
    pub field: String,
    /// Why it cannot be used. Must not repeat the value: it may be personal data.
    pub reason: String,
}

/// Why a plugin could not translate a payload or one item of it.
///
/// A plugin reports bad input with these and never panics on it; panics and traps are
/// for bugs and exhausted limits, and the host reports those itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum AdapterError {
    /// The bytes are not in the format this plugin reads (bad CSV quoting, not JSON...).
    #[error("malformed input: {0}")]
    Malformed(String),
    /// A field the plugin needs is absent; the payload names it.
    #[error("missing field: {0}")]
    MissingField(String),
    /// A field is present but its value cannot be used.
    #[error("invalid field {}: {}", .0.field, .0.reason)]
    InvalidField(FieldError),
    /// The content type is not one this plugin handles.
    #[error("unsupported content type: {0}")]
    UnsupportedContentType(String),
    /// The plugin's configuration is wrong; the message names the key and what to do.
    #[error("bad plugin config: {0}")]
    BadConfig(String),
    /// Anything else; the message says what.
    #[error("{0}")]
    Other(String),
}

impl AdapterError {
    /// A short stable name for the kind of error (`malformed`, `invalid-field`...).
    pub fn kind(&self) -> &'static str {
        match self {
            AdapterError::Malformed(_) => "malformed",
            AdapterError::MissingField(_) => "missing-field",
            AdapterError::InvalidField(_) => "invalid-field",
            AdapterError::UnsupportedContentType(_) => "unsupported-content-type",
            AdapterError::BadConfig(_) => "bad-config",
            AdapterError::Other(_) => "other",
        }
    }

    /// Shorthand for [`AdapterError::InvalidField`].
    pub fn invalid_field(field: impl Into<String>, reason: impl Into<String>) -> AdapterError {
        AdapterError::InvalidField(FieldError {
            field: field.into(),
            reason: reason.into(),
        })
    }
}

/// One item of a payload that could not be translated. The other items still are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedItem {
    /// 0-based position of the item in the payload (e.g. data row index).
    pub index: u32,
    /// 1-based line number where the item starts, for text formats.
    pub line: Option<u32>,
    /// Why it was rejected.
    pub error: AdapterError,
}

/// The result of translating a payload: the good items and the rejected ones.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Translation {
    /// Reports translated from the payload, in payload order.
    pub reports: Vec<Report>,
    /// Items that could not be translated.
    pub rejects: Vec<RejectedItem>,
}

/// A configuration key a plugin understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKey {
    /// The key, e.g. `columns`.
    pub name: String,
    /// What it does and what values it takes.
    pub description: String,
    /// Whether the plugin refuses to run without it.
    pub required: bool,
}

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PluginInfo {
    /// Short name, e.g. `csv-mapped`.
    pub name: String,
    /// The plugin's own version (semver).
    pub version: String,
    /// One sentence on what it translates or renders.
    pub description: String,
    /// The source systems it reads, or the targets it renders.
    pub systems: Vec<String>,
    /// The content types it accepts or produces.
    pub content_types: Vec<String>,
    /// The configuration keys it reads.
    pub config_keys: Vec<ConfigKey>,
}

/// One incident: the reports that describe it, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The gateway's stable incident id; also the idempotency key downstream.
    pub incident_id: String,
    /// The reports linked into this incident, first-received first.
    pub reports: Vec<SourceRecord>,
}

/// A rendered submission, ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Submission {
    /// Media type of `body`, e.g. `application/xml`.
    pub content_type: String,
    /// The bytes to send or write.
    pub body: Vec<u8>,
}

/// Configuration for a plugin that reads none: an empty table, and no keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoConfig {}

/// Parses a plugin's configuration (the JSON of its `plugin_config` table) into
/// its `Config` type, as the SDK does once per call before handing it over. A
/// failure is [`AdapterError::BadConfig`] naming the key path, e.g.
/// `columns.Date: invalid type: integer, expected a string`.
pub fn parse_config<C: DeserializeOwned>(json: &str) -> Result<C, AdapterError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde_json says where in the JSON text; the path says it better.
        let message = match message.rfind(" at line ") {
            Some(at) => message[..at].to_string(),
            None => message,
        };
        AdapterError::BadConfig(if path == "." {
            message
        } else {
            format!("{path}: {message}")
        })
    })
}

/// A source adapter: turns raw payloads of one channel into common-schema reports.
///
/// Implement this, then export it with [`export_adapter!`](crate::export_adapter).
/// Each call gets a fresh plugin instance, so keep no state between calls.
pub trait Adapter {
    /// The plugin's configuration: its `plugin_config` table. The SDK parses it
    /// once per call ([`parse_config`]; a failure is `bad-config` naming the key)
    /// and hands it to [`Adapter::translate`]. [`NoConfig`] for none.
    type Config: DeserializeOwned;

    /// Says what the adapter is.
    fn describe() -> PluginInfo;

    /// Checks a parsed configuration further (values that parse but cannot be
    /// used). `bcgw check-config` and the gateway's start-up run it, after the
    /// parse. The default: parsing is the whole check.
    fn check_config(config: Self::Config) -> Result<(), AdapterError> {
        let _ = config;
        Ok(())
    }

    /// Translates one payload. Return `Err` only when the whole payload is unusable;
    /// put per-item problems in [`Translation::rejects`] so the good items still flow.
    fn translate(payload: Payload, config: Self::Config) -> Result<Translation, AdapterError>;
}

/// A sink renderer: turns one incident into a submission for a records system such as Niche.
///
/// Implement this, then export it with [`export_renderer!`](crate::export_renderer).
pub trait Renderer {
    /// The renderer's configuration, parsed once per call as for
    /// [`Adapter::Config`].
    type Config: DeserializeOwned;

    /// Says what the renderer is.
    fn describe() -> PluginInfo;

    /// Checks a parsed configuration further; see [`Adapter::check_config`].
    fn check_config(config: Self::Config) -> Result<(), AdapterError> {
        let _ = config;
        Ok(())
    }

    /// Renders one incident with its configuration.
    fn render(incident: Incident, config: Self::Config) -> Result<Submission, AdapterError>;
}

/// `validate-config` for an adapter: the parse, then [`Adapter::check_config`].
pub fn validate_adapter_config<A: Adapter>(json: &str) -> Result<(), AdapterError> {
    A::check_config(parse_config(json)?)
}

/// `validate-config` for a renderer: the parse, then [`Renderer::check_config`].
pub fn validate_renderer_config<R: Renderer>(json: &str) -> Result<(), AdapterError> {
    R::check_config(parse_config(json)?)
}

/// `translate` as the gateway calls it: the payload's config parsed, then the
/// adapter.
pub fn translate_with_config<A: Adapter>(payload: Payload) -> Result<Translation, AdapterError> {
    let config = parse_config(&payload.config)?;
    A::translate(payload, config)
}

/// `render` as the gateway calls it: the config parsed, then the renderer.
pub fn render_with_config<R: Renderer>(
    incident: Incident,
    config: &str,
) -> Result<Submission, AdapterError> {
    R::render(incident, parse_config(config)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Columns {
        columns: std::collections::BTreeMap<String, String>,
        #[serde(default)]
        strict: bool,
    }

    /// Counts its calls, to show the config reaches it parsed, once.
    struct Echo;
    impl Adapter for Echo {
        type Config = Columns;
        fn describe() -> PluginInfo {
            PluginInfo::default()
        }
        fn check_config(config: Columns) -> Result<(), AdapterError> {
            if config.columns.is_empty() {
                return Err(AdapterError::BadConfig("columns: map at least one".into()));
            }
            Ok(())
        }
        fn translate(payload: Payload, config: Columns) -> Result<Translation, AdapterError> {
            let mut r = Report::default();
            r.event.narrative = Some(format!(
                "{} column(s), strict {}, {} bytes",
                config.columns.len(),
                config.strict,
                payload.bytes.len()
            ));
            Ok(Translation {
                reports: vec![r],
                rejects: vec![],
            })
        }
    }

    #[test]
    fn a_config_error_is_bad_config_naming_the_key_without_a_json_position() {
        let e = parse_config::<Columns>(r#"{"columns": {"Date": 7}}"#).unwrap_err();
        assert_eq!(e.kind(), "bad-config");
        let text = e.to_string();
        assert!(
            text.contains("columns.Date: invalid type: integer"),
            "{text}"
        );
        assert!(!text.contains("at line"), "{text}");
        let e = parse_config::<Columns>(r#"{"columns": {}, "colums": 1}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `colums`"), "{e}");
        let e = parse_config::<NoConfig>(r#"{"anything": 1}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `anything`"), "{e}");
        parse_config::<NoConfig>("{}").unwrap();
    }

    #[test]
    fn validate_is_the_parse_then_the_check_and_translate_gets_the_parsed_config() {
        assert!(validate_adapter_config::<Echo>(r#"{"columns": {"A": "town"}}"#).is_ok());
        let e = validate_adapter_config::<Echo>(r#"{"columns": {}}"#).unwrap_err();
        assert!(e.to_string().contains("map at least one"), "{e}");
        let e = validate_adapter_config::<Echo>("[]").unwrap_err();
        assert_eq!(e.kind(), "bad-config");
        let out = translate_with_config::<Echo>(Payload {
            bytes: b"abc".to_vec(),
            config: r#"{"columns": {"A": "town", "B": "postcode"}, "strict": true}"#.into(),
            ..Payload::default()
        })
        .unwrap();
        assert_eq!(
            out.reports[0].event.narrative.as_deref(),
            Some("2 column(s), strict true, 3 bytes")
        );
        let e = translate_with_config::<Echo>(Payload {
            config: "not json".into(),
            ..Payload::default()
        })
        .unwrap_err();
        assert_eq!(e.kind(), "bad-config");
    }
}
