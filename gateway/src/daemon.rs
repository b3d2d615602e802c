//! `bcgw run`: builds every stage from the config and runs them until a signal (or,
//! with `--until-idle`, until there is nothing left to do).
//!
//! Stages meet only through the store: sources journal, the translate stage turns
//! journaled payloads into records and outbox entries, one delivery worker per sink
//! drains the outbox. Any of them can stop at any moment; on restart each resumes
//! from what the store holds.

use crate::assembly::{Assembly, assemble};
use crate::config::{Config, LoadedConfig};
use crate::http::admin::AdminState;
use crate::http::server::HttpServer;
use crate::http::{Endpoints, listeners};
use crate::pipeline::{LinkStage, TranslateStage};
use crate::reload::LivePlugins;
use crate::sinks::breaker::Breaker;
use crate::sinks::{DeliveryWorker, SinkContext};
use crate::sources::SourceContext;
use crate::store::sqlite::{GroupCommit, SqliteSettings, SqliteStore};
use crate::store::{Backlog, Store, StoreStats};
use crate::supervise::{Health, Supervisor};
use anyhow::{Context, Result, anyhow};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// The daemon's process id in a file while it runs (for `bcgw reload`); the
/// file goes when the daemon stops. A file that cannot be written costs only
/// `bcgw reload` (a warning says so).
struct PidFile(Option<std::path::PathBuf>);

impl PidFile {
    fn write(path: &std::path::Path) -> PidFile {
        match std::fs::write(path, format!("{}\n", std::process::id())) {
            Ok(()) => PidFile(Some(path.to_owned())),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot write the pid file: bcgw reload will not find this daemon (send SIGHUP yourself)");
                PidFile(None)
            }
        }
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// How `bcgw run` should behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Stop once every source is idle, every payload is translated and every
    /// delivery made (or dead-lettered).
    pub until_idle: bool,
    /// Every source holds an archive being loaded: no new incident is
    /// delivered until everything is read and linked.
    pub backfill: bool,
}

/// Opens the store a config describes.
pub fn open_store(config: &Config) -> Result<Arc<dyn Store>> {
    let s = &config.store;
    let store = SqliteStore::open(&SqliteSettings {
        path: s.path.clone(),
        max_size_bytes: s.max_size_mb.map(|mb| mb * 1024 * 1024),
        group: GroupCommit {
            max_jobs: s.group_commit_max.max(1),
            window: Duration::from_millis(s.group_commit_window_ms),
        },
    })?;
    Ok(Arc::new(store))
}

/// Refuses a config with errors, listing every one (what `bcgw check-config`
/// prints); logs its warnings.
fn refuse_errors(assembly: &Assembly, path: &std::path::Path) -> Result<()> {
    let errors: Vec<String> = assembly
        .problems
        .errors()
        .map(|p| format!("  {}: {}", p.key, p.message))
        .collect();
    if !errors.is_empty() {
        return Err(anyhow!(
            "config {} has {} error(s) (bcgw check-config lists the same):\n{}",
            path.display(),
            errors.len(),
            errors.join("\n")
        ));
    }
    for w in assembly.problems.as_slice() {
        tracing::warn!(key = %w.key, "config: {}", w.message);
    }
    Ok(())
}

fn workers(
    assembly: &Assembly,
    store: &Arc<dyn Store>,
    plugins: &Arc<LivePlugins>,
) -> Result<Vec<DeliveryWorker>> {
    let config = &assembly.config;
    let mut out = Vec::new();
    for (name, s) in &config.sinks {
        let renderer = assembly.renderers.get(name).cloned();
        if renderer.is_none() && s.settings.uses_renderer() {
            return Err(anyhow!("sink {name:?}: renderer not loaded"));
        }
        let delivery = s.delivery();
        let sink = s.settings.build(&SinkContext {
            name: name.clone(),
            delivery: delivery.clone(),
        })?;
        let renderer_name = renderer
            .as_ref()
            .map(|r| r.plugin.name_version())
            .unwrap_or_else(|| "none".into());
        tracing::info!(sink = %name, kind = %s.kind, renderer = %renderer_name, concurrency = delivery.concurrency, after = ?s.after, "sink ready");
        out.push(DeliveryWorker {
            name: name.clone(),
            store: store.clone(),
            plugins: plugins.clone(),
            after: s.after.clone(),
            sink,
            concurrency: delivery.concurrency,
            retry: delivery.retry,
            breaker: Breaker::new(delivery.circuit_breaker),
            idle_poll: Duration::from_millis(config.pipeline.idle_poll_ms.max(10)),
        });
    }
    Ok(out)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the gateway from a parsed config (`unknown`: keys the parser did not
/// know). Refuses to start with any problem `bcgw check-config` calls an error.
/// Returns the store's counts when it stops.
pub async fn run(
    loaded: LoadedConfig,
    unknown: Vec<String>,
    options: RunOptions,
) -> Result<StoreStats> {
    for key in &loaded.overridden {
        tracing::info!(key = %key, "config key set from the environment");
    }
    let config_path = loaded.path.clone();
    let assembly = tokio::task::spawn_blocking(move || assemble(loaded.config, unknown))
        .await
        .context("config check task failed")?;
    refuse_errors(&assembly, &loaded.path)?;
    let config = assembly.config.clone();
    let store = open_store(&config)?;
    let plugins = Arc::new(LivePlugins::new(
        assembly.translators.clone(),
        assembly.renderers.clone(),
    ));
    let workers = workers(&assembly, &store, &plugins)?;
    let pid_file = PidFile::write(&crate::reload::pid_file(&config.store.path));
    let (stop, shutdown) = watch::channel(false);
    // Servers and the backfill gate run once; every source and stage runs
    // supervised (restarted after a panic, watched by /readyz).
    let mut tasks = tokio::task::JoinSet::new();
    let health = Arc::new(Health::default());
    let mut supervisor = Supervisor::new(health.clone(), shutdown.clone());
    // Bound before any stage starts: a taken port stops the daemon at once.
    let endpoints = Endpoints::new(config.http.max_body_bytes);
    let admin = AdminState {
        store: store.clone(),
        sinks: Arc::new(config.sinks.keys().cloned().collect()),
        started: std::time::Instant::now(),
        health: health.clone(),
    };
    let mut servers = Vec::new();
    for l in listeners(&config, &endpoints, admin).map_err(|e| anyhow!(e))? {
        let server = HttpServer::bind(l.key, l.addr, l.tls.clone(), l.router).await?;
        tracing::info!(addr = %server.local_addr()?, listener = l.key, tls = l.tls.is_some(), "listening");
        servers.push(server);
    }
    let mut source_idle = Vec::new();
    let mut source_names = Vec::new();
    for (name, s) in &config.sources {
        let idle = Arc::new(AtomicBool::new(false));
        source_idle.push(idle.clone());
        source_names.push(name.clone());
        let context = SourceContext {
            name: name.clone(),
            store: store.clone(),
            shutdown: shutdown.clone(),
            idle,
            http: endpoints.clone(),
        };
        // Built once here, so a source that cannot start stops the daemon;
        // built again from the same settings after a failure.
        let mut first = Some(
            s.settings
                .build(context.clone())
                .with_context(|| format!("source {name:?}"))?,
        );
        tracing::info!(source = %name, kind = %s.kind, "source started");
        let sources = config.sources.clone();
        let source = name.clone();
        supervisor.spawn(format!("source:{name}"), move || {
            let running = first.take().map(Ok).unwrap_or_else(|| {
                sources[&source].settings.build(context.clone())
            });
            let source = source.clone();
            async move {
                match running {
                    Ok(running) => running.await,
                    Err(e) => tracing::error!(source = %source, error = %e, "source could not be started again"),
                }
            }
        });
    }
    // Sources have registered their routes: start answering.
    for server in servers {
        tasks.spawn(server.run(shutdown.clone()));
    }
    let sink_names: Vec<String> = config.sinks.keys().cloned().collect();
    let backfill = Backfill::new(&config, options.backfill, &source_names, &source_idle);
    if !backfill.holding.load(Ordering::Relaxed) {
        // A backfill stopped before it was done left deliveries held.
        let s = store.clone();
        let released = tokio::task::spawn_blocking(move || s.release_held()).await??;
        if released > 0 {
            tracing::info!(
                released,
                "deliveries held by an unfinished backfill released"
            );
        }
    }
    let stage = TranslateStage {
        store: store.clone(),
        plugins: plugins.clone(),
        sinks: sink_names,
        workers: config
            .pipeline
            .translate_workers
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2)
            })
            .max(1),
        idle_poll: Duration::from_millis(config.pipeline.idle_poll_ms.max(10)),
        timing: config.link.timing(),
    };
    let stop_rx = shutdown.clone();
    supervisor.spawn("translate", move || stage.clone().run(stop_rx.clone()));
    let mut link_settings = config.link.clone();
    link_settings.window_days = config
        .sources
        .values()
        .filter_map(|s| s.link_window_days)
        .fold(link_settings.window_days, u32::max);
    let link = LinkStage {
        store: store.clone(),
        settings: link_settings,
        model: config.link.model()?,
        sinks: config.sinks.keys().cloned().collect(),
        channels: config
            .sources
            .iter()
            .filter_map(|(name, s)| Some((name.clone(), s.channel?.channel())))
            .collect(),
        idle_poll: Duration::from_millis(config.pipeline.idle_poll_ms.max(10)),
        holding: backfill.holding.clone(),
        loaded: backfill.loaded.clone(),
    };
    let stop_rx = shutdown.clone();
    supervisor.spawn("link", move || link.clone().run(stop_rx.clone()));
    if backfill.holding.load(Ordering::Relaxed) {
        tasks.spawn(backfill.run(store.clone(), shutdown.clone()));
    }
    for w in workers {
        let stop_rx = shutdown.clone();
        supervisor.spawn(format!("sink:{}", w.name), move || {
            w.clone().run(stop_rx.clone())
        });
    }
    let (s, c, stop_rx) = (store.clone(), Arc::new(config.clone()), shutdown.clone());
    supervisor.spawn("retention", move || {
        crate::policy::retention::run_schedule(s.clone(), c.clone(), stop_rx.clone())
    });
    let (p, stop_rx) = (plugins.clone(), shutdown.clone());
    supervisor.spawn("reload", move || {
        crate::reload::on_hangup(config_path.clone(), p.clone(), stop_rx.clone())
    });
    tracing::info!(
        sources = config.sources.len(),
        sinks = config.sinks.len(),
        "bcgw running"
    );
    if options.until_idle {
        let mut quiet_checks = 0;
        loop {
            tokio::select! {
                _ = wait_for_signal() => break,
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
            let sources_idle = source_idle.iter().all(|i| i.load(Ordering::Relaxed));
            let s = store.clone();
            let backlog = tokio::task::spawn_blocking(move || s.backlog()).await??;
            quiet_checks = if sources_idle && backlog == Backlog::default() {
                quiet_checks + 1
            } else {
                0
            };
            // Two quiet checks in a row: a file that arrived between the checks is seen.
            if quiet_checks >= 2 {
                break;
            }
        }
    } else {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight work");
    }
    let _ = stop.send(true);
    supervisor.join().await;
    while tasks.join_next().await.is_some() {}
    drop(pid_file);
    let s = store.clone();
    Ok(tokio::task::spawn_blocking(move || s.stats()).await??)
}

/// A backfill being linked: while `holding`, new incidents' first deliveries
/// wait. It is done once the sources loading the archive (every source with
/// `bcgw run --backfill`, else those marked `backfill = true`) have nothing more
/// to read and every payload is translated and every record linked; then the
/// held deliveries are released, so Niche gets the linked result, not its
/// history.
struct Backfill {
    holding: Arc<AtomicBool>,
    /// Set once the archive is read and translated: the link stage then
    /// links it, in the order things happened.
    loaded: Arc<AtomicBool>,
    /// The idle flags of the sources loading the archive.
    loading: Vec<Arc<AtomicBool>>,
}

impl Backfill {
    fn new(config: &Config, all: bool, names: &[String], idle: &[Arc<AtomicBool>]) -> Backfill {
        let loading: Vec<Arc<AtomicBool>> = names
            .iter()
            .zip(idle)
            .filter(|(name, _)| all || config.sources.get(*name).is_some_and(|s| s.backfill))
            .map(|(_, i)| i.clone())
            .collect();
        Backfill {
            holding: Arc::new(AtomicBool::new(!loading.is_empty())),
            loaded: Arc::new(AtomicBool::new(loading.is_empty())),
            loading,
        }
    }

    async fn run(self, store: Arc<dyn Store>, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(
            sources = self.loading.len(),
            "backfill: new incidents are held until the archive is read and linked"
        );
        let mut quiet = 0;
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
            let read = self.loading.iter().all(|i| i.load(Ordering::Relaxed));
            let s = store.clone();
            let backlog = match tokio::task::spawn_blocking(move || s.backlog()).await {
                Ok(Ok(b)) => b,
                _ => continue,
            };
            // Twice in a row: a file arriving between two looks is seen.
            let translated = read && backlog.payloads_pending == 0;
            quiet = if translated { quiet + 1 } else { 0 };
            if quiet < 2 {
                continue;
            }
            if !self.loaded.swap(true, Ordering::Relaxed) {
                tracing::info!("backfill read and translated: linking it");
                quiet = 0;
                continue;
            }
            if backlog.records_unlinked > 0 {
                continue;
            }
            self.holding.store(false, Ordering::Relaxed);
            let s = store.clone();
            match tokio::task::spawn_blocking(move || s.release_held()).await {
                Ok(Ok(n)) => {
                    tracing::info!(
                        incidents = n,
                        "backfill linked: its incidents go to the sinks"
                    );
                    return;
                }
                _ => {
                    // Held rows stay held; the next start releases them.
                    tracing::error!(
                        "backfill linked, but its deliveries could not be released; they will be on the next start"
                    );
                    return;
                }
            }
        }
    }
}
