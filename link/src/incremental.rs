//! Linking record by record, as the daemon will: each new report joins the incident
//! it matches best (by the same average-linkage rule as the batch), starts a new one,
//! or bridges two incidents, which then merge. Incidents never split here (a case
//! officer's split is a decision the daemon records, then [`IncrementalLinker::restore`]s).
//!
//! The daemon keeps one linker in memory and rebuilds it from the store on start
//! ([`IncrementalLinker::restore`]); [`IncrementalLinker::evict_before`] drops
//! reports too old to meet a new one, so memory is bounded by the window kept.

use crate::blocking::{Key, keys};
use crate::compare::{compare, pack, unpack};
use crate::engine::{Explanation, LinkConfig, explain_pair_features};
use crate::features::{Channel, Features};
use crate::model::Model;
use crate::vocab::Vocab;
use bcgw_sdk::schema::Report;
use rustc_hash::FxHashMap;

/// Where a new report went.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// Its incident.
    pub incident_id: String,
    /// True if it started a new incident.
    pub new_incident: bool,
    /// Incidents merged into this one because the report bridged them.
    pub merged: Vec<String>,
    /// Why (the strongest link), if it joined an incident.
    pub explanation: Option<Explanation>,
    /// The id of the member it links to most strongly, if it joined an incident.
    pub linked_to: Option<String>,
    /// Its mean match probability over the incident's members (the linkage that
    /// decided), if it joined an incident.
    pub score: Option<f64>,
    /// When it started a new incident although an existing one came close (a
    /// linkage of at least `review_threshold`): that incident, for a case officer.
    pub review: Option<ReviewCandidate>,
}

/// An incident a report nearly joined.
#[derive(Debug, Clone)]
pub struct ReviewCandidate {
    /// The incident.
    pub incident_id: String,
    /// The report's mean match probability over its members.
    pub score: f64,
    /// The member it links to most strongly.
    pub linked_to: String,
    /// Why, for that member.
    pub explanation: Explanation,
}

/// The linker's state.
pub struct IncrementalLinker {
    config: LinkConfig,
    model: Model,
    vocab: Vocab,
    features: Vec<Features>,
    ids: Vec<String>,
    index: FxHashMap<Key, Vec<u32>>,
    cluster_of: Vec<u32>,
    members: Vec<Vec<u32>>,
    incident_ids: Vec<String>,
    cluster_by_incident: FxHashMap<String, u32>,
    /// Probability of each comparison pattern under `model` (at most one entry
    /// per pattern, so bounded): the logarithms are worked out once.
    by_pattern: FxHashMap<u32, f64>,
    /// While a report is added: its probability with each report met so far.
    /// Linkage, the strongest link and the review candidate all ask for the
    /// same pairs; each is compared once.
    new_scores: FxHashMap<u32, f64>,
}

impl IncrementalLinker {
    /// An empty linker with a fixed model (EM needs a batch; see `bcgw link train`).
    pub fn new(config: LinkConfig, model: Model) -> IncrementalLinker {
        IncrementalLinker {
            config,
            model,
            vocab: Vocab::default(),
            features: Vec::new(),
            ids: Vec::new(),
            index: FxHashMap::default(),
            cluster_of: Vec::new(),
            members: Vec::new(),
            incident_ids: Vec::new(),
            cluster_by_incident: FxHashMap::default(),
            by_pattern: FxHashMap::default(),
            new_scores: FxHashMap::default(),
        }
    }

    /// Reports held.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no report is held.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The linker's settings.
    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    fn cluster_for(&mut self, incident_id: &str) -> u32 {
        if let Some(&c) = self.cluster_by_incident.get(incident_id) {
            return c;
        }
        let c = self.members.len() as u32;
        self.members.push(Vec::new());
        self.incident_ids.push(incident_id.to_string());
        self.cluster_by_incident.insert(incident_id.to_string(), c);
        c
    }

    /// Adds a report whose incident is already decided (read back from the store
    /// on start, or after a case officer's decision), without linking it.
    pub fn restore(&mut self, id: &str, report: &Report, kind: Channel, incident_id: &str) {
        let f = Features::extract(report, kind, &mut self.vocab);
        let r = self.features.len() as u32;
        for k in keys(&f, &self.vocab) {
            self.index.entry(k).or_default().push(r);
        }
        self.features.push(f);
        self.ids.push(id.to_string());
        let c = self.cluster_for(incident_id);
        self.members[c as usize].push(r);
        self.cluster_of.push(c);
    }

    /// Drops every report whose latest possible day is before `cutoff` (and every
    /// report with no time, which blocking never meets): they can no longer be
    /// compared with a new report, whose candidates are on its own day or next to
    /// it. Incidents left empty are forgotten. Returns how many reports went.
    pub fn evict_before(&mut self, cutoff: chrono::NaiveDate) -> usize {
        let keep: Vec<bool> = self
            .features
            .iter()
            .map(|f| {
                crate::blocking::days(f)
                    .into_iter()
                    .max()
                    .is_some_and(|d| d >= cutoff)
            })
            .collect();
        let gone = keep.iter().filter(|k| !**k).count();
        if gone == 0 {
            return 0;
        }
        let old_features = std::mem::take(&mut self.features);
        let old_ids = std::mem::take(&mut self.ids);
        let old_cluster_of = std::mem::take(&mut self.cluster_of);
        let old_incidents = std::mem::take(&mut self.incident_ids);
        self.index.clear();
        self.members.clear();
        self.cluster_by_incident.clear();
        for (((f, id), c), kept) in old_features
            .into_iter()
            .zip(old_ids)
            .zip(old_cluster_of)
            .zip(keep)
        {
            if !kept {
                continue;
            }
            let r = self.features.len() as u32;
            for k in keys(&f, &self.vocab) {
                self.index.entry(k).or_default().push(r);
            }
            self.features.push(f);
            self.ids.push(id);
            let c = self.cluster_for(&old_incidents[c as usize]);
            self.members[c as usize].push(r);
            self.cluster_of.push(c);
        }
        self.index.shrink_to_fit();
        self.features.shrink_to_fit();
        self.ids.shrink_to_fit();
        gone
    }

    /// Match probability of reports `a` and `b`, compared in that order.
    fn p(&mut self, a: u32, b: u32) -> f64 {
        let (fa, fb) = (&self.features[a as usize], &self.features[b as usize]);
        if fa.two_rows_of_one_export(fb) {
            return 0.0;
        }
        let (l, _) = compare(fa, fb, &self.vocab);
        let model = &self.model;
        *self
            .by_pattern
            .entry(pack(&l))
            .or_insert_with(|| model.probability(&unpack(pack(&l))))
    }

    /// [`Self::p`] of the report being added, `r`, with `x`: each pair once.
    fn p_new(&mut self, r: u32, x: u32) -> f64 {
        if let Some(&p) = self.new_scores.get(&x) {
            return p;
        }
        let p = self.p(r, x);
        self.new_scores.insert(x, p);
        p
    }

    /// Mean probability of the new report `r` over the members of `cluster`, or
    /// `None` when a member of its channel is not likely enough.
    fn linkage(&mut self, r: u32, cluster: u32) -> Option<f64> {
        let n = self.members[cluster as usize].len();
        let mut sum = 0.0;
        for i in 0..n {
            let x = self.members[cluster as usize][i];
            let p = self.p_new(r, x);
            if self.features[x as usize].kind == self.features[r as usize].kind
                && p < self.config.same_channel_threshold
            {
                return None;
            }
            sum += p;
        }
        Some(sum / n as f64)
    }

    /// Mean probability over the cross pairs of clusters `a` and `b`, or `None`
    /// when a same-channel pair is not likely enough (`r`, the report being
    /// added, may be among `a`'s members).
    fn cluster_linkage(&mut self, r: u32, a: u32, b: u32) -> Option<f64> {
        let (na, nb) = (
            self.members[a as usize].len(),
            self.members[b as usize].len(),
        );
        let mut sum = 0.0;
        for i in 0..na {
            let x = self.members[a as usize][i];
            for j in 0..nb {
                let y = self.members[b as usize][j];
                let p = if x == r {
                    self.p_new(r, y)
                } else {
                    self.p(x, y)
                };
                if self.features[x as usize].kind == self.features[y as usize].kind
                    && p < self.config.same_channel_threshold
                {
                    return None;
                }
                sum += p;
            }
        }
        Some(sum / (na * nb) as f64)
    }

    /// The member of `cluster` (other than `r`) the new report `r` links to most
    /// strongly (the last of equals).
    fn strongest(&mut self, r: u32, cluster: u32) -> Option<u32> {
        let n = self.members[cluster as usize].len();
        let mut best: Option<(u32, f64)> = None;
        for i in 0..n {
            let m = self.members[cluster as usize][i];
            if m == r {
                continue;
            }
            let p = self.p_new(r, m);
            if best.is_none_or(|(_, q)| p.total_cmp(&q).is_ge()) {
                best = Some((m, p));
            }
        }
        best.map(|(m, _)| m)
    }

    /// Links one report.
    pub fn add(&mut self, id: &str, report: &Report, kind: Channel) -> Assignment {
        let f = Features::extract(report, kind, &mut self.vocab);
        let r = self.features.len() as u32;
        self.new_scores.clear();
        let report_keys = keys(&f, &self.vocab);
        self.features.push(f);
        self.ids.push(id.to_string());
        // A busy key (a chain on a Saturday) is searched only near the report's
        // time, as the batch engine compares big blocks: linking stays linear.
        let mut candidates: Vec<u32> = Vec::new();
        let f_new = &self.features[r as usize];
        for k in &report_keys {
            let Some(members) = self.index.get(k) else {
                continue;
            };
            if members.len() <= crate::blocking::BIG_BLOCK {
                candidates.extend_from_slice(members);
            } else {
                let from = candidates.len();
                candidates.extend(members.iter().copied().filter(|&c| {
                    crate::blocking::within_big_block_window(f_new, &self.features[c as usize])
                }));
                // Even within the window a key can hold thousands (one shop's
                // whole export on one day): only the nearest in time are
                // compared, so one report's work stays bounded.
                let near = &mut candidates[from..];
                if near.len() > crate::blocking::BIG_BLOCK {
                    let start = f_new.when.map_or(0, |w| w.start);
                    let features = &self.features;
                    near.select_nth_unstable_by_key(crate::blocking::BIG_BLOCK, |&c| {
                        (
                            features[c as usize]
                                .when
                                .map_or(i64::MAX, |w| (w.start - start).abs()),
                            c,
                        )
                    });
                    candidates.truncate(from + crate::blocking::BIG_BLOCK);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        for k in report_keys {
            self.index.entry(k).or_default().push(r);
        }
        let mut clusters: Vec<u32> = Vec::new();
        for &c in &candidates {
            if self.p_new(r, c) >= self.config.min_edge {
                clusters.push(self.cluster_of[c as usize]);
            }
        }
        clusters.sort_unstable();
        clusters.dedup();
        let mut all: Vec<(u32, f64)> = Vec::new();
        for &c in &clusters {
            if let Some(l) = self.linkage(r, c) {
                all.push((c, l));
            }
        }
        all.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        let review = all
            .first()
            .filter(|(_, l)| *l < self.config.threshold && *l >= self.config.review_threshold)
            .map(|&(c, score)| self.review_candidate(r, c, score));
        let scored: Vec<(u32, f64)> = all
            .into_iter()
            .filter(|(_, l)| *l >= self.config.threshold)
            .collect();
        let Some(&(best, best_score)) = scored.first() else {
            // Named after the report that started it: an incident of one report
            // has that report's id, as every incident had before linking.
            let incident_id = id.to_string();
            let c = self.cluster_for(&incident_id);
            self.members[c as usize].push(r);
            self.cluster_of.push(c);
            return Assignment {
                incident_id,
                new_incident: true,
                merged: Vec::new(),
                explanation: None,
                linked_to: None,
                score: None,
                review,
            };
        };
        self.members[best as usize].push(r);
        self.cluster_of.push(best);
        let mut merged = Vec::new();
        for &(other, _) in &scored[1..] {
            if self
                .cluster_linkage(r, best, other)
                .is_some_and(|l| l >= self.config.threshold)
            {
                let moved = std::mem::take(&mut self.members[other as usize]);
                for &m in &moved {
                    self.cluster_of[m as usize] = best;
                }
                self.members[best as usize].extend(moved);
                merged.push(self.incident_ids[other as usize].clone());
            }
        }
        let strongest = self.strongest(r, best);
        Assignment {
            incident_id: self.incident_ids[best as usize].clone(),
            new_incident: false,
            merged,
            linked_to: strongest.map(|m| self.ids[m as usize].clone()),
            score: Some(best_score),
            review: None,
            explanation: strongest.map(|m| {
                explain_pair_features(
                    &self.features,
                    &self.vocab,
                    &self.model,
                    r as usize,
                    m as usize,
                )
            }),
        }
    }

    fn review_candidate(&mut self, r: u32, cluster: u32, score: f64) -> ReviewCandidate {
        // `r` is no member yet: every member is a choice.
        let strongest = self.strongest(r, cluster).unwrap_or(r);
        ReviewCandidate {
            incident_id: self.incident_ids[cluster as usize].clone(),
            score,
            linked_to: self.ids[strongest as usize].clone(),
            explanation: explain_pair_features(
                &self.features,
                &self.vocab,
                &self.model,
                r as usize,
                strongest as usize,
            ),
        }
    }

    /// The incident id of every report added so far, in order.
    pub fn incidents(&self) -> Vec<String> {
        self.cluster_of
            .iter()
            .map(|&c| self.incident_ids[c as usize].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::FlatRow;

    fn row(id: &str, source: &str, at: &str, premises: &str, postcode: &str) -> (Report, Channel) {
        let r = FlatRow {
            report_id: id.into(),
            source: source.into(),
            occurred_at: at.into(),
            premises_name: premises.into(),
            premises_postcode: postcode.into(),
            offence: "shoplifting".into(),
            offender_description: "male 30s grey hoodie".into(),
            ..FlatRow::default()
        };
        (r.to_report(), Channel::parse(source))
    }

    #[test]
    fn restored_reports_are_candidates_and_eviction_forgets_old_days() {
        let mut linker = IncrementalLinker::new(LinkConfig::default(), Model::builtin());
        let (old, k) = row(
            "a",
            "bcrp",
            "2026-03-01T14:00:00",
            "Tesco Broadmead",
            "BS1 3XX",
        );
        linker.restore("a", &old, k, "a");
        let (radio, k) = row("b", "radio", "2026-03-01T14:05:00", "TESCO BROADMEAD", "");
        let joined = linker.add("b", &radio, k);
        assert_eq!(joined.incident_id, "a");
        assert_eq!(joined.linked_to.as_deref(), Some("a"));
        assert!(joined.score.is_some_and(|s| s >= 0.4));
        assert_eq!(
            linker.evict_before(chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()),
            2
        );
        assert!(linker.is_empty());
        let late = linker.add("c", &old, Channel::RetailerCsv);
        assert!(late.new_incident, "an evicted incident cannot be joined");
    }
}
