//! The limits every plugin call runs under, and the memory limiter that enforces
//! the memory cap.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Limits for one plugin. Each guards the gateway against a broken or hostile plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SandboxLimits {
    /// CPU deadline per call, in milliseconds. An infinite loop is stopped here
    /// (epoch interruption), and the payload is quarantined.
    pub deadline_ms: u64,
    /// Most linear memory one instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// Most reports one call may return.
    pub max_records: usize,
    /// Most output one call may return, measured as the JSON the gateway stores.
    pub max_output_bytes: usize,
    /// Most stdout/stderr bytes kept per call; the rest is discarded.
    pub max_log_bytes: usize,
}

/// Default CPU deadline: ample for a 1,000-row CSV chunk, short enough that a stuck
/// plugin does not hold up a source.
pub const DEFAULT_DEADLINE_MS: u64 = 250;
/// Default memory cap (64 MiB).
pub const DEFAULT_MEMORY_BYTES: usize = 64 << 20;

impl Default for SandboxLimits {
    fn default() -> Self {
        SandboxLimits {
            deadline_ms: DEFAULT_DEADLINE_MS,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            max_records: 100_000,
            max_output_bytes: 32 << 20,
            max_log_bytes: 64 << 10,
        }
    }
}

impl SandboxLimits {
    /// The CPU deadline as a duration.
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }
}

/// How big a component the engine takes: its pooled slots are sized for this
/// many core instances, memories and tables per plugin instance. A component
/// built from Rust holds a few core instances (the program, WASI shims,
/// fix-ups); one built by componentize-py or componentize-js holds more (an
/// interpreter and its libraries, each its own core module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentLimits {
    /// Core module instances per component (`plugins.max_core_instances_per_plugin`).
    pub core_instances: u32,
    /// Linear memories per component (`plugins.max_memories_per_plugin`).
    pub memories: u32,
    /// Tables per component (`plugins.max_tables_per_plugin`).
    pub tables: u32,
}

impl Default for ComponentLimits {
    fn default() -> Self {
        ComponentLimits {
            core_instances: 32,
            memories: 4,
            tables: 16,
        }
    }
}

/// Most table elements an instance may grow to. Tables hold function references;
/// a plugin has no reason to grow them far, and each element costs host memory.
const MAX_TABLE_ELEMENTS: usize = 100_000;

/// Enforces the memory cap and remembers whether it was hit, so a trap that
/// follows (a Rust guest aborts when allocation fails) is reported as the memory
/// cap rather than as an anonymous `unreachable`.
pub struct MemoryLimiter {
    cap: usize,
    /// The size the guest asked for when it was refused, if it was.
    pub refused: Option<usize>,
}

impl MemoryLimiter {
    /// A limiter with the given cap in bytes.
    pub fn new(cap: usize) -> MemoryLimiter {
        MemoryLimiter { cap, refused: None }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.cap {
            self.refused = Some(desired);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
