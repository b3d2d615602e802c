//! Reloading plugins without a stop: `SIGHUP` (or `bcgw reload`, which sends it)
//! makes the daemon read its config file again and swap the plugins whose file,
//! SHA-256 pin or plugin config changed, and read the member registers again
//! (a source whose registers changed gets a translator resolving against the new
//! ones).
//!
//! - A config that fails its checks (`bcgw check-config`'s errors, a pin that does
//!   not match, a plugin that refuses its config) is refused whole: the running
//!   plugins stay and the log says why.
//! - A payload being translated, or an incident being rendered, finishes on the
//!   plugin it started with: stages take the current plugin per payload from
//!   [`LivePlugins`], and a swap only changes what the next one gets. Each record
//!   names the `plugin@version` that made it, so the change shows in the store.
//! - Only plugins change: a source or sink added or removed, the store, the
//!   listeners and the other settings take effect on the next start (the log
//!   says so).

use crate::assembly::{LoadedRenderer, assemble};
use crate::pipeline::translate::Translator;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Translators by source name.
pub type Translators = HashMap<String, Arc<Translator>>;
/// Renderers by sink name.
pub type Renderers = HashMap<String, LoadedRenderer>;

/// The plugins the stages use now; swapped whole by a reload.
#[derive(Default)]
pub struct LivePlugins {
    translators: RwLock<Arc<Translators>>,
    renderers: RwLock<Arc<Renderers>>,
}

impl LivePlugins {
    /// The plugins a config assembled.
    pub fn new(translators: Translators, renderers: Renderers) -> LivePlugins {
        LivePlugins {
            translators: RwLock::new(Arc::new(translators)),
            renderers: RwLock::new(Arc::new(renderers)),
        }
    }

    /// Source `name`'s translator now.
    pub fn translator(&self, source: &str) -> Option<Arc<Translator>> {
        let map = self.translators.read().unwrap_or_else(|e| e.into_inner());
        map.get(source).cloned()
    }

    /// Sink `name`'s renderer now.
    pub fn renderer(&self, sink: &str) -> Option<LoadedRenderer> {
        let map = self.renderers.read().unwrap_or_else(|e| e.into_inner());
        map.get(sink).cloned()
    }

    fn translators(&self) -> Arc<Translators> {
        self.translators
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn renderers(&self) -> Arc<Renderers> {
        self.renderers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What a reload did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reloaded {
    /// Sources and sinks whose plugin was swapped (`sources.<name>`, `sinks.<name>`).
    pub swapped: Vec<String>,
    /// Changes that wait for a restart (a source or sink added or removed).
    pub on_restart: Vec<String>,
}

/// Why a reload was refused: the config's errors, key by key.
#[derive(Debug)]
pub struct Refused(pub Vec<String>);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} error(s) in the config; the running plugins stay: {}",
            self.0.len(),
            self.0.join("; ")
        )
    }
}

impl std::error::Error for Refused {}

fn same_translator(a: &Translator, b: &Translator) -> bool {
    let registers = |t: &Translator| {
        t.members
            .as_ref()
            .map(|m| (m.registers.fingerprint.clone(), m.scope.clone()))
    };
    a.plugin.sha256() == b.plugin.sha256()
        && a.config_json == b.config_json
        && a.isa == b.isa
        && registers(a) == registers(b)
}

fn same_renderer(a: &LoadedRenderer, b: &LoadedRenderer) -> bool {
    a.plugin.sha256() == b.plugin.sha256() && a.config_json == b.config_json
}

/// The running map with each entry the new config changed swapped in, noted in
/// `done` as `<section>.<name>`; entries added or removed are only noted (they
/// wait for a restart).
fn swap_changed<T: Clone>(
    running: &HashMap<String, T>,
    new: &HashMap<String, T>,
    same: impl Fn(&T, &T) -> bool,
    section: &str,
    done: &mut Reloaded,
) -> HashMap<String, T> {
    let mut out = running.clone();
    for (name, old) in running {
        match new.get(name) {
            Some(n) if !same(old, n) => {
                out.insert(name.clone(), n.clone());
                done.swapped.push(format!("{section}.{name}"));
            }
            Some(_) => {}
            None => done.on_restart.push(format!("{section}.{name} (removed)")),
        }
    }
    for name in new.keys().filter(|n| !running.contains_key(*n)) {
        done.on_restart.push(format!("{section}.{name} (added)"));
    }
    out
}

/// Reads `path` again (with the environment's overrides), checks it as `bcgw
/// check-config` does and, if it has no errors, swaps the changed plugins into
/// `live`. Blocking: plugins may compile.
pub fn reload(path: &Path, live: &LivePlugins) -> Result<Reloaded, Refused> {
    let (loaded, unknown) =
        crate::config::parse(path, std::env::vars()).map_err(|e| Refused(vec![e.to_string()]))?;
    let assembly = assemble(loaded.config, unknown);
    let errors: Vec<String> = assembly.problems.errors().map(|p| p.to_string()).collect();
    if !errors.is_empty() {
        return Err(Refused(errors));
    }
    let mut done = Reloaded::default();
    let translators = swap_changed(
        &live.translators(),
        &assembly.translators,
        |old, new| same_translator(old, new),
        "sources",
        &mut done,
    );
    let renderers = swap_changed(
        &live.renderers(),
        &assembly.renderers,
        same_renderer,
        "sinks",
        &mut done,
    );
    *live.translators.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(translators);
    *live.renderers.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(renderers);
    Ok(done)
}

/// Where a running daemon notes its process id: beside its store, so `bcgw
/// reload --config <file>` finds the daemon of that config.
pub fn pid_file(store_path: &Path) -> PathBuf {
    let dir = store_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join("bcgw.pid")
}

/// Runs the reload on every `SIGHUP` until `shutdown` (Unix only; elsewhere a
/// reload is a restart).
pub async fn on_hangup(
    path: PathBuf,
    live: Arc<LivePlugins>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP: reload by restarting");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                got = hangups.recv() => if got.is_none() { return },
            }
            tracing::info!(config = %path.display(), "SIGHUP: reloading plugins");
            let (p, l) = (path.clone(), live.clone());
            match tokio::task::spawn_blocking(move || reload(&p, &l)).await {
                Ok(Ok(done)) => {
                    tracing::info!(swapped = ?done.swapped, "plugins reloaded");
                    if !done.on_restart.is_empty() {
                        tracing::warn!(changes = ?done.on_restart, "these take effect on the next start");
                    }
                }
                Ok(Err(refused)) => tracing::error!("config reload refused: {refused}"),
                Err(e) => tracing::error!(error = %e, "config reload failed"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, live);
        let _ = shutdown.changed().await;
    }
}
