//! Plugin throughput: the same csv-mapped translation natively (through the SDK
//! harness) and sandboxed in WASM, on the same input in one run, plus the fixed
//! per-payload cost of a fresh instance.
//!
//! Run with `cargo bench -p bcgw --bench plugin_throughput` (optionally
//! `-- --rows 200000 --chunk 1000`). Prints records/s for both, their ratio, and
//! microseconds per instantiation.

#[path = "common/mod.rs"]
mod common;

use bcgw::plugins::engine::EngineSettings;
use bcgw::plugins::{AdapterPlugin, PluginEngine, SandboxLimits};
use bcgw::sources::csv_folder::chunks::CsvChunker;
use bcgw_plugin_csv_mapped::CsvMapped;
use bcgw_sdk::plugin::{Payload, metadata_keys};
use common::arg;
use std::path::Path;
use std::time::{Duration, Instant};

const CONFIG: &str = include_str!("../../plugins/csv-mapped/fixtures/messy.toml");

fn generate(rows: usize) -> Vec<u8> {
    let mut csv = String::from("Ref,Date,Store,Postcode,Type,Value,Description,Narrative\r\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "R{i},{:02}/10/2026 {:02}:{:02},Store {},BS1 3XE,Shoplifting,£{}.99,\"Male, {}0s, dark jacket\",\"Took items from aisle {}, left via main door\"\r\n",
            i % 28 + 1, i % 24, i % 60, i % 500, i % 100, i % 6 + 2, i % 40
        ));
    }
    csv.into_bytes()
}

fn payloads(csv: &[u8], chunk: usize, config: &str) -> Vec<Payload> {
    CsvChunker::new(csv, chunk)
        .map(|c| {
            let c = c.expect("in-memory read");
            Payload {
                bytes: c.bytes,
                content_type: "text/csv".into(),
                source: "bench".into(),
                metadata: vec![(metadata_keys::FIRST_LINE.into(), c.first_line.to_string())],
                config: config.to_string(),
            }
        })
        .collect()
}

/// Best of `runs` timings of `f`, which returns the number of records it produced.
fn best_of(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            let n = f();
            (start.elapsed(), n)
        })
        .min_by_key(|(d, _)| *d)
        .expect("at least one run")
}

fn main() {
    let rows = arg("--rows", 100_000);
    let chunk = arg("--chunk", 1000);
    let config: toml::Table = toml::from_str(CONFIG).expect("fixture config");
    let config = serde_json::to_string(&config).expect("json");
    let csv = generate(rows);
    let input = payloads(&csv, chunk, &config);
    println!(
        "input: {rows} rows, {} payloads of up to {chunk} rows, {:.1} MiB",
        input.len(),
        csv.len() as f64 / (1 << 20) as f64
    );

    let (native, n_native) = best_of(3, || {
        input
            .iter()
            .map(|p| {
                bcgw_sdk::plugin::translate_with_config::<CsvMapped>(p.clone())
                    .expect("native translate")
                    .reports
                    .len()
            })
            .sum()
    });

    let engine = PluginEngine::new(EngineSettings {
        cache_dir: None,
        ..EngineSettings::default()
    })
    .expect("engine");
    let plugin = AdapterPlugin::load(
        &engine,
        Path::new(bcgw_test_artifacts::CSV_MAPPED),
        None,
        SandboxLimits::default(),
    )
    .expect("plugin loads");
    let received = chrono::Utc::now();
    let (wasm, n_wasm) = best_of(3, || {
        input
            .iter()
            .map(|p| {
                plugin
                    .translate(p.clone(), received)
                    .expect("wasm translate")
                    .reports
                    .len()
            })
            .sum()
    });
    assert_eq!(
        n_native, n_wasm,
        "native and WASM must produce the same number of records"
    );

    let probes = 2000;
    let (inst, _) = best_of(3, || {
        for _ in 0..probes {
            plugin.instantiate_probe().expect("instantiate");
        }
        probes
    });
    let empty = Payload {
        bytes: b"Ref,Date,Store,Postcode,Type,Value,Description,Narrative\r\n".to_vec(),
        ..input[0].clone()
    };
    let (call, _) = best_of(3, || {
        for _ in 0..probes {
            plugin
                .translate(empty.clone(), received)
                .expect("empty call");
        }
        probes
    });

    let rate = |d: Duration, n: usize| n as f64 / d.as_secs_f64();
    println!(
        "native (harness): {:>10.0} records/s  ({:.1} ms)",
        rate(native, n_native),
        native.as_secs_f64() * 1e3
    );
    println!(
        "wasm (sandboxed): {:>10.0} records/s  ({:.1} ms)",
        rate(wasm, n_wasm),
        wasm.as_secs_f64() * 1e3
    );
    println!(
        "wasm / native:    {:>10.2}",
        rate(wasm, n_wasm) / rate(native, n_native)
    );
    println!(
        "instantiate only: {:>10.1} us per instance",
        inst.as_secs_f64() * 1e6 / probes as f64
    );
    println!(
        "empty translate:  {:>10.1} us per call (instantiate + config parse + call)",
        call.as_secs_f64() * 1e6 / probes as f64
    );
}
