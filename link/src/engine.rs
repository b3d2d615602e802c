//! The engine: reports in, incidents out, with the reasons.

use crate::blocking::candidate_pairs;
use crate::cluster::{ClusterSettings, Clustering, PairCache, PairScore};
use crate::compare::{FEATURES, LEVEL_NAMES, Levels, compare, pack};
use crate::features::{Channel, Features};
use crate::model::Model;
use crate::vocab::Vocab;
use bcgw_sdk::schema::{PremisesResolution, Report};
use rustc_hash::FxHashMap;
use serde::Deserialize;

/// Linking settings (`[link]` in config, or a file for `bcgw link --config`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkConfig {
    /// Mean match probability over all cross pairs needed to merge two clusters
    /// (the auto-link threshold).
    pub threshold: f64,
    /// Below `threshold` but at least this: not linked, but worth a case
    /// officer's look (the daemon queues it for review).
    pub review_threshold: f64,
    /// Probability two reports from the same channel need to share an incident.
    pub same_channel_threshold: f64,
    /// Candidate pairs below this probability are not considered for merging.
    pub min_edge: f64,
    /// In the daemon's linker: a pair this likely (and at least `threshold`)
    /// carries a join whose mean linkage falls short of `threshold`, if the
    /// mean is at least `sure_pair_mean` (a retailer row sure to be the BCRP
    /// report, vaguer against the radio alert). Above 1: never.
    pub sure_pair: f64,
    /// See `sure_pair`.
    pub sure_pair_mean: f64,
    /// In the daemon's linker: a report belongs to at most one incident, so
    /// when it could join several that are not one another's, it joins the
    /// best only if that is likely against all of them together — its odds
    /// over one plus the odds of every incident it may be (a date-only row
    /// at a shop with two incidents that day joins neither; the officer is
    /// asked). False: each incident judged on its own.
    pub exclusive: bool,
    /// Refine the model by EM on the reports being linked (no labels needed).
    pub em: bool,
    /// Most EM iterations.
    pub em_iterations: usize,
    /// How much the starting model pulls in EM, as a share of the candidate pairs
    /// (0.5: the prior counts as half as many pairs as the data).
    pub em_prior_share: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            threshold: 0.4,
            review_threshold: 0.1,
            same_channel_threshold: 0.6,
            min_edge: 0.05,
            sure_pair: 0.9,
            sure_pair_mean: 0.3,
            exclusive: true,
            em: true,
            em_iterations: 40,
            em_prior_share: 1.0,
        }
    }
}

/// One report to link.
#[derive(Debug, Clone)]
pub struct LinkInput {
    /// The caller's id for it.
    pub id: String,
    /// The channel.
    pub kind: Channel,
    /// The common-schema report.
    pub report: Report,
}

/// Why a report is in its incident: the strongest link to another member.
///
/// Kept as levels and weights, not as text: a batch holds one for every linked
/// report, and a million of them as strings weighed more than the features.
#[derive(Clone)]
pub struct Explanation {
    /// The member it links to most strongly.
    pub linked_to: usize,
    /// Match probability of that pair.
    pub probability: f64,
    /// The agreement level of each feature (in the order of [`FEATURES`]).
    pub levels: Levels,
    /// The evidence of each feature's level, in bits.
    pub weights: [f64; FEATURES.len()],
    /// Whether each feature counted (see [`Model::counted`]).
    pub counted: [bool; FEATURES.len()],
}

impl Explanation {
    /// Per feature counted: name, level, evidence in bits.
    pub fn features(&self) -> impl Iterator<Item = (&'static str, &'static str, f64)> + '_ {
        (0..FEATURES.len()).filter(|&f| self.counted[f]).map(|f| {
            (
                FEATURES[f],
                LEVEL_NAMES[f][self.levels[f] as usize],
                self.weights[f],
            )
        })
    }

    /// One line: `time=<=15min(+4.1) premises=similar(+3.0) ... p=0.97`.
    pub fn to_line(&self) -> String {
        let mut parts: Vec<String> = self
            .features()
            .map(|(f, l, w)| format!("{f}={l}({w:+.1})"))
            .collect();
        parts.push(format!("p={:.3}", self.probability));
        parts.join(" ")
    }
}

impl std::fmt::Debug for Explanation {
    /// The evidence per feature by name, as it reads in an explanation.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Explanation")
            .field("linked_to", &self.linked_to)
            .field("probability", &self.probability)
            .field("features", &self.features().collect::<Vec<_>>())
            .finish()
    }
}

/// The result of linking.
#[derive(Debug, Clone)]
pub struct LinkOutput {
    /// Incident index of each input report.
    pub incident_of: Vec<usize>,
    /// Incident ids (`inc-<id of the earliest member>`), by incident index.
    pub incident_ids: Vec<String>,
    /// Why each report is linked (`None` for a report alone in its incident).
    pub explanations: Vec<Option<Explanation>>,
    /// The model used (after EM, if on).
    pub model: Model,
    /// Candidate pairs compared.
    pub candidate_pairs: usize,
    /// Whether EM's estimate was used (false: it was implausible, the start model was kept).
    pub em_used: bool,
}

/// Features of a batch of reports.
pub struct Prepared {
    /// Features, by report index.
    pub features: Vec<Features>,
    /// The shared vocabulary.
    pub vocab: Vocab,
}

/// Extracts features of every report.
pub fn prepare<'a>(reports: impl IntoIterator<Item = (&'a Report, Channel)>) -> Prepared {
    prepare_placed(reports.into_iter().map(|(r, kind)| (r, kind, None)))
}

/// [`prepare`] with where each report's premises were placed among register
/// members, when they were.
pub fn prepare_placed<'a>(
    reports: impl IntoIterator<Item = (&'a Report, Channel, Option<&'a PremisesResolution>)>,
) -> Prepared {
    let mut vocab = Vocab::default();
    let features = reports
        .into_iter()
        .map(|(r, kind, placed)| Features::extract_placed(r, kind, placed, &mut vocab))
        .collect();
    vocab.freeze();
    Prepared { features, vocab }
}

/// A model estimated from labelled reports: every candidate pair's comparison
/// pattern, counted as a match when `same(a, b)`. Pairs blocking never meets
/// are left out, as the linker never sees them.
pub fn train(prepared: &Prepared, same: impl Fn(usize, usize) -> bool) -> Model {
    let mut counts: FxHashMap<(u32, bool), u64> = FxHashMap::default();
    for (a, b, pattern) in compare_candidates(prepared) {
        let f = &prepared.features;
        if f[a as usize].apart(&f[b as usize]) {
            continue;
        }
        *counts
            .entry((pattern, same(a as usize, b as usize)))
            .or_default() += 1;
    }
    Model::from_labels(
        counts
            .into_iter()
            .map(|((p, m), n)| (crate::compare::unpack(p), n, m)),
    )
}

/// Candidate pairs with their comparison patterns.
pub fn compare_candidates(p: &Prepared) -> Vec<(u32, u32, u32)> {
    candidate_pairs(&p.features, &p.vocab)
        .into_iter()
        .map(|(a, b)| {
            let (l, _) = compare(&p.features[a as usize], &p.features[b as usize], &p.vocab);
            (a, b, pack(&l))
        })
        .collect()
}

/// Scores pairs for clustering: candidate pairs from their stored comparison
/// patterns, any other pair by comparing it once.
struct Scorer<'a> {
    prepared: &'a Prepared,
    model: &'a Model,
    /// Candidate pairs `(a, b, pattern)`, `a < b`, sorted.
    candidates: &'a [(u32, u32, u32)],
    /// Where report `a`'s candidate pairs begin in `candidates` (one more entry
    /// than reports): a pair is found by a search within its report's run.
    first: Vec<u32>,
    /// Pairs that are no candidates, scored when clusters merge.
    cache: PairCache,
    by_pattern: FxHashMap<u32, f64>,
}

impl<'a> Scorer<'a> {
    fn new(prepared: &'a Prepared, model: &'a Model, candidates: &'a [(u32, u32, u32)]) -> Self {
        let n = prepared.features.len();
        let mut first = vec![0u32; n + 1];
        for &(a, _, _) in candidates {
            first[a as usize + 1] += 1;
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        Scorer {
            prepared,
            model,
            candidates,
            first,
            cache: PairCache::default(),
            by_pattern: FxHashMap::default(),
        }
    }

    fn pattern_probability(&mut self, pattern: u32) -> f64 {
        let model = self.model;
        *self
            .by_pattern
            .entry(pattern)
            .or_insert_with(|| model.probability(&crate::compare::unpack(pattern)))
    }

    /// The comparison pattern of candidate pair `(a, b)`, `a < b`, if it is one.
    fn candidate_pattern(&self, a: u32, b: u32) -> Option<u32> {
        let run =
            &self.candidates[self.first[a as usize] as usize..self.first[a as usize + 1] as usize];
        run.binary_search_by_key(&b, |&(_, y, _)| y)
            .ok()
            .map(|i| run[i].2)
    }

    /// The probability of a pair whose comparison pattern is known.
    fn probability_of(&mut self, a: u32, b: u32, pattern: u32) -> f64 {
        let f = &self.prepared.features;
        if f[a as usize].apart(&f[b as usize]) {
            0.0
        } else {
            self.pattern_probability(pattern)
        }
    }
}

impl PairScore for Scorer<'_> {
    fn probability(&mut self, a: u32, b: u32) -> f64 {
        let key = (a.min(b), a.max(b));
        if let Some(pattern) = self.candidate_pattern(key.0, key.1) {
            return self.probability_of(key.0, key.1, pattern);
        }
        if let Some(p) = self.cache.known.get(&key) {
            return *p;
        }
        // Compared in the order asked, as the first ask decides what is cached.
        let f = &self.prepared.features;
        let (l, _) = compare(&f[a as usize], &f[b as usize], &self.prepared.vocab);
        let p = self.probability_of(a, b, pack(&l));
        self.cache.known.insert(key, p);
        p
    }
}

/// Explains the link between two reports under a model.
pub fn explain_pair(prepared: &Prepared, model: &Model, a: usize, b: usize) -> Explanation {
    explain_pair_features(&prepared.features, &prepared.vocab, model, a, b)
}

/// Explains the link between reports `a` and `b` of `features`.
pub fn explain_pair_features(
    features: &[Features],
    vocab: &Vocab,
    model: &Model,
    a: usize,
    b: usize,
) -> Explanation {
    let (l, _) = compare(&features[a], &features[b], vocab);
    explanation(model, &l, b)
}

fn explanation(model: &Model, l: &Levels, linked_to: usize) -> Explanation {
    let probability = model.probability(l);
    // The nested same-member model, for a pair surely at one member.
    let model = model.for_pair(l);
    let counted = model.counted(l);
    Explanation {
        linked_to,
        probability,
        levels: *l,
        weights: std::array::from_fn(|f| {
            if counted[f] {
                model.level_weight(f, l[f])
            } else {
                0.0
            }
        }),
        counted,
    }
}

/// Links a batch of reports into incidents.
pub fn link(inputs: &[LinkInput], config: &LinkConfig, start_model: &Model) -> LinkOutput {
    let prepared = prepare(inputs.iter().map(|i| (&i.report, i.kind)));
    link_prepared(&prepared, config, start_model, |i| inputs[i].id.clone())
}

/// Links already-prepared reports; `id` names report `i` for incident ids.
pub fn link_prepared(
    prepared: &Prepared,
    config: &LinkConfig,
    start_model: &Model,
    id: impl Fn(usize) -> String,
) -> LinkOutput {
    let candidates = compare_candidates(prepared);
    let mut patterns: FxHashMap<u32, u64> = FxHashMap::default();
    for (_, _, p) in &candidates {
        *patterns.entry(*p).or_default() += 1;
    }
    let (model, em_used) = if config.em && candidates.len() >= 50 {
        let prior = config.em_prior_share * candidates.len() as f64;
        let estimated = start_model.em(&patterns, config.em_iterations, prior);
        if estimated.is_plausible() {
            (estimated, true)
        } else {
            (start_model.clone(), false)
        }
    } else {
        (start_model.clone(), false)
    };
    let mut scorer = Scorer::new(prepared, &model, &candidates);
    let mut edges = Vec::new();
    for &(a, b, pattern) in &candidates {
        let p = scorer.probability_of(a, b, pattern);
        if p >= config.min_edge {
            edges.push((a, b, p));
        }
    }
    let n = prepared.features.len();
    let mut clustering = Clustering::singletons(n);
    let settings = ClusterSettings {
        threshold: config.threshold,
        same_channel_threshold: config.same_channel_threshold,
    };
    clustering.run(&edges, &prepared.features, &mut scorer, &settings);
    // Number incidents in order of their first report; name them after the earliest.
    let mut index_of_cluster: FxHashMap<u32, usize> = FxHashMap::default();
    let mut incident_of = Vec::with_capacity(n);
    let mut incident_ids = Vec::new();
    for r in 0..n {
        let c = clustering.cluster_of[r];
        let next = index_of_cluster.len();
        let idx = *index_of_cluster.entry(c).or_insert_with(|| {
            let earliest = clustering.members[c as usize]
                .iter()
                .copied()
                .min_by_key(|&m| {
                    (
                        prepared.features[m as usize]
                            .when
                            .map_or(i64::MAX, |s| s.start),
                        m,
                    )
                })
                .unwrap_or(r as u32);
            incident_ids.push(format!("inc-{}", id(earliest as usize)));
            next
        });
        incident_of.push(idx);
    }
    let explanations = (0..n)
        .map(|r| {
            let c = clustering.cluster_of[r] as usize;
            clustering.members[c]
                .iter()
                .copied()
                .filter(|&m| m as usize != r)
                .map(|m| (m, scorer.probability(r as u32, m)))
                .max_by(|x, y| x.1.total_cmp(&y.1))
                .map(|(m, _)| explain_pair(prepared, &model, r, m as usize))
        })
        .collect();
    LinkOutput {
        incident_of,
        incident_ids,
        explanations,
        candidate_pairs: candidates.len(),
        em_used,
        model,
    }
}
