//! A native test harness: run adapter logic in plain `cargo test`, without WASM.
//!
//! The harness calls your [`Adapter`] directly and then applies the same schema
//! validation the gateway applies to what a plugin returns, so a report the gateway
//! would quarantine fails here first.
//!
//! ```
//! use bcgw_sdk::prelude::*;
//! use bcgw_sdk::harness::Harness;
//!
//! struct OneLine;
//! impl Adapter for OneLine {
//!     type Config = NoConfig;
//!     fn describe() -> PluginInfo {
//!         PluginInfo { name: "one-line".into(), version: "0.1.0".into(), ..Default::default() }
//!     }
//!     fn translate(payload: Payload, _: NoConfig) -> Result<Translation, AdapterError> {
//!         let text = String::from_utf8(payload.bytes).map_err(|_| AdapterError::Malformed("not UTF-8".into()))?;
//!         let mut report = Report { source_system: "demo".into(), ..Default::default() };
//!         report.event.narrative = Some(text);
//!         Ok(Translation { reports: vec![report], rejects: vec![] })
//!     }
//! }
//!
//! let out = Harness::new().translate::<OneLine>(b"hello", "text/plain").unwrap();
//! out.assert_valid();
//! assert_eq!(out.reports[0].event.narrative.as_deref(), Some("hello"));
//! ```

use crate::plugin::{Adapter, AdapterError, Payload, RejectedItem, translate_with_config};
use crate::schema::{Report, SchemaViolation, validate_report};
use chrono::{DateTime, Utc};

/// Builds payloads for an adapter under test and checks what it returns.
#[derive(Debug, Clone)]
pub struct Harness {
    source: String,
    config: String,
    metadata: Vec<(String, String)>,
    received_at: DateTime<Utc>,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    /// A harness with source `test-source`, an empty JSON object as config and the
    /// current time as the moment of receipt.
    pub fn new() -> Harness {
        Harness {
            source: "test-source".into(),
            config: "{}".into(),
            metadata: Vec::new(),
            received_at: std::time::SystemTime::now().into(),
        }
    }

    /// Sets the plugin config from a JSON value.
    pub fn config(mut self, config: serde_json::Value) -> Harness {
        self.config = config.to_string();
        self
    }

    /// Sets the plugin config from JSON text, passed through unchanged.
    pub fn config_json(mut self, config: impl Into<String>) -> Harness {
        self.config = config.into();
        self
    }

    /// Sets the configured source name.
    pub fn source(mut self, source: impl Into<String>) -> Harness {
        self.source = source.into();
        self
    }

    /// Adds a metadata entry, as a gateway source would.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Harness {
        self.metadata.push((key.into(), value.into()));
        self
    }

    /// Sets the moment of receipt used for validation (event times may not be later).
    pub fn received_at(mut self, at: DateTime<Utc>) -> Harness {
        self.received_at = at;
        self
    }

    /// The payload the harness would hand to a plugin for these bytes.
    pub fn payload(&self, bytes: &[u8], content_type: &str) -> Payload {
        let mut metadata = self.metadata.clone();
        metadata.push((
            crate::plugin::metadata_keys::RECEIVED_AT.into(),
            self.received_at.to_rfc3339(),
        ));
        Payload {
            bytes: bytes.to_vec(),
            content_type: content_type.into(),
            source: self.source.clone(),
            metadata,
            config: self.config.clone(),
        }
    }

    /// Translates `bytes` with adapter `A` and validates every report it returns.
    pub fn translate<A: Adapter>(
        &self,
        bytes: &[u8],
        content_type: &str,
    ) -> Result<Checked, AdapterError> {
        // As the gateway calls it: the config parsed by the SDK, then the adapter.
        let translation = translate_with_config::<A>(self.payload(bytes, content_type))?;
        let violations = translation
            .reports
            .iter()
            .enumerate()
            .map(|(i, r)| (i, validate_report(r, self.received_at)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Ok(Checked {
            reports: translation.reports,
            rejects: translation.rejects,
            violations,
        })
    }
}

/// What an adapter returned, with the schema violations the gateway would find.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Reports the adapter translated.
    pub reports: Vec<Report>,
    /// Items the adapter rejected.
    pub rejects: Vec<RejectedItem>,
    /// For each report (by position) that breaks schema rules, the rules it breaks.
    pub violations: Vec<(usize, Vec<SchemaViolation>)>,
}

impl Checked {
    /// Panics, listing the violations, if any report breaks a schema rule.
    pub fn assert_valid(&self) {
        assert!(
            self.violations.is_empty(),
            "reports break schema rules: {:?}",
            self.violations
        );
    }
}
