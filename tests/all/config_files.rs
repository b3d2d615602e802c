//! Every gateway config committed to the repository passes `bcgw check-config`
//! as committed, laid out as the repository is once the plugins are built: a
//! new user copying one must not meet an error first.

use crate::helpers::workspace;
use std::path::Path;
use std::process::Command;

/// The secrets the configs read from the environment, given dummy values.
const SECRETS: [&str; 5] = [
    "AUROR_CLIENT_SECRET",
    "DISC_WEBHOOK_SECRET",
    "NICHE_TOKEN",
    "SHOPNET_MQTT_PASSWORD",
    "QUICKSTART_DISC_TOKEN",
];

/// A copy of the repository's layout in `root`: `config/` copied, `examples/`
/// linked, and the built plugins where the configs expect them.
fn layout(root: &Path) {
    let repo = workspace();
    let config = root.join("config");
    std::fs::create_dir_all(&config).expect("config folder");
    for entry in std::fs::read_dir(repo.join("config")).expect("the repository's config folder") {
        let path = entry.expect("a config file").path();
        // Only the committed files: a local run may leave state folders here.
        if !path.is_file() {
            continue;
        }
        std::fs::copy(&path, config.join(path.file_name().expect("a name")))
            .expect("config copied");
    }
    std::os::unix::fs::symlink(repo.join("examples"), root.join("examples"))
        .expect("examples linked");
    let plugins = root.join("target/wasm32-wasip2/plugin");
    std::fs::create_dir_all(&plugins).expect("plugin folder");
    for built in [
        bcgw_test_artifacts::CSV_MAPPED,
        bcgw_test_artifacts::JSON_MAPPED,
        bcgw_test_artifacts::NICHE_XML,
        bcgw_test_artifacts::SHOPNET_TEXT,
        bcgw_test_artifacts::MOTOTRBO_TMS,
        bcgw_test_artifacts::HYTERA_TMS,
    ] {
        let built = Path::new(built);
        std::os::unix::fs::symlink(built, plugins.join(built.file_name().expect("a name")))
            .expect("plugin linked");
    }
}

#[test]
fn every_committed_config_passes_check_config() {
    let dir = tempfile::tempdir().unwrap();
    layout(dir.path());
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(workspace().join("config")).unwrap() {
        let name = entry.unwrap().file_name();
        let name = name.to_string_lossy().into_owned();
        if !name.ends_with(".toml") {
            continue;
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcgw"));
        cmd.args(["check-config", &format!("config/{name}")])
            .current_dir(dir.path())
            .env("XDG_CACHE_HOME", dir.path().join("cache"));
        for secret in SECRETS {
            cmd.env(secret, "a-dummy-secret-of-32-characters!");
        }
        let out = cmd.output().expect("bcgw runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "config/{name} fails its check:\n{}{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!stderr.contains("error"), "config/{name}: {stderr}");
        checked.push(name);
    }
    checked.sort();
    assert_eq!(checked, ["bcgw.example.toml", "quickstart.toml"]);
}
