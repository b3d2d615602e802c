//! Deciding reports together. The reports falling due (their hold ended) are
//! each a unit; so is each incident they may belong to (its reports as they
//! are), and each report still waiting for its own hold that they may be one
//! with. Units merge best pair first while the mean probability over all their
//! cross pairs clears the threshold — the batch engine's rule, with the
//! incidents already made taking part as they stand — and only through a unit
//! holding a report that is due: two incidents merge only through a due report
//! that links both, and a waiting report is decided now only if it joins a due
//! one ("over all reports received in the hold together"). Then every decided
//! report's place is read off the units.

use super::{Assignment, IncrementalLinker, PROVISIONAL, ReviewCandidate};
use crate::blocking::{BIG_BLOCK, keys, within_big_block_window};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BinaryHeap;

/// A group of reports being decided.
#[derive(Debug, Default, Clone)]
struct Unit {
    reports: Vec<u32>,
    /// The incidents (clusters) already made that are in it.
    clusters: Vec<u32>,
    /// Whether a due report is in it: units without one never merge.
    has_due: bool,
    version: u32,
    neighbours: FxHashSet<usize>,
}

/// A possible merge, ordered by linkage (ties broken by unit index).
#[derive(PartialEq)]
struct Merge {
    linkage: f64,
    a: usize,
    b: usize,
    va: u32,
    vb: u32,
}

impl Eq for Merge {}
impl PartialOrd for Merge {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Merge {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.linkage
            .total_cmp(&other.linkage)
            .then_with(|| other.a.cmp(&self.a))
            .then_with(|| other.b.cmp(&self.b))
    }
}

/// The decision's working state: units and the pair probabilities met so far.
struct Batch {
    units: Vec<Unit>,
    unit_of: FxHashMap<u32, usize>,
    pairs: FxHashMap<(u32, u32), f64>,
}

impl IncrementalLinker {
    /// The reports a report is compared with: those sharing a blocking key,
    /// a busy key searched only near the report's time and at most
    /// [`BIG_BLOCK`] nearest in it, so one report's work stays bounded.
    fn candidates(&self, r: u32) -> Vec<u32> {
        let f_new = &self.features[r as usize];
        let mut out: Vec<u32> = Vec::new();
        for k in keys(f_new, &self.vocab) {
            let Some(members) = self.index.get(&k) else {
                continue;
            };
            if members.len() <= BIG_BLOCK {
                out.extend_from_slice(members);
                continue;
            }
            let from = out.len();
            out.extend(
                members
                    .iter()
                    .copied()
                    .filter(|&c| within_big_block_window(f_new, &self.features[c as usize])),
            );
            let near = &mut out[from..];
            if near.len() > BIG_BLOCK {
                let start = f_new.when.map_or(0, |w| w.start);
                let features = &self.features;
                near.select_nth_unstable_by_key(BIG_BLOCK, |&c| {
                    (
                        features[c as usize]
                            .when
                            .map_or(i64::MAX, |w| (w.start - start).abs()),
                        c,
                    )
                });
                out.truncate(from + BIG_BLOCK);
            }
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&c| c != r);
        out
    }

    /// The probability of a pair, each pair compared once per decision (the
    /// later report first, as a report arriving is compared with those before it).
    fn pair(&mut self, pairs: &mut FxHashMap<(u32, u32), f64>, a: u32, b: u32) -> f64 {
        let key = (a.min(b), a.max(b));
        if let Some(&p) = pairs.get(&key) {
            return p;
        }
        let p = self.p(key.1, key.0);
        pairs.insert(key, p);
        p
    }

    fn linkage(&mut self, batch: &mut Batch, a: usize, b: usize) -> f64 {
        let (ra, rb) = (
            batch.units[a].reports.clone(),
            batch.units[b].reports.clone(),
        );
        let (mut sum, mut best) = (0.0, 0.0f64);
        for &x in &ra {
            for &y in &rb {
                let p = self.pair(&mut batch.pairs, x, y);
                sum += p;
                best = best.max(p);
            }
        }
        let mean = sum / (ra.len() * rb.len()).max(1) as f64;
        // One near-certain pair carries the join when no other pair is far off
        // (a retailer row sure to be the BCRP report, vaguer against the alert).
        let c = &self.config;
        if mean < c.threshold && best >= c.sure_pair.max(c.threshold) && mean >= c.sure_pair_mean {
            c.threshold
        } else {
            mean
        }
    }

    /// At most one report per channel in an incident, unless the two are
    /// themselves likely one (radio updates, a BCRP report entered twice).
    fn allowed(&mut self, batch: &mut Batch, a: usize, b: usize) -> bool {
        let (ra, rb) = (
            batch.units[a].reports.clone(),
            batch.units[b].reports.clone(),
        );
        let threshold = self.config.same_channel_threshold;
        for &x in &ra {
            for &y in &rb {
                if self.features[x as usize].kind == self.features[y as usize].kind
                    && self.pair(&mut batch.pairs, x, y) < threshold
                {
                    return false;
                }
            }
        }
        true
    }

    /// Whether merging units `a` and `b` is contested: a side made only of
    /// new reports may be one of several incidents (units it meets that
    /// `b`'s side would not take in), and against all of them together the
    /// join is no longer likely — its odds over one plus the odds of every
    /// incident it may be fall below the threshold.
    fn contested(&mut self, batch: &mut Batch, a: usize, b: usize) -> bool {
        let threshold = self.config.threshold;
        let odds = |p: f64| {
            let p = p.clamp(0.0, 1.0 - 1e-9);
            p / (1.0 - p)
        };
        let joint = odds(self.linkage(batch, a, b));
        for (side, other) in [(a, b), (b, a)] {
            if !batch.units[side].has_due || !batch.units[side].clusters.is_empty() {
                continue;
            }
            let neighbours: Vec<usize> = batch.units[side].neighbours.iter().copied().collect();
            let mut rivals = 0.0;
            for c in neighbours {
                if c == other || c == side || batch.units[c].reports.is_empty() {
                    continue;
                }
                let l = self.linkage(batch, side, c);
                if l < self.config.min_edge || self.linkage(batch, other, c) >= threshold {
                    continue;
                }
                rivals += odds(l);
            }
            if joint / (1.0 + joint + rivals) < threshold {
                return true;
            }
        }
        false
    }

    /// The unit of report `c`: its incident's, or (a report still waiting for
    /// its hold) one of its own; made when it has none yet.
    fn unit_of(&self, batch: &mut Batch, c: u32) -> usize {
        if let Some(&u) = batch.unit_of.get(&c) {
            return u;
        }
        let cluster = self.cluster_of[c as usize];
        let (reports, clusters) = if cluster == PROVISIONAL {
            (vec![c], Vec::new())
        } else {
            (self.members[cluster as usize].clone(), vec![cluster])
        };
        let u = batch.units.len();
        for &m in &reports {
            batch.unit_of.insert(m, u);
        }
        batch.units.push(Unit {
            reports,
            clusters,
            ..Unit::default()
        });
        u
    }

    /// Notes report `r`'s candidates as neighbouring units; `waiting` says
    /// whether waiting reports may be units (only for the due reports: a
    /// waiting report's own waiting neighbours wait).
    fn connect(&mut self, batch: &mut Batch, r: u32, waiting: bool) {
        for c in self.candidates(r) {
            if !waiting
                && self.cluster_of[c as usize] == PROVISIONAL
                && !batch.unit_of.contains_key(&c)
            {
                continue;
            }
            let p = self.pair(&mut batch.pairs, r, c);
            if p < self.config.min_edge {
                continue;
            }
            let uc = self.unit_of(batch, c);
            let ur = batch.unit_of[&r];
            if uc != ur {
                batch.units[ur].neighbours.insert(uc);
                batch.units[uc].neighbours.insert(ur);
            }
        }
    }

    /// Decides the reports `due` (ids of reports added with
    /// [`IncrementalLinker::add_provisional`] whose hold ended) together with the
    /// incidents and the waiting reports they may be one with. Returns each
    /// decided report's id and place: the due ones in the order given, then any
    /// waiting report decided with them. Ids not waiting are ignored.
    pub fn decide(&mut self, due: &[&str]) -> Vec<(String, Assignment)> {
        let mut batch = Batch {
            units: Vec::new(),
            unit_of: FxHashMap::default(),
            pairs: FxHashMap::default(),
        };
        let mut due_reports = Vec::with_capacity(due.len());
        for id in due {
            let Some(&r) = self.by_id.get(*id) else {
                continue;
            };
            if self.cluster_of[r as usize] != PROVISIONAL || batch.unit_of.contains_key(&r) {
                continue;
            }
            due_reports.push(r);
            batch.unit_of.insert(r, batch.units.len());
            batch.units.push(Unit {
                reports: vec![r],
                has_due: true,
                ..Unit::default()
            });
        }
        for &r in &due_reports {
            self.connect(&mut batch, r, true);
        }
        // The waiting reports met: their incidents take part too, so a waiting
        // report pulled in can bridge to where it belongs.
        let waiting: Vec<u32> = batch
            .unit_of
            .keys()
            .copied()
            .filter(|&r| self.cluster_of[r as usize] == PROVISIONAL && !due_reports.contains(&r))
            .collect();
        for r in waiting {
            self.connect(&mut batch, r, false);
        }
        self.cluster_units(&mut batch);
        self.settle(&mut batch, &due_reports)
    }

    /// Merges units best pair first while the linkage clears the threshold.
    fn cluster_units(&mut self, batch: &mut Batch) {
        let threshold = self.config.threshold;
        let mut heap = BinaryHeap::new();
        for a in 0..batch.units.len() {
            let mut neighbours: Vec<usize> = batch.units[a].neighbours.iter().copied().collect();
            neighbours.sort_unstable();
            for b in neighbours {
                if b <= a || !(batch.units[a].has_due || batch.units[b].has_due) {
                    continue;
                }
                let l = self.linkage(batch, a, b);
                if l >= threshold {
                    heap.push(Merge {
                        linkage: l,
                        a,
                        b,
                        va: 0,
                        vb: 0,
                    });
                }
            }
        }
        while let Some(m) = heap.pop() {
            let (a, b) = (m.a, m.b);
            if batch.units[a].reports.is_empty() || batch.units[b].reports.is_empty() {
                continue;
            }
            if batch.units[a].version != m.va || batch.units[b].version != m.vb {
                let l = self.linkage(batch, a, b);
                if l >= threshold {
                    heap.push(Merge {
                        linkage: l,
                        a,
                        b,
                        va: batch.units[a].version,
                        vb: batch.units[b].version,
                    });
                }
                continue;
            }
            if !(batch.units[a].has_due || batch.units[b].has_due)
                || !self.allowed(batch, a, b)
                || (self.config.exclusive && self.contested(batch, a, b))
            {
                continue;
            }
            merge_units(batch, a, b);
            let mut neighbours: Vec<usize> = batch.units[a].neighbours.iter().copied().collect();
            neighbours.sort_unstable();
            for c in neighbours {
                if batch.units[c].reports.is_empty() {
                    continue;
                }
                let l = self.linkage(batch, a, c);
                if l >= threshold {
                    heap.push(Merge {
                        linkage: l,
                        a,
                        b: c,
                        va: batch.units[a].version,
                        vb: batch.units[c].version,
                    });
                }
            }
        }
    }

    /// Which of several incidents a unit merges into: the one with the most
    /// reports (the fewest moved), then the smallest id.
    fn survivor(&self, clusters: &[u32]) -> u32 {
        clusters
            .iter()
            .copied()
            .max_by(|&x, &y| {
                self.members[x as usize]
                    .len()
                    .cmp(&self.members[y as usize].len())
                    .then_with(|| self.incident_ids[y as usize].cmp(&self.incident_ids[x as usize]))
            })
            .unwrap_or(clusters[0])
    }

    /// Reads each decided report's place off the units with a due report and
    /// applies it to the linker.
    fn settle(&mut self, batch: &mut Batch, due_reports: &[u32]) -> Vec<(String, Assignment)> {
        let position: FxHashMap<u32, usize> = due_reports
            .iter()
            .enumerate()
            .map(|(i, &r)| (r, i))
            .collect();
        let mut decided: Vec<(u32, Assignment)> = Vec::new();
        // Units that started an incident, with where their first report's
        // assignment is: review candidates are found once every unit is placed.
        let mut started_units: Vec<(usize, usize)> = Vec::new();
        for u in 0..batch.units.len() {
            if !batch.units[u].has_due || batch.units[u].reports.is_empty() {
                continue;
            }
            // Due reports in the order given, then waiting ones pulled in.
            let mut fresh: Vec<u32> = batch.units[u]
                .reports
                .iter()
                .copied()
                .filter(|&r| self.cluster_of[r as usize] == PROVISIONAL)
                .collect();
            fresh.sort_by_key(|r| (position.get(r).copied().unwrap_or(usize::MAX), *r));
            let clusters = batch.units[u].clusters.clone();
            let (survivor, merged, started) = if clusters.is_empty() {
                let id = self.ids[fresh[0] as usize].clone();
                (self.cluster_for(&id), Vec::new(), true)
            } else {
                let survivor = self.survivor(&clusters);
                let mut merged = Vec::new();
                for &c in clusters.iter().filter(|&&c| c != survivor) {
                    let moved = std::mem::take(&mut self.members[c as usize]);
                    for &m in &moved {
                        self.cluster_of[m as usize] = survivor;
                    }
                    self.members[survivor as usize].extend(moved);
                    merged.push(self.incident_ids[c as usize].clone());
                }
                merged.sort();
                (survivor, merged, false)
            };
            for &r in &fresh {
                self.members[survivor as usize].push(r);
                self.cluster_of[r as usize] = survivor;
            }
            if started {
                started_units.push((u, decided.len()));
            }
            let incident_id = self.incident_ids[survivor as usize].clone();
            for (k, &r) in fresh.iter().enumerate() {
                let first = k == 0;
                let others: Vec<u32> = batch.units[u]
                    .reports
                    .iter()
                    .copied()
                    .filter(|&m| m != r)
                    .collect();
                let (strongest, score) = self.strongest(batch, r, &others);
                decided.push((
                    r,
                    Assignment {
                        incident_id: incident_id.clone(),
                        new_incident: started && first,
                        merged: if first { merged.clone() } else { Vec::new() },
                        explanation: strongest.map(|m| self.explain(r, m)),
                        linked_to: strongest.map(|m| self.ids[m as usize].clone()),
                        score,
                        review: None,
                    },
                ));
            }
        }
        for (u, at) in started_units {
            decided[at].1.review = self.review_for(batch, u);
        }
        decided.sort_by_key(|(r, _)| (position.get(r).copied().unwrap_or(usize::MAX), *r));
        decided
            .into_iter()
            .map(|(r, a)| (self.ids[r as usize].clone(), a))
            .collect()
    }

    /// The member of `others` report `r` links to most strongly (the last of
    /// equals), and `r`'s mean probability over them.
    fn strongest(
        &mut self,
        batch: &mut Batch,
        r: u32,
        others: &[u32],
    ) -> (Option<u32>, Option<f64>) {
        if others.is_empty() {
            return (None, None);
        }
        let mut best: Option<(u32, f64)> = None;
        let mut sum = 0.0;
        for &m in others {
            let p = self.pair(&mut batch.pairs, r, m);
            sum += p;
            if best.is_none_or(|(_, q)| p.total_cmp(&q).is_ge()) {
                best = Some((m, p));
            }
        }
        (best.map(|(m, _)| m), Some(sum / others.len() as f64))
    }

    /// For a unit that starts a new incident: the neighbouring incident that
    /// came closest without reaching the threshold, if it reached the review
    /// band (a waiting report is no incident to review against yet).
    fn review_for(&mut self, batch: &mut Batch, u: usize) -> Option<ReviewCandidate> {
        let mut neighbours: Vec<usize> = batch.units[u].neighbours.iter().copied().collect();
        neighbours.sort_unstable();
        let mut best: Option<(usize, f64)> = None;
        for v in neighbours {
            let unit = &batch.units[v];
            // Only incidents: a waiting report not decided now is none yet.
            let placed = unit
                .reports
                .first()
                .is_some_and(|&r| self.cluster_of[r as usize] != PROVISIONAL);
            if v == u || !placed {
                continue;
            }
            let l = self.linkage(batch, u, v);
            let better = best.is_none_or(|(bv, bl)| l > bl || (l == bl && v < bv));
            // Above the threshold and allowed, it was contested (see
            // `contested`): the officer picks.
            let near = l < self.config.threshold || self.allowed(batch, u, v);
            if l >= self.config.review_threshold && near && better {
                best = Some((v, l));
            }
        }
        let (v, score) = best?;
        let first = batch.units[u].reports[0];
        let members = batch.units[v].reports.clone();
        let (strongest, _) = self.strongest(batch, first, &members);
        let m = strongest?;
        // The incident the neighbour is now (every unit has been placed).
        let incident_id =
            self.incident_ids[self.cluster_of[batch.units[v].reports[0] as usize] as usize].clone();
        Some(ReviewCandidate {
            incident_id,
            score,
            linked_to: self.ids[m as usize].clone(),
            explanation: self.explain(first, m),
        })
    }
}

/// Moves unit `b` into `a`.
fn merge_units(batch: &mut Batch, a: usize, b: usize) {
    let moved = std::mem::take(&mut batch.units[b]);
    for &r in &moved.reports {
        batch.unit_of.insert(r, a);
    }
    let ua = &mut batch.units[a];
    ua.reports.extend(moved.reports);
    ua.clusters.extend(moved.clusters);
    ua.has_due |= moved.has_due;
    ua.version += 1;
    batch.units[b].version = moved.version + 1;
    for c in moved.neighbours {
        if c != a {
            batch.units[c].neighbours.remove(&b);
            batch.units[c].neighbours.insert(a);
            batch.units[a].neighbours.insert(c);
        }
    }
    batch.units[a].neighbours.remove(&b);
    batch.units[a].neighbours.remove(&a);
}
