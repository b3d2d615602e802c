//! Hostile plugins: each attack is stopped with a specific error, and the same host
//! then serves the next payload correctly.

use crate::helpers::{engine, load, payload};
use bcgw::plugins::{AdapterPlugin, PluginError, SandboxLimits};
use bcgw_test_artifacts::HOSTILE;
use chrono::{TimeZone, Utc};
use serde_json::json;

fn attack(
    plugin: &AdapterPlugin,
    config: serde_json::Value,
) -> Result<bcgw::plugins::Translated, PluginError> {
    plugin.translate(payload(b"payload", "text/plain", config), Utc::now())
}

/// After any attack, a well-behaved call on the same plugin and engine works.
fn assert_still_serves(plugin: &AdapterPlugin) {
    let out = plugin
        .translate(
            payload(b"next payload", "text/plain", json!({"attack": "echo"})),
            Utc::now(),
        )
        .expect("the host serves the next payload");
    assert_eq!(out.reports.len(), 1);
    assert_eq!(
        out.reports[0].event.narrative.as_deref(),
        Some("next payload")
    );
}

#[test]
fn an_infinite_loop_hits_the_deadline() {
    let engine = engine();
    let limits = SandboxLimits {
        deadline_ms: 100,
        ..SandboxLimits::default()
    };
    let plugin = load(&engine, HOSTILE, limits);
    let err = attack(&plugin, json!({"attack": "spin"})).unwrap_err();
    assert!(
        matches!(
            err,
            PluginError::DeadlineExceeded {
                deadline_ms: 100,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("deadline exceeded"), "{err}");
    assert_still_serves(&plugin);
}

#[test]
fn a_memory_bomb_hits_the_memory_cap() {
    let engine = engine();
    let limits = SandboxLimits {
        memory_bytes: 32 << 20,
        ..SandboxLimits::default()
    };
    let plugin = load(&engine, HOSTILE, limits);
    let err = attack(&plugin, json!({"attack": "memory-bomb"})).unwrap_err();
    match &err {
        PluginError::MemoryCap { requested, cap, .. } => {
            assert_eq!(*cap, 32 << 20);
            assert!(*requested > *cap);
        }
        other => panic!("expected the memory cap, got {other}"),
    }
    assert!(err.to_string().contains("memory cap exceeded"), "{err}");
    assert_still_serves(&plugin);
}

#[test]
fn too_many_reports_hit_the_record_cap() {
    let engine = engine();
    let limits = SandboxLimits {
        max_records: 1000,
        ..SandboxLimits::default()
    };
    let plugin = load(&engine, HOSTILE, limits);
    let err = attack(&plugin, json!({"attack": "huge-output", "reports": 5000})).unwrap_err();
    assert!(matches!(err, PluginError::OutputCap { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("5000 reports returned, limits.max_records is 1000"),
        "{err}"
    );
    assert_still_serves(&plugin);
}

#[test]
fn too_many_bytes_hit_the_output_cap() {
    let engine = engine();
    let limits = SandboxLimits {
        max_output_bytes: 4 << 20,
        ..SandboxLimits::default()
    };
    let plugin = load(&engine, HOSTILE, limits);
    let err = attack(
        &plugin,
        json!({"attack": "huge-output", "reports": 10, "narrative_bytes": 1 << 20}),
    )
    .unwrap_err();
    assert!(matches!(err, PluginError::OutputCap { .. }), "{err}");
    assert!(err.to_string().contains("max_output_bytes"), "{err}");
    assert_still_serves(&plugin);
}

#[test]
fn a_panic_is_a_trap_with_the_panic_message() {
    let engine = engine();
    let plugin = load(&engine, HOSTILE, SandboxLimits::default());
    let err = attack(&plugin, json!({"attack": "panic"})).unwrap_err();
    let PluginError::Trap {
        stderr, message, ..
    } = &err
    else {
        panic!("expected a trap, got {err}")
    };
    assert!(
        stderr.contains("boom: this plugin panics on purpose"),
        "{stderr}"
    );
    assert!(message.contains("unreachable"), "{message}");
    assert_still_serves(&plugin);
}

#[test]
fn unbounded_recursion_is_a_stack_overflow_trap() {
    let engine = engine();
    let plugin = load(&engine, HOSTILE, SandboxLimits::default());
    let err = attack(&plugin, json!({"attack": "stack-overflow"})).unwrap_err();
    let PluginError::Trap { message, .. } = &err else {
        panic!("expected a trap, got {err}")
    };
    assert!(message.contains("call stack exhausted"), "{message}");
    assert_still_serves(&plugin);
}

#[test]
fn files_environment_and_network_are_denied() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let engine = engine();
    let plugin = load(&engine, HOSTILE, SandboxLimits::default());
    let out = attack(&plugin, json!({"attack": "snoop", "connect": addr})).unwrap();
    let seen: serde_json::Value =
        serde_json::from_str(out.reports[0].event.narrative.as_deref().unwrap()).unwrap();
    assert_eq!(seen["file_ok"], false, "read /etc/passwd: {seen}");
    assert_eq!(seen["dir_ok"], false, "listed /: {seen}");
    // The test process certainly has PATH and HOME; the plugin sees no variables.
    assert!(std::env::vars().count() > 0);
    assert_eq!(seen["env_count"], 0, "{seen}");
    assert_eq!(seen["canary_ok"], false, "{seen}");
    assert_eq!(seen["args"], 0, "{seen}");
    assert!(seen["tcp"].as_str().unwrap().starts_with("Err"), "{seen}");
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the plugin reached the loopback listener"
    );
    assert_still_serves(&plugin);
}

#[test]
fn the_plugin_clock_reads_the_moment_of_receipt() {
    let engine = engine();
    let plugin = load(&engine, HOSTILE, SandboxLimits::default());
    let received = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
    let out = plugin
        .translate(
            payload(b"", "text/plain", json!({"attack": "clock"})),
            received,
        )
        .unwrap();
    assert_eq!(
        out.reports[0].event.narrative.as_deref(),
        Some(received.timestamp().to_string().as_str())
    );
}

#[test]
fn a_log_flood_is_capped_not_fatal() {
    let engine = engine();
    let limits = SandboxLimits {
        max_log_bytes: 4096,
        ..SandboxLimits::default()
    };
    let plugin = load(&engine, HOSTILE, limits);
    let out = attack(&plugin, json!({"attack": "log-flood", "lines": 5_000})).unwrap();
    assert_eq!(out.reports[0].event.narrative.as_deref(), Some("survived"));
    assert_eq!(out.stderr.len(), 4096);
    assert!(out.stderr.starts_with("log line 0 "));
    assert_eq!(out.stdout, "hostile plugin: attack log-flood\n");
}

#[test]
fn one_engine_survives_every_attack_in_turn() {
    let engine = engine();
    let limits = SandboxLimits {
        deadline_ms: 100,
        memory_bytes: 32 << 20,
        max_records: 1000,
        ..SandboxLimits::default()
    };
    let plugin = load(&engine, HOSTILE, limits);
    for round in 0..3 {
        for config in [
            json!({"attack": "spin"}),
            json!({"attack": "memory-bomb"}),
            json!({"attack": "huge-output", "reports": 2000}),
            json!({"attack": "panic"}),
            json!({"attack": "stack-overflow"}),
        ] {
            assert!(
                attack(&plugin, config.clone()).is_err(),
                "round {round}: {config} succeeded"
            );
            assert_still_serves(&plugin);
        }
    }
}

#[test]
fn a_sha256_pin_mismatch_is_refused_with_both_digests() {
    let engine = engine();
    let wrong = "ab".repeat(32);
    let err = AdapterPlugin::load(
        &engine,
        std::path::Path::new(HOSTILE),
        Some(&wrong),
        SandboxLimits::default(),
    )
    .unwrap_err();
    let actual = bcgw::plugins::sha256_hex(&std::fs::read(HOSTILE).unwrap());
    let msg = err.to_string();
    assert!(
        msg.contains("sha256 mismatch") && msg.contains(&wrong) && msg.contains(&actual),
        "{msg}"
    );
    // The right pin, in upper case, is accepted.
    AdapterPlugin::load(
        &engine,
        std::path::Path::new(HOSTILE),
        Some(&actual.to_uppercase()),
        SandboxLimits::default(),
    )
    .expect("the correct pin loads");
}

#[test]
fn a_file_that_is_not_a_component_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.wasm");
    std::fs::write(&path, b"\0asm\x01\0\0\0this is not wasm").unwrap();
    let err = AdapterPlugin::load(&engine(), &path, None, SandboxLimits::default()).unwrap_err();
    assert!(matches!(err, PluginError::Compile { .. }), "{err}");
    assert!(err.to_string().contains("junk.wasm"), "{err}");
}

/// Attacks that wait in the host rather than spin in wasm: each is stopped at
/// the deadline with the deadline's error, long before the wait it asked for.
#[test]
fn sleeping_clock_spinning_and_polling_plugins_are_stopped_at_the_deadline() {
    let engine = engine();
    let limits = SandboxLimits {
        deadline_ms: 250,
        ..SandboxLimits::default()
    };
    let plugin = load(&engine, HOSTILE, limits);
    for config in [
        json!({"attack": "sleep", "ms": 20_000}),
        json!({"attack": "sleep-loop", "ms": 1}),
        json!({"attack": "clock-spin", "ms": 20_000}),
        json!({"attack": "long-poll", "ms": 20_000}),
        json!({"attack": "stdin-wait"}),
    ] {
        let started = std::time::Instant::now();
        let err = attack(&plugin, config.clone()).unwrap_err();
        let took = started.elapsed();
        assert!(
            matches!(
                err,
                PluginError::DeadlineExceeded {
                    deadline_ms: 250,
                    ..
                }
            ),
            "{config}: {err}"
        );
        // Not a benchmark: the attack asked for 20 s (or forever); the call must
        // have been cut off, not waited out.
        assert!(
            took < std::time::Duration::from_secs(10),
            "{config}: held the worker {took:?}"
        );
        assert_still_serves(&plugin);
    }
}

#[test]
fn a_short_sleep_within_the_deadline_returns_without_blocking() {
    let engine = engine();
    let plugin = load(&engine, HOSTILE, SandboxLimits::default());
    let out = attack(&plugin, json!({"attack": "sleep", "ms": 20})).expect("a short sleep");
    assert_eq!(out.reports[0].event.narrative.as_deref(), Some("woke up"));
}

/// A reject's field and reason, and a payload error's message, are cut to what
/// a person reads, with a note of their full length: never stored or printed whole.
#[test]
fn huge_reject_reasons_and_error_messages_are_capped() {
    let engine = engine();
    let plugin = load(&engine, HOSTILE, SandboxLimits::default());
    let bytes = 8 << 20;
    let out = attack(&plugin, json!({"attack": "huge-reject", "bytes": bytes})).unwrap();
    assert_eq!(out.rejects.len(), 1);
    let text = out.rejects[0].error.to_string();
    assert!(text.len() < 2 * 1024, "{} bytes kept", text.len());
    assert!(
        text.contains(&format!("{bytes} bytes in all]")),
        "{text:.300}"
    );
    let err = attack(&plugin, json!({"attack": "huge-error", "bytes": bytes})).unwrap_err();
    let PluginError::Adapter { error, .. } = &err else {
        panic!("{err:.300}")
    };
    assert_eq!(error.kind(), "malformed");
    assert!(
        err.to_string().len() < 2 * 1024,
        "{}",
        err.to_string().len()
    );
    assert!(err.to_string().contains("bytes in all]"));
    assert_still_serves(&plugin);
}

#[test]
fn too_many_rejects_hit_the_record_cap() {
    let engine = engine();
    let limits = SandboxLimits {
        max_records: 100,
        ..SandboxLimits::default()
    };
    let plugin = load(&engine, HOSTILE, limits);
    let ok = attack(&plugin, json!({"attack": "many-rejects", "rejects": 100})).unwrap();
    assert_eq!(ok.rejects.len(), 100);
    let err = attack(&plugin, json!({"attack": "many-rejects", "rejects": 101})).unwrap_err();
    assert!(matches!(err, PluginError::OutputCap { .. }), "{err}");
    assert!(err.to_string().contains("101 rejects"), "{err}");
}

#[test]
fn what_describe_says_is_capped_field_by_field() {
    let engine = engine();
    let plugin = load(
        &engine,
        bcgw_test_artifacts::BOASTFUL,
        SandboxLimits::default(),
    );
    let info = plugin.info();
    assert!(info.name.starts_with("bbbb"));
    assert!(info.name.len() < 256, "{}", info.name.len());
    assert!(info.description.len() < 2 * 1024);
    assert_eq!(info.systems.len(), bcgw::plugins::caps::MAX_LIST_ITEMS);
    assert_eq!(info.config_keys.len(), bcgw::plugins::caps::MAX_LIST_ITEMS);
    assert!(serde_json::to_vec(info).unwrap().len() < 200 << 10);
}
