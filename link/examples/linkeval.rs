//! Scores the engine on a labelled flat-CSV corpus, batch and record by record,
//! with error statistics: the development loop for corpora from either generator.
//!
//! `cargo run --release -p bcgw-link --example linkeval -- <reports.csv> <truth.csv> [options]`
//!
//! Options:
//! - `--batch`: link as one batch (the default when no mode is given);
//! - `--inc given,shuffled,arrival`: link record by record with the
//!   [`IncrementalLinker`] in those orders (arrival: radio first, BCRP within hours,
//!   retailer exports days later; see [`arrival_order`]);
//! - `--stats`: feature levels of the wrongly linked and wrongly separated pairs,
//!   and the share of true pairs blocking compares;
//! - `--errors N`: print N sample errors of each kind with their evidence;
//! - `--config file.toml`: link settings;
//! - `--dump PREFIX`: write every outcome in full (`PREFIX.batch`, `PREFIX.<order>`:
//!   incident, explanation, review, model) so two builds can be diffed for
//!   identical results, not just identical scores.

use bcgw_link::compare::{FEATURES, LEVEL_NAMES, compare};
use bcgw_link::engine::{
    LinkConfig, Prepared, compare_candidates, explain_pair_features, link_prepared, prepare,
};
use bcgw_link::eval::{ArrivalOrder, arrival_order, pairwise};
use bcgw_link::incremental::IncrementalLinker;
use bcgw_link::input::{FlatRow, read_flat_csv};
use bcgw_link::{Channel, Model};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!(
            "usage: linkeval <reports.csv> <truth.csv> [--batch] [--inc given,shuffled,arrival] [--stats] [--errors N] [--config f]"
        );
        std::process::exit(2);
    }
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let flag = |name: &str| args.iter().any(|a| a == name);
    let rows =
        read_flat_csv(&std::fs::read(&args[0]).expect("reports")[..]).expect("reports parse");
    let truth_of: HashMap<String, String> = std::fs::read_to_string(&args[1])
        .expect("truth")
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(a, b)| (a.to_string(), b.trim().to_string()))
        .collect();
    let truth: Vec<&String> = rows.iter().map(|r| &truth_of[r.report_id.trim()]).collect();
    let config: LinkConfig = match opt("--config") {
        Some(p) => toml::from_str(&std::fs::read_to_string(p).expect("config")).expect("config"),
        None => LinkConfig::default(),
    };
    let reports: Vec<_> = rows
        .iter()
        .map(|r| (r.to_report(), Channel::parse(&r.source)))
        .collect();
    let inc_orders = opt("--inc");
    let dump_to = opt("--dump");
    if flag("--batch") || inc_orders.is_none() {
        let start = Instant::now();
        let prepared = prepare(reports.iter().map(|(r, k)| (r, *k)));
        let out = link_prepared(&prepared, &config, &Model::builtin(), |i| {
            rows[i].report_id.clone()
        });
        let secs = start.elapsed().as_secs_f64();
        if let Some(prefix) = &dump_to {
            let mut text = format!("{:?}\n", out.model);
            for (i, row) in rows.iter().enumerate() {
                text.push_str(&format!(
                    "{} {} {:?}\n",
                    row.report_id, out.incident_ids[out.incident_of[i]], out.explanations[i]
                ));
            }
            std::fs::write(format!("{prefix}.batch"), text).expect("dump");
        }
        let s = pairwise(&out.incident_of, &truth);
        println!(
            "batch: {} reports, {:.0}/s, {} candidate pairs, EM used: {}, P {:.4} R {:.4} F1 {:.4}",
            rows.len(),
            rows.len() as f64 / secs,
            out.candidate_pairs,
            out.em_used,
            s.precision,
            s.recall,
            s.f1
        );
        if flag("--stats") {
            stats(&prepared, &out.incident_of, &truth);
        }
        if let Some(n) = opt("--errors").and_then(|n| n.parse().ok()) {
            errors(&prepared, &out.model, &out.incident_of, &truth, &rows, n);
        }
    }
    for order in inc_orders.iter().flat_map(|o| o.split(',')) {
        let order = ArrivalOrder::parse(order).expect("given, shuffled or arrival");
        let timing: Vec<(Channel, Option<i64>)> = {
            let p = prepare(reports.iter().map(|(r, k)| (r, *k)));
            p.features
                .iter()
                .map(|f| (f.kind, f.when.map(|w| w.start)))
                .collect()
        };
        let seq = arrival_order(&timing, order, 17);
        let start = Instant::now();
        let mut linker = IncrementalLinker::new(config.clone(), Model::builtin());
        let (mut review, mut review_true, mut weak, mut weak_true) = (0u64, 0u64, 0u64, 0u64);
        let mut dump = String::new();
        for &i in &seq {
            let a = linker.add(&rows[i].report_id, &reports[i].0, reports[i].1);
            if dump_to.is_some() {
                dump.push_str(&format!("{} {a:?}\n", rows[i].report_id));
            }
            if let Some(r) = &a.review {
                review += 1;
                review_true += u64::from(truth_of[&r.linked_to] == *truth[i]);
            }
            if let (Some(s), Some(to)) = (a.score, &a.linked_to)
                && s < config.threshold + 0.2
            {
                weak += 1;
                weak_true += u64::from(truth_of[to] == *truth[i]);
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let labels = linker.incidents();
        if let Some(prefix) = &dump_to {
            dump.push_str(&labels.join("\n"));
            std::fs::write(format!("{prefix}.{order:?}"), dump).expect("dump");
        }
        let t: Vec<&String> = seq.iter().map(|&i| truth[i]).collect();
        let s = pairwise(&labels, &t);
        println!(
            "incremental ({order:?}): {:.0}/s, P {:.4} R {:.4} F1 {:.4}; review queue {} ({:.0}% true), links within 0.2 of the threshold {} ({:.0}% true)",
            rows.len() as f64 / secs,
            s.precision,
            s.recall,
            s.f1,
            review,
            100.0 * review_true as f64 / review.max(1) as f64,
            weak,
            100.0 * weak_true as f64 / weak.max(1) as f64,
        );
    }
}

fn stats<P: std::hash::Hash + Eq>(prepared: &Prepared, predicted: &[P], truth: &[&String]) {
    let mut by_truth: HashMap<&String, Vec<usize>> = HashMap::new();
    for (i, &t) in truth.iter().enumerate() {
        by_truth.entry(t).or_default().push(i);
    }
    let mut by_pred: HashMap<&P, Vec<usize>> = HashMap::new();
    for (i, p) in predicted.iter().enumerate() {
        by_pred.entry(p).or_default().push(i);
    }
    let candidates: HashSet<(u32, u32)> = compare_candidates(prepared)
        .into_iter()
        .map(|(a, b, _)| (a, b))
        .collect();
    let (mut true_pairs, mut blocked) = (0u64, 0u64);
    let mut fn_counts: HashMap<(usize, u8), u64> = HashMap::new();
    let mut fn_unblocked = 0u64;
    let mut fn_total = 0u64;
    for members in by_truth.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                true_pairs += 1;
                let key = (a.min(b) as u32, a.max(b) as u32);
                let is_candidate = candidates.contains(&key);
                blocked += u64::from(is_candidate);
                if predicted[a] != predicted[b] {
                    fn_total += 1;
                    fn_unblocked += u64::from(!is_candidate);
                    let (l, _) = compare(
                        &prepared.features[a],
                        &prepared.features[b],
                        &prepared.vocab,
                    );
                    for (f, lv) in l.iter().enumerate() {
                        *fn_counts.entry((f, *lv)).or_default() += 1;
                    }
                }
            }
        }
    }
    let mut fp_counts: HashMap<(usize, u8), u64> = HashMap::new();
    let mut fp_total = 0u64;
    for members in by_pred.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if truth[a] != truth[b] {
                    fp_total += 1;
                    let (l, _) = compare(
                        &prepared.features[a],
                        &prepared.features[b],
                        &prepared.vocab,
                    );
                    for (f, lv) in l.iter().enumerate() {
                        *fp_counts.entry((f, *lv)).or_default() += 1;
                    }
                }
            }
        }
    }
    println!(
        "blocking compares {blocked} of {true_pairs} true pairs ({:.4}); missed pairs never compared: {fn_unblocked} of {fn_total}",
        blocked as f64 / true_pairs.max(1) as f64
    );
    for (name, counts, total) in [("FN", &fn_counts, fn_total), ("FP", &fp_counts, fp_total)] {
        println!("{name} pairs: {total}");
        for f in 0..FEATURES.len() {
            let mut line = format!("  {:>12}:", FEATURES[f]);
            for (lv, ln) in LEVEL_NAMES[f].iter().enumerate() {
                let n = counts.get(&(f, lv as u8)).copied().unwrap_or(0);
                if n > 0 {
                    line.push_str(&format!(" {ln}={n}"));
                }
            }
            println!("{line}");
        }
    }
}

fn errors<P: std::hash::Hash + Eq>(
    prepared: &Prepared,
    model: &Model,
    predicted: &[P],
    truth: &[&String],
    rows: &[FlatRow],
    n: usize,
) {
    let show = |kind: &str, a: usize, b: usize| {
        let e = explain_pair_features(&prepared.features, &prepared.vocab, model, a, b);
        println!("{kind} {}", e.to_line());
        for r in [&rows[a], &rows[b]] {
            println!(
                "  {} | {} | {} | {} | {} | {} | {}",
                r.source,
                r.occurred_at,
                r.premises_name,
                r.premises_postcode,
                r.offence,
                r.offender_description,
                r.property_value_gbp
            );
        }
    };
    let mut by_truth: HashMap<&String, Vec<usize>> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        by_truth.entry(t).or_default().push(i);
    }
    let mut keys: Vec<&&String> = by_truth.keys().collect();
    keys.sort();
    let mut shown = 0;
    'fneg: for k in keys {
        let m = &by_truth[*k];
        for (x, &a) in m.iter().enumerate() {
            for &b in &m[x + 1..] {
                if predicted[a] != predicted[b] {
                    show("FN", a, b);
                    shown += 1;
                    if shown >= n {
                        break 'fneg;
                    }
                }
            }
        }
    }
    let mut by_pred: HashMap<&P, Vec<usize>> = HashMap::new();
    for (i, p) in predicted.iter().enumerate() {
        by_pred.entry(p).or_default().push(i);
    }
    let mut groups: Vec<&Vec<usize>> = by_pred.values().collect();
    groups.sort();
    let mut shown = 0;
    'fpos: for m in groups {
        for (x, &a) in m.iter().enumerate() {
            for &b in &m[x + 1..] {
                if truth[a] != truth[b] {
                    show("FP", a, b);
                    shown += 1;
                    if shown >= n {
                        break 'fpos;
                    }
                }
            }
        }
    }
}
