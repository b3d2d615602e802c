//! Linking through the running daemon: a labelled corpus split into the three
//! channels' exports (radio alerts, BCRP reports, the retailer's export), dropped
//! in the order they arrive in life (radio first, BCRP next, the CSV last), linked
//! and delivered to the Niche simulator. Then the simulator is compared with the
//! truth: the share of true incidents that are exactly one occurrence, duplicate
//! occurrences per 1,000 incidents, pairwise precision/recall/F1 of what Niche
//! holds; and the cost of the link stage (the same run with `link.enabled =
//! false`), the gateway's peak RSS.
//!
//! `scripts/bench link [--incidents N]` runs it on both generators: the link
//! crate's own and the independent one in `link/heldout/gen.py`.

#[path = "common/mod.rs"]
mod common;

use bcgw_link::input::{FlatRow, read_flat_csv};
use common::{arg, peak_rss_kib, start_niche_sim};
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HEADER: &str = "Ref,When,Premises,Postcode,Offence,Offender,Value,Narrative\n";

fn cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The reference a row goes out with (radio alerts without one get the row's id).
fn reference(r: &FlatRow) -> String {
    if r.source_record_id.trim().is_empty() {
        r.report_id.clone()
    } else {
        r.source_record_id.trim().to_string()
    }
}

fn mapping(system: &str, kind: &str) -> String {
    format!(
        r#"
source_system = "{system}"
report_kind = "{kind}"
timezone = "Europe/London"
date_formats = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y"]
required = ["Ref"]
[columns]
"Ref" = "source_record_id"
"When" = "occurred_at"
"Premises" = "premises_name"
"Postcode" = "postcode"
"Offence" = "category"
"Offender" = "suspect.description"
"Value" = "property.value"
"Narrative" = "narrative"
"#
    )
}

struct Outcome {
    wall: Duration,
    peak_kib: u64,
    partition: Vec<BTreeSet<String>>,
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("simulator");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: sim\r\nconnection: close\r\n\r\n"
    )
    .expect("request");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("response");
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

fn run(rows: &[FlatRow], linking: bool) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut sim, addr) = start_niche_sim(dir.path());
    let mut config = format!(
        "[store]\npath = \"data/bcgw.sqlite\"\n[link]\nenabled = {linking}\nhold_seconds = 0\n"
    );
    let mut exports: [String; 3] = Default::default();
    for (name, system, kind, channel, slot) in [
        ("radio", "shopnet", "alert", "radio", 0),
        ("bcrp", "bcrp-platform", "crime-report", "bcrp", 1),
        ("retail", "retailer-csv", "crime-report", "retailer", 2),
    ] {
        std::fs::create_dir_all(dir.path().join(name)).expect("drop folder");
        std::fs::write(
            dir.path().join(format!("{name}.toml")),
            mapping(system, kind),
        )
        .expect("mapping");
        config.push_str(&format!(
            r#"
[sources.{name}]
kind = "csv-folder"
plugin = {csv:?}
plugin_config_file = "{name}.toml"
channel = "{channel}"
[sources.{name}.csv_folder]
path = "{name}"
completion = "rename"
poll_interval_ms = 50
"#,
            csv = bcgw_test_artifacts::CSV_MAPPED,
        ));
        exports[slot].push_str(HEADER);
    }
    config.push_str(&format!(
        r#"
[sinks.niche]
kind = "niche"
renderer = {xml:?}
concurrency = 16
[sinks.niche.renderer_config]
force_code = "AS"
default_offence_code = "BC-OTHER"
[sinks.niche.niche]
url = "http://{addr}/submissions"
"#,
        xml = bcgw_test_artifacts::NICHE_XML,
    ));
    std::fs::write(dir.path().join("bcgw.toml"), config).expect("config");
    for r in rows {
        let slot = match r.source.as_str() {
            "radio" => 0,
            "bcrp" => 1,
            _ => 2,
        };
        exports[slot].push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            cell(&reference(r)),
            cell(&r.occurred_at),
            cell(&r.premises_name),
            cell(&r.premises_postcode),
            cell(&r.offence),
            cell(&r.offender_description),
            cell(&r.property_value_gbp),
            cell(&r.narrative),
        ));
    }
    let start = Instant::now();
    let mut gw = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["--log", "warn", "run", "--config"])
        .arg(dir.path().join("bcgw.toml"))
        .stdout(Stdio::null())
        .spawn()
        .expect("bcgw");
    let pid = gw.id();
    let mut peak = 0;
    // Radio first, the BCRP reports next, the retailer's export last: each once
    // the one before is taken.
    for (name, text) in ["radio", "bcrp", "retail"].iter().zip(&exports) {
        let tmp = dir.path().join(format!("{name}.csv.tmp"));
        std::fs::write(&tmp, text).expect("export");
        std::fs::rename(&tmp, dir.path().join(name).join("export.csv")).expect("drop");
        while dir.path().join(name).join("export.csv").exists() {
            peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    // Until every report is in an occurrence and nothing is pending.
    let db = dir.path().join("data/bcgw.sqlite");
    loop {
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(200));
        let Ok(c) = rusqlite::Connection::open(&db) else {
            continue;
        };
        let busy: i64 = c
            .query_row(
                "SELECT (SELECT COUNT(*) FROM payloads WHERE state = 'pending')
                      + (SELECT COUNT(*) FROM records WHERE incident_id IS NULL)
                      + (SELECT COUNT(*) FROM outbox WHERE state = 'pending')",
                [],
                |r| r.get(0),
            )
            .unwrap_or(1);
        let records: i64 = c
            .query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))
            .unwrap_or(0);
        if busy == 0 && records > 0 {
            break;
        }
    }
    let wall = start.elapsed();
    let _ = gw.kill();
    let _ = gw.wait();
    let list: serde_json::Value =
        serde_json::from_str(&http_get(&addr, "/submissions?status=active&bodies=1"))
            .expect("simulator list");
    let _ = sim.kill();
    let _ = sim.wait();
    let partition = list["submissions"]
        .as_array()
        .expect("submissions")
        .iter()
        .map(|s| {
            s["body"]
                .as_str()
                .unwrap_or_default()
                .split("sourceRecordId=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .map(str::to_string)
                .collect()
        })
        .collect();
    Outcome {
        wall,
        peak_kib: peak,
        partition,
    }
}

fn pairs(groups: &[BTreeSet<String>]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for g in groups {
        let v: Vec<&String> = g.iter().collect();
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                out.insert((v[i].clone(), v[j].clone()));
            }
        }
    }
    out
}

fn report(name: &str, rows: &[FlatRow], truth: &HashMap<String, String>) {
    let mut true_groups: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for r in rows {
        true_groups
            .entry(truth[&r.report_id].as_str())
            .or_default()
            .insert(reference(r));
    }
    let truth_sets: Vec<BTreeSet<String>> = true_groups.into_values().collect();
    let off = run(rows, false);
    let on = run(rows, true);
    let held: usize = on.partition.iter().map(BTreeSet::len).sum();
    let got: BTreeSet<&BTreeSet<String>> = on.partition.iter().collect();
    let exact = truth_sets.iter().filter(|t| got.contains(t)).count();
    // A true incident whose reports sit in k occurrences is k - 1 duplicates.
    let occurrence_of: HashMap<&String, usize> = on
        .partition
        .iter()
        .enumerate()
        .flat_map(|(i, g)| g.iter().map(move |r| (r, i)))
        .collect();
    let duplicates: usize = truth_sets
        .iter()
        .map(|t| {
            let spans: BTreeSet<usize> = t
                .iter()
                .filter_map(|r| occurrence_of.get(r).copied())
                .collect();
            spans.len().saturating_sub(1)
        })
        .sum();
    // A true incident sharing an occurrence with another is hidden inside it.
    let mixed = on
        .partition
        .iter()
        .filter(|g| truth_sets.iter().filter(|t| !t.is_disjoint(g)).count() > 1)
        .count();
    let (tp, pp, ap) = {
        let predicted = pairs(&on.partition);
        let actual = pairs(&truth_sets);
        (
            predicted.intersection(&actual).count() as f64,
            predicted.len() as f64,
            actual.len() as f64,
        )
    };
    let (p, r) = (tp / pp.max(1.0), tp / ap.max(1.0));
    let incidents = truth_sets.len();
    println!(
        "{name}: {} reports, {incidents} true incidents -> {} occurrences ({} reports held)",
        rows.len(),
        on.partition.len(),
        held
    );
    println!(
        "  exactly one occurrence: {:.1}% of true incidents; duplicates: {:.0} per 1,000 incidents; occurrences mixing incidents: {mixed}",
        100.0 * exact as f64 / incidents as f64,
        1000.0 * duplicates as f64 / incidents as f64
    );
    println!(
        "  pairwise in Niche: P {p:.4} R {r:.4} F1 {:.4}",
        2.0 * p * r / (p + r).max(f64::EPSILON)
    );
    println!(
        "  wall clock to all delivered: {:.1} s with linking, {:.1} s without ({:.0} vs {:.0} reports/s); peak RSS {:.0} MiB with, {:.0} MiB without",
        on.wall.as_secs_f64(),
        off.wall.as_secs_f64(),
        rows.len() as f64 / on.wall.as_secs_f64(),
        rows.len() as f64 / off.wall.as_secs_f64(),
        on.peak_kib as f64 / 1024.0,
        off.peak_kib as f64 / 1024.0
    );
}

fn main() {
    let incidents = arg("--incidents", 2000);
    let seed = arg("--seed", 21) as u64;
    let corpus =
        bcgw_link::corpus::generate(&bcgw_link::corpus::CorpusSettings::new(incidents, seed));
    let rows: Vec<FlatRow> = corpus
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| FlatRow {
            report_id: format!("G{i}"),
            source_record_id: if r.source_record_id.is_empty() {
                format!("RAD-{i}")
            } else {
                r.source_record_id.clone()
            },
            ..r.clone()
        })
        .collect();
    let truth: HashMap<String, String> = rows
        .iter()
        .zip(&corpus.truth)
        .map(|(r, t)| (r.report_id.clone(), t.clone()))
        .collect();
    report(&format!("own generator, seed {seed}"), &rows, &truth);

    let out = tempfile::tempdir().expect("tempdir");
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../link/heldout/gen.py");
    let status = Command::new("python3")
        .arg(&generator)
        .args([
            "--incidents",
            &incidents.to_string(),
            "--seed",
            "11",
            "--out",
        ])
        .arg(out.path())
        .stdout(Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        println!(
            "held-out generator: python3 {} did not run; skipped",
            generator.display()
        );
        return;
    }
    let rows = read_flat_csv(std::fs::File::open(out.path().join("reports.csv")).expect("reports"))
        .expect("held-out reports");
    let mut truth = HashMap::new();
    let mut rdr = csv::Reader::from_path(out.path().join("truth.csv")).expect("truth");
    for rec in rdr.records() {
        let rec = rec.expect("truth row");
        truth.insert(rec[0].to_string(), rec[1].to_string());
    }
    report("held-out generator, seed 11", &rows, &truth);
}
