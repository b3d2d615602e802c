//! Plugins trusted by signature: signed with the standard `minisign` tool, run
//! when a key in `[plugins] trusted_keys` verifies them, refused otherwise.

use crate::helpers::engine;
use bcgw::plugins::trust::{Trust, TrustedKey};
use bcgw::plugins::{AdapterPlugin, PluginError, SandboxLimits};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A minisign key pair in `dir` (no password); returns the public key line.
fn keypair(dir: &Path, name: &str) -> String {
    let status = Command::new("minisign")
        .args(["-G", "-W", "-f", "-p"])
        .arg(dir.join(format!("{name}.pub")))
        .arg("-s")
        .arg(dir.join(format!("{name}.key")))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("minisign runs (scripts/test installs it)");
    assert!(status.success());
    let public = std::fs::read_to_string(dir.join(format!("{name}.pub"))).expect("public key");
    public
        .lines()
        .nth(1)
        .expect("the key line")
        .trim()
        .to_string()
}

/// Signs `file` with key `name`, as a force would: `file.minisig` beside it.
fn sign(dir: &Path, name: &str, file: &Path) {
    let status = Command::new("minisign")
        .args(["-S", "-s"])
        .arg(dir.join(format!("{name}.key")))
        .arg("-m")
        .arg(file)
        .args(["-t", "signed by the bcgw test force"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("minisign runs");
    assert!(status.success());
}

/// A copy of csv-mapped in `dir`, named `name`.
fn plugin_copy(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(bcgw_test_artifacts::CSV_MAPPED, &path).expect("plugin copied");
    path
}

fn trust(keys: &[&str], pin: Option<&str>) -> Trust {
    Trust {
        pin: pin.map(str::to_string),
        keys: keys
            .iter()
            .map(|k| TrustedKey::parse(k).expect("a minisign public key"))
            .collect::<Vec<_>>()
            .into(),
    }
}

#[test]
fn a_signed_plugin_runs_and_an_unsigned_or_altered_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let force = keypair(dir.path(), "force");
    let other = keypair(dir.path(), "other");
    let engine = engine();
    let limits = SandboxLimits::default;

    let signed = plugin_copy(dir.path(), "signed.wasm");
    sign(dir.path(), "force", &signed);
    let plugin = AdapterPlugin::load_trusted(&engine, &signed, &trust(&[&force], None), limits())
        .expect("a plugin signed by a trusted key loads");
    let signer = plugin.signer().expect("it says who signed");
    assert_eq!(signer.key, force);
    assert!(signer.comment.contains("signed by the bcgw test force"));

    // Signed, but by a key the gateway does not trust.
    let err = AdapterPlugin::load_trusted(&engine, &signed, &trust(&[&other], None), limits())
        .unwrap_err();
    assert!(matches!(err, PluginError::Untrusted { .. }), "{err}");
    assert!(err.to_string().contains("does not verify"), "{err}");

    // Changed after signing: the signature no longer matches the bytes.
    let altered = plugin_copy(dir.path(), "altered.wasm");
    sign(dir.path(), "force", &altered);
    let mut bytes = std::fs::read(&altered).unwrap();
    bytes.push(0);
    std::fs::write(&altered, bytes).unwrap();
    let err = AdapterPlugin::load_trusted(&engine, &altered, &trust(&[&force], None), limits())
        .unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");

    // Not signed at all.
    let unsigned = plugin_copy(dir.path(), "unsigned.wasm");
    let err = AdapterPlugin::load_trusted(&engine, &unsigned, &trust(&[&force], None), limits())
        .unwrap_err();
    assert!(err.to_string().contains("no signature"), "{err}");
    assert_eq!(err.kind(), "untrusted");

    // A pin still lets an unsigned plugin in, and is checked first.
    let sha = bcgw::plugins::sha256_hex(&std::fs::read(&unsigned).unwrap());
    AdapterPlugin::load_trusted(&engine, &unsigned, &trust(&[&force], Some(&sha)), limits())
        .expect("a pinned plugin loads");

    // `bcgw plugin inspect` shows who signed, verified with the given key.
    let out = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["plugin", "inspect", "--trusted-key", &force])
        .arg(&signed)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("signature:     verified with {force}")),
        "{text}"
    );
    assert!(text.contains("signed by the bcgw test force"), "{text}");
    let out = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["plugin", "inspect", "--trusted-key", &other])
        .arg(&signed)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("does not verify"));
}

#[test]
fn check_config_takes_a_signed_plugin_without_a_pin_and_refuses_an_unsigned_one() {
    let dir = tempfile::tempdir().unwrap();
    let force = keypair(dir.path(), "force");
    let signed = plugin_copy(dir.path(), "signed.wasm");
    sign(dir.path(), "force", &signed);
    let unsigned = plugin_copy(dir.path(), "unsigned.wasm");
    let config = |plugin: &Path| {
        format!(
            r#"
[store]
path = {store:?}
[plugins]
cache_dir = {cache:?}
trusted_keys = [{force:?}]
[sources.shop]
kind = "csv-folder"
plugin = {plugin:?}
[sources.shop.plugin_config]
columns = {{ "Ref" = "source_record_id" }}
[sources.shop.csv_folder]
path = {drop:?}
"#,
            store = dir.path().join("data/bcgw.sqlite"),
            cache = crate::helpers::code_cache(),
            drop = dir.path().join("drop"),
        )
    };
    let check = |plugin: &Path| {
        let file = dir.path().join("bcgw.toml");
        std::fs::write(&file, config(plugin)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_bcgw"))
            .args(["check-config", "--config"])
            .arg(&file)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = check(&signed);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("plugin_sha256: not set"), "{out}");
    let (code, out) = check(&unsigned);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("error: sources.shop.plugin: plugin") && out.contains("is not trusted"),
        "{out}"
    );
}
