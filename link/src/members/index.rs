//! Several registers indexed for resolving: ids, postcodes, chains and words to
//! the members that have them, so a report is compared with a handful of members
//! rather than every one.

use super::name::{Variant, WordCounts, variants};
use super::{Member, Register, id_key};
use std::collections::HashMap;

/// The registers the gateway resolves reports against.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub(super) members: Vec<Member>,
    pub(super) variants: Vec<Vec<Variant>>,
    /// Each member's trading name, normalised (what identifies it).
    pub(super) trading: Vec<crate::normalize::premises::PremisesName>,
    pub(super) counts: WordCounts,
    pub(super) member_ids: HashMap<String, Vec<u32>>,
    pub(super) bcrp_ids: HashMap<String, Vec<u32>>,
    pub(super) store_numbers: HashMap<String, Vec<u32>>,
    pub(super) radio_ids: HashMap<String, Vec<u32>>,
    pub(super) postcodes: HashMap<String, Vec<u32>>,
    pub(super) chains: HashMap<&'static str, Vec<u32>>,
    /// The first four letters of every word of every variant.
    pub(super) word_starts: HashMap<String, Vec<u32>>,
    /// Every member's town, as compared ([`super::town_key`]).
    pub(super) towns: std::collections::HashSet<String>,
    /// For a member that is the same shop as a member of another register
    /// (same postcode and name, or an id both list): the first of them.
    pub(super) same_premises: HashMap<u32, u32>,
    registers: Vec<(String, usize)>,
}

/// What a registry holds, for logs and `bcgw members check`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryStats {
    /// Per register: its name and how many members it has.
    pub registers: Vec<(String, usize)>,
    /// Members in all.
    pub members: usize,
}

fn push(map: &mut HashMap<String, Vec<u32>>, key: String, member: u32) {
    if key.is_empty() {
        return;
    }
    let v = map.entry(key).or_default();
    if v.last() != Some(&member) {
        v.push(member);
    }
}

/// The key a word is found under despite a typo late in it.
pub(super) fn word_start(w: &str) -> String {
    w.chars().take(4).collect()
}

impl Registry {
    /// Indexes the members of `registers`.
    pub fn new(registers: Vec<Register>) -> Registry {
        let mut r = Registry::default();
        for reg in registers {
            r.registers.push((reg.name.clone(), reg.members.len()));
            for m in reg.members {
                r.add(m);
            }
        }
        r.find_same_premises();
        r
    }

    /// Members of different registers that are one shop: the same postcode and
    /// the same name (as [`super::name::variant_key`] reads it), or a BCRP id or
    /// store number both list. Each points at the first of its group.
    fn find_same_premises(&mut self) {
        let mut first: HashMap<String, u32> = HashMap::new();
        for (i, m) in self.members.iter().enumerate() {
            let i = i as u32;
            let mut keys: Vec<String> = Vec::new();
            if let Some(p) = &m.postcode {
                keys.push(format!(
                    "p:{p}:{}",
                    super::name::variant_key(&m.display_name())
                ));
            }
            keys.extend(m.bcrp_ids.iter().map(|b| format!("b:{}", id_key(b))));
            let target = keys
                .iter()
                .filter_map(|k| first.get(k).copied())
                .find(|&j| self.members[j as usize].register != m.register);
            if let Some(j) = target {
                let root = self.same_premises.get(&j).copied().unwrap_or(j);
                self.same_premises.insert(i, root);
            }
            for k in keys {
                first.entry(k).or_insert(i);
            }
        }
    }

    fn add(&mut self, m: Member) {
        let i = self.members.len() as u32;
        let vs = variants(&m);
        self.counts.add(&vs);
        push(&mut self.member_ids, id_key(&m.member_id), i);
        for id in &m.bcrp_ids {
            push(&mut self.bcrp_ids, id_key(id), i);
        }
        for id in &m.store_numbers {
            push(&mut self.store_numbers, id_key(id), i);
        }
        for id in &m.radio_ids {
            push(&mut self.radio_ids, id_key(id), i);
        }
        if let Some(p) = &m.postcode {
            push(&mut self.postcodes, p.clone(), i);
        }
        if let Some(t) = m
            .town
            .as_deref()
            .map(super::town_key)
            .filter(|t| !t.is_empty())
        {
            self.towns.insert(t);
        }
        for v in &vs {
            if let Some(c) = v.name.chain {
                let list = self.chains.entry(c).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
            for w in &v.name.words {
                push(&mut self.word_starts, word_start(w), i);
            }
        }
        self.trading
            .push(crate::normalize::premises::normalise(&m.trading_name));
        self.members.push(m);
        self.variants.push(vs);
    }

    /// Whether no member is known.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Every member, in register order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The registers and their sizes.
    pub fn stats(&self) -> RegistryStats {
        RegistryStats {
            registers: self.registers.clone(),
            members: self.members.len(),
        }
    }

    /// The names of the registers.
    pub fn register_names(&self) -> impl Iterator<Item = &str> {
        self.registers.iter().map(|(n, _)| n.as_str())
    }

    /// The names and aliases members of `registers` (all when `None`) are known
    /// by, as written in the registers: what a radio adapter matches a line's
    /// premises against (`known_premises`).
    pub fn known_names(&self, registers: Option<&[String]>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.members {
            if registers.is_some_and(|r| !r.contains(&m.register)) {
                continue;
            }
            out.push(m.trading_name.clone());
            if let Some(b) = &m.branch {
                out.push(format!("{} {b}", m.trading_name));
            }
            out.extend(m.aliases.iter().cloned());
        }
        out.sort();
        out.dedup();
        out
    }

    /// A member by its register and id.
    pub fn member(&self, register: &str, member_id: &str) -> Option<&Member> {
        let key = id_key(member_id);
        self.member_ids
            .get(&key)?
            .iter()
            .map(|&i| &self.members[i as usize])
            .find(|m| m.register == register)
    }
}
