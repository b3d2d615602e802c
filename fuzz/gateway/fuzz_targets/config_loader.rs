//! The config loader on any text: `bcgw::config::parse` (TOML, the environment
//! layer, unknown-key collection, kind tables, relative paths) then the pure
//! agreement checks. It must answer with a config or an error naming a key:
//! never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
}

fuzz_target!(|data: &[u8]| {
    let path = dir().path().join("bcgw.toml");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    // One override, so the environment layer runs on every input.
    let vars = [("BCGW__PIPELINE__IDLE_POLL_MS".to_string(), "50".to_string())];
    if let Ok((loaded, _unknown)) = bcgw::config::parse(&path, vars) {
        let mut problems = bcgw::config::Problems::default();
        for (name, s) in &loaded.config.sources {
            let _ = bcgw::policy::IsaPolicy::from_setting(s.isa.as_ref(), true, name, &mut problems);
        }
        let _ = bcgw::policy::show::describe(&loaded.config);
    }
});
