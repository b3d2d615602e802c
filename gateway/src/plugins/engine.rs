//! The shared wasmtime engine: configuration, the epoch ticker that enforces CPU
//! deadlines, the linker with WASI, and the compiled-code cache.

use super::cache::CodeCache;
use super::error::PluginError;
use super::limits::ComponentLimits;
use super::sandbox::HostState;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances. Deadlines are rounded up to whole ticks, so this is
/// the precision of a deadline; each tick costs one atomic increment.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Settings for the engine shared by every plugin.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Where compiled plugin code is cached; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
    /// The largest memory cap of any plugin: the size of each pooled memory slot.
    pub max_memory_bytes: usize,
    /// How many plugin instances may exist at once (concurrent calls).
    pub max_instances: u32,
    /// How big one plugin's component may be.
    pub component: ComponentLimits,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            cache_dir: None,
            max_memory_bytes: super::limits::DEFAULT_MEMORY_BYTES,
            max_instances: 32,
            component: ComponentLimits::default(),
        }
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> std::io::Result<EpochTicker> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("bcgw-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })?;
        Ok(EpochTicker {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Inner {
    engine: Engine,
    linker: Linker<HostState>,
    cache: Option<CodeCache>,
    max_memory_bytes: usize,
    _ticker: EpochTicker,
}

/// The engine every plugin runs on. Cheap to clone; the ticker thread stops when the
/// last clone is dropped.
#[derive(Clone)]
pub struct PluginEngine {
    inner: Arc<Inner>,
}

/// Freed instance slots decommitted together: a quarter of the pool, so most
/// slots stay ready, and at most 16 (one flush then stays well under a
/// millisecond).
fn decommit_batch(instances: u32) -> usize {
    (instances as usize / 4).clamp(1, 16)
}

impl PluginEngine {
    /// Builds the engine: epoch interruption on, the pooling allocator sized for
    /// `max_instances` concurrent instances of up to `max_memory_bytes` each.
    pub fn new(settings: EngineSettings) -> Result<PluginEngine, PluginError> {
        let n = settings.max_instances.max(1);
        let c = settings.component;
        let (core, memories, tables) =
            (c.core_instances.max(1), c.memories.max(1), c.tables.max(1));
        let mut pool = PoolingAllocationConfig::default();
        // Every instance may be of the biggest component allowed. Slots the
        // components do not use cost address space only, never memory.
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(core))
            .total_memories(n.saturating_mul(memories))
            .total_tables(n.saturating_mul(tables))
            .max_memory_size(settings.max_memory_bytes)
            .max_memories_per_component(memories)
            .max_tables_per_component(tables)
            .max_core_instances_per_component(core)
            // A fresh instance per payload means a slot freed per call. Freeing
            // one alone costs an madvise and a TLB shootdown to the other cores;
            // in batches the cost is shared (slots in a batch are reused once it
            // is flushed, which the allocator does at once when it runs short).
            .decommit_batch_size(decommit_batch(n));
        let mut config = Config::new();
        config
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
            .memory_init_cow(true);
        let engine = Engine::new(&config).map_err(|e| PluginError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .and_then(|()| super::sandbox::add_sleep_budget(&mut linker))
            .map_err(|e| PluginError::Engine(format!("{e:#}")))?;
        let ticker = EpochTicker::start(engine.clone())
            .map_err(|e| PluginError::Engine(format!("cannot start the epoch thread: {e}")))?;
        Ok(PluginEngine {
            inner: Arc::new(Inner {
                engine,
                linker,
                cache: settings.cache_dir.map(CodeCache::new),
                max_memory_bytes: settings.max_memory_bytes,
                _ticker: ticker,
            }),
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The linker with WASI added.
    pub(crate) fn linker(&self) -> &Linker<HostState> {
        &self.inner.linker
    }

    /// The largest memory cap a plugin may be given on this engine.
    pub fn max_memory_bytes(&self) -> usize {
        self.inner.max_memory_bytes
    }

    /// Compiles (or loads from the cache) a component.
    pub(crate) fn component(&self, wasm: &[u8], sha256: &str) -> wasmtime::Result<Component> {
        match &self.inner.cache {
            Some(cache) => cache.load_or_compile(&self.inner.engine, wasm, sha256),
            None => Component::new(&self.inner.engine, wasm),
        }
    }
}

/// Epoch ticks for a deadline: rounded up, plus one because the next tick may come
/// at any moment after the deadline is set.
pub(crate) fn deadline_ticks(deadline: Duration) -> u64 {
    let tick = EPOCH_TICK.as_nanos().max(1);
    u64::try_from(deadline.as_nanos().div_ceil(tick))
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}
