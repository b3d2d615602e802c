//! `bcgw check-config`, `bcgw status` and `bcgw quarantine`, as a user runs them.

use crate::gateway::{Gateway, csv_rows};
use crate::niche::NicheSim;
use bcgw_test_artifacts::{CSV_MAPPED, NICHE_XML};
use std::process::Command;
use std::time::Duration;

fn bcgw(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["--log", "warn"])
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .output()
        .expect("bcgw runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn check_config_reports_every_problem_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bcgw.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[store]
path = "data/bcgw.sqlite"
group_comit_max = 5

[sources.good]
kind = "csv-folder"
plugin = {CSV_MAPPED:?}
[sources.good.plugin_config.columns]
"Ref" = "reference_number"
[sources.good.csv_folder]
path = "drop"

[sources.pinned]
kind = "csv-folder"
plugin = {CSV_MAPPED:?}
plugin_sha256 = "{zeros}"
[sources.pinned.plugin_config.columns]
"Ref" = "source_record_id"
[sources.pinned.csv_folder]
path = "drop2"

[sources.missing]
kind = "csv-folder"
plugin = "plugins/nowhere.wasm"
[sources.missing.csv_folder]
path = "drop3"

[sinks.niche]
kind = "niche"
renderer = {NICHE_XML:?}
[sinks.niche.renderer_config]
force_code = "AS"
default_offence_code = "OTHER"
[sinks.niche.niche]
url = "not a url"
[sinks.niche.niche.auth]
bearer_token = {{ env = "BCGW_TEST_UNSET_TOKEN_VAR" }}
"#,
            zeros = "0".repeat(64)
        ),
    )
    .unwrap();
    let (code, out) = bcgw(&["check-config", config.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{out}");
    for expected in [
        "error: store.group_comit_max: unknown key",
        "error: sources.good.plugin_config: plugin csv-mapped@0.1.0: bad plugin config: columns.\"Ref\": unknown target 'reference_number'",
        "error: sources.pinned.plugin_sha256: plugin",
        "sha256 mismatch: config says 0000000000000000000000000000000000000000000000000000000000000000, file is",
        "error: sources.missing.plugin: ",
        "plugins/nowhere.wasm does not exist; build it",
        "error: sinks.niche.niche.url: \"not a url\" is not a URL",
        "error: sinks.niche.niche.auth.bearer_token: environment variable BCGW_TEST_UNSET_TOKEN_VAR is not set",
        "warning: sources.good.plugin_sha256: not set",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    // Environment overrides are applied before checking.
    let (_, out) = bcgw(
        &["check-config", config.to_str().unwrap()],
        &[
            (
                "BCGW__SINKS__NICHE__NICHE__URL",
                "http://127.0.0.1:9/submissions",
            ),
            ("BCGW_TEST_UNSET_TOKEN_VAR", "t0ken"),
        ],
    );
    assert!(!out.contains("sinks.niche.niche.url"), "{out}");
    assert!(!out.contains("bearer_token"), "{out}");
    assert!(!out.contains("t0ken"), "a secret was printed: {out}");
}

#[test]
fn a_valid_config_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let gw = Gateway::new(dir.path(), &sim.url(), None, "");
    let (code, out) = bcgw(&["check-config", gw.config.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(": 0 error(s)"), "{out}");
    // --config, as every other verb takes it, works the same.
    let (code, out) = bcgw(
        &["check-config", "--config", gw.config.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(": 0 error(s)"), "{out}");
    let (code, out) = bcgw(&["status", "--config", gw.config.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{out}");
    // Neither form: told what to give.
    let (code, out) = bcgw(&["check-config"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--config <file>"), "{out}");
}

#[test]
fn quarantine_list_show_and_replay_after_fixing_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = Gateway::new(dir.path(), &sim.url(), None, "");
    let mut csv = csv_rows(0, 5);
    csv.push_str("R5,2026-10-05 10:00,Store 5,BS1 3XE,Shoplifting,\"dated the ISO way\"\r\n");
    // The mapping only knows UK dates: row R5 is quarantined.
    let config = std::fs::read_to_string(&gw.config).unwrap();
    std::fs::write(
        &gw.config,
        config.replace(
            "[sources.shop.plugin_config]",
            "[sources.shop.plugin_config]\ndate_formats = [\"%d/%m/%Y %H:%M\"]",
        ),
    )
    .unwrap();
    gw.drop_file("export.csv", &csv);
    let (status, summary) = gw.run_until_idle(Duration::from_secs(60));
    assert!(status.success(), "{}", gw.logs());
    assert!(
        summary.contains("quarantined items:         1"),
        "{summary}"
    );
    assert_eq!(sim.occurrences(), 5);
    let cfg = gw.config.to_str().unwrap();
    let (code, list) = bcgw(&["quarantine", "list", "--config", cfg], &[]);
    assert_eq!(code, 0);
    assert!(
        list.contains("invalid-field") && list.contains("line 7"),
        "{list}"
    );
    let (_, shown) = bcgw(&["quarantine", "show", "--config", cfg, "1"], &[]);
    assert!(
        shown.contains(
            "reason:      invalid field Date: not a date in any configured format (%d/%m/%Y %H:%M)"
        ),
        "{shown}"
    );
    assert!(shown.contains("plugin:      csv-mapped@0.1.0"), "{shown}");
    assert!(
        !shown.contains("dated the ISO way"),
        "personal data without --payload: {shown}"
    );
    // Fix the config (accept ISO dates) and replay: only the fixed row is new.
    std::fs::write(
        &gw.config,
        std::fs::read_to_string(&gw.config).unwrap().replace(
            "date_formats = [\"%d/%m/%Y %H:%M\"]",
            "date_formats = [\"%d/%m/%Y %H:%M\", \"iso8601\"]",
        ),
    )
    .unwrap();
    let (code, replayed) = bcgw(&["quarantine", "replay", "--config", cfg, "1"], &[]);
    assert_eq!(code, 0, "{replayed}");
    assert!(
        replayed.contains("replayed 1 item(s): 1 payload(s)"),
        "{replayed}"
    );
    let (status, summary) = gw.run_until_idle(Duration::from_secs(60));
    assert!(status.success());
    assert!(
        summary.contains("records out:               6"),
        "{summary}"
    );
    assert!(
        summary.contains("exact duplicates removed:  0"),
        "a replay is not a duplicate: {summary}"
    );
    assert!(
        summary.contains("quarantined items:         0"),
        "{summary}"
    );
    assert_eq!(sim.occurrences(), 6);
    assert_eq!(sim.stats()["replayed"], 0);
}

/// Two components holding one exclusive resource are refused at check time,
/// each conflict naming both keys (issue 22).
#[test]
fn check_config_refuses_one_port_client_id_or_folder_held_twice() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bcgw.toml");
    let plugin = bcgw_test_artifacts::FIRST_PLUGIN;
    std::fs::write(
        &config,
        format!(
            r#"
[store]
path = "data/bcgw.sqlite"

[sources.radio-a]
kind = "serial"
plugin = {plugin:?}
[sources.radio-a.serial]
port = "/dev/ttyS7"
baud_rate = 9600

[sources.radio-b]
kind = "serial"
plugin = {plugin:?}
[sources.radio-b.serial]
port = "/dev/ttyS7"
baud_rate = 9600

[sources.mqtt-a]
kind = "mqtt"
plugin = {plugin:?}
[sources.mqtt-a.mqtt]
host = "127.0.0.1"
topics = ["shopnet/+/alerts"]
client_id = "bcgw-radio"

[sources.mqtt-b]
kind = "mqtt"
plugin = {plugin:?}
[sources.mqtt-b.mqtt]
host = "127.0.0.1"
topics = ["other/+/alerts"]
client_id = "bcgw-radio"

[sources.mqtt-c]
kind = "mqtt"
plugin = {plugin:?}
[sources.mqtt-c.mqtt]
host = "127.0.0.2"
topics = ["other/+/alerts"]
client_id = "bcgw-radio"

[sources.exports-a]
kind = "csv-folder"
plugin = {plugin:?}
[sources.exports-a.csv_folder]
path = "drop"

[sources.exports-b]
kind = "csv-folder"
plugin = {plugin:?}
[sources.exports-b.csv_folder]
path = "./drop"
"#
        ),
    )
    .unwrap();
    let (code, out) = bcgw(&["check-config", config.to_str().unwrap()], &[]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains(
            "sources.radio-a.serial: serial port /dev/ttyS7 is also used by sources.radio-b.serial"
        ),
        "{out}"
    );
    assert!(
        out.contains("sources.mqtt-a.mqtt: MQTT client id \"bcgw-radio\" on 127.0.0.1:1883 is also used by sources.mqtt-b.mqtt"),
        "{out}"
    );
    // Another broker: no conflict.
    assert!(
        !out.contains("sources.mqtt-c.mqtt: MQTT client id"),
        "{out}"
    );
    assert!(
        out.contains("is also used by sources.exports-b.csv_folder"),
        "{out}"
    );
}
