//! End-to-end pipeline throughput: CSV rows dropped into a folder, through the
//! journal (durability on: WAL, synchronous=FULL), csv-mapped, the outbox and the
//! niche-xml renderer, POSTed to the Niche simulator.
//!
//! `scripts/bench` builds what it needs and runs it; by hand:
//! `cargo build --release -p niche-sim && cargo bench -p bcgw --bench pipeline_throughput -- --rows 100000`.
//! Prints rows/s (wall clock, start-up included), p50/p99 latency from journal
//! commit to delivery (from the store's own timestamps) and the gateway's peak RSS.
//!
//! `-- --intake --rows N`: intake alone, with the sink down (its URL a closed
//! port): the time from start until every row is a record with an outbox row
//! committed, and when the journal and the records got there on the way.
//! `--no-link` in either mode turns the link stage off, to see what it costs;
//! `--sources N` shares the rows out over N CSV folder sources (the memory
//! figure: 10 sources, 1M rows).
//!
//! `-- --rate R --seconds S`: a steady load instead of one big file: an export
//! of R/10 rows dropped every 100 ms for S seconds, the simulator up; prints the
//! journal-to-delivery latency percentiles under that load (no link hold: the
//! rows are old, and `hold_seconds = 0`).

#[path = "common/mod.rs"]
mod common;

use common::{arg, peak_rss_kib, percentile, start_niche_sim};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The postcode of store `s`: each of the 500 stores has its own, as a real
/// retailer's export has (one postcode for every row would make every row a
/// candidate match for every other on its day: a linking stress test, not intake).
fn postcode(s: usize) -> String {
    let letter = |n: usize| char::from(b'A' + (n % 26) as u8);
    format!(
        "BS{} {}{}{}",
        1 + s % 40,
        s / 40 % 10,
        letter(s),
        letter(s / 26)
    )
}

/// Writes rows `first..first + rows` as a retailer export (500 stores, 28 days),
/// renamed into place.
fn write_csv(path: &Path, first: usize, rows: usize) {
    let tmp = path.with_extension("tmp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("csv"));
    writeln!(f, "Ref,Date,Store,Postcode,Type,Narrative\r").expect("write");
    for i in first..first + rows {
        writeln!(
            f,
            "R{i},{:02}/10/2026 {:02}:{:02},Store {},{},Shoplifting,\"Row {i}, took items from aisle {}\"\r",
            i % 28 + 1,
            i % 24,
            i % 60,
            i % 500,
            postcode(i % 500),
            i % 40
        )
        .expect("write");
    }
    f.flush().expect("flush");
    drop(f);
    std::fs::rename(&tmp, path).expect("rename into the drop folder");
}

/// What to run.
#[derive(Clone, Copy)]
struct Mode {
    /// The sink down: measure intake only.
    intake: bool,
    /// The link stage on.
    link: bool,
    /// CSV folder sources (the rows shared out among them).
    sources: usize,
}

/// One CSV folder source `name` reading `folder`.
fn source(name: &str, folder: &str) -> String {
    format!(
        r#"
[sources.{name}]
kind = "csv-folder"
plugin = {csv:?}
[sources.{name}.plugin_config]
source_system = "retailer-csv"
[sources.{name}.plugin_config.columns]
"Ref" = "source_record_id"
"Date" = "occurred_at"
"Store" = "premises_name"
"Postcode" = "postcode"
"Type" = "category"
"Narrative" = "narrative"
[sources.{name}.plugin_config.categories]
"Shoplifting" = "theft-from-shop"
[sources.{name}.csv_folder]
path = "{folder}"
completion = "rename"
poll_interval_ms = 50
"#,
        csv = bcgw_test_artifacts::CSV_MAPPED,
    )
}

/// The drop folder of source `k` of `n` (the first is `drop`).
fn folder(k: usize) -> String {
    if k == 0 {
        "drop".into()
    } else {
        format!("drop{k}")
    }
}

/// Writes the gateway's config: `mode.sources` CSV folder sources, one Niche sink
/// at `addr`.
fn write_config(dir: &Path, addr: &str, mode: Mode) -> std::path::PathBuf {
    let config = dir.join("bcgw.toml");
    let mut text = String::from("[store]\npath = \"data/bcgw.sqlite\"\n");
    for k in 0..mode.sources {
        let name = if k == 0 {
            "shop".to_string()
        } else {
            format!("shop{k}")
        };
        text.push_str(&source(&name, &folder(k)));
        std::fs::create_dir_all(dir.join(folder(k))).expect("drop folder");
    }
    text.push_str(&format!(
        r#"
[sinks.niche]
kind = "niche"
renderer = {xml:?}
[sinks.niche.renderer_config]
force_code = "AS"
default_offence_code = "BC-OTHER"
[sinks.niche.niche]
url = "http://{addr}/submissions"
concurrency = 16
[link]
enabled = {link}
hold_seconds = 0
"#,
        link = mode.link,
        xml = bcgw_test_artifacts::NICHE_XML,
    ));
    std::fs::write(&config, text).expect("config");
    config
}

/// A TCP port nothing listens on (bound, then released).
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    drop(l);
    addr
}

/// Counts rows of the store once it exists; 0 before.
fn count(db: &Path, sql: &str) -> u64 {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
        .unwrap_or(0)
}

/// Intake with the sink down: start to every row journaled, recorded, queued.
fn run_intake(rows: usize, mode: Mode) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &closed_port(), mode);
    let each = rows / mode.sources;
    for k in 0..mode.sources {
        write_csv(
            &dir.path().join(folder(k)).join("export.csv"),
            k * each,
            each,
        );
    }
    let rows = each * mode.sources;
    let db = dir.path().join("data/bcgw.sqlite");
    let start = Instant::now();
    let mut gw = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["--log", "error", "run", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .spawn()
        .expect("bcgw");
    let (mut journaled, mut recorded) = (None, None);
    let mut peak = 0;
    let queued = loop {
        peak = peak.max(peak_rss_kib(gw.id()).unwrap_or(0));
        if journaled.is_none()
            && (0..mode.sources).all(|k| !dir.path().join(folder(k)).join("export.csv").exists())
            && count(&db, "SELECT COUNT(*) FROM payloads") > 0
        {
            journaled = Some(start.elapsed());
        }
        if recorded.is_none() && count(&db, "SELECT COUNT(*) FROM records") >= rows as u64 {
            recorded = Some(start.elapsed());
        }
        if recorded.is_some() && count(&db, "SELECT COUNT(*) FROM outbox") >= rows as u64 {
            break start.elapsed();
        }
        assert!(gw.try_wait().expect("wait").is_none(), "bcgw stopped");
        assert!(
            start.elapsed() < Duration::from_secs(1800),
            "intake took over 30 min"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = gw.kill();
    let _ = gw.wait();
    let secs = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
    println!(
        "{rows:>8} rows intake (sink down, link {}): {:>8.0} rows/s to records + outbox ({:.2} s; file journaled at {:.2} s, records at {:.2} s), peak RSS {:.0} MiB",
        if mode.link { "on" } else { "off" },
        rows as f64 / queued.as_secs_f64(),
        queued.as_secs_f64(),
        secs(journaled),
        secs(recorded),
        peak as f64 / 1024.0,
    );
}

fn run(rows: usize, mode: Mode) {
    if mode.intake {
        return run_intake(rows, mode);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let drop = dir.path().join("drop");
    std::fs::create_dir_all(&drop).expect("drop");
    let (mut sim, addr) = start_niche_sim(dir.path());
    let config = write_config(dir.path(), &addr, mode);
    write_csv(&drop.join("export.csv"), 0, rows);
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
    let latencies = latencies(&dir.path().join("data/bcgw.sqlite"));
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

/// Latencies from journal commit to delivery (ms), from the store's timestamps.
fn latencies(db: &Path) -> Vec<i64> {
    let db = rusqlite::Connection::open(db).expect("store");
    let mut l: Vec<i64> = db
        .prepare("SELECT delivered_at - journaled_at FROM outbox WHERE state = 'delivered'")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("latencies");
    l.sort_unstable();
    l
}

/// A steady load: `rate` rows/s in exports every 100 ms for `seconds`.
fn run_steady(rate: usize, seconds: usize, mode: Mode) {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop_dir = dir.path().join("drop");
    std::fs::create_dir_all(&drop_dir).expect("drop");
    let (mut sim, addr) = start_niche_sim(dir.path());
    let config = write_config(dir.path(), &addr, mode);
    let db = dir.path().join("data/bcgw.sqlite");
    let mut gw = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["--log", "warn", "run", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .spawn()
        .expect("bcgw");
    let per_tick = (rate / 10).max(1);
    let ticks = seconds * 10;
    let start = Instant::now();
    for t in 0..ticks {
        write_csv(
            &drop_dir.join(format!("export-{t:05}.csv")),
            t * per_tick,
            per_tick,
        );
        let next = Duration::from_millis(100 * (t as u64 + 1));
        if let Some(wait) = next.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    let rows = ticks * per_tick;
    let deadline = Instant::now() + Duration::from_secs(600);
    while count(&db, "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") < rows as u64 {
        assert!(Instant::now() < deadline, "not all delivered within 10 min");
        std::thread::sleep(Duration::from_millis(50));
    }
    let peak = peak_rss_kib(gw.id()).unwrap_or(0);
    let _ = gw.kill();
    let _ = gw.wait();
    let _ = sim.kill();
    let _ = sim.wait();
    let l = latencies(&db);
    println!(
        "steady {rate} rows/s for {seconds} s ({rows} rows): journal->delivery p50 {} ms, p99 {} ms, max {} ms; peak RSS {:.0} MiB",
        percentile(&l, 0.50),
        percentile(&l, 0.99),
        l.last().copied().unwrap_or(0),
        peak as f64 / 1024.0
    );
}

fn main() {
    let rate = arg("--rate", 0);
    if rate > 0 {
        let mode = Mode {
            intake: false,
            link: !std::env::args().any(|a| a == "--no-link"),
            sources: 1,
        };
        return run_steady(rate, arg("--seconds", 20), mode);
    }
    let flag = |name: &str| std::env::args().any(|a| a == name);
    let mode = Mode {
        intake: flag("--intake"),
        link: !flag("--no-link"),
        sources: arg("--sources", 1).max(1),
    };
    let rows = arg("--rows", 0);
    if rows > 0 {
        run(rows, mode);
    } else {
        run(100_000, mode);
        run(1_000_000, mode);
    }
}
