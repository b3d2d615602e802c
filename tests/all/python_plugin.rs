//! An adapter written in Python (componentize-py): the README's radio-lines in
//! `examples/python-radio-lines`. It loads under the default limits, gives
//! exactly the Rust example's reports, and runs under `bcgw plugin test`.
//!
//! `scripts/test` installs componentize-py and builds the component, and names it
//! in `BCGW_PYTHON_RADIO_LINES` (see `scripts/lib/setup.sh`).

use crate::cli_plugin::{RADIO_LINES, assert_radio_lines_plugin_test};
use crate::helpers::{engine, load, payload};
use bcgw::plugins::SandboxLimits;
use serde_json::json;

/// The Python component's path.
fn python_radio_lines() -> String {
    let path = std::env::var("BCGW_PYTHON_RADIO_LINES").unwrap_or_else(|_| {
        panic!(
            "BCGW_PYTHON_RADIO_LINES is not set: run the suite with scripts/test, which \
             installs componentize-py and builds examples/python-radio-lines"
        )
    });
    assert!(
        std::path::Path::new(&path).is_file(),
        "BCGW_PYTHON_RADIO_LINES names {path}, which is not a file"
    );
    path
}

#[test]
fn the_python_radio_lines_gives_the_rust_examples_reports() {
    let engine = engine();
    let python = load(&engine, &python_radio_lines(), SandboxLimits::default());
    let rust = load(
        &engine,
        bcgw_test_artifacts::FIRST_PLUGIN,
        SandboxLimits::default(),
    );
    assert_eq!(python.info().name, "radio-lines-py");
    let at = chrono::Utc::now();
    let from_python = python
        .translate(payload(RADIO_LINES, "text/plain", json!({})), at)
        .expect("python translates");
    let from_rust = rust
        .translate(payload(RADIO_LINES, "text/plain", json!({})), at)
        .expect("rust translates");
    assert_eq!(from_python.reports.len(), 2);
    assert_eq!(from_python.reports, from_rust.reports);
    // A payload it cannot read is its own error, not a trap.
    let err = python
        .translate(payload(&[0xff, 0xfe], "text/plain", json!({})), at)
        .unwrap_err();
    assert!(err.to_string().contains("not UTF-8"), "{err}");
}

#[test]
fn the_python_radio_lines_runs_under_bcgw_plugin_test() {
    assert_radio_lines_plugin_test(&python_radio_lines());
}
