//! Shared helpers: engines, plugin loading, payloads.

use bcgw::plugins::engine::EngineSettings;
use bcgw::plugins::{AdapterPlugin, PluginEngine, SandboxLimits};
use bcgw_sdk::plugin::Payload;
use std::path::{Path, PathBuf};

/// Where tests cache compiled plugin code (shared across tests of one build).
pub fn code_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled")
}

/// An engine for tests, with the compiled-code cache on.
pub fn engine() -> PluginEngine {
    PluginEngine::new(EngineSettings {
        cache_dir: Some(code_cache()),
        max_instances: 4,
        ..EngineSettings::default()
    })
    .expect("engine builds")
}

/// Loads a plugin with the given limits.
pub fn load(engine: &PluginEngine, path: &str, limits: SandboxLimits) -> AdapterPlugin {
    AdapterPlugin::load(engine, Path::new(path), None, limits).expect("plugin loads")
}

/// A payload with the given bytes, content type and plugin config (JSON).
pub fn payload(bytes: &[u8], content_type: &str, config: serde_json::Value) -> Payload {
    Payload {
        bytes: bytes.to_vec(),
        content_type: content_type.into(),
        source: "test-source".into(),
        metadata: vec![],
        config: config.to_string(),
    }
}

/// Converts a TOML plugin config (as in the fixtures) to JSON.
pub fn toml_config(text: &str) -> serde_json::Value {
    let table: toml::Table = toml::from_str(text).expect("fixture config is TOML");
    serde_json::to_value(table).expect("TOML converts to JSON")
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Path of a binary built beside the test executable (`target/<profile>/<name>`).
/// `cargo nextest run --workspace` builds `niche-sim` because it has tests of its own.
pub fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build -p {name}` (scripts/test does)",
        path.display()
    );
    path
}

/// Polls `check` every 50 ms until it returns `Some`, or panics after `timeout`
/// saying what was awaited.
pub fn wait_for<T>(
    what: &str,
    timeout: std::time::Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Opens (creating if needed) the SQLite store at `path`, with small group
/// commits, for tests that drive the store directly.
pub fn open_store(path: &Path) -> bcgw::store::sqlite::SqliteStore {
    use bcgw::store::sqlite::{GroupCommit, SqliteSettings, SqliteStore};
    SqliteStore::open(&SqliteSettings {
        path: path.to_owned(),
        max_size_bytes: None,
        group: GroupCommit {
            max_jobs: 8,
            window: std::time::Duration::ZERO,
        },
    })
    .expect("the store opens")
}

/// Journals one payload of `source` straight into the store; its id. Panics if
/// the same bytes were journaled before.
pub fn journal_one(
    store: &dyn bcgw::store::Store,
    source: &str,
    content_type: &str,
    bytes: &[u8],
    received_at: chrono::DateTime<chrono::Utc>,
) -> i64 {
    let appended = store
        .append_payloads(vec![bcgw::store::NewPayload {
            source: source.into(),
            received_at,
            content_type: content_type.into(),
            metadata: vec![],
            bytes: bytes.to_vec(),
            origin: "test".into(),
            identity_scope: None,
            hold: None,
        }])
        .expect("journaled");
    match appended[0] {
        bcgw::store::Appended::New(id) => id,
        bcgw::store::Appended::Duplicate(_) => panic!("a new payload"),
    }
}
