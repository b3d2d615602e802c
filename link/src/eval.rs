//! Pairwise evaluation: of all pairs of reports, which the linker put in one
//! incident versus which truly are one incident.

use std::collections::HashMap;

/// Pairwise precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairwiseScores {
    /// Pairs linked that are truly one incident.
    pub true_positives: u64,
    /// Pairs linked.
    pub predicted_pairs: u64,
    /// Pairs that truly are one incident.
    pub true_pairs: u64,
    /// true_positives / predicted_pairs.
    pub precision: f64,
    /// true_positives / true_pairs.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Scores `predicted` against `truth` over the reports both label (by report index
/// or id: any hashable key works through the two label slices).
pub fn pairwise<P: std::hash::Hash + Eq, T: std::hash::Hash + Eq>(
    predicted: &[P],
    truth: &[T],
) -> PairwiseScores {
    let mut joint: HashMap<(&P, &T), u64> = HashMap::new();
    let mut pred: HashMap<&P, u64> = HashMap::new();
    let mut tru: HashMap<&T, u64> = HashMap::new();
    for (p, t) in predicted.iter().zip(truth) {
        *joint.entry((p, t)).or_default() += 1;
        *pred.entry(p).or_default() += 1;
        *tru.entry(t).or_default() += 1;
    }
    let tp: u64 = joint.values().map(|&n| pairs(n)).sum();
    let pp: u64 = pred.values().map(|&n| pairs(n)).sum();
    let tt: u64 = tru.values().map(|&n| pairs(n)).sum();
    let precision = if pp == 0 { 1.0 } else { tp as f64 / pp as f64 };
    let recall = if tt == 0 { 1.0 } else { tp as f64 / tt as f64 };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    PairwiseScores {
        true_positives: tp,
        predicted_pairs: pp,
        true_pairs: tt,
        precision,
        recall,
        f1,
    }
}

/// The order reports reach an incremental linker, for evaluating it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalOrder {
    /// As they appear in the input.
    AsGiven,
    /// Shuffled at random: the worst case for a linker that cannot revisit.
    Shuffled,
    /// As they would reach the daemon: a radio alert within minutes of the
    /// incident, a BCRP report within hours (now and then days later), a retailer's
    /// export days later, in daily batches.
    Realistic,
}

impl ArrivalOrder {
    /// Parses `given`, `shuffled` or `arrival`.
    pub fn parse(s: &str) -> Option<ArrivalOrder> {
        match s {
            "given" | "file" => Some(ArrivalOrder::AsGiven),
            "shuffled" | "random" => Some(ArrivalOrder::Shuffled),
            "arrival" | "realistic" => Some(ArrivalOrder::Realistic),
            _ => None,
        }
    }
}

/// The order (indices into `reports`) in which to feed reports to an incremental
/// linker. `reports` gives each report's channel and the start of its time in
/// minutes since the epoch (if known). Deterministic for a seed.
pub fn arrival_order(
    reports: &[(crate::features::Channel, Option<i64>)],
    order: ArrivalOrder,
    seed: u64,
) -> Vec<usize> {
    use crate::features::Channel;
    let mut rng = crate::corpus::Rng::new(seed);
    let mut idx: Vec<usize> = (0..reports.len()).collect();
    match order {
        ArrivalOrder::AsGiven => idx,
        ArrivalOrder::Shuffled => {
            rng.shuffle(&mut idx);
            idx
        }
        ArrivalOrder::Realistic => {
            let latest = reports.iter().filter_map(|r| r.1).max().unwrap_or(0);
            let arrival: Vec<i64> = reports
                .iter()
                .map(|&(kind, at)| {
                    // A report with no time arrives at some point in the period.
                    let at = at.unwrap_or_else(|| latest - rng.range(0, 60 * 24 * 60));
                    at + match kind {
                        Channel::Radio => rng.range(0, 10),
                        Channel::Bcrp | Channel::Other => {
                            if rng.chance(0.1) {
                                rng.range(24 * 60, 5 * 24 * 60)
                            } else {
                                rng.range(20, 12 * 60)
                            }
                        }
                        // Exported nightly, sent one to seven days later.
                        Channel::RetailerCsv => {
                            let day = at.div_euclid(24 * 60) + rng.range(1, 8);
                            day * 24 * 60 + 6 * 60
                        }
                    }
                })
                .collect();
            idx.sort_by_key(|&i| (arrival[i], i));
            idx
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs() {
        // Truth {a,b,c} {d}; predicted {a,b} {c,d}.
        let s = pairwise(&[1, 1, 2, 2], &["x", "x", "x", "y"]);
        assert_eq!(
            (s.true_positives, s.predicted_pairs, s.true_pairs),
            (1, 2, 3)
        );
        assert!((s.precision - 0.5).abs() < 1e-9);
        assert!((s.recall - 1.0 / 3.0).abs() < 1e-9);
        let perfect = pairwise(&[1, 1, 2], &[7, 7, 8]);
        assert_eq!(perfect.f1, 1.0);
    }
}
