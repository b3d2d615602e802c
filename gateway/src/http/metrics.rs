//! `/metrics`: the store's counts, and the components' error counts of
//! [`crate::events`], in the Prometheus text exposition format.
//!
//! Only counts and configured names are exposed: never record contents, and never
//! the quarantine reasons (they may quote a payload).

use crate::store::StoreStats;
use std::fmt::Write as _;
use std::time::Duration;

/// Escapes a label value for the Prometheus text format.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

/// One sample per sink: the configured ones (zero when the store has no rows for
/// them) and any other the store still holds deliveries for.
fn per_sink(sinks: &[String], values: &[(String, u64)]) -> Vec<(String, u64)> {
    let mut names: Vec<&String> = sinks.iter().collect();
    names.extend(values.iter().map(|(s, _)| s).filter(|s| !sinks.contains(s)));
    names
        .into_iter()
        .map(|sink| {
            let n = values
                .iter()
                .find(|(s, _)| s == sink)
                .map_or(0, |(_, n)| *n);
            (format!("{{sink=\"{}\"}}", label(sink)), n)
        })
        .collect()
}

/// The store's counts and the components' error counts ([`crate::events`]) in
/// the Prometheus text exposition format.
pub fn render(
    stats: &StoreStats,
    sinks: &[String],
    errors: &[(crate::events::ErrorLabels, u64)],
    uptime: Duration,
) -> String {
    let one = |n: u64| vec![(String::new(), n)];
    let mut out = String::new();
    metric(
        &mut out,
        "bcgw_build_info",
        "gauge",
        "The running gateway's version.",
        &[(format!("{{version=\"{}\"}}", env!("CARGO_PKG_VERSION")), 1)],
    );
    metric(
        &mut out,
        "bcgw_uptime_seconds",
        "gauge",
        "Seconds since this process started serving.",
        &one(uptime.as_secs()),
    );
    metric(
        &mut out,
        "bcgw_payloads_journaled_total",
        "counter",
        "Raw payloads committed to the journal.",
        &one(stats.payloads),
    );
    metric(
        &mut out,
        "bcgw_payloads_duplicate_total",
        "counter",
        "Payloads refused because the same source already journaled the same bytes.",
        &one(stats.duplicate_payloads),
    );
    metric(
        &mut out,
        "bcgw_payloads_pending",
        "gauge",
        "Journaled payloads waiting for translation.",
        &one(stats.payloads_pending),
    );
    metric(
        &mut out,
        "bcgw_records_total",
        "counter",
        "Records stored after translation and validation.",
        &one(stats.records),
    );
    metric(
        &mut out,
        "bcgw_records_duplicate_total",
        "counter",
        "Records dropped as exact duplicates of stored ones.",
        &one(stats.duplicate_records),
    );
    metric(
        &mut out,
        "bcgw_records_amended_total",
        "counter",
        "Amendments: new versions of stored records (same source id, new content), each queueing an update.",
        &one(stats.amended_records),
    );
    let l = &stats.link;
    metric(
        &mut out,
        "bcgw_incidents",
        "gauge",
        "Open incidents (reports linked across sources count once).",
        &one(l.incidents),
    );
    metric(
        &mut out,
        "bcgw_incidents_merged_total",
        "counter",
        "Incidents merged into another (by the linker or a case officer).",
        &one(l.merged_incidents),
    );
    metric(
        &mut out,
        "bcgw_links_total",
        "counter",
        "Links made between reports of one incident (joins, merges, review links).",
        &one(l.links),
    );
    metric(
        &mut out,
        "bcgw_records_unlinked",
        "gauge",
        "Records waiting for the link stage.",
        &one(l.unlinked),
    );
    metric(
        &mut out,
        "bcgw_records_held",
        "gauge",
        "Of the records waiting for the link stage, those whose hold has not ended.",
        &one(l.held),
    );
    metric(
        &mut out,
        "bcgw_premises_resolved_total",
        "counter",
        "Records by how their premises resolved against the member registers, per source (unresolved and ambiguous ones are listed by bcgw members unresolved).",
        &stats
            .premises
            .iter()
            .map(|(source, method, n)| {
                (
                    format!(
                        "{{source=\"{}\",method=\"{}\"}}",
                        label(source),
                        label(method)
                    ),
                    *n,
                )
            })
            .collect::<Vec<_>>(),
    );
    metric(
        &mut out,
        "bcgw_review_pending",
        "gauge",
        "Uncertain matches waiting for a case officer (bcgw review list).",
        &one(l.pending_review),
    );
    metric(
        &mut out,
        "bcgw_review_decisions_total",
        "counter",
        "Case officers' decisions recorded (link, split, keep apart).",
        &one(l.decisions),
    );
    metric(
        &mut out,
        "bcgw_deliveries_delivered_total",
        "counter",
        "Deliveries a sink accepted.",
        &per_sink(sinks, &stats.delivered),
    );
    metric(
        &mut out,
        "bcgw_deliveries_updated_total",
        "counter",
        "Updates of occurrences a sink had already made (amended or newly linked reports).",
        &per_sink(sinks, &stats.updates_delivered),
    );
    metric(
        &mut out,
        "bcgw_deliveries_pending",
        "gauge",
        "Deliveries waiting, including scheduled retries.",
        &per_sink(sinks, &stats.pending),
    );
    metric(
        &mut out,
        "bcgw_deliveries_dead_total",
        "counter",
        "Deliveries given up on (in the quarantine, replayable).",
        &per_sink(sinks, &stats.dead),
    );
    let mut by_kind: Vec<(String, u64)> = Vec::new();
    for (kind, _reason, n) in &stats.quarantine {
        match by_kind.iter_mut().find(|(k, _)| k == kind) {
            Some((_, total)) => *total += n,
            None => by_kind.push((kind.clone(), *n)),
        }
    }
    metric(
        &mut out,
        "bcgw_quarantine_open",
        "gauge",
        "Open quarantine entries, by error kind.",
        &by_kind
            .iter()
            .map(|(k, n)| (format!("{{kind=\"{}\"}}", label(k)), *n))
            .collect::<Vec<_>>(),
    );
    metric(
        &mut out,
        "bcgw_component_errors_total",
        "counter",
        "Errors of sources and sinks that never reach the store (reconnects, framing, acknowledgements, panicked translations and deliveries), since start.",
        &errors
            .iter()
            .map(|((component, kind, stage), n)| {
                (
                    format!(
                        "{{component=\"{}\",kind=\"{kind}\",stage=\"{stage}\"}}",
                        label(component)
                    ),
                    *n,
                )
            })
            .collect::<Vec<_>>(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_per_sink_and_quarantine_kind() {
        let stats = StoreStats {
            payloads: 3,
            records: 10,
            delivered: vec![("niche".into(), 9)],
            pending: vec![("niche".into(), 1)],
            quarantine: vec![
                ("invalid-field".into(), "occurred_at: x".into(), 2),
                ("invalid-field".into(), "postcode: y".into(), 1),
                ("missing-field".into(), "z".into(), 1),
            ],
            quarantined: 4,
            ..StoreStats::default()
        };
        let errors = vec![(("radio".to_string(), "mqtt", "connect"), 2)];
        let text = render(
            &stats,
            &["niche".to_string(), "archive".to_string()],
            &errors,
            Duration::from_secs(7),
        );
        for line in [
            "bcgw_payloads_journaled_total 3",
            "bcgw_records_total 10",
            "bcgw_deliveries_delivered_total{sink=\"niche\"} 9",
            "bcgw_deliveries_pending{sink=\"niche\"} 1",
            "bcgw_quarantine_open{kind=\"invalid-field\"} 3",
            "bcgw_quarantine_open{kind=\"missing-field\"} 1",
            "bcgw_uptime_seconds 7",
            // A configured sink with nothing yet shows zeros, not a gap.
            "bcgw_deliveries_delivered_total{sink=\"archive\"} 0",
            "bcgw_deliveries_dead_total{sink=\"niche\"} 0",
            "bcgw_component_errors_total{component=\"radio\",kind=\"mqtt\",stage=\"connect\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        // Reasons may quote a payload: never exposed.
        assert!(!text.contains("occurred_at: x"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
