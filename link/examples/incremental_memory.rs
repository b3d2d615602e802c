//! The incremental linker as the daemon runs it, at scale: reports of a
//! generated corpus in time order, one at a time, with old days evicted every
//! 10,000 reports (`window` days back from the newest, as `[link] window_days`),
//! or never. Prints reports/s, reports held, and the growth of the process's
//! resident memory over the run.
//!
//! `cargo run --release -p bcgw-link --example incremental_memory -- 650000 14`
//! (incidents, window days; 0 = never evict).

use bcgw_link::corpus::{CorpusSettings, generate};
use bcgw_link::incremental::IncrementalLinker;
use bcgw_link::{Channel, LinkConfig, Model};
use std::time::Instant;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let incidents: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(650_000);
    let window: i64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(14);
    let corpus = generate(&CorpusSettings::new(incidents, 3));
    let mut reports: Vec<_> = corpus
        .rows
        .iter()
        .map(|r| {
            (
                r.report_id.clone(),
                r.to_report(),
                Channel::parse(&r.source),
            )
        })
        .collect();
    drop(corpus);
    reports.sort_by_key(|(_, r, _)| r.event.occurred_from);
    let config = LinkConfig {
        em: false,
        ..LinkConfig::default()
    };
    let mut linker = IncrementalLinker::new(config, Model::builtin());
    let before = rss_kib();
    let mut peak = before;
    let start = Instant::now();
    for (i, (id, report, channel)) in reports.iter().enumerate() {
        linker.add(id, report, *channel);
        if (i + 1) % 10_000 == 0 {
            if window > 0
                && let Some(newest) = report.event.occurred_from
            {
                linker.evict_before(newest.date_naive() - chrono::Duration::days(window));
            }
            peak = peak.max(rss_kib());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    peak = peak.max(rss_kib());
    println!(
        "{} reports linked in {secs:.1} s ({:.0}/s); window {} days: {} reports held at the end; resident memory grew {:.0} MiB (peak), process peak {:.0} MiB",
        reports.len(),
        reports.len() as f64 / secs,
        if window > 0 {
            window.to_string()
        } else {
            "none".into()
        },
        linker.len(),
        (peak.saturating_sub(before)) as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}
