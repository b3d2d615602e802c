//! Development loop for the linking engine: generates a labelled corpus, estimates
//! the model from one seed's labels, links another seed's corpus (with and without
//! EM, batch and record by record) and prints pairwise precision, recall and F1.
//!
//! `cargo run --release -p bcgw-link --example linkdev -- [incidents] [train-seed] [test-seed]`
//!
//! Environment: `LINKDEV_NOISE` (test corpus noise scale), `LINKDEV_THRESHOLD`,
//! `LINKDEV_PRIOR` (EM prior share), `LINKDEV_STATS` (feature levels of the errors),
//! `LINKDEV_ERRORS` (sample error pairs), `LINKDEV_MISSED` (pairs blocking misses).
//! It writes the trained model to /tmp/linkdev-model.toml; `src/default-model.toml`
//! is that file for 50,000 incidents, seed 1.

use bcgw_link::compare::unpack;
use bcgw_link::corpus::{CorpusSettings, generate};
use bcgw_link::engine::{LinkConfig, compare_candidates, link_prepared, prepare};
use bcgw_link::eval::pairwise;
use bcgw_link::incremental::IncrementalLinker;
use bcgw_link::{Channel, Model};
use std::collections::HashMap;
use std::time::Instant;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let incidents = args.first().copied().unwrap_or(20_000) as usize;
    let train_seed = args.get(1).copied().unwrap_or(1);
    let test_seed = args.get(2).copied().unwrap_or(2);

    let train = generate(&CorpusSettings::new(incidents, train_seed));
    let reports: Vec<_> = train
        .rows
        .iter()
        .map(|r| (r.to_report(), Channel::parse(&r.source)))
        .collect();
    let prepared = prepare(reports.iter().map(|(r, k)| (r, *k)));
    let mut labelled: HashMap<(u32, bool), u64> = HashMap::new();
    let candidates = compare_candidates(&prepared);
    for &(a, b, p) in &candidates {
        *labelled
            .entry((p, train.truth[a as usize] == train.truth[b as usize]))
            .or_default() += 1;
    }
    let true_pairs_total = {
        let mut by: HashMap<&String, u64> = HashMap::new();
        for t in &train.truth {
            *by.entry(t).or_default() += 1;
        }
        by.values().map(|n| n * (n - 1) / 2).sum::<u64>()
    };
    let blocked_true: u64 = labelled
        .iter()
        .filter(|((_, m), _)| *m)
        .map(|(_, n)| n)
        .sum();
    println!(
        "train: {} reports, {} candidate pairs, blocking recall {:.4}",
        train.rows.len(),
        candidates.len(),
        blocked_true as f64 / true_pairs_total as f64
    );
    if std::env::var("LINKDEV_MISSED").is_ok() {
        let cand: std::collections::HashSet<(u32, u32)> =
            candidates.iter().map(|&(a, b, _)| (a, b)).collect();
        let mut by: HashMap<&String, Vec<usize>> = HashMap::new();
        for (i, t) in train.truth.iter().enumerate() {
            by.entry(t).or_default().push(i);
        }
        let mut shown = 0;
        'outer: for members in by.values() {
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    let key = (a.min(b) as u32, a.max(b) as u32);
                    if !cand.contains(&key) {
                        let (ra, rb) = (&train.rows[a], &train.rows[b]);
                        println!(
                            "MISSED\n  {} | {} | {} | {}\n  {} | {} | {} | {}",
                            ra.source,
                            ra.occurred_at,
                            ra.premises_name,
                            ra.premises_postcode,
                            rb.source,
                            rb.occurred_at,
                            rb.premises_name,
                            rb.premises_postcode
                        );
                        shown += 1;
                        if shown > 25 {
                            break 'outer;
                        }
                    }
                }
            }
        }
    }
    let model = Model::from_labels(labelled.iter().map(|((p, m), n)| (unpack(*p), *n, *m)));
    std::fs::write("/tmp/linkdev-model.toml", model.to_toml()).expect("write model");

    let noise: f64 = std::env::var("LINKDEV_NOISE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let test = generate(&CorpusSettings {
        noise,
        ..CorpusSettings::new(incidents, test_seed)
    });
    let reports: Vec<_> = test
        .rows
        .iter()
        .map(|r| (r.to_report(), Channel::parse(&r.source)))
        .collect();
    for (name, em) in [("trained, no EM", false), ("trained + EM", true)] {
        let start = Instant::now();
        let prepared = prepare(reports.iter().map(|(r, k)| (r, *k)));
        let threshold: f64 = std::env::var("LINKDEV_THRESHOLD")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.4);
        let em_prior_share: f64 = std::env::var("LINKDEV_PRIOR")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1.0);
        let config = LinkConfig {
            em,
            threshold,
            em_prior_share,
            ..LinkConfig::default()
        };
        let out = link_prepared(&prepared, &config, &model, |i| {
            test.rows[i].report_id.clone()
        });
        let secs = start.elapsed().as_secs_f64();
        let s = pairwise(&out.incident_of, &test.truth);
        if !em && std::env::var("LINKDEV_STATS").is_ok() {
            use bcgw_link::compare::{FEATURES, LEVEL_NAMES, compare};
            let mut by_incident: HashMap<&String, Vec<usize>> = HashMap::new();
            for (i, t) in test.truth.iter().enumerate() {
                by_incident.entry(t).or_default().push(i);
            }
            let mut fn_counts: HashMap<(usize, u8), u64> = HashMap::new();
            let mut fn_total = 0u64;
            for members in by_incident.values() {
                for (x, &a) in members.iter().enumerate() {
                    for &b in &members[x + 1..] {
                        if out.incident_of[a] != out.incident_of[b] {
                            fn_total += 1;
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
            let mut by_pred: HashMap<usize, Vec<usize>> = HashMap::new();
            for (i, c) in out.incident_of.iter().enumerate() {
                by_pred.entry(*c).or_default().push(i);
            }
            let mut fp_counts: HashMap<(usize, u8), u64> = HashMap::new();
            let mut fp_total = 0u64;
            for members in by_pred.values() {
                for (x, &a) in members.iter().enumerate() {
                    for &b in &members[x + 1..] {
                        if test.truth[a] != test.truth[b] {
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
            for (name, counts, total) in
                [("FN", &fn_counts, fn_total), ("FP", &fp_counts, fp_total)]
            {
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
        if !em && std::env::var("LINKDEV_ERRORS").is_ok() {
            use bcgw_link::engine::explain_pair;
            let mut fneg = 0;
            let mut fpos = 0;
            for a in 0..test.rows.len() {
                for b in (a + 1)..test.rows.len().min(a + 400000) {
                    let same_truth = test.truth[a] == test.truth[b];
                    let same_pred = out.incident_of[a] == out.incident_of[b];
                    if same_truth == same_pred
                        || (!same_truth && fpos > 12)
                        || (same_truth && fneg > 25)
                    {
                        continue;
                    }
                    let e = explain_pair(&prepared, &model, a, b);
                    let (ra, rb) = (&test.rows[a], &test.rows[b]);
                    println!(
                        "{} {}\n  {} | {} | {} | {} | {} | {}\n  {} | {} | {} | {} | {} | {}",
                        if same_truth { "FN" } else { "FP" },
                        e.to_line(),
                        ra.source,
                        ra.occurred_at,
                        ra.premises_name,
                        ra.premises_postcode,
                        ra.offence,
                        ra.offender_description,
                        rb.source,
                        rb.occurred_at,
                        rb.premises_name,
                        rb.premises_postcode,
                        rb.offence,
                        rb.offender_description
                    );
                    if same_truth { fneg += 1 } else { fpos += 1 }
                }
                if fneg > 25 && fpos > 12 {
                    break;
                }
            }
        }
        println!(
            "{name:>16}: P {:.4} R {:.4} F1 {:.4}  ({} reports, {:.0}/s, em_used {})",
            s.precision,
            s.recall,
            s.f1,
            test.rows.len(),
            test.rows.len() as f64 / secs,
            out.em_used
        );
    }
    let uniform_em = {
        let prepared = prepare(reports.iter().map(|(r, k)| (r, *k)));
        let out = link_prepared(&prepared, &LinkConfig::default(), &Model::builtin(), |i| {
            test.rows[i].report_id.clone()
        });
        pairwise(&out.incident_of, &test.truth)
    };
    println!(
        "  builtin + EM: P {:.4} R {:.4} F1 {:.4}",
        uniform_em.precision, uniform_em.recall, uniform_em.f1
    );
    let mut inc = IncrementalLinker::new(LinkConfig::default(), model.clone());
    let mut order: Vec<usize> = (0..test.rows.len()).collect();
    order.sort_by_key(|&i| test.rows[i].occurred_at.clone());
    for &i in &order {
        inc.add(&test.rows[i].report_id, &reports[i].0, reports[i].1);
    }
    let labels = inc.incidents();
    let truth: Vec<&String> = order.iter().map(|&i| &test.truth[i]).collect();
    let s = pairwise(&labels, &truth);
    println!(
        "   incremental: P {:.4} R {:.4} F1 {:.4}",
        s.precision, s.recall, s.f1
    );
}
