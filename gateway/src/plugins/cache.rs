//! The on-disk cache of compiled plugin code.
//!
//! Compiling a plugin with Cranelift takes from tens of milliseconds to seconds;
//! the result is kept as `<sha256>-<engine>.cwasm`, where `<sha256>` is the plugin
//! file's digest and `<engine>` hashes the wasmtime version and engine settings
//! (wasmtime's compatibility hash). A new plugin file or a wasmtime upgrade
//! therefore never picks up stale code.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// A directory of compiled components.
#[derive(Debug, Clone)]
pub struct CodeCache {
    dir: PathBuf,
}

impl CodeCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> CodeCache {
        CodeCache { dir: dir.into() }
    }

    fn path_for(&self, engine: &Engine, sha256: &str) -> PathBuf {
        let mut h = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        self.dir.join(format!("{sha256}-{:016x}.cwasm", h.finish()))
    }

    /// The compiled component for `wasm` (whose digest is `sha256`): from the cache
    /// when present and loadable, else compiled and stored. A cache that cannot be
    /// read or written only costs a recompile; it is never an error.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        sha256: &str,
    ) -> wasmtime::Result<Component> {
        let path = self.path_for(engine, sha256);
        if path.exists() {
            // SAFETY: `deserialize_file` runs native code from the file, so the file
            // must be one this gateway wrote. It lives in the gateway's own data
            // directory, is named by the digest of the plugin it came from, and is
            // written atomically below; wasmtime also checks the engine
            // compatibility header before using it.
            #[allow(unsafe_code)]
            let loaded = unsafe { Component::deserialize_file(engine, &path) };
            match loaded {
                Ok(component) => return Ok(component),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "compiled plugin cache entry unusable; recompiling")
                }
            }
        }
        let component = Component::new(engine, wasm)?;
        if let Err(e) = self.store(&path, &component) {
            tracing::warn!(path = %path.display(), error = %e, "cannot write compiled plugin cache");
        }
        Ok(component)
    }

    fn store(&self, path: &Path, component: &Component) -> std::io::Result<()> {
        let bytes = component.serialize().map_err(std::io::Error::other)?;
        std::fs::create_dir_all(&self.dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(&bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}
