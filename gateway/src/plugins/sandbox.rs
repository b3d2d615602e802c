//! The sandbox one plugin call runs in: a WASI context that grants nothing.
//!
//! The plugin gets no preopened directories (so no files), no environment
//! variables, no arguments, no sockets and no inherited stdio. Its clocks are
//! frozen at the moment the payload was received and its randomness is seeded from
//! the payload, so translating the same payload twice gives the same result — which
//! is what makes replay and content-hash de-duplication sound.
//!
//! Nothing a plugin can do blocks the thread it runs on, so its deadline holds
//! for host calls too. Epoch interruption stops a busy loop, but a blocking host
//! call (a sleep: WASI's clock pollables) is not wasm and would not be
//! interrupted. So sleeps never block: [`add_sleep_budget`] replaces the clock
//! subscriptions with ones that are ready at once and charge the time asked for
//! to the call's deadline; a sleep that would pass it fails the call as the
//! deadline does. Stdin is empty and stdout/stderr always accept, so no other
//! pollable can wait either.

use super::limits::{MemoryLimiter, SandboxLimits};
use super::output::CapturedOutput;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{
    HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView,
};

/// The WASI interface whose subscriptions are replaced (the version wasmtime-wasi
/// defines; components importing an earlier 0.2 version link to it too).
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

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
    /// The call's deadline, with the time its sleeps asked for.
    pub sleep: SleepBudget,
}

/// A call's deadline as its sleeps see it: the wall time since the call started
/// plus every sleep asked for, which never really waits.
#[derive(Debug)]
pub struct SleepBudget {
    started: Instant,
    deadline: Duration,
    slept: Duration,
}

/// The error a sleep past the deadline ends the call with; reported as the
/// deadline ([`super::PluginError::DeadlineExceeded`]).
#[derive(Debug)]
pub struct SleptPastDeadline {
    /// All the plugin asked to sleep in this call.
    pub slept: Duration,
}

impl std::fmt::Display for SleptPastDeadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the plugin asked to sleep {} ms in all, past its deadline",
            self.slept.as_millis()
        )
    }
}

impl std::error::Error for SleptPastDeadline {}

impl SleepBudget {
    fn new(deadline: Duration) -> SleepBudget {
        SleepBudget {
            started: Instant::now(),
            deadline,
            slept: Duration::ZERO,
        }
    }

    /// Charges a sleep of `asked`; fails if the call would then be past its deadline.
    fn charge(&mut self, asked: Duration) -> Result<(), SleptPastDeadline> {
        self.slept = self.slept.saturating_add(asked);
        if self.started.elapsed().saturating_add(self.slept) > self.deadline {
            return Err(SleptPastDeadline { slept: self.slept });
        }
        Ok(())
    }
}

/// A pollable that is always ready: what a sleep within the budget gets.
struct Ready;

impl Pollable for Ready {
    // The trait is declared with `async_trait`; this is its expansion, written
    // out rather than adding the macro crate for one empty future.
    fn ready<'a, 'b>(&'a mut self) -> Pin<Box<dyn Future<Output = ()> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async {})
    }
}

/// A sleep of `asked`: charged to the call's budget, ready at once.
fn sleep(
    mut store: StoreContextMut<'_, HostState>,
    asked: Duration,
) -> wasmtime::Result<(Resource<DynPollable>,)> {
    let state = store.data_mut();
    state.sleep.charge(asked).map_err(wasmtime::Error::new)?;
    let ready = state.table.push(Ready)?;
    Ok((subscribe(&mut state.table, ready)?,))
}

/// Replaces WASI's clock subscriptions in `linker` (which has WASI added) with
/// ones that never block (see the module docs).
pub fn add_sleep_budget(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap("subscribe-duration", |store, (nanos,): (u64,)| {
        sleep(store, Duration::from_nanos(nanos))
    })?;
    // The plugin's monotonic clock reads 0 (it is frozen): an instant is a duration.
    clock.func_wrap("subscribe-instant", |store, (when,): (u64,)| {
        sleep(store, Duration::from_nanos(when))
    })?;
    linker.allow_shadowing(false);
    Ok(())
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
            sleep: SleepBudget::new(limits.deadline()),
        }
    }
}
