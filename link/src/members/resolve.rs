//! Which member a report's premises is: an id the report carries first (the
//! member's own id, a BCRP membership id, a store number, the radio that sent it),
//! checked against the name; then the postcode with the name, a name or alias as
//! written, and a scored fuzzy match that must stand clearly above the next
//! member's. When several members fit about equally, they are the candidates.

use super::index::{Registry, word_start};
use super::name::coverage;
use super::{Member, id_key, town_key};
use crate::normalize::premises::{PremisesName, normalise};
use crate::normalize::text::edit_distance;
use bcgw_sdk::schema::{MemberDetails, MemberRef, PremisesResolution, ResolutionMethod};

/// What a report says about its premises.
#[derive(Debug, Clone, Copy, Default)]
pub struct PremisesQuery<'a> {
    /// The premises name as written.
    pub name: Option<&'a str>,
    /// The postcode as written.
    pub postcode: Option<&'a str>,
    /// The id the source gives for the premises (a BCRP membership id, the
    /// register's member id, a retailer's store number).
    pub store_id: Option<&'a str>,
    /// The radio that sent an alert.
    pub radio_id: Option<&'a str>,
    /// The town the channel itself places it in (a radio scheme's topic): it
    /// narrows the members looked at, and is the report's town when a register
    /// knows it. Leave it out for a channel whose town is only what someone
    /// typed (a BCRP form's postal town is often not the register's town).
    pub town: Option<&'a str>,
    /// The registers to look in (the source's schemes); all when `None`.
    pub registers: Option<&'a [String]>,
}

/// A fuzzy match must score at least this...
const FUZZY_MIN: f64 = 0.55;
/// ...and stand this far above the next member's score.
const FUZZY_MARGIN: f64 = 0.2;
/// Members scoring within [`FUZZY_MARGIN`] of the best, and at least this, are
/// the candidates of an ambiguous name.
const AMBIGUOUS_MIN: f64 = 0.5;
/// Most candidates kept: more says little more than "unresolved".
const MAX_CANDIDATES: usize = 8;

/// How well a report's name must fit the member an id names for the id to be
/// taken at its word; below it, the id and the name disagree.
const ID_NAME_AGREES: f64 = 0.5;

/// The score of a resolution that names one member but may well be wrong: an
/// id whose member the name does not fit, a name that is only a chain ("SPAR"
/// fits the one Spar a register lists, and every Spar it does not). Linking
/// takes it as a hint (the member "may be"), never as proof it is another shop.
pub const WEAK: f64 = 0.6;

/// From this score a resolution is taken as the member it names.
pub const STRONG: f64 = 0.8;

impl Registry {
    /// The members nearest the report's premises by name and postcode, best
    /// first, with their scores (what `bcgw members resolve` shows beside the
    /// answer, to say why).
    pub fn closest(&self, q: &PremisesQuery<'_>, n: usize) -> Vec<(&Member, f64)> {
        let r = Resolver {
            reg: self,
            q,
            name: q.name.map(normalise).filter(|x| !x.is_empty()),
            postcode: q
                .postcode
                .and_then(crate::normalize::postcode::normalise)
                .map(|p| p.full),
        };
        let mut scored: Vec<(u32, f64)> = r
            .candidates()
            .into_iter()
            .map(|i| (i, r.score(i)))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
            .into_iter()
            .take(n)
            .map(|(i, s)| (&self.members[i as usize], (s * 1000.0).round() / 1000.0))
            .collect()
    }

    /// Resolves one report's premises.
    pub fn resolve(&self, q: &PremisesQuery<'_>) -> PremisesResolution {
        if self.members.is_empty() {
            return PremisesResolution::unresolved();
        }
        let name = q.name.map(normalise).filter(|n| !n.is_empty());
        let postcode = q
            .postcode
            .and_then(crate::normalize::postcode::normalise)
            .map(|p| p.full);
        let r = Resolver {
            reg: self,
            q,
            name,
            postcode,
        };
        let found = r.by_id().unwrap_or_else(|| r.by_name());
        let mut resolution = r.resolution(found);
        r.place(&mut resolution);
        resolution
    }
}

/// What was found, by member index; turned into a [`PremisesResolution`] last.
enum Found {
    One(u32, ResolutionMethod, f64),
    Several(Vec<u32>, f64),
    Nothing,
}

struct Resolver<'a> {
    reg: &'a Registry,
    q: &'a PremisesQuery<'a>,
    name: Option<PremisesName>,
    postcode: Option<String>,
}

impl Resolver<'_> {
    /// Whether the report's name says more than a chain: a word that is not
    /// a store format. A chain alone fits every branch, listed or not.
    fn specific(&self) -> bool {
        self.name.as_ref().is_some_and(|n| {
            n.words
                .iter()
                .any(|w| !crate::normalize::premises::FORMAT_WORDS.contains(&w.as_str()))
        })
    }

    /// Whether every word of the report's name is a word of member `i`'s
    /// street address or town (and it names no chain): where the shop is, not
    /// which shop.
    fn only_street(&self, i: u32) -> bool {
        let Some(n) = &self.name else { return false };
        if n.chain.is_some() {
            return false;
        }
        let m = self.member(i);
        let place: Vec<String> = m
            .address
            .iter()
            .chain(m.town.iter())
            .flat_map(|l| crate::normalize::premises::normalise(l).words)
            .collect();
        n.words
            .iter()
            .filter(|w| !crate::normalize::premises::FORMAT_WORDS.contains(&w.as_str()))
            .all(|w| {
                place
                    .iter()
                    .any(|p| p == w || crate::normalize::text::same_word(p, w))
            })
    }

    fn member(&self, i: u32) -> &Member {
        &self.reg.members[i as usize]
    }

    fn in_scope(&self, i: u32) -> bool {
        let m = self.member(i);
        self.q.registers.is_none_or(|r| r.contains(&m.register))
    }

    /// How well the report's name fits member `i` (1 when the report names no
    /// premises), lowered when the postcodes disagree or the member has left.
    fn score(&self, i: u32) -> f64 {
        let m = self.member(i);
        let name = match &self.name {
            Some(n) => {
                // Names made up from the town or street count only when the
                // report names the member itself too.
                let identified = super::name::identifies(n, &self.reg.trading[i as usize]);
                self.reg.variants[i as usize]
                    .iter()
                    .filter(|v| v.own || identified)
                    .map(|v| coverage(n, v, &self.reg.counts))
                    .fold(0.0, f64::max)
            }
            None => 1.0,
        };
        let postcode = match (&self.postcode, &m.postcode) {
            (Some(a), Some(b)) if a == b => 1.0,
            (Some(a), Some(b)) if edit_distance(a, b, 1) <= 1 => 0.95,
            (Some(a), Some(b)) if a.split(' ').next() == b.split(' ').next() => 0.75,
            (Some(_), Some(_)) => 0.4,
            _ => 1.0,
        };
        let left = if m.left { 0.9 } else { 1.0 };
        name * postcode * left
    }

    fn reference(&self, i: u32) -> MemberRef {
        let m = self.member(i);
        MemberRef {
            register: m.register.clone(),
            member_id: m.member_id.clone(),
            town: m.town.clone(),
            same_premises: self.reg.same_premises.get(&i).map(|&j| {
                let f = self.member(j);
                format!("{}/{}", f.register, f.member_id)
            }),
        }
    }

    /// Where the report is for vetoes: its member's scheme and town when it
    /// is surely that member ([`STRONG`]), else the one register in scope and
    /// the channel's town if a register knows it. A weak member (an id the
    /// name does not fit: a store number another register lists too) is a
    /// hint, never proof the report is in another town.
    fn place(&self, r: &mut PremisesResolution) {
        if let Some(m) = r.member.as_ref().filter(|_| r.score >= STRONG) {
            r.scheme = Some(m.register.clone());
            r.town = m.town.as_deref().map(town_key).filter(|t| !t.is_empty());
            return;
        }
        if let Some([only]) = self.q.registers {
            r.scheme = Some(only.clone());
        }
        r.town = self
            .q
            .town
            .map(town_key)
            .filter(|t| self.reg.towns.contains(t));
    }

    fn resolution(&self, found: Found) -> PremisesResolution {
        match found {
            Found::One(i, method, score) => self.resolved(i, method, score),
            Found::Several(members, score) => self.ambiguous(&members, score),
            Found::Nothing => PremisesResolution::unresolved(),
        }
    }

    fn resolved(&self, i: u32, method: ResolutionMethod, score: f64) -> PremisesResolution {
        let m = self.member(i);
        PremisesResolution {
            method,
            member: Some(self.reference(i)),
            details: Some(MemberDetails {
                name: m.display_name(),
                address_lines: m.address.clone(),
                postcode: m.postcode.clone(),
                scheme: Some(m.scheme.clone()),
            }),
            candidates: Vec::new(),
            score: (score * 1000.0).round() / 1000.0,
            scheme: None,
            town: None,
        }
    }

    fn ambiguous(&self, members: &[u32], score: f64) -> PremisesResolution {
        PremisesResolution {
            method: ResolutionMethod::Ambiguous,
            member: None,
            details: None,
            candidates: members
                .iter()
                .take(MAX_CANDIDATES)
                .map(|&i| self.reference(i))
                .collect(),
            score: (score * 1000.0).round() / 1000.0,
            scheme: None,
            town: None,
        }
    }

    /// Keeps the members in the report's town when any is (a register without
    /// towns, or a report without one, keeps all).
    fn in_town(&self, members: Vec<u32>) -> Vec<u32> {
        let Some(town) = self.q.town.map(town_key).filter(|t| !t.is_empty()) else {
            return members;
        };
        let here: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&i| {
                self.member(i)
                    .town
                    .as_deref()
                    .is_some_and(|t| town_key(t) == town)
            })
            .collect();
        if here.is_empty() { members } else { here }
    }

    /// By an id the report carries. `None` when it carries none that a member
    /// holds. The source's id may be any of a member's ids (a register's own
    /// number can look like a retailer's store number): every kind is looked up,
    /// and members it names in several ways are told apart by the name.
    fn by_id(&self) -> Option<Found> {
        let lookups = [
            (
                self.q.store_id,
                &self.reg.bcrp_ids,
                ResolutionMethod::BcrpId,
            ),
            (
                self.q.store_id,
                &self.reg.store_numbers,
                ResolutionMethod::StoreNumber,
            ),
            (
                self.q.store_id,
                &self.reg.member_ids,
                ResolutionMethod::MemberId,
            ),
            (
                self.q.radio_id,
                &self.reg.radio_ids,
                ResolutionMethod::RadioId,
            ),
        ];
        let mut hits: Vec<(u32, ResolutionMethod)> = Vec::new();
        for (id, map, method) in lookups {
            let Some(id) = id.map(id_key).filter(|k| !k.is_empty()) else {
                continue;
            };
            for &i in map.get(&id).into_iter().flatten() {
                if self.in_scope(i) && !hits.iter().any(|(j, _)| *j == i) {
                    hits.push((i, method));
                }
            }
        }
        if hits.is_empty() {
            return None;
        }
        // Store numbers are the retailer's own (two chains may share one), and a
        // register's bare member numbers look like them: the name picks.
        if hits.len() > 1 && self.name.is_some() {
            let best = hits.iter().map(|&(i, _)| self.score(i)).fold(0.0, f64::max);
            let named: Vec<(u32, ResolutionMethod)> = hits
                .iter()
                .copied()
                .filter(|&(i, _)| best > 0.0 && self.score(i) >= best - 0.1)
                .collect();
            if !named.is_empty() {
                hits = named;
            }
        }
        if let [(only, method)] = hits[..] {
            return Some(self.checked_by_name(only, method));
        }
        let mut members: Vec<u32> = hits.into_iter().map(|(i, _)| i).collect();
        members.truncate(MAX_CANDIDATES);
        Some(Found::Several(members, 0.5))
    }

    /// An id's member, checked against the name: when the name fits it, the id
    /// is taken at its word; when the name plainly names another member (a
    /// radio handed to the shop next door, a stale id), both are candidates;
    /// otherwise the id stands, weakly.
    fn checked_by_name(&self, i: u32, method: ResolutionMethod) -> Found {
        // The same chain is agreement enough: staff call a branch by a landmark
        // or a street the register does not list.
        let same_chain = self
            .name
            .as_ref()
            .is_some_and(|n| n.chain.is_some() && n.chain == self.reg.trading[i as usize].chain);
        if self.name.is_none() || same_chain || self.score(i) >= ID_NAME_AGREES {
            return Found::One(i, method, 1.0);
        }
        match self.by_name() {
            Found::One(k, _, score) if k != i && score >= STRONG => Found::Several(vec![i, k], 0.5),
            _ => Found::One(i, method, WEAK),
        }
    }

    /// Members sharing the report's postcode, chain or a word's start.
    fn candidates(&self) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        if let Some(p) = &self.postcode
            && let Some(v) = self.reg.postcodes.get(p)
        {
            out.extend(v);
        }
        if let Some(n) = &self.name {
            if let Some(c) = n.chain
                && let Some(v) = self.reg.chains.get(c)
            {
                out.extend(v);
            }
            for w in &n.words {
                if let Some(v) = self.reg.word_starts.get(&word_start(w)) {
                    out.extend(v);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&i| self.in_scope(i));
        self.in_town(out)
    }

    /// By postcode and name, a name as written, or a clear fuzzy match.
    fn by_name(&self) -> Found {
        let candidates = self.candidates();
        if candidates.is_empty() {
            return Found::Nothing;
        }
        // The postcode is the member's and the name does not say otherwise.
        if let Some(p) = &self.postcode {
            let here: Vec<u32> = candidates
                .iter()
                .copied()
                .filter(|&i| {
                    self.member(i).postcode.as_ref() == Some(p) && self.score(i) >= ID_NAME_AGREES
                })
                .collect();
            if let [only] = here[..] {
                return Found::One(only, ResolutionMethod::PostcodeAndName, 0.97);
            }
        }
        let Some(name) = &self.name else {
            return Found::Nothing;
        };
        let key = super::name::name_key(name);
        let exact: Vec<u32> = candidates
            .iter()
            .copied()
            .filter(|&i| {
                self.reg.variants[i as usize]
                    .iter()
                    .any(|v| v.own && v.key == key)
            })
            .collect();
        // A chain alone, or a street alone ("SHOP WESTGATE ST"), even as a
        // member's alias, fits shops no register lists: a hint, not an answer.
        let sure = |i: u32, score: f64| {
            if self.specific() && !self.only_street(i) {
                score
            } else {
                score.min(WEAK)
            }
        };
        if let [only] = exact[..] {
            return Found::One(only, ResolutionMethod::Alias, sure(only, 0.95));
        }
        let mut scored: Vec<(u32, f64)> = candidates.iter().map(|&i| (i, self.score(i))).collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let (best, best_score) = scored[0];
        let second = scored.get(1).map_or(0.0, |s| s.1);
        if best_score >= FUZZY_MIN && best_score - second >= FUZZY_MARGIN {
            return Found::One(best, ResolutionMethod::Fuzzy, sure(best, best_score));
        }
        let close: Vec<u32> = scored
            .iter()
            .filter(|(_, s)| *s >= AMBIGUOUS_MIN.max(best_score - FUZZY_MARGIN))
            .map(|(i, _)| *i)
            .collect();
        if close.len() >= 2 {
            return Found::Several(close, best_score);
        }
        Found::Nothing
    }
}
