//! Native csv-mapped throughput, without the gateway (which pulls in wasmtime).
//!
//! Generates the same CSV as `gateway/benches/plugin_throughput.rs`, cuts it into
//! payloads of `--chunk` rows that repeat the header and carry `first-line`
//! metadata (as the gateway's CSV chunker does), and times `CsvMapped::translate`
//! over all of them, best of `--runs`. Prints records/s by wall time, and per
//! CPU-second (which a busy shared machine disturbs less).
//!
//! ```text
//! CARGO_TARGET_DIR=... cargo run --release -p bcgw-plugin-csv-mapped \
//!     --example native_throughput -- [--rows 200000] [--chunk 1000] [--runs 5]
//!     [--variety] [--csv FILE] [--config FILE.toml] [--dump FILE.jsonl]
//! ```
//!
//! - `--variety`: a mixed corpus instead of the bench's uniform rows (every default
//!   date format, bad dates, DST edges, Latin-1 bytes, short and blank rows, odd
//!   money and postcodes), to check that an optimisation keeps every path's output.
//! - `--csv FILE`: read the CSV from a file instead of generating it.
//! - `--config FILE.toml`: the mapping (default `fixtures/messy.toml`).
//! - `--dump FILE.jsonl`: write every report and reject as one JSON line each, to
//!   compare output byte for byte before and after a change.

use bcgw_plugin_csv_mapped::CsvMapped;
use bcgw_sdk::plugin::{Payload, metadata_keys};
use std::io::Write;
use std::time::{Duration, Instant};

const CONFIG: &str = include_str!("../fixtures/messy.toml");
const HEADER: &str = "Ref,Date,Store,Postcode,Type,Value,Description,Narrative\r\n";

/// The value after `--name` on the command line, if any.
fn arg_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
}

/// The number after `--name`, else `default`.
fn arg(name: &str, default: usize) -> usize {
    arg_str(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The bench's rows: exactly `generate()` in `gateway/benches/plugin_throughput.rs`.
fn generate(rows: usize) -> Vec<u8> {
    let mut csv = String::from(HEADER);
    for i in 0..rows {
        csv.push_str(&format!(
            "R{i},{:02}/10/2026 {:02}:{:02},Store {},BS1 3XE,Shoplifting,£{}.99,\"Male, {}0s, dark jacket\",\"Took items from aisle {}, left via main door\"\r\n",
            i % 28 + 1, i % 24, i % 60, i % 500, i % 100, i % 6 + 2, i % 40
        ));
    }
    csv.into_bytes()
}

/// Date cells covering every default format, ISO shapes, bad dates and DST edges.
const DATES: [&str; 23] = [
    "03/11/2026 14:05",
    "3/11/2026",
    "03/11/26 14:05",
    "03/11/2026  14:05",
    "2026-11-03 14:05:09",
    "2026-11-03T14:05+01:00",
    "03/11/2026 14:05:60",
    "29/02/2028 23:59:59",
    "03/11/2026 14:05:09",
    "3/1/2026 4:05",
    "03/11/2026",
    "03-11-2026 14:05",
    "03-11-2026",
    "2026-11-03",
    "2026-11-03 14:05",
    "2026-11-03T14:05:09Z",
    "2026-11-03T14:05:09.250+01:00",
    " 26/10/2025 01:30 ",
    "30/03/2025 01:30",
    "31/02/2025 10:00",
    "31/13/2026 10:00",
    "yesterday",
    "03/11/2026 24:00",
];

/// Other cells that exercise money, postcode, category and encoding paths.
const VALUES: [&str; 9] = [
    "£1.99",
    "1,200.00",
    "45p",
    "\u{a3}12.5",
    "twelve",
    "",
    "GBP 3",
    "1.234",
    ".5",
];
const POSTCODES: [&str; 5] = ["bs1 3xe", "BS13XE", "Broadmead", "", "sw1a  1aa"];
const TYPES: [&str; 7] = [
    "Walk out",
    "Shoplifting",
    "walk  OUT",
    "robbery",
    "Assault on staff",
    "Something else",
    "",
];

/// A mixed corpus: the same columns, many shapes of value, some broken rows.
fn generate_variety(rows: usize) -> Vec<u8> {
    let mut csv = HEADER.as_bytes().to_vec();
    for i in 0..rows {
        let line = match i % 50 {
            // A blank line and a row of empty cells are skipped.
            7 => "\r\n".to_string(),
            8 => ",,,,,,,\r\n".to_string(),
            // A short row, a missing required Ref, a quoted line break.
            9 => format!("R{i},03/11/2026 09:00,Store\r\n"),
            10 => format!(",03/11/2026 09:00,Store {i},BS1 3XE,Shoplifting,£1,x,y\r\n"),
            11 => format!("R{i},03/11/2026,\"Store\r\n{i}\",BS1 3XE,,,\"a \"\"b\"\"\",n\r\n"),
            _ => format!(
                "R{i},{},Store {},{},{},{},\"Male, {}0s\",\"Took items, {i}\"\r\n",
                DATES[i % DATES.len()],
                i % 7,
                POSTCODES[i % POSTCODES.len()],
                TYPES[i % TYPES.len()],
                VALUES[i % VALUES.len()],
                i % 6 + 2,
            ),
        };
        csv.extend_from_slice(line.as_bytes());
        // Windows-1252 bytes (a pound sign and an e acute) in some rows.
        if i % 13 == 0 {
            csv.extend_from_slice(
                b"L1,04/11/2026,Caf\xe9 Nero,BS1 1AA,Walk out,\xa312.50,Male,x\r\n",
            );
        }
    }
    csv
}

/// Reads one record (lines until quotes balance), as the gateway's `CsvChunker`.
fn read_record(bytes: &[u8], at: &mut usize) -> Option<(Vec<u8>, u64)> {
    let start = *at;
    let mut lines = 0;
    let mut in_quotes = false;
    while *at < bytes.len() {
        let end = bytes[*at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| *at + p + 1);
        lines += 1;
        let quotes = bytes[*at..end].iter().filter(|&&b| b == b'"').count();
        in_quotes ^= quotes % 2 == 1;
        *at = end;
        if !in_quotes {
            break;
        }
    }
    (*at > start).then(|| (bytes[start..*at].to_vec(), lines))
}

/// Payloads of at most `chunk` rows, each repeating the header, with the file line
/// of their first row as `first-line` metadata (as the gateway's CSV source).
fn payloads(csv: &[u8], chunk: usize, config: &str) -> Vec<Payload> {
    let mut at = 0;
    let Some((mut header, header_lines)) = read_record(csv, &mut at) else {
        return Vec::new();
    };
    if !header.ends_with(b"\n") {
        header.push(b'\n');
    }
    let mut next_line = 1 + header_lines;
    let mut out = Vec::new();
    loop {
        let mut bytes = header.clone();
        let first_line = next_line;
        let mut rows = 0;
        while rows < chunk.max(1) {
            let Some((record, lines)) = read_record(csv, &mut at) else {
                break;
            };
            bytes.extend_from_slice(&record);
            next_line += lines;
            rows += 1;
        }
        if rows == 0 {
            return out;
        }
        out.push(Payload {
            bytes,
            content_type: "text/csv".into(),
            source: "bench".into(),
            metadata: vec![(metadata_keys::FIRST_LINE.into(), first_line.to_string())],
            config: config.to_string(),
        });
    }
}

/// Time this thread has spent on a CPU (Linux `schedstat`), if the system says.
/// On a shared machine wall time includes waiting for a core; CPU time does not.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// One timed run: wall time, CPU time (if known) and the number of records.
struct Run {
    wall: Duration,
    cpu: Option<Duration>,
    records: usize,
}

/// `runs` timings of `f`, which returns the number of records it produced.
fn time_runs(runs: usize, mut f: impl FnMut() -> usize) -> Vec<Run> {
    (0..runs.max(1))
        .map(|_| {
            let (start, cpu_start) = (Instant::now(), cpu_time());
            let records = f();
            let cpu = cpu_time().zip(cpu_start).map(|(end, start)| end - start);
            Run {
                wall: start.elapsed(),
                cpu,
                records,
            }
        })
        .collect()
}

/// Writes every report and reject (or payload error) as JSON lines.
fn dump(path: &str, input: &[Payload]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (i, p) in input.iter().enumerate() {
        match bcgw_sdk::plugin::translate_with_config::<CsvMapped>(p.clone()) {
            Ok(t) => {
                for r in &t.reports {
                    let json = serde_json::to_string(r).expect("report serialises");
                    writeln!(out, "{i} report {json}")?;
                }
                for r in &t.rejects {
                    let json = serde_json::to_string(r).expect("reject serialises");
                    writeln!(out, "{i} reject {json}")?;
                }
            }
            Err(e) => writeln!(out, "{i} error {e:?}")?,
        }
    }
    out.flush()
}

fn main() {
    let rows = arg("--rows", 200_000);
    let chunk = arg("--chunk", 1000);
    let runs = arg("--runs", 5);
    let config_text = match arg_str("--config") {
        Some(path) => std::fs::read_to_string(path).expect("read --config"),
        None => CONFIG.to_string(),
    };
    // The gateway hands the plugin its TOML table as JSON text.
    let config: toml::Table = toml::from_str(&config_text).expect("config is TOML");
    let config = serde_json::to_string(&config).expect("json");
    let csv = match arg_str("--csv") {
        Some(path) => std::fs::read(path).expect("read --csv"),
        None if std::env::args().any(|a| a == "--variety") => generate_variety(rows),
        None => generate(rows),
    };
    let input = payloads(&csv, chunk, &config);
    println!(
        "input: {} payloads of up to {chunk} rows, {:.1} MiB",
        input.len(),
        csv.len() as f64 / (1 << 20) as f64
    );
    if let Some(path) = arg_str("--dump") {
        dump(&path, &input).expect("write --dump");
        println!("dumped to {path}");
    }
    let runs = time_runs(runs, || {
        input
            .iter()
            .map(|p| {
                bcgw_sdk::plugin::translate_with_config::<CsvMapped>(p.clone())
                    .map_or(0, |t| t.reports.len())
            })
            .sum()
    });
    let records = runs[0].records;
    let rate = |d: Duration| records as f64 / d.as_secs_f64();
    let wall = runs.iter().map(|r| r.wall).min().expect("a run");
    println!(
        "native: {:>10.0} records/s  ({records} records, {:.1} ms, best of {})",
        rate(wall),
        wall.as_secs_f64() * 1e3,
        runs.len()
    );
    if let Some(cpu) = runs.iter().filter_map(|r| r.cpu).min() {
        println!(
            "cpu:    {:>10.0} records per CPU-second  ({:.1} ms on CPU, best of {})",
            rate(cpu),
            cpu.as_secs_f64() * 1e3,
            runs.len()
        );
    }
}
