//! A loaded source adapter and the sandboxed call of its exports.

use super::bindings::adapter::{Adapter, AdapterPre};
use super::engine::{PluginEngine, deadline_ticks};
use super::error::PluginError;
use super::limits::SandboxLimits;
use super::sandbox::HostState;
use bcgw_sdk::convert::Conv;
use bcgw_sdk::plugin::{Payload, PluginInfo, RejectedItem};
use bcgw_sdk::schema::Report;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmtime::{Store, Trap};

/// The interface a source adapter must export.
pub const TRANSLATOR_INTERFACE: &str = "bcgw:adapter/translator@1.0.0";

/// Most stderr carried into a trap error: enough for a panic message and location.
const STDERR_TAIL_BYTES: usize = 2048;

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
    engine: PluginEngine,
    pre: AdapterPre<HostState>,
    path: PathBuf,
    sha256: String,
    wit_version: String,
    info: PluginInfo,
    limits: SandboxLimits,
}

impl std::fmt::Debug for AdapterPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdapterPlugin")
            .field("plugin", &self.name_version())
            .field("path", &self.path)
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// The version part of the first export whose name starts with `interface@`.
fn exported_version(
    component: &wasmtime::component::Component,
    engine: &wasmtime::Engine,
    interface: &str,
) -> Option<String> {
    let prefix = format!("{}@", interface.split('@').next().unwrap_or(interface));
    component
        .component_type()
        .exports(engine)
        .find_map(|(name, _)| name.strip_prefix(&prefix).map(str::to_owned))
}

/// Reads a plugin file and checks its SHA-256 against the pin, if one is given.
pub(crate) fn read_pinned(
    path: &Path,
    pin: Option<&str>,
) -> Result<(Vec<u8>, String), PluginError> {
    let wasm = std::fs::read(path).map_err(|source| PluginError::Read {
        path: path.to_owned(),
        source,
    })?;
    let sha256 = super::sha256_hex(&wasm);
    if let Some(expected) = pin
        && !expected.trim().eq_ignore_ascii_case(&sha256)
    {
        return Err(PluginError::ShaMismatch {
            path: path.to_owned(),
            expected: expected.trim().to_ascii_lowercase(),
            actual: sha256,
        });
    }
    Ok((wasm, sha256))
}

impl AdapterPlugin {
    /// Loads, verifies and compiles a plugin, then asks it to describe itself.
    ///
    /// `pin` is the SHA-256 from config; a file with another digest is refused.
    pub fn load(
        engine: &PluginEngine,
        path: &Path,
        pin: Option<&str>,
        limits: SandboxLimits,
    ) -> Result<AdapterPlugin, PluginError> {
        if limits.memory_bytes > engine.max_memory_bytes() {
            return Err(PluginError::Engine(format!(
                "limits.memory_bytes {} for {} is above the engine's slot size {}; raise plugins.max_memory_bytes",
                limits.memory_bytes,
                path.display(),
                engine.max_memory_bytes()
            )));
        }
        let (wasm, sha256) = read_pinned(path, pin)?;
        let component = engine
            .component(&wasm, &sha256)
            .map_err(|e| PluginError::Compile {
                path: path.to_owned(),
                reason: format!("{e:#}"),
            })?;
        let wrong_world = |e: wasmtime::Error| PluginError::WrongWorld {
            path: path.to_owned(),
            expected: TRANSLATOR_INTERFACE,
            reason: format!("{e:#}"),
        };
        let wit_version = exported_version(&component, engine.engine(), TRANSLATOR_INTERFACE)
            .unwrap_or_else(|| "unknown".into());
        let instance_pre = engine
            .linker()
            .instantiate_pre(&component)
            .map_err(wrong_world)?;
        let pre = AdapterPre::new(instance_pre).map_err(wrong_world)?;
        let mut plugin = AdapterPlugin {
            engine: engine.clone(),
            pre,
            path: path.to_owned(),
            sha256,
            wit_version,
            info: PluginInfo::default(),
            limits,
        };
        plugin.info = plugin.describe()?;
        Ok(plugin)
    }

    /// What the plugin says about itself.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// SHA-256 of the plugin file, hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The WIT package version of the interface it exports, e.g. `1.0.0`.
    pub fn wit_version(&self) -> &str {
        &self.wit_version
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The limits its calls run under.
    pub fn limits(&self) -> &SandboxLimits {
        &self.limits
    }

    /// `name@version`, as recorded in envelopes and quarantine entries.
    pub fn name_version(&self) -> String {
        if self.info.name.is_empty() {
            format!("{}@unknown", self.path.display())
        } else {
            format!("{}@{}", self.info.name, self.info.version)
        }
    }

    fn describe(&self) -> Result<PluginInfo, PluginError> {
        let (info, _, _) = self.call(Utc::now(), &[], |a, store| {
            a.bcgw_adapter_translator().call_describe(store)
        })?;
        Ok(info.conv())
    }

    /// Asks the plugin whether `config` (JSON text) is a configuration it accepts.
    pub fn validate_config(&self, config: &str) -> Result<(), PluginError> {
        let (result, _, _) = self.call(Utc::now(), config.as_bytes(), |a, store| {
            a.bcgw_adapter_translator()
                .call_validate_config(store, config)
        })?;
        result.map_err(|e| PluginError::Adapter {
            plugin: self.name_version(),
            error: e.conv(),
        })
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
        let (result, stdout, stderr) = self.call(received_at, seed.as_bytes(), |a, store| {
            a.bcgw_adapter_translator()
                .call_translate(store, &wit_payload)
        })?;
        let translation = result.map_err(|e| PluginError::Adapter {
            plugin: self.name_version(),
            error: e.conv(),
        })?;
        if translation.reports.len() > self.limits.max_records {
            return Err(self.output_cap(format!(
                "{} reports returned, limits.max_records is {}",
                translation.reports.len(),
                self.limits.max_records
            )));
        }
        let translation: bcgw_sdk::plugin::Translation = translation.conv();
        let size = output_size(&translation.reports, self.limits.max_output_bytes);
        if size > self.limits.max_output_bytes {
            return Err(self.output_cap(format!(
                "more than {} bytes of reports returned (limits.max_output_bytes)",
                self.limits.max_output_bytes
            )));
        }
        Ok(Translated {
            reports: translation.reports,
            rejects: translation.rejects,
            stdout,
            stderr,
            elapsed: started.elapsed(),
        })
    }

    fn output_cap(&self, what: String) -> PluginError {
        PluginError::OutputCap {
            plugin: self.name_version(),
            what,
        }
    }

    /// Runs `f` against a fresh instance under the sandbox limits, mapping traps to
    /// specific errors. Returns the result with captured stdout and stderr.
    fn call<R>(
        &self,
        now: DateTime<Utc>,
        seed: &[u8],
        f: impl FnOnce(&Adapter, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<(R, String, String), PluginError> {
        let mut store = Store::new(
            self.engine.engine(),
            HostState::new(&self.limits, now, seed),
        );
        store.limiter(|s| &mut s.limiter);
        store.set_epoch_deadline(deadline_ticks(self.limits.deadline()));
        store.epoch_deadline_trap();
        let outcome = self
            .pre
            .instantiate(&mut store)
            .and_then(|adapter| f(&adapter, &mut store));
        let state = store.into_data();
        let (stdout, _) = state.stdout.contents();
        let (stderr, _) = state.stderr.contents();
        if !stderr.is_empty() || !stdout.is_empty() {
            // Plugin output may contain personal data: debug level only, and the
            // `bcgw::plugin_output` target lets operators keep it off entirely.
            tracing::debug!(target: "bcgw::plugin_output", plugin = %self.name_version(), stdout = %stdout, stderr = %stderr);
        }
        match outcome {
            Ok(r) => Ok((r, stdout, stderr)),
            Err(e) => Err(self.classify(e, &state.limiter, &stderr)),
        }
    }

    fn classify(
        &self,
        err: wasmtime::Error,
        limiter: &super::limits::MemoryLimiter,
        stderr: &str,
    ) -> PluginError {
        let plugin = self.name_version();
        if let Some(requested) = limiter.refused {
            return PluginError::MemoryCap {
                plugin,
                requested,
                cap: self.limits.memory_bytes,
            };
        }
        if matches!(err.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
            return PluginError::DeadlineExceeded {
                plugin,
                deadline_ms: self.limits.deadline_ms,
            };
        }
        let tail_start = stderr.len().saturating_sub(STDERR_TAIL_BYTES);
        let tail_start = (tail_start..stderr.len())
            .find(|&i| stderr.is_char_boundary(i))
            .unwrap_or(stderr.len());
        PluginError::Trap {
            plugin,
            message: format!("{err:#}"),
            stderr: stderr[tail_start..].to_string(),
        }
    }
}

/// Bytes the reports take as stored JSON, counting no further than just past `limit`.
fn output_size(reports: &[Report], limit: usize) -> usize {
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
    for r in reports {
        if serde_json::to_writer(&mut counter, r).is_err() {
            break;
        }
    }
    counter.n
}
