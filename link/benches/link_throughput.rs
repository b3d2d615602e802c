//! Linking throughput at scale: a labelled synthetic corpus of ~100k and ~1M
//! reports is generated (not timed), then linked end to end — normalisation,
//! blocking, comparison, EM, clustering — and scored. Prints reports/s, pairwise
//! precision/recall/F1 and the process's peak memory.
//!
//! `cargo bench -p bcgw-link --bench link_throughput [-- --incidents N]`

use bcgw_link::Model;
use bcgw_link::corpus::{CorpusSettings, generate, write_reports};
use bcgw_link::engine::{LinkConfig, link_prepared};
use bcgw_link::eval::pairwise;
use bcgw_link::input::prepare_flat_csv;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Resets the kernel's peak-RSS counter, so generating the corpus does not count.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn run(incidents: usize) {
    let (csv, truth) = {
        let corpus = generate(&CorpusSettings::new(incidents, 42));
        let mut csv = Vec::new();
        write_reports(&corpus.rows, &mut csv).expect("csv");
        (csv, corpus.truth)
    };
    reset_peak();
    let start = Instant::now();
    // The path `bcgw link` takes: parse the CSV row by row, link, as one job.
    let (ids, prepared) = prepare_flat_csv(&csv[..]).expect("corpus parses");
    let out = link_prepared(&prepared, &LinkConfig::default(), &Model::builtin(), |i| {
        ids[i].clone()
    });
    let secs = start.elapsed().as_secs_f64();
    let s = pairwise(&out.incident_of, &truth);
    println!(
        "{:>8} reports: {:>8.0} reports/s ({secs:.1} s), {} candidate pairs, P {:.4} R {:.4} F1 {:.4}, peak RSS {:.0} MiB (CSV in memory: {:.0} MiB)",
        ids.len(),
        ids.len() as f64 / secs,
        out.candidate_pairs,
        s.precision,
        s.recall,
        s.f1,
        peak_rss_mib(),
        csv.len() as f64 / (1 << 20) as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = args
        .iter()
        .position(|a| a == "--incidents")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok());
    match n {
        Some(n) => run(n),
        None => {
            run(66_000);
            run(660_000);
        }
    }
}
