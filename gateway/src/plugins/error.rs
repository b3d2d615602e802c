//! What can go wrong loading or running a plugin.

use std::path::PathBuf;

/// An error from the plugin host. Each variant names what the operator or plugin
/// author has to fix.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The plugin file could not be read.
    #[error("cannot read plugin {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file's SHA-256 is not the one pinned in config.
    #[error(
        "plugin {path}: sha256 mismatch: config says {expected}, file is {actual}; if the new file is trusted, update the pin"
    )]
    ShaMismatch {
        /// The file.
        path: PathBuf,
        /// The pin from config.
        expected: String,
        /// The file's digest.
        actual: String,
    },
    /// The file is not a component wasmtime can compile.
    #[error("plugin {path} is not a valid WebAssembly component: {reason}")]
    Compile {
        /// The file.
        path: PathBuf,
        /// wasmtime's reason.
        reason: String,
    },
    /// Signatures are required (`plugins.trusted_keys`) and this file has no pin
    /// and no signature a trusted key verifies.
    #[error(
        "plugin {path} is not trusted: {reason}; sign it (minisign -Sm <file>) with a key in plugins.trusted_keys, or pin its sha256"
    )]
    Untrusted {
        /// The file.
        path: PathBuf,
        /// What was missing or wrong.
        reason: String,
    },
    /// The component needs more of something than the engine's pooled slots hold
    /// (core instances, memories, tables, instance size): a limit of the gateway's
    /// configuration, not a fault in the plugin.
    #[error(
        "plugin {path} needs more than this gateway allows: {reason}; raise {key} in [plugins] (or build a smaller component)"
    )]
    TooBig {
        /// The file.
        path: PathBuf,
        /// The config key that sets the limit.
        key: &'static str,
        /// What it needs and what is allowed.
        reason: String,
    },
    /// The component does not export the interface this host needs (wrong world or
    /// an incompatible WIT version).
    #[error("plugin {path} does not implement {expected}: {reason}")]
    WrongWorld {
        /// The file.
        path: PathBuf,
        /// The interface the host needs, e.g. `bcgw:adapter/translator@1.0.0`.
        expected: &'static str,
        /// wasmtime's reason.
        reason: String,
    },
    /// The call ran past its CPU deadline and was interrupted.
    #[error(
        "plugin {plugin}: deadline exceeded: still running after {deadline_ms} ms (raise limits.deadline_ms if the payloads are legitimately large)"
    )]
    DeadlineExceeded {
        /// `name@version` of the plugin.
        plugin: String,
        /// The deadline.
        deadline_ms: u64,
    },
    /// The plugin tried to grow its memory past the cap.
    #[error(
        "plugin {plugin}: memory cap exceeded: asked for {requested} bytes, cap is {cap} bytes"
    )]
    MemoryCap {
        /// `name@version` of the plugin.
        plugin: String,
        /// What it asked for.
        requested: usize,
        /// The cap.
        cap: usize,
    },
    /// The plugin returned more than the caps allow.
    #[error("plugin {plugin}: output cap exceeded: {what}")]
    OutputCap {
        /// `name@version` of the plugin.
        plugin: String,
        /// Which cap and by how much.
        what: String,
    },
    /// The plugin trapped: a panic, an `unreachable`, a stack overflow...
    #[error("plugin {plugin} trapped: {message}{}", stderr_suffix(.stderr))]
    Trap {
        /// `name@version` of the plugin.
        plugin: String,
        /// The trap and the wasm backtrace.
        message: String,
        /// The end of what the plugin wrote to stderr (a Rust panic message lands there).
        stderr: String,
    },
    /// The plugin declined the payload (or config) with its own error.
    #[error("plugin {plugin}: {error}")]
    Adapter {
        /// `name@version` of the plugin.
        plugin: String,
        /// What it said.
        error: bcgw_sdk::plugin::AdapterError,
    },
    /// The engine could not be set up (e.g. the pooling allocator could not reserve memory).
    #[error("plugin engine: {0}")]
    Engine(String),
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        String::new()
    } else {
        format!("; plugin stderr: {}", stderr.trim())
    }
}

impl PluginError {
    /// A short stable name for the kind of error, for metrics and quarantine listings.
    pub fn kind(&self) -> &'static str {
        match self {
            PluginError::Read { .. } => "read",
            PluginError::ShaMismatch { .. } => "sha256-mismatch",
            PluginError::Compile { .. } => "compile",
            PluginError::TooBig { .. } => "too-big",
            PluginError::Untrusted { .. } => "untrusted",
            PluginError::WrongWorld { .. } => "wrong-world",
            PluginError::DeadlineExceeded { .. } => "deadline-exceeded",
            PluginError::MemoryCap { .. } => "memory-cap",
            PluginError::OutputCap { .. } => "output-cap",
            PluginError::Trap { .. } => "trap",
            PluginError::Adapter { .. } => "adapter-error",
            PluginError::Engine(_) => "engine",
        }
    }
}
