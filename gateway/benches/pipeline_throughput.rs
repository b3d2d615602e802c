//! End-to-end pipeline throughput: CSV rows dropped into a folder, through the
//! journal (durability on: WAL, synchronous=FULL), csv-mapped, the outbox and the
//! niche-xml renderer, POSTed to the Niche simulator.
//!
//! `scripts/bench` builds what it needs and runs it; by hand:
//! `cargo build --release -p niche-sim && cargo bench -p bcgw --bench pipeline_throughput -- --rows 100000`.
//! Prints rows/s (wall clock, start-up included), p50/p99 latency from journal
//! commit to delivery (from the store's own timestamps) and the gateway's peak RSS.

#[path = "common/mod.rs"]
mod common;

use common::{arg, peak_rss_kib, percentile, start_niche_sim};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn write_csv(path: &Path, rows: usize) {
    let tmp = path.with_extension("tmp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("csv"));
    writeln!(f, "Ref,Date,Store,Postcode,Type,Narrative\r").expect("write");
    for i in 0..rows {
        writeln!(
            f,
            "R{i},{:02}/10/2026 {:02}:{:02},Store {},BS1 3XE,Shoplifting,\"Row {i}, took items from aisle {}\"\r",
            i % 28 + 1,
            i % 24,
            i % 60,
            i % 500,
            i % 40
        )
        .expect("write");
    }
    f.flush().expect("flush");
    drop(f);
    std::fs::rename(&tmp, path).expect("rename into the drop folder");
}

fn run(rows: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop = dir.path().join("drop");
    std::fs::create_dir_all(&drop).expect("drop");
    let (mut sim, addr) = start_niche_sim(dir.path());
    let config = dir.path().join("bcgw.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[store]
path = "data/bcgw.sqlite"
[sources.shop]
kind = "csv-folder"
plugin = {csv:?}
[sources.shop.plugin_config]
source_system = "retailer-csv"
[sources.shop.plugin_config.columns]
"Ref" = "source_record_id"
"Date" = "occurred_at"
"Store" = "premises_name"
"Postcode" = "postcode"
"Type" = "category"
"Narrative" = "narrative"
[sources.shop.plugin_config.categories]
"Shoplifting" = "theft-from-shop"
[sources.shop.csv_folder]
path = "drop"
completion = "rename"
poll_interval_ms = 50
[sinks.niche]
kind = "niche"
renderer = {xml:?}
[sinks.niche.renderer_config]
force_code = "AS"
default_offence_code = "BC-OTHER"
[sinks.niche.niche]
url = "http://{addr}/submissions"
concurrency = 16
"#,
            csv = bcgw_test_artifacts::CSV_MAPPED,
            xml = bcgw_test_artifacts::NICHE_XML,
        ),
    )
    .expect("config");
    write_csv(&drop.join("export.csv"), rows);
    let start = Instant::now();
    let mut gw = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["--log", "warn", "run", "--until-idle", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .spawn()
        .expect("bcgw");
    let pid = gw.id();
    let mut peak = 0;
    let status = loop {
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        if let Some(s) = gw.try_wait().expect("wait") {
            break s;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let wall = start.elapsed();
    let _ = sim.kill();
    let _ = sim.wait();
    assert!(status.success(), "bcgw failed");
    let db = rusqlite::Connection::open(dir.path().join("data/bcgw.sqlite")).expect("store");
    let mut latencies: Vec<i64> = db
        .prepare("SELECT delivered_at - journaled_at FROM outbox WHERE state = 'delivered'")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("latencies");
    latencies.sort_unstable();
    assert_eq!(latencies.len(), rows, "every row delivered");
    let db_size = std::fs::metadata(dir.path().join("data/bcgw.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "{rows:>8} rows: {:>8.0} rows/s end to end ({:.1} s), journal->delivery p50 {} ms p99 {} ms, peak RSS {:.0} MiB, store {:.0} MiB",
        rows as f64 / wall.as_secs_f64(),
        wall.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        peak as f64 / 1024.0,
        db_size as f64 / (1 << 20) as f64
    );
}

fn main() {
    let rows = arg("--rows", 0);
    if rows > 0 {
        run(rows);
    } else {
        run(100_000);
        run(1_000_000);
    }
}
