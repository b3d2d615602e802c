//! Linking as the daemon does: a report is added when it arrives
//! ([`IncrementalLinker::add_provisional`]) and decided when its hold ends
//! ([`IncrementalLinker::decide`]), together with the other reports falling due
//! then and the reports still waiting that it is one with — clustered with the
//! incidents already made by the same average-linkage rule as the batch engine,
//! best pair first — so no report takes an incident greedily because its better
//! match came a moment later. A report joins an incident, starts one, or
//! bridges two that then merge.
//! Incidents never split here (a case officer's split is a decision the daemon
//! records, then [`IncrementalLinker::restore`]s).
//!
//! The daemon keeps one linker in memory and rebuilds it from the store on start
//! ([`IncrementalLinker::restore`]); [`IncrementalLinker::evict_before`] drops
//! reports too old to meet a new one, so memory is bounded by the window kept.
//! Eviction depends only on the reports' own dates, so a linker rebuilt from the
//! store holds exactly what the running one held.

mod joint;

use crate::blocking::{Key, keys};

/// The cluster of a report added but not decided yet.
const PROVISIONAL: u32 = u32::MAX;
use crate::compare::{compare, pack, unpack};
use crate::engine::{Explanation, LinkConfig, explain_pair_features};
use crate::features::{Channel, Features};
use crate::model::Model;
use crate::vocab::Vocab;
use bcgw_sdk::schema::{PremisesResolution, Report};
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
    /// Its mean match probability over the incident's other members (the
    /// linkage that decided), if it joined an incident.
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

/// One report to link.
#[derive(Debug, Clone, Copy)]
pub struct NewReport<'a> {
    /// The caller's id for it (the record id).
    pub id: &'a str,
    /// The report.
    pub report: &'a Report,
    /// Its channel.
    pub channel: Channel,
    /// Where the host placed its premises among the register members, if it did.
    pub premises: Option<&'a PremisesResolution>,
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
    /// Each report's index by its id.
    by_id: FxHashMap<String, u32>,
    /// Probability of each comparison pattern under `model` (at most one entry
    /// per pattern, so bounded): the logarithms are worked out once.
    by_pattern: FxHashMap<u32, f64>,
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
            by_id: FxHashMap::default(),
            by_pattern: FxHashMap::default(),
        }
    }

    /// Reports added and not decided yet.
    pub fn waiting(&self) -> usize {
        self.cluster_of
            .iter()
            .filter(|&&c| c == PROVISIONAL)
            .count()
    }

    /// Whether report `id` was added and is not decided yet.
    pub fn is_waiting(&self, id: &str) -> bool {
        self.by_id
            .get(id)
            .is_some_and(|&r| self.cluster_of[r as usize] == PROVISIONAL)
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

    /// Adds a report's features under id `id` and indexes them; returns its index.
    fn push(&mut self, id: &str, f: Features) -> u32 {
        let r = self.features.len() as u32;
        for k in keys(&f, &self.vocab) {
            self.index.entry(k).or_default().push(r);
        }
        self.features.push(f);
        self.ids.push(id.to_string());
        self.by_id.insert(id.to_string(), r);
        r
    }

    /// Adds a report that has arrived but whose hold has not ended: it is met
    /// by the reports decided meanwhile and may be decided with them. Returns
    /// false (and adds nothing) if a report with this id is held already.
    pub fn add_provisional(&mut self, report: NewReport<'_>) -> bool {
        if self.by_id.contains_key(report.id) {
            return false;
        }
        let f = Features::extract_placed(
            report.report,
            report.channel,
            report.premises,
            &mut self.vocab,
        );
        self.push(report.id, f);
        self.cluster_of.push(PROVISIONAL);
        true
    }

    /// Adds a report whose incident is already decided (read back from the store
    /// on start, or after a case officer's decision), without linking it.
    pub fn restore(
        &mut self,
        id: &str,
        report: &Report,
        kind: Channel,
        premises: Option<&PremisesResolution>,
        incident_id: &str,
    ) {
        let f = Features::extract_placed(report, kind, premises, &mut self.vocab);
        let r = self.push(id, f);
        let c = self.cluster_for(incident_id);
        self.members[c as usize].push(r);
        self.cluster_of.push(c);
    }

    /// The last day a report can still be met on: its own local day, or the next
    /// when it happened near midnight (blocking compares across midnight). Only
    /// the report's own date counts — not the day/month swap of a date-only
    /// report, which may lie months away — so what is kept depends on the
    /// report alone and a linker rebuilt from the store keeps the same.
    pub fn last_day(f: &Features) -> Option<chrono::NaiveDate> {
        let s = f.when?;
        crate::blocking::days(f)
            .into_iter()
            .filter(|d| (*d - s.date).num_days().abs() <= 1)
            .max()
    }

    /// Drops every report whose last day ([`IncrementalLinker::last_day`]) is
    /// before `cutoff` (and every report with no time, which blocking never
    /// meets). Incidents left empty are forgotten; the premises words' rarity is
    /// counted again over the reports kept. Returns how many reports went.
    pub fn evict_before(&mut self, cutoff: chrono::NaiveDate) -> usize {
        // Reports waiting for their hold stay whatever their date: they are
        // decided yet.
        let keep: Vec<bool> = self
            .features
            .iter()
            .zip(&self.cluster_of)
            .map(|(f, &c)| c == PROVISIONAL || Self::last_day(f).is_some_and(|d| d >= cutoff))
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
        self.by_id.clear();
        // Word rarity as if only the reports kept had been seen: what a
        // linker rebuilt from the store would count.
        self.vocab.reset_premises_counts();
        for (((f, id), c), kept) in old_features
            .into_iter()
            .zip(old_ids)
            .zip(old_cluster_of)
            .zip(keep)
        {
            if !kept {
                continue;
            }
            self.vocab.count_premises(&f.premises);
            let r = self.push(&id, f);
            if c == PROVISIONAL {
                self.cluster_of.push(PROVISIONAL);
                continue;
            }
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
        if fa.apart(fb) {
            return 0.0;
        }
        let (l, _) = compare(fa, fb, &self.vocab);
        let model = &self.model;
        *self
            .by_pattern
            .entry(pack(&l))
            .or_insert_with(|| model.probability(&unpack(pack(&l))))
    }

    /// Links one report (a batch of one).
    pub fn add(&mut self, id: &str, report: &Report, kind: Channel) -> Assignment {
        self.add_placed(id, report, kind, None)
    }

    /// Links one report whose premises the host placed among register members.
    pub fn add_placed(
        &mut self,
        id: &str,
        report: &Report,
        kind: Channel,
        premises: Option<&PremisesResolution>,
    ) -> Assignment {
        let one = NewReport {
            id,
            report,
            channel: kind,
            premises,
        };
        self.add_batch(&[one]).pop().unwrap_or_else(|| alone(id))
    }

    /// Explains the link between reports `a` and `b` under the model.
    fn explain(&self, a: u32, b: u32) -> Explanation {
        explain_pair_features(
            &self.features,
            &self.vocab,
            &self.model,
            a as usize,
            b as usize,
        )
    }

    /// The incident id of every report held, in the order held (empty for a
    /// report not decided yet).
    pub fn incidents(&self) -> Vec<String> {
        self.cluster_of
            .iter()
            .map(|&c| match c {
                PROVISIONAL => String::new(),
                c => self.incident_ids[c as usize].clone(),
            })
            .collect()
    }

    /// Adds reports and decides them at once, together (no hold). Returns one
    /// assignment per report, in the order given; a report whose id is held
    /// already gets a new incident of its own and changes nothing.
    pub fn add_batch(&mut self, batch: &[NewReport<'_>]) -> Vec<Assignment> {
        for r in batch {
            self.add_provisional(*r);
        }
        let ids: Vec<&str> = batch.iter().map(|r| r.id).collect();
        let mut decided: FxHashMap<String, Assignment> = self.decide(&ids).into_iter().collect();
        batch
            .iter()
            .map(|r| decided.remove(r.id).unwrap_or_else(|| alone(r.id)))
            .collect()
    }
}

/// A report in an incident of its own, nothing else decided.
fn alone(id: &str) -> Assignment {
    Assignment {
        incident_id: id.to_string(),
        new_incident: true,
        merged: Vec::new(),
        explanation: None,
        linked_to: None,
        score: None,
        review: None,
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
        linker.restore("a", &old, k, None, "a");
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

    #[test]
    fn a_row_that_fits_two_incidents_alike_joins_neither_and_is_reviewed() {
        let config = LinkConfig {
            threshold: 0.6,
            ..LinkConfig::default()
        };
        let two_incidents = |exclusive: bool| {
            let mut linker = IncrementalLinker::new(
                LinkConfig {
                    exclusive,
                    ..config.clone()
                },
                Model::builtin(),
            );
            for (id, at) in [("a", "2026-03-01T10:00:00"), ("b", "2026-03-01T16:00:00")] {
                let (r, k) = row(id, "bcrp", at, "Tesco Broadmead", "BS1 3XX");
                linker.restore(id, &r, k, None, id);
            }
            // The retailer's row: the date alone, the shop, nothing else.
            let (r, k) = row(
                "c",
                "retailer_csv",
                "2026-03-01",
                "TESCO BROADMEAD",
                "BS1 3XX",
            );
            linker.add("c", &r, k)
        };
        let alone = two_incidents(false);
        assert!(!alone.new_incident, "judged on its own it joins one");
        let contested = two_incidents(true);
        assert!(contested.new_incident);
        let review = contested.review.expect("the officer is asked");
        assert!(["a", "b"].contains(&review.incident_id.as_str()));
    }
}
