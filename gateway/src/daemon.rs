//! `bcgw run`: builds every stage from the config and runs them until a signal (or,
//! with `--until-idle`, until there is nothing left to do).
//!
//! Stages meet only through the store: sources journal, the translate stage turns
//! journaled payloads into records and outbox entries, one delivery worker per sink
//! drains the outbox. Any of them can stop at any moment; on restart each resumes
//! from what the store holds.

use crate::admin::AdminServer;
use crate::config::{Config, LoadedConfig, SinkKind, SourceKind};
use crate::pipeline::{TranslateStage, Translator};
use crate::plugins::engine::EngineSettings;
use crate::plugins::{AdapterPlugin, PluginEngine, RendererPlugin};
use crate::sinks::breaker::Breaker;
use crate::sinks::file_drop::FileDropSink;
use crate::sinks::niche::NicheSink;
use crate::sinks::{DeliveryWorker, Sink};
use crate::sources::csv_folder::CsvFolderSource;
use crate::store::sqlite::{GroupCommit, SqliteSettings, SqliteStore};
use crate::store::{Backlog, Store, StoreStats};
use anyhow::{Context, Result, anyhow};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// How `bcgw run` should behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Stop once the folders are empty, every payload is translated and every
    /// delivery made (or dead-lettered).
    pub until_idle: bool,
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

/// Builds the plugin engine a config describes.
pub fn engine(config: &Config) -> Result<PluginEngine> {
    Ok(PluginEngine::new(EngineSettings {
        cache_dir: Some(config.code_cache_dir()),
        max_memory_bytes: config.plugins.max_memory_mb << 20,
        max_instances: config.plugins.max_instances,
    })?)
}

/// A plugin's config table as the JSON text it is handed.
pub fn config_json(table: &toml::Table) -> String {
    serde_json::to_string(table).unwrap_or_else(|_| "{}".into())
}

fn translators(config: &Config, engine: &PluginEngine) -> Result<HashMap<String, Arc<Translator>>> {
    let mut out = HashMap::new();
    for (name, s) in &config.sources {
        let plugin = AdapterPlugin::load(
            engine,
            &s.plugin,
            s.plugin_sha256.as_deref(),
            s.limits.clone(),
        )
        .with_context(|| format!("source {name:?}"))?;
        let json = config_json(&s.plugin_config);
        plugin
            .validate_config(&json)
            .with_context(|| format!("source {name:?}: plugin_config"))?;
        tracing::info!(source = %name, plugin = %plugin.name_version(), sha256 = %plugin.sha256(), "adapter loaded");
        out.insert(
            name.clone(),
            Arc::new(Translator {
                source: name.clone(),
                plugin: Arc::new(plugin),
                config_json: json,
                isa: s.isa.clone(),
            }),
        );
    }
    Ok(out)
}

fn workers(
    config: &Config,
    engine: &PluginEngine,
    store: &Arc<dyn Store>,
) -> Result<Vec<DeliveryWorker>> {
    let mut out = Vec::new();
    for (name, s) in &config.sinks {
        let renderer = RendererPlugin::load(
            engine,
            &s.renderer,
            s.renderer_sha256.as_deref(),
            s.limits.clone(),
        )
        .with_context(|| format!("sink {name:?}"))?;
        let json = config_json(&s.renderer_config);
        renderer
            .validate_config(&json)
            .with_context(|| format!("sink {name:?}: renderer_config"))?;
        let (sink, concurrency, retry, breaker): (Arc<dyn Sink>, _, _, _) = match s.kind {
            SinkKind::Niche => {
                let n = s.niche.as_ref().ok_or_else(|| {
                    anyhow!("sink {name:?}: kind = \"niche\" needs a [sinks.{name}.niche] table")
                })?;
                let sink = NicheSink::new(n).map_err(|e| anyhow!("sink {name:?}: {e}"))?;
                (
                    Arc::new(sink),
                    n.concurrency.max(1),
                    n.retry.clone(),
                    n.circuit_breaker.clone(),
                )
            }
            SinkKind::FileDrop => {
                let f = s.file_drop.as_ref().ok_or_else(|| {
                    anyhow!(
                        "sink {name:?}: kind = \"file-drop\" needs a [sinks.{name}.file_drop] table"
                    )
                })?;
                let sink = FileDropSink::new(&f.dir, &f.extension)
                    .with_context(|| format!("sink {name:?}: file_drop.dir {}", f.dir.display()))?;
                (Arc::new(sink), 4, Default::default(), Default::default())
            }
        };
        tracing::info!(sink = %name, renderer = %renderer.name_version(), "sink ready");
        out.push(DeliveryWorker {
            name: name.clone(),
            store: store.clone(),
            renderer: Arc::new(renderer),
            renderer_config: json.into(),
            sink,
            concurrency,
            retry,
            breaker: Breaker::new(breaker),
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

/// Runs the gateway. Returns the store's counts when it stops.
pub async fn run(loaded: LoadedConfig, options: RunOptions) -> Result<StoreStats> {
    let config = loaded.config;
    for key in &loaded.overridden {
        tracing::info!(key = %key, "config key set from the environment");
    }
    let store = open_store(&config)?;
    let engine = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || engine(&config)).await??
    };
    let (translators, workers) = {
        let (config, engine, store) = (config.clone(), engine.clone(), store.clone());
        tokio::task::spawn_blocking(move || {
            Ok::<_, anyhow::Error>((
                translators(&config, &engine)?,
                workers(&config, &engine, &store)?,
            ))
        })
        .await??
    };
    if config.sinks.is_empty() {
        tracing::warn!("no sinks configured: records are stored but not delivered");
    }
    let (stop, shutdown) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    // Bound before any stage starts: a taken port stops the daemon at once.
    if let Some(listen) = config.admin.listen {
        let admin = AdminServer::bind(
            listen,
            store.clone(),
            config.sinks.keys().cloned().collect(),
        )
        .await?;
        tracing::info!(addr = %admin.local_addr()?, "admin endpoint serving /metrics and /healthz");
        tasks.spawn(admin.run(shutdown.clone()));
    }
    let mut source_idle = Vec::new();
    for (name, s) in &config.sources {
        match s.kind {
            SourceKind::CsvFolder => {
                let folder = s.csv_folder.clone().ok_or_else(|| anyhow!("source {name:?}: kind = \"csv-folder\" needs a [sources.{name}.csv_folder] table"))?;
                let idle = Arc::new(AtomicBool::new(false));
                source_idle.push(idle.clone());
                let source = Arc::new(CsvFolderSource {
                    name: name.clone(),
                    config: folder,
                    store: store.clone(),
                    idle,
                });
                tasks.spawn(source.run(shutdown.clone()));
            }
        }
    }
    let sink_names: Vec<String> = config.sinks.keys().cloned().collect();
    let stage = TranslateStage {
        store: store.clone(),
        translators,
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
    };
    tasks.spawn(stage.run(shutdown.clone()));
    for w in workers {
        tasks.spawn(w.run(shutdown.clone()));
    }
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
    while tasks.join_next().await.is_some() {}
    let s = store.clone();
    Ok(tokio::task::spawn_blocking(move || s.stats()).await??)
}
