//! `bcgw plugin test` and `bcgw plugin inspect`, run as a user runs them.

use crate::helpers::{code_cache, workspace};
use bcgw_test_artifacts::{CSV_MAPPED, HOSTILE};
use std::process::{Command, Output};

fn bcgw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(args)
        .env(
            "XDG_CACHE_HOME",
            code_cache().parent().expect("cache dir has a parent"),
        )
        .current_dir(workspace())
        .output()
        .expect("bcgw runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn plugin_test_prints_reports_as_json_lines_and_errors_with_line_numbers() {
    let out = bcgw(&[
        "plugin",
        "test",
        "--plugin",
        CSV_MAPPED,
        "--config",
        "plugins/csv-mapped/fixtures/messy.toml",
        "--input",
        "plugins/csv-mapped/fixtures/messy.csv",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let ids: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["source_record_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["R1", "R2", "R3", "R5", "R6"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("rejected (line 8, item 3): invalid field Date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("5 report(s) translated, 1 item(s) failed"),
        "{stderr}"
    );
}

#[test]
fn plugin_test_exits_zero_when_every_item_succeeds() {
    let out = bcgw(&[
        "plugin",
        "test",
        "--plugin",
        CSV_MAPPED,
        "--config",
        "examples/plugin-config/northgate-retail.toml",
        "--input",
        "examples/exports/northgate-retail-week45.csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 5);
}

#[test]
fn plugin_test_reports_a_hostile_plugin_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("spin.toml");
    std::fs::write(&config, "attack = \"spin\"\n").unwrap();
    let out = bcgw(&[
        "plugin",
        "test",
        "--plugin",
        HOSTILE,
        "--config",
        config.to_str().unwrap(),
        "--input",
        "examples/exports/northgate-retail-week45.csv",
        "--content-type",
        "text/plain",
        "--deadline-ms",
        "50",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("deadline exceeded: still running after 50 ms"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn plugin_test_refuses_a_plugin_whose_sha256_differs_from_the_pin() {
    let out = bcgw(&[
        "plugin",
        "test",
        "--plugin",
        CSV_MAPPED,
        "--sha256",
        &"0".repeat(64),
        "--input",
        "examples/exports/northgate-retail-week45.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("sha256 mismatch"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn plugin_inspect_prints_declarations_and_digest() {
    let sha = bcgw::plugins::sha256_hex(&std::fs::read(CSV_MAPPED).unwrap());
    let out = bcgw(&["plugin", "inspect", CSV_MAPPED]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("name:          csv-mapped"), "{stdout}");
    assert!(
        stdout.contains("wit package:   bcgw:adapter@1.0.0"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("sha256:        {sha}")),
        "{stdout}"
    );
    assert!(stdout.contains("columns (required)"), "{stdout}");
    let json = bcgw(&["plugin", "inspect", "--json", CSV_MAPPED]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["sha256"], sha);
    assert_eq!(v["wit_version"], "1.0.0");
    assert_eq!(v["systems"][0], "retailer-csv");
}

/// Radio text for the README's radio-lines plugin: two alerts and a blank line.
pub const RADIO_LINES: &[u8] = b"ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT\r\n\r\nALERT 14:09 TK MAXX F 20S GREY TRK\r\n";

/// Runs `bcgw plugin test` with a radio-lines plugin (Rust or Python) over
/// [`RADIO_LINES`] and checks it printed the two alerts.
pub fn assert_radio_lines_plugin_test(plugin: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("radio.txt");
    std::fs::write(&input, RADIO_LINES).expect("input written");
    let input = input.to_string_lossy();
    let out = bcgw(&["plugin", "test", "--plugin", plugin, "--input", &input]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let alerts: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["event"]["kind"], "alert");
    assert_eq!(
        alerts[1]["event"]["narrative"],
        "ALERT 14:09 TK MAXX F 20S GREY TRK"
    );
}

#[test]
fn the_readme_first_plugin_runs_in_the_gateway() {
    assert_radio_lines_plugin_test(bcgw_test_artifacts::FIRST_PLUGIN);
}

#[test]
fn plugin_inspect_recognises_a_sink_renderer() {
    let out = bcgw(&[
        "plugin",
        "inspect",
        "--json",
        bcgw_test_artifacts::NICHE_XML,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "renderer");
    assert_eq!(v["name"], "niche-xml");
    assert_eq!(v["config_keys"][0]["name"], "force_code");
}

#[test]
fn plugin_inspect_prints_a_boastful_describe_capped() {
    let out = bcgw(&["plugin", "inspect", bcgw_test_artifacts::BOASTFUL]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The plugin's name alone is 20 MB.
    assert!(
        out.stdout.len() < 256 << 10,
        "{} bytes printed",
        out.stdout.len()
    );
    assert!(text(&out.stdout).contains("bytes in all]"));
}

/// `cargo` for a project outside this build: the outer build's settings removed
/// (as `tests/artifacts/build.rs` does), a target directory shared by runs.
fn cargo_in(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args).current_dir(dir);
    for (key, _) in std::env::vars() {
        if (key.starts_with("CARGO_") && key != "CARGO_HOME")
            || matches!(
                key.as_str(),
                "RUSTC_WORKSPACE_WRAPPER" | "RUSTC_WRAPPER" | "RUSTFLAGS"
            )
        {
            cmd.env_remove(key);
        }
    }
    cmd.env(
        "CARGO_TARGET_DIR",
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold-target"),
    );
    cmd.output().expect("cargo runs")
}

/// From nothing to a tested plugin: `bcgw plugin new` makes a project whose unit
/// tests pass, which builds to a component, and which `bcgw plugin test` runs.
#[test]
fn a_new_adapter_builds_passes_its_tests_and_runs_in_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("acme-feed");
    let project_arg = project.to_string_lossy().into_owned();
    let out = bcgw(&["plugin", "new", "acme-feed", "--dir", &project_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("cargo build --target wasm32-wasip2 --profile plugin"));
    // A second time into the same folder is refused, not overwritten.
    let again = bcgw(&["plugin", "new", "acme-feed", "--dir", &project_arg]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("not empty"),
        "{}",
        text(&again.stderr)
    );
    let tests = cargo_in(&project, &["test", "--quiet"]);
    assert!(tests.status.success(), "{}", text(&tests.stderr));
    assert!(
        text(&tests.stdout).contains("2 passed"),
        "{}",
        text(&tests.stdout)
    );
    let build = cargo_in(
        &project,
        &[
            "build",
            "--quiet",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "plugin",
        ],
    );
    assert!(build.status.success(), "{}", text(&build.stderr));
    let wasm = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("scaffold-target/wasm32-wasip2/plugin/acme_feed.wasm");
    let wasm = wasm.to_string_lossy().into_owned();
    let fixture = project.join("fixtures/sample.txt");
    let run = bcgw(&[
        "plugin",
        "test",
        "--plugin",
        &wasm,
        "--input",
        &fixture.to_string_lossy(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let reports: Vec<serde_json::Value> = text(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["source_system"], "acme-feed");
}

#[test]
fn a_new_renderer_passes_its_tests() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("acme-rms");
    let out = bcgw(&[
        "plugin",
        "new",
        "acme-rms",
        "--kind",
        "renderer",
        "--dir",
        &project.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let tests = cargo_in(&project, &["test", "--quiet"]);
    assert!(tests.status.success(), "{}", text(&tests.stderr));
    assert!(
        text(&tests.stdout).contains("1 passed"),
        "{}",
        text(&tests.stdout)
    );
}
