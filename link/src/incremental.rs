//! Linking record by record, as the daemon will: each new report joins the incident
//! it matches best (by the same average-linkage rule as the batch), starts a new one,
//! or bridges two incidents, which then merge. Incidents never split.

use crate::blocking::{Key, keys};
use crate::compare::{compare, pack};
use crate::engine::{Explanation, LinkConfig, explain_pair_features};
use crate::features::{Channel, Features};
use crate::model::Model;
use crate::vocab::Vocab;
use bcgw_sdk::schema::Report;
use std::collections::HashMap;

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
}

/// The linker's state.
pub struct IncrementalLinker {
    config: LinkConfig,
    model: Model,
    vocab: Vocab,
    features: Vec<Features>,
    ids: Vec<String>,
    index: HashMap<Key, Vec<u32>>,
    cluster_of: Vec<u32>,
    members: Vec<Vec<u32>>,
    incident_ids: Vec<String>,
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
            index: HashMap::new(),
            cluster_of: Vec::new(),
            members: Vec::new(),
            incident_ids: Vec::new(),
        }
    }

    fn p(&self, a: u32, b: u32) -> f64 {
        let (l, _) = compare(
            &self.features[a as usize],
            &self.features[b as usize],
            &self.vocab,
        );
        self.model.probability(&crate::compare::unpack(pack(&l)))
    }

    fn linkage(&self, r: u32, cluster: u32) -> Option<f64> {
        let m = &self.members[cluster as usize];
        let mut sum = 0.0;
        for &x in m {
            let p = self.p(r, x);
            if self.features[x as usize].kind == self.features[r as usize].kind
                && p < self.config.same_channel_threshold
            {
                return None;
            }
            sum += p;
        }
        Some(sum / m.len() as f64)
    }

    fn cluster_linkage(&self, a: u32, b: u32) -> Option<f64> {
        let mut sum = 0.0;
        for &x in &self.members[a as usize] {
            for &y in &self.members[b as usize] {
                let p = self.p(x, y);
                if self.features[x as usize].kind == self.features[y as usize].kind
                    && p < self.config.same_channel_threshold
                {
                    return None;
                }
                sum += p;
            }
        }
        Some(sum / (self.members[a as usize].len() * self.members[b as usize].len()) as f64)
    }

    /// Links one report.
    pub fn add(&mut self, id: &str, report: &Report, kind: Channel) -> Assignment {
        let f = Features::extract(report, kind, &mut self.vocab);
        let r = self.features.len() as u32;
        let report_keys = keys(&f, &self.vocab);
        self.features.push(f);
        self.ids.push(id.to_string());
        let mut candidates: Vec<u32> = report_keys
            .iter()
            .filter_map(|k| self.index.get(k))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for k in report_keys {
            self.index.entry(k).or_default().push(r);
        }
        let mut clusters: Vec<u32> = candidates
            .iter()
            .filter(|&&c| self.p(r, c) >= self.config.min_edge)
            .map(|&c| self.cluster_of[c as usize])
            .collect();
        clusters.sort_unstable();
        clusters.dedup();
        let mut scored: Vec<(u32, f64)> = clusters
            .iter()
            .filter_map(|&c| self.linkage(r, c).map(|l| (c, l)))
            .filter(|(_, l)| *l >= self.config.threshold)
            .collect();
        scored.sort_by(|x, y| y.1.total_cmp(&x.1));
        let Some(&(best, _)) = scored.first() else {
            let c = self.members.len() as u32;
            self.members.push(vec![r]);
            self.cluster_of.push(c);
            self.incident_ids.push(format!("inc-{id}"));
            return Assignment {
                incident_id: format!("inc-{id}"),
                new_incident: true,
                merged: Vec::new(),
                explanation: None,
            };
        };
        self.members[best as usize].push(r);
        self.cluster_of.push(best);
        let mut merged = Vec::new();
        for &(other, _) in &scored[1..] {
            if self
                .cluster_linkage(best, other)
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
        let strongest = self.members[best as usize]
            .iter()
            .copied()
            .filter(|&m| m != r)
            .max_by(|&x, &y| self.p(r, x).total_cmp(&self.p(r, y)));
        Assignment {
            incident_id: self.incident_ids[best as usize].clone(),
            new_incident: false,
            merged,
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

    /// The incident id of every report added so far, in order.
    pub fn incidents(&self) -> Vec<String> {
        self.cluster_of
            .iter()
            .map(|&c| self.incident_ids[c as usize].clone())
            .collect()
    }
}
