//! The sandbox one plugin call runs in: a WASI context that grants nothing.
//!
//! The plugin gets no preopened directories (so no files), no environment
//! variables, no arguments, no sockets and no inherited stdio. Its clocks are
//! frozen at the moment the payload was received and its randomness is seeded from
//! the payload, so translating the same payload twice gives the same result — which
//! is what makes replay and content-hash de-duplication sound.

use super::limits::{MemoryLimiter, SandboxLimits};
use super::output::CapturedOutput;
use chrono::{DateTime, Utc};
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{
    HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView,
};

/// Per-call host state: the WASI context, the memory limiter and captured output.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// Enforces the memory cap.
    pub limiter: MemoryLimiter,
    /// What the plugin wrote to stdout.
    pub stdout: CapturedOutput,
    /// What the plugin wrote to stderr.
    pub stderr: CapturedOutput,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A wall clock that always reads the same instant.
struct FrozenWallClock(Duration);

impl HostWallClock for FrozenWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        self.0
    }
}

/// A monotonic clock that never advances.
struct FrozenMonotonicClock;

impl HostMonotonicClock for FrozenMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl HostState {
    /// State for one call. `seed` (e.g. the payload's SHA-256) seeds the plugin's
    /// randomness; `now` is what its wall clock reads.
    pub fn new(limits: &SandboxLimits, now: DateTime<Utc>, seed: &[u8]) -> HostState {
        let stdout = CapturedOutput::new(limits.max_log_bytes);
        let stderr = CapturedOutput::new(limits.max_log_bytes);
        let since_epoch = now
            .signed_duration_since(DateTime::UNIX_EPOCH)
            .to_std()
            .unwrap_or_default();
        let seed = if seed.is_empty() {
            vec![0]
        } else {
            seed.to_vec()
        };
        let mut wasi = WasiCtxBuilder::new();
        // Defaults already grant nothing (no preopens, env, args, stdin); the calls
        // below make the rest explicit so a wasmtime upgrade cannot widen it.
        wasi.stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .wall_clock(FrozenWallClock(since_epoch))
            .monotonic_clock(FrozenMonotonicClock)
            .secure_random(wasmtime_wasi::Deterministic::new(seed.clone()))
            .insecure_random(wasmtime_wasi::Deterministic::new(seed));
        HostState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(limits.memory_bytes),
            stdout,
            stderr,
        }
    }
}
