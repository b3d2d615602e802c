//! Builds the plugins to `wasm32-wasip2` components with a nested `cargo build`.
//!
//! The nested build uses its own target directory so it never waits on the lock
//! of the outer build, and drops the outer build's wrapper settings (clippy,
//! coverage) that are meant for host code.

use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "plugin";
/// (package, env var, artifact file stem)
const PLUGINS: [(&str, &str, &str); 9] = [
    (
        "bcgw-plugin-csv-mapped",
        "BCGW_PLUGIN_CSV_MAPPED",
        "bcgw_plugin_csv_mapped",
    ),
    (
        "bcgw-plugin-json-mapped",
        "BCGW_PLUGIN_JSON_MAPPED",
        "bcgw_plugin_json_mapped",
    ),
    (
        "bcgw-plugin-niche-xml",
        "BCGW_PLUGIN_NICHE_XML",
        "bcgw_plugin_niche_xml",
    ),
    (
        "bcgw-plugin-shopnet-text",
        "BCGW_PLUGIN_SHOPNET_TEXT",
        "bcgw_plugin_shopnet_text",
    ),
    (
        "bcgw-plugin-mototrbo-tms",
        "BCGW_PLUGIN_MOTOTRBO_TMS",
        "bcgw_plugin_mototrbo_tms",
    ),
    (
        "bcgw-plugin-hytera-tms",
        "BCGW_PLUGIN_HYTERA_TMS",
        "bcgw_plugin_hytera_tms",
    ),
    (
        "bcgw-example-first-plugin",
        "BCGW_PLUGIN_FIRST_PLUGIN",
        "bcgw_example_first_plugin",
    ),
    (
        "bcgw-test-plugin-hostile",
        "BCGW_PLUGIN_HOSTILE",
        "bcgw_test_plugin_hostile",
    ),
    (
        "bcgw-test-plugin-boastful",
        "BCGW_PLUGIN_BOASTFUL",
        "bcgw_test_plugin_boastful",
    ),
];

fn target_installed(rustc: &str) -> bool {
    let Ok(out) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .exists()
}

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest
        .join("../..")
        .canonicalize()
        .expect("workspace root exists");
    for dir in [
        "sdk",
        "plugins",
        "examples/first-plugin",
        "tests/plugins",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if !target_installed(&rustc) {
        let status = Command::new("rustup")
            .args(["target", "add", TARGET])
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            panic!(
                "the {TARGET} target is missing and `rustup target add {TARGET}` failed; install it and rebuild"
            );
        }
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // <target>/<profile>/build/<pkg>-<hash>/out -> <target>/wasm-plugins
    let target_dir = out_dir
        .ancestors()
        .nth(4)
        .map(|t| t.join("wasm-plugins"))
        .unwrap_or_else(|| workspace.join("target/wasm-plugins"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&workspace)
        .args([
            "build",
            "--target",
            TARGET,
            "--profile",
            PROFILE,
            "--target-dir",
        ])
        .arg(&target_dir);
    for (package, _, _) in PLUGINS {
        cmd.args(["-p", package]);
    }
    for (key, _) in std::env::vars() {
        let outer_only =
            key.starts_with("CARGO_") && key != "CARGO_HOME" && key != "CARGO_NET_OFFLINE";
        if outer_only
            || matches!(
                key.as_str(),
                "RUSTC_WORKSPACE_WRAPPER"
                    | "RUSTC_WRAPPER"
                    | "CLIPPY_ARGS"
                    | "RUSTFLAGS"
                    | "MAKEFLAGS"
                    | "MFLAGS"
            )
        {
            cmd.env_remove(key);
        }
    }
    let status = cmd.status().expect("cannot run cargo for the plugin build");
    assert!(
        status.success(),
        "building the plugins for {TARGET} failed (see the output above)"
    );
    for (_, var, stem) in PLUGINS {
        let path = target_dir
            .join(TARGET)
            .join(PROFILE)
            .join(format!("{stem}.wasm"));
        assert!(path.exists(), "expected plugin at {}", path.display());
        println!("cargo:rustc-env={var}={}", path.display());
    }
}
