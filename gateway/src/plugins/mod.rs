//! The plugin host: runs untrusted adapter plugins (WebAssembly components) in a
//! sandbox.
//!
//! - [`PluginEngine`] owns the wasmtime engine: epoch-based CPU deadlines, the
//!   pooling allocator and the on-disk cache of compiled code.
//! - [`AdapterPlugin`] is one loaded source adapter; each [`AdapterPlugin::translate`]
//!   call runs in a fresh instance with no files, network, environment or inherited
//!   stdio, under a CPU deadline and a memory cap, and its output is capped.
//! - [`RendererPlugin`] is one loaded sink renderer, sandboxed the same way.
//! - [`PluginError`] says precisely what went wrong: deadline, memory cap, output
//!   cap, trap (with the plugin's panic message), or the plugin's own error.

pub mod adapter;
mod bindings;
mod cache;
pub mod caps;
mod core;
pub mod engine;
mod error;
pub mod limits;
mod output;
pub mod renderer;
mod sandbox;
pub mod trust;

pub use adapter::{AdapterPlugin, Translated};
pub use core::PluginCore;
pub use engine::PluginEngine;
pub use error::PluginError;
pub use limits::SandboxLimits;
pub use renderer::RendererPlugin;

/// SHA-256 of a byte string, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
