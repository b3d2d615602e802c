//! What every plugin kind shares: loading (pin check, compile, pre-link) and the
//! sandboxed call with its error mapping.

use super::engine::{PluginEngine, deadline_ticks};
use super::error::PluginError;
use super::limits::{MemoryLimiter, SandboxLimits};
use super::sandbox::{HostState, SleptPastDeadline};
use super::trust::{Signer, Trust};
use bcgw_sdk::plugin::PluginInfo;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use wasmtime::component::{Component, InstancePre};
use wasmtime::{Store, Trap};

/// Most stderr carried into a trap error: enough for a panic message and location.
const STDERR_TAIL_BYTES: usize = 2048;

/// What every loaded plugin has, whatever its world: where it came from, its
/// digest, what it declares, and the limits its calls run under. Adapters and
/// renderers dereference to it, so `plugin.sha256()` works on either.
pub struct PluginCore {
    pub(crate) engine: PluginEngine,
    pub(crate) path: PathBuf,
    pub(crate) sha256: String,
    pub(crate) wit_version: String,
    pub(crate) info: PluginInfo,
    pub(crate) limits: SandboxLimits,
    pub(crate) signer: Option<Signer>,
}

impl std::fmt::Debug for PluginCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("plugin", &self.name_version())
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// The result of a sandboxed call with what the plugin printed.
pub(crate) struct CallOutput<R> {
    pub(crate) value: R,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// The version part of the export whose name starts with `interface@`.
fn exported_version(
    component: &Component,
    engine: &wasmtime::Engine,
    interface: &str,
) -> Option<String> {
    let prefix = format!("{}@", interface.split('@').next().unwrap_or(interface));
    component
        .component_type()
        .exports(engine)
        .find_map(|(name, _)| name.strip_prefix(&prefix).map(str::to_owned))
}

/// Reads a plugin file and checks it against `trust` (its pin, or a signature by
/// a trusted key): the bytes checked are the bytes compiled.
fn read_trusted(
    path: &Path,
    trust: &Trust,
) -> Result<(Vec<u8>, String, Option<Signer>), PluginError> {
    let wasm = std::fs::read(path).map_err(|source| PluginError::Read {
        path: path.to_owned(),
        source,
    })?;
    let sha256 = super::sha256_hex(&wasm);
    let signer = trust.check(path, &wasm, &sha256)?;
    Ok((wasm, sha256, signer))
}

/// A compile failure, told apart: a component bigger than the engine's pooled
/// slots is the gateway's limit (named with its config key), anything else the
/// file's fault.
fn compile_error(path: &Path, reason: String) -> PluginError {
    // wasmtime's pooling allocator says which limit in its message.
    let key = if reason.contains("core module instances") {
        Some("plugins.max_core_instances_per_plugin")
    } else if reason.contains("linear memories") {
        Some("plugins.max_memories_per_plugin")
    } else if reason.contains("tables, which exceeds") {
        Some("plugins.max_tables_per_plugin")
    } else {
        None
    };
    match key {
        Some(key) => PluginError::TooBig {
            path: path.to_owned(),
            key,
            reason,
        },
        None => PluginError::Compile {
            path: path.to_owned(),
            reason,
        },
    }
}

impl PluginCore {
    /// Reads, verifies, compiles and pre-links a plugin that must export `interface`.
    /// `typed` turns the untyped `InstancePre` into the world's typed one.
    pub(crate) fn load<P>(
        engine: &PluginEngine,
        path: &Path,
        trust: &Trust,
        limits: SandboxLimits,
        interface: &'static str,
        typed: impl FnOnce(InstancePre<HostState>) -> wasmtime::Result<P>,
    ) -> Result<(PluginCore, P), PluginError> {
        if limits.memory_bytes > engine.max_memory_bytes() {
            return Err(PluginError::Engine(format!(
                "limits.memory_bytes {} for {} is above the engine's slot size {}; raise plugins.max_memory_mb",
                limits.memory_bytes,
                path.display(),
                engine.max_memory_bytes()
            )));
        }
        let (wasm, sha256, signer) = read_trusted(path, trust)?;
        let component = engine
            .component(&wasm, &sha256)
            .map_err(|e| compile_error(path, format!("{e:#}")))?;
        let wrong_world = |e: wasmtime::Error| PluginError::WrongWorld {
            path: path.to_owned(),
            expected: interface,
            reason: format!("{e:#}"),
        };
        let wit_version = exported_version(&component, engine.engine(), interface)
            .unwrap_or_else(|| "unknown".into());
        let instance_pre = engine
            .linker()
            .instantiate_pre(&component)
            .map_err(wrong_world)?;
        let pre = typed(instance_pre).map_err(wrong_world)?;
        let core = PluginCore {
            engine: engine.clone(),
            path: path.to_owned(),
            sha256,
            wit_version,
            info: PluginInfo::default(),
            limits,
            signer,
        };
        Ok((core, pre))
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

    /// Who signed it, when a signature by a trusted key is what let it in.
    pub fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
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

    /// Runs `f` (which instantiates and calls) in a fresh store under the sandbox
    /// limits, mapping traps to specific errors.
    pub(crate) fn call<R>(
        &self,
        now: DateTime<Utc>,
        seed: &[u8],
        f: impl FnOnce(&mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<CallOutput<R>, PluginError> {
        let mut store = Store::new(
            self.engine.engine(),
            HostState::new(&self.limits, now, seed),
        );
        store.limiter(|s| &mut s.limiter);
        store.set_epoch_deadline(deadline_ticks(self.limits.deadline()));
        store.epoch_deadline_trap();
        let outcome = f(&mut store);
        let state = store.into_data();
        let (stdout, _) = state.stdout.contents();
        let (stderr, _) = state.stderr.contents();
        if !stderr.is_empty() || !stdout.is_empty() {
            // Plugin output may contain anything, personal data included: its size
            // at debug level, its text only at trace level under its own target
            // (`RUST_LOG=bcgw::plugin_output=trace`), for plugin authors on test data.
            tracing::debug!(target: "bcgw::plugin_output", plugin = %self.name_version(), stdout_bytes = stdout.len(), stderr_bytes = stderr.len(), "the plugin wrote output");
            tracing::trace!(target: "bcgw::plugin_output", plugin = %self.name_version(), stdout = %stdout, stderr = %stderr);
        }
        match outcome {
            Ok(value) => Ok(CallOutput {
                value,
                stdout,
                stderr,
            }),
            Err(e) => Err(self.classify(e, &state.limiter, &stderr)),
        }
    }

    fn classify(&self, err: wasmtime::Error, limiter: &MemoryLimiter, stderr: &str) -> PluginError {
        let plugin = self.name_version();
        if let Some(requested) = limiter.refused {
            return PluginError::MemoryCap {
                plugin,
                requested,
                cap: self.limits.memory_bytes,
            };
        }
        if matches!(err.downcast_ref::<Trap>(), Some(Trap::Interrupt))
            || err.downcast_ref::<SleptPastDeadline>().is_some()
        {
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

    /// Keeps what the plugin's `describe` said, capped ([`super::caps`]).
    pub(crate) fn set_info(&mut self, mut info: PluginInfo) {
        let dropped = super::caps::cap_info(&mut info);
        if dropped > 0 {
            tracing::warn!(plugin = %self.path.display(), dropped, "plugin describe lists too many entries; the rest were dropped");
        }
        self.info = info;
    }

    /// The error for a plugin's own refusal, its text capped ([`super::caps`]).
    pub(crate) fn refused(&self, mut error: bcgw_sdk::plugin::AdapterError) -> PluginError {
        super::caps::cap_error(&mut error);
        PluginError::Adapter {
            plugin: self.name_version(),
            error,
        }
    }
}
