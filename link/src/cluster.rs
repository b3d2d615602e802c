//! Clustering reports into incidents without chaining.
//!
//! Plain connected components over "probably the same" links over-merge: one
//! ambiguous report joins two incidents. Here clusters grow by average linkage —
//! two clusters merge only when the mean match probability over *all* their cross
//! pairs clears the threshold — best pair first. A cluster takes at most one report
//! per channel unless those two reports are themselves a near-certain match.

use crate::features::Features;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BinaryHeap;

/// Clustering settings.
#[derive(Debug, Clone, Copy)]
pub struct ClusterSettings {
    /// Mean probability over cross pairs needed to merge.
    pub threshold: f64,
    /// Probability two reports of the same channel need to share an incident.
    pub same_channel_threshold: f64,
}

/// Scores any pair on demand (candidate pairs are already scored; others, met when
/// clusters merge, are scored then and cached).
pub trait PairScore {
    /// Probability that reports `a` and `b` are one incident.
    fn probability(&mut self, a: u32, b: u32) -> f64;
}

#[derive(PartialEq)]
struct Edge {
    score: f64,
    a: u32,
    b: u32,
    va: u32,
    vb: u32,
}

impl Eq for Edge {}
impl PartialOrd for Edge {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Edge {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score
            .total_cmp(&other.score)
            // Ties broken by ids, so the result does not depend on hash order.
            .then_with(|| other.a.cmp(&self.a))
            .then_with(|| other.b.cmp(&self.b))
    }
}

/// Average-linkage clustering state.
pub struct Clustering {
    /// Members of each cluster (empty when merged away).
    pub members: Vec<Vec<u32>>,
    /// The cluster of each report.
    pub cluster_of: Vec<u32>,
    version: Vec<u32>,
    neighbours: Vec<FxHashSet<u32>>,
}

impl Clustering {
    /// Every report in a cluster of its own.
    pub fn singletons(n: usize) -> Clustering {
        Clustering {
            members: (0..n as u32).map(|i| vec![i]).collect(),
            cluster_of: (0..n as u32).collect(),
            version: vec![0; n],
            neighbours: vec![FxHashSet::default(); n],
        }
    }

    fn linkage(&self, a: u32, b: u32, score: &mut impl PairScore) -> f64 {
        let (ma, mb) = (&self.members[a as usize], &self.members[b as usize]);
        let mut sum = 0.0;
        for &x in ma {
            for &y in mb {
                sum += score.probability(x, y);
            }
        }
        sum / (ma.len() * mb.len()) as f64
    }

    fn allowed(
        &self,
        a: u32,
        b: u32,
        features: &[Features],
        score: &mut impl PairScore,
        s: &ClusterSettings,
    ) -> bool {
        for &x in &self.members[a as usize] {
            for &y in &self.members[b as usize] {
                if features[x as usize].kind == features[y as usize].kind
                    && score.probability(x, y) < s.same_channel_threshold
                {
                    return false;
                }
            }
        }
        true
    }

    /// Merges clusters best-first along `edges` (candidate pairs with their
    /// probabilities) until no merge clears the threshold.
    pub fn run(
        &mut self,
        edges: &[(u32, u32, f64)],
        features: &[Features],
        score: &mut impl PairScore,
        s: &ClusterSettings,
    ) {
        let mut heap = BinaryHeap::new();
        for &(a, b, p) in edges {
            let (ca, cb) = (self.cluster_of[a as usize], self.cluster_of[b as usize]);
            if ca == cb {
                continue;
            }
            self.neighbours[ca as usize].insert(cb);
            self.neighbours[cb as usize].insert(ca);
            if p >= s.threshold
                && self.members[ca as usize].len() == 1
                && self.members[cb as usize].len() == 1
            {
                heap.push(Edge {
                    score: p,
                    a: ca,
                    b: cb,
                    va: 0,
                    vb: 0,
                });
            } else {
                let l = self.linkage(ca, cb, score);
                if l >= s.threshold {
                    heap.push(Edge {
                        score: l,
                        a: ca,
                        b: cb,
                        va: self.version[ca as usize],
                        vb: self.version[cb as usize],
                    });
                }
            }
        }
        while let Some(e) = heap.pop() {
            if e.score < s.threshold {
                break;
            }
            let (a, b) = (e.a, e.b);
            if self.members[a as usize].is_empty() || self.members[b as usize].is_empty() {
                continue;
            }
            if self.version[a as usize] != e.va || self.version[b as usize] != e.vb {
                // Stale: a cluster changed since this was computed. Recompute.
                let l = self.linkage(a, b, score);
                if l >= s.threshold {
                    heap.push(Edge {
                        score: l,
                        a,
                        b,
                        va: self.version[a as usize],
                        vb: self.version[b as usize],
                    });
                }
                continue;
            }
            if !self.allowed(a, b, features, score, s) {
                continue;
            }
            self.merge(a, b);
            for c in self.neighbours[a as usize].clone() {
                if self.members[c as usize].is_empty() || c == a {
                    continue;
                }
                let l = self.linkage(a, c, score);
                if l >= s.threshold {
                    heap.push(Edge {
                        score: l,
                        a,
                        b: c,
                        va: self.version[a as usize],
                        vb: self.version[c as usize],
                    });
                }
            }
        }
    }

    /// Moves cluster `b` into `a`.
    pub fn merge(&mut self, a: u32, b: u32) {
        let moved = std::mem::take(&mut self.members[b as usize]);
        for &r in &moved {
            self.cluster_of[r as usize] = a;
        }
        self.members[a as usize].extend(moved);
        self.version[a as usize] += 1;
        self.version[b as usize] += 1;
        let nb = std::mem::take(&mut self.neighbours[b as usize]);
        for c in nb {
            if c != a {
                self.neighbours[c as usize].remove(&b);
                self.neighbours[c as usize].insert(a);
                self.neighbours[a as usize].insert(c);
            }
        }
        self.neighbours[a as usize].remove(&b);
        self.neighbours[a as usize].remove(&a);
    }
}

/// A cache of pair probabilities keyed by the ordered pair.
#[derive(Default)]
pub struct PairCache {
    /// Probabilities computed so far.
    pub known: FxHashMap<(u32, u32), f64>,
}

impl PairCache {
    /// The cached probability of `(a, b)`, computing it with `f` if needed.
    pub fn get_or(&mut self, a: u32, b: u32, f: impl FnOnce() -> f64) -> f64 {
        let key = (a.min(b), a.max(b));
        *self.known.entry(key).or_insert_with(f)
    }
}
