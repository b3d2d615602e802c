//! A loaded source adapter (`adapter` world) and its sandboxed calls.

use super::bindings::adapter::AdapterPre;
use super::core::PluginCore;
use super::engine::PluginEngine;
use super::error::PluginError;
use super::limits::SandboxLimits;
use super::sandbox::HostState;
use super::trust::Trust;
use bcgw_sdk::convert::Conv;
use bcgw_sdk::plugin::{Payload, RejectedItem};
use bcgw_sdk::schema::Report;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::time::{Duration, Instant};

/// The interface a source adapter must export.
pub const TRANSLATOR_INTERFACE: &str = "bcgw:adapter/translator@1.0.0";

/// What one `translate` call produced.
#[derive(Debug, Clone)]
pub struct Translated {
    /// Reports, in payload order. Not yet validated against the schema.
    pub reports: Vec<Report>,
    /// Items the plugin rejected.
    pub rejects: Vec<RejectedItem>,
    /// What the plugin printed to stdout (capped). May contain personal data.
    pub stdout: String,
    /// What the plugin printed to stderr (capped). May contain personal data.
    pub stderr: String,
    /// Wall time of the call including instantiation.
    pub elapsed: Duration,
}

/// A source adapter plugin, compiled and pre-linked. Each call gets a fresh instance.
pub struct AdapterPlugin {
    core: PluginCore,
    pre: AdapterPre<HostState>,
}

impl std::fmt::Debug for AdapterPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl std::ops::Deref for AdapterPlugin {
    type Target = PluginCore;

    fn deref(&self) -> &PluginCore {
        &self.core
    }
}

impl AdapterPlugin {
    /// Loads, verifies and compiles a plugin, then asks it to describe itself.
    /// `pin` is the SHA-256 from config; a file with another digest is refused.
    pub fn load(
        engine: &PluginEngine,
        path: &Path,
        pin: Option<&str>,
        limits: SandboxLimits,
    ) -> Result<AdapterPlugin, PluginError> {
        Self::load_trusted(engine, path, &Trust::pinned(pin), limits)
    }

    /// [`AdapterPlugin::load`] with the whole trust policy: a pin, or a signature by
    /// one of `trust.keys` ([`super::trust`]).
    pub fn load_trusted(
        engine: &PluginEngine,
        path: &Path,
        trust: &Trust,
        limits: SandboxLimits,
    ) -> Result<AdapterPlugin, PluginError> {
        let (core, pre) = PluginCore::load(
            engine,
            path,
            trust,
            limits,
            TRANSLATOR_INTERFACE,
            AdapterPre::new,
        )?;
        let mut plugin = AdapterPlugin { core, pre };
        let info = plugin.core.call(Utc::now(), &[], |store| {
            plugin
                .pre
                .instantiate(&mut *store)?
                .bcgw_adapter_translator()
                .call_describe(store)
        })?;
        plugin.core.set_info(info.value.conv());
        Ok(plugin)
    }

    /// Creates one sandboxed instance and drops it without calling anything: a
    /// health check for a loaded plugin, and the fixed cost every payload pays.
    pub fn instantiate_probe(&self) -> Result<(), PluginError> {
        self.core
            .call(Utc::now(), &[], |store| {
                self.pre.instantiate(store).map(drop)
            })
            .map(|_| ())
    }

    /// Asks the plugin whether `config` (JSON text) is a configuration it accepts.
    pub fn validate_config(&self, config: &str) -> Result<(), PluginError> {
        let out = self.core.call(Utc::now(), config.as_bytes(), |store| {
            self.pre
                .instantiate(&mut *store)?
                .bcgw_adapter_translator()
                .call_validate_config(store, config)
        })?;
        out.value.map_err(|e| self.core.refused(e.conv()))
    }

    /// Translates one payload in a fresh sandboxed instance. `received_at` is what
    /// the plugin's clock reads; the payload's digest seeds its randomness.
    pub fn translate(
        &self,
        payload: Payload,
        received_at: DateTime<Utc>,
    ) -> Result<Translated, PluginError> {
        let started = Instant::now();
        let seed = super::sha256_hex(&payload.bytes);
        let wit_payload = payload.conv();
        let out = self.core.call(received_at, seed.as_bytes(), |store| {
            self.pre
                .instantiate(&mut *store)?
                .bcgw_adapter_translator()
                .call_translate(store, &wit_payload)
        })?;
        let translation = out.value.map_err(|e| self.core.refused(e.conv()))?;
        let limits = &self.core.limits;
        if translation.reports.len() > limits.max_records {
            return Err(self.output_cap(format!(
                "{} reports returned, limits.max_records is {}",
                translation.reports.len(),
                limits.max_records
            )));
        }
        if translation.rejects.len() > limits.max_records {
            return Err(self.output_cap(format!(
                "{} rejects returned, limits.max_records is {}",
                translation.rejects.len(),
                limits.max_records
            )));
        }
        let mut translation: bcgw_sdk::plugin::Translation = translation.conv();
        super::caps::cap_rejects(&mut translation.rejects);
        // Rejects are stored too (as quarantine entries): they count.
        let reports = json_size(&translation.reports, limits.max_output_bytes);
        let rejects = json_size(
            &translation.rejects,
            limits.max_output_bytes.saturating_sub(reports),
        );
        if reports.saturating_add(rejects) > limits.max_output_bytes {
            return Err(self.output_cap(format!(
                "more than {} bytes of reports and rejects returned (limits.max_output_bytes)",
                limits.max_output_bytes
            )));
        }
        Ok(Translated {
            reports: translation.reports,
            rejects: translation.rejects,
            stdout: out.stdout,
            stderr: out.stderr,
            elapsed: started.elapsed(),
        })
    }

    fn output_cap(&self, what: String) -> PluginError {
        PluginError::OutputCap {
            plugin: self.name_version(),
            what,
        }
    }
}

/// Bytes the values take as JSON, counting no further than just past `limit`.
pub(crate) fn json_size<T: serde::Serialize>(values: &[T], limit: usize) -> usize {
    struct Counter {
        n: usize,
        limit: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.n += buf.len();
            if self.n > self.limit {
                // Stop serialising early: the cap is already exceeded.
                return Err(std::io::Error::other("over the output cap"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter { n: 0, limit };
    for v in values {
        if serde_json::to_writer(&mut counter, v).is_err() {
            break;
        }
    }
    counter.n
}
