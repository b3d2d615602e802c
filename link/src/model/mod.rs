//! The Fellegi–Sunter model: for each feature level, how likely it is among pairs
//! that are the same incident (`m`) and among pairs that are not (`u`). A pair's
//! evidence is the sum of log2(m/u) over its levels; with the prior share of
//! matches `lambda` that gives the probability the two reports are one incident.
//!
//! The parameters are estimated from data, not set by hand: by expectation–
//! maximisation on the candidate pairs of the reports being linked (no labels
//! needed), or from a labelled sample (`bcgw link train`). The defaults shipped in
//! `default-model.toml` were estimated from a labelled synthetic corpus and are the
//! starting point of EM.
//!
//! Two reports both surely resolved to one register member are a question of
//! their own: the place is settled, and what remains is whether they are one
//! incident there or two (two thefts at one shop on one day, the same offender
//! back the next week). Such pairs are scored by a nested model, [`Model::same_member`],
//! estimated on such pairs alone, so the evidence of "same shop" is not added
//! on top of time and description as if it were independent of them.

mod file;

use crate::compare::{
    FEATURES, LEVELS, Levels, MEMBER, MEMBER_DISJOINT, MEMBER_UNKNOWN, POSTCODE, PREMISES, unpack,
};
use std::collections::HashMap;

/// A comparison pattern's levels with how many pairs have it.
type Counted = (Levels, f64);

/// The member level of two reports surely resolved to one member.
const SAME_MEMBER: u8 = 0;

/// The parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Prior probability that a candidate pair is a match.
    pub lambda: f64,
    /// `m[feature][level]`: P(level | match).
    pub m: Vec<Vec<f64>>,
    /// `u[feature][level]`: P(level | non-match).
    pub u: Vec<Vec<f64>>,
    /// Whether the model knows the member feature (a model file from before
    /// member registers does not: then members are not counted, names are).
    pub uses_members: bool,
    /// The model of pairs surely at one member (see the module docs); without
    /// it such pairs are scored by this one.
    pub same_member: Option<Box<Model>>,
    /// Whether this is a nested same-member model (it counts no place features).
    nested: bool,
}

/// Smallest probability a level may have. A level never seen among matches in
/// the training data (say, a contradicting gender) still happens in real reports;
/// the floor caps how much one feature can veto a pair.
const FLOOR: f64 = 2e-3;

/// Smallest share of true matches a level may have. Higher than [`FLOOR`]: a
/// corpus trained on is never the whole truth (independently made test data
/// had matches among same-channel pairs, with values or postcodes that
/// disagree), so no single disagreement may count for much more than -5 bits.
const M_FLOOR: f64 = 1e-2;

/// Fewest training pairs at a level for its evidence to be estimated; below,
/// the level weighs nothing.
const MIN_SEEN: f64 = 10.0;

/// Scales `v` to sum to one with no entry below [`M_FLOOR`]: small entries are
/// raised to the floor and the others shrink to make room. Idempotent, so a model
/// written out and read back is the same model.
pub(crate) fn normalise_m(v: &mut [f64]) {
    let s: f64 = v.iter().sum();
    if s <= 0.0 || !s.is_finite() {
        v.fill(1.0 / v.len() as f64);
        return;
    }
    v.iter_mut().for_each(|x| *x /= s);
    for _ in 0..v.len() {
        let low = v.iter().filter(|x| **x <= M_FLOOR * (1.0 + 1e-9)).count();
        let rest: f64 = v.iter().filter(|x| **x > M_FLOOR * (1.0 + 1e-9)).sum();
        let scale = (1.0 - low as f64 * M_FLOOR) / rest;
        let mut settled = true;
        for x in v.iter_mut() {
            if *x <= M_FLOOR * (1.0 + 1e-9) {
                *x = M_FLOOR;
            } else {
                *x *= scale;
                settled &= *x > M_FLOOR;
            }
        }
        if settled {
            break;
        }
    }
}

pub(crate) fn normalise(v: &mut [f64]) {
    for x in v.iter_mut() {
        *x = x.max(FLOOR);
    }
    let s: f64 = v.iter().sum();
    for x in v.iter_mut() {
        *x /= s;
    }
}

impl Model {
    /// The model estimated from the labelled synthetic corpus, shipped with bcgw.
    pub fn builtin() -> Model {
        Model::from_toml(include_str!("../default-model.toml")).unwrap_or_else(|_| Model::uniform())
    }

    /// A model that knows nothing: every level equally likely either way.
    pub fn uniform() -> Model {
        Model {
            lambda: 0.1,
            m: LEVELS.iter().map(|&n| vec![1.0 / n as f64; n]).collect(),
            u: LEVELS.iter().map(|&n| vec![1.0 / n as f64; n]).collect(),
            uses_members: true,
            same_member: None,
            nested: false,
        }
    }

    /// The model that scores a pair with these levels: the nested same-member
    /// model for two reports surely at one member, else this one.
    pub fn for_pair(&self, l: &Levels) -> &Model {
        match &self.same_member {
            Some(nested) if self.uses_members && l[MEMBER] == SAME_MEMBER => nested,
            _ => self,
        }
    }

    /// Which features count for a pair under this model. In the nested model
    /// no place feature counts (the place is settled). Otherwise the member
    /// level counts (two members surely, a few possible ones in common, none
    /// in common, or no member evidence), and the premises name and postcode
    /// count only when the members do not settle the place (no member
    /// evidence, or none in common but not surely) — else they would say the same thing again,
    /// less surely (a landmark name against a street name reads as another
    /// branch where the registers know it is one shop).
    pub fn counted(&self, l: &Levels) -> [bool; FEATURES.len()] {
        if self.nested {
            return std::array::from_fn(|f| !matches!(f, PREMISES | POSTCODE | MEMBER));
        }
        // Members placed apart, not surely, do not settle the place: the
        // names still count (counting `disjoint` as the place instead lost
        // more true pairs than it saved).
        let member_evidence =
            self.uses_members && !matches!(l[MEMBER], MEMBER_UNKNOWN | MEMBER_DISJOINT);
        std::array::from_fn(|f| match f {
            PREMISES | POSTCODE => !member_evidence,
            MEMBER => self.uses_members,
            _ => true,
        })
    }

    /// Evidence for a match in bits: the sum of log2(m/u) over the levels counted.
    pub fn weight(&self, l: &Levels) -> f64 {
        let counted = self.counted(l);
        (0..l.len())
            .filter(|&f| counted[f])
            .map(|f| self.level_weight(f, l[f]))
            .sum()
    }

    /// log2(m/u) of one feature level.
    pub fn level_weight(&self, feature: usize, level: u8) -> f64 {
        let lv = level as usize;
        (self.m[feature][lv] / self.u[feature][lv]).log2()
    }

    /// Probability that a pair with these levels is a match.
    pub fn probability(&self, l: &Levels) -> f64 {
        self.for_pair(l).own_probability(l)
    }

    /// [`Model::probability`] under this model's own parameters (not a nested one).
    fn own_probability(&self, l: &Levels) -> f64 {
        // The names and postcodes veto only where they count: where the
        // registers settle the place (both reports surely at one member), a
        // mistyped postcode or a store number with no chain name says nothing.
        if self.counted(l)[PREMISES] && crate::compare::two_premises(l) {
            return 0.0;
        }
        let prior = (self.lambda / (1.0 - self.lambda)).log2();
        let w = prior + self.weight(l);
        1.0 / (1.0 + (-w).exp2())
    }

    /// This model (trained without registers: names and postcodes for every
    /// pair) with the member evidence of `registered` (trained with them): its
    /// member levels and its model of pairs surely at one member. The member
    /// level `unknown` is made to weigh nothing, so without registers (every
    /// pair `unknown`) the model scores as this one did — what the built-in
    /// model is, for users with registers and without.
    pub fn with_member_evidence(mut self, registered: &Model) -> Model {
        let unknown = MEMBER_UNKNOWN as usize;
        self.m[MEMBER] = registered.m[MEMBER].clone();
        let mut u = registered.u[MEMBER].clone();
        let others: f64 = (0..u.len()).filter(|&l| l != unknown).map(|l| u[l]).sum();
        let m_unknown = self.m[MEMBER][unknown];
        u[unknown] = m_unknown * others / (1.0 - m_unknown).max(1e-9);
        normalise(&mut u);
        self.u[MEMBER] = u;
        self.uses_members = true;
        self.same_member = registered.same_member.clone();
        self
    }

    /// Estimates the model from labelled pairs: `(levels, count, is_match)`,
    /// with a nested same-member model from the pairs surely at one member when
    /// there are enough of them.
    pub fn from_labels(pairs: impl IntoIterator<Item = (Levels, u64, bool)>) -> Model {
        let (same, other): (Vec<_>, Vec<_>) = pairs
            .into_iter()
            .partition(|(l, _, _)| l[MEMBER] == SAME_MEMBER);
        let mut model = Model::estimate(other, false);
        let matches: u64 = same.iter().filter(|p| p.2).map(|p| p.1).sum();
        // Too few pairs to estimate from: score them with the general model.
        if matches >= 50 {
            model.same_member = Some(Box::new(Model::estimate(same, true)));
        }
        model
    }

    /// Estimates one model's parameters from labelled pairs.
    fn estimate(pairs: impl IntoIterator<Item = (Levels, u64, bool)>, nested: bool) -> Model {
        let mut m: Vec<Vec<f64>> = LEVELS.iter().map(|&n| vec![0.5; n]).collect();
        let mut u: Vec<Vec<f64>> = LEVELS.iter().map(|&n| vec![0.5; n]).collect();
        let (mut matches, mut total) = (0.0, 0.0);
        let counting = Model {
            nested,
            ..Model::uniform()
        };
        // Pairs seen at each level, matches or not.
        let mut seen: Vec<Vec<f64>> = LEVELS.iter().map(|&n| vec![0.0; n]).collect();
        let mut seen_matching: Vec<Vec<f64>> = LEVELS.iter().map(|&n| vec![0.0; n]).collect();
        let mut member_evidence = false;
        for (l, n, is_match) in pairs {
            let n = n as f64;
            total += n;
            member_evidence |= l[MEMBER] != MEMBER_UNKNOWN;
            let t = if is_match {
                matches += n;
                &mut m
            } else {
                &mut u
            };
            let counted = counting.counted(&l);
            for (f, &lv) in l.iter().enumerate() {
                if counted[f] {
                    t[f][lv as usize] += n;
                    seen[f][lv as usize] += n;
                    if is_match {
                        seen_matching[f][lv as usize] += n;
                    }
                }
            }
        }
        m.iter_mut().for_each(|v| normalise_m(v));
        u.iter_mut().for_each(|v| normalise(v));
        // A level the corpus hardly shows says nothing either way (else the
        // floor on `m` against a tiny `u` made a missing name worth +13 bits),
        // and one never seen among matches says nothing for a match.
        for f in 0..LEVELS.len() {
            let neutral: Vec<bool> = (0..LEVELS[f])
                .map(|lv| {
                    seen[f][lv] < MIN_SEEN || (seen_matching[f][lv] == 0.0 && u[f][lv] < m[f][lv])
                })
                .collect();
            // Those levels get u = m; the others share what is left.
            let fixed: f64 = (0..LEVELS[f])
                .filter(|&l| neutral[l])
                .map(|l| m[f][l])
                .sum();
            let rest: f64 = (0..LEVELS[f])
                .filter(|&l| !neutral[l])
                .map(|l| u[f][l])
                .sum();
            if fixed < 1.0 && rest > 0.0 {
                for lv in 0..LEVELS[f] {
                    u[f][lv] = if neutral[lv] {
                        m[f][lv]
                    } else {
                        u[f][lv] * (1.0 - fixed) / rest
                    };
                }
            }
        }
        Model {
            lambda: (matches / total.max(1.0)).clamp(1e-4, 0.9),
            m,
            u,
            // Trained without registers, the model knows no member evidence.
            uses_members: member_evidence,
            same_member: None,
            nested,
        }
    }

    /// Refines the model by expectation–maximisation on unlabelled comparison
    /// patterns (packed levels with counts), starting from `self`.
    ///
    /// `self` is also the prior (maximum a posteriori EM): it counts as
    /// `prior_weight` pseudo-pairs, split between matches and non-matches by its
    /// lambda. Plain EM on record linkage data can settle on a split that is not
    /// "same incident" at all (e.g. "same shop"); the prior keeps it near a
    /// sensible model unless the data say clearly otherwise.
    pub fn em<S: std::hash::BuildHasher>(
        &self,
        patterns: &HashMap<u32, u64, S>,
        iterations: usize,
        prior_weight: f64,
    ) -> Model {
        // In pattern order, not the map's: floating-point sums depend on the order
        // of their terms, and the same input must give the same model every run.
        let mut sorted: Vec<(u32, u64)> = patterns.iter().map(|(p, n)| (*p, *n)).collect();
        sorted.sort_unstable();
        // Pairs the nested same-member model scores refine it, apart.
        let (patterns, nested): (Vec<Counted>, Vec<Counted>) = sorted
            .into_iter()
            .map(|(p, n)| (unpack(p), n as f64))
            .partition(|(l, _)| std::ptr::eq(self.for_pair(l), self));
        let mut model = self.em_levels(&patterns, iterations, prior_weight);
        if let Some(inner) = &self.same_member {
            let share = nested.iter().map(|p| p.1).sum::<f64>()
                / patterns
                    .iter()
                    .chain(&nested)
                    .map(|p| p.1)
                    .sum::<f64>()
                    .max(1.0);
            let refined = inner.em_levels(&nested, iterations, prior_weight * share);
            model.same_member = Some(Box::new(if refined.is_plausible_nested() {
                refined
            } else {
                (**inner).clone()
            }));
        }
        model
    }

    /// Whether a refined nested model still reads time and description the
    /// right way round (else the caller keeps the one it started from).
    fn is_plausible_nested(&self) -> bool {
        self.level_weight(0, 0) > 1.0
            && self.level_weight(4, 3) < 0.0
            && (0.0005..0.99).contains(&self.lambda)
    }

    /// [`Model::em`] over unpacked levels, this model's own parameters only.
    fn em_levels(&self, patterns: &[(Levels, f64)], iterations: usize, prior_weight: f64) -> Model {
        let mut model = self.clone();
        for _ in 0..iterations {
            let prior_m = prior_weight * self.lambda;
            let prior_u = prior_weight * (1.0 - self.lambda);
            let mut m: Vec<Vec<f64>> = self
                .m
                .iter()
                .map(|v| v.iter().map(|x| x * prior_m).collect())
                .collect();
            let mut u: Vec<Vec<f64>> = self
                .u
                .iter()
                .map(|v| v.iter().map(|x| x * prior_u).collect())
                .collect();
            let (mut sm, mut total) = (prior_m, prior_weight);
            for (l, n) in patterns {
                let p = model.own_probability(l);
                sm += n * p;
                total += n;
                let counted = model.counted(l);
                for (f, &lv) in l.iter().enumerate() {
                    if counted[f] {
                        m[f][lv as usize] += n * p;
                        u[f][lv as usize] += n * (1.0 - p);
                    }
                }
            }
            m.iter_mut().for_each(|v| normalise_m(v));
            u.iter_mut().for_each(|v| normalise(v));
            if std::env::var("EM_KEEP_U").is_ok() {
                u = self.u.clone();
            }
            let next = Model {
                lambda: (sm / total.max(1.0)).clamp(1e-4, 0.9),
                m,
                u,
                uses_members: self.uses_members,
                same_member: self.same_member.clone(),
                nested: self.nested,
            };
            let delta = (next.lambda - model.lambda).abs();
            model = next;
            if delta < 1e-7 {
                break;
            }
        }
        model
    }

    /// Whether EM landed somewhere sensible: strong agreement on time, premises and
    /// description must still count for a match, and contradictions against it.
    /// When not, the caller keeps the starting model.
    pub fn is_plausible(&self) -> bool {
        self.level_weight(0, 0) > 1.0
            && self.level_weight(1, 0) > 0.5
            && self.level_weight(1, 4) < 0.0
            && self.level_weight(4, 3) < 0.0
            && (0.0005..0.9).contains(&self.lambda)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_model_parses_and_is_plausible() {
        let m = Model::builtin();
        assert_ne!(m, Model::uniform());
        assert!(m.is_plausible());
        assert!(m.uses_members && m.same_member.is_some());
        let back = Model::from_toml(&m.to_toml()).unwrap();
        for f in 0..m.m.len() {
            for l in 0..m.m[f].len() {
                assert!((back.m[f][l] - m.m[f][l]).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn member_evidence_added_leaves_scoring_without_registers_as_it_was() {
        let plain = Model::builtin();
        let mut without = plain.clone();
        without.uses_members = false;
        without.same_member = None;
        let with = without.clone().with_member_evidence(&plain);
        let mut l: Levels = [0, 3, 5, 0, 0, 3, 1, MEMBER_UNKNOWN];
        for time in 0..LEVELS[0] as u8 {
            l[0] = time;
            assert!((with.probability(&l) - without.probability(&l)).abs() < 1e-6);
        }
        assert!(with.level_weight(MEMBER, MEMBER_UNKNOWN).abs() < 1e-6);
    }

    #[test]
    fn levels_training_hardly_shows_weigh_nothing() {
        // Time level 7 ("further") seen twice, never among matches.
        let mut pairs = vec![
            ([0, 0, 5, 0, 0, 3, 1, 3], 500, true),
            ([4, 6, 5, 2, 3, 3, 1, 3], 5000, false),
            ([7, 6, 5, 2, 3, 3, 1, 3], 2, false),
        ];
        let m = Model::from_labels(pairs.clone());
        assert!(m.level_weight(0, 7).abs() < 1e-6);
        assert!(!m.uses_members, "no member evidence, no member feature");
        // Seen often but never among matches: never evidence for a match.
        pairs[2].1 = 50;
        assert!(Model::from_labels(pairs).level_weight(0, 7) <= 1e-9);
    }

    #[test]
    fn names_and_postcodes_veto_only_where_the_registers_do_not_settle_the_place() {
        let m = Model::builtin();
        // Names disagree, postcodes two different full postcodes, same day.
        let mut l: Levels = [2, 6, 2, 0, 0, 3, 2, MEMBER_UNKNOWN];
        assert!(crate::compare::two_premises(&l));
        assert_eq!(m.probability(&l), 0.0, "no registers: two shops");
        // Both surely at one member: the postcode was mistyped, the export
        // named the shop by its store number.
        l[MEMBER] = SAME_MEMBER;
        assert!(m.probability(&l) > 0.5, "{}", m.probability(&l));
    }
}
