//! Puts the faults of [`super::faults`] into a scheme's register lines, at the
//! rates given there, and records each one. Called in this order by
//! [`super::register::build`]: renaming comes before the on-air names are made
//! (they follow the register's name), the rest after.

use super::aliases::{self, Identity};
use super::faults::{
    FaultKind, LEFT, NO_BCRP_ID, NO_POSTCODE, POSTCODE_TYPO, RENAMED, RegisterFault, SHARED_ALIAS,
    STALE_ALIAS, STALE_RADIO,
};
use super::ids::{Ids, Scheme};
use super::register::Entry;
use super::rng::Rng;
use super::world::World;

/// `renamed`: the register's name becomes another one; before the aliases are
/// made, so the register's on-air names follow the register's name.
pub fn rename(
    rng: &mut Rng,
    world: &World,
    s: &Scheme,
    entries: &mut [Entry],
    out: &mut Vec<RegisterFault>,
) {
    for e in entries.iter_mut() {
        let Some(shop) = e.shop.filter(|_| rng.chance(RENAMED)) else {
            continue;
        };
        let other = aliases::other_name(rng, &e.who, world.premises[shop].locality);
        let (ours, theirs) = (e.who.trading_name(&e.branch), other.trading_name(&e.branch));
        let detail = if rng.chance(0.5) {
            // The register was updated, the staff who report were not.
            let kept = rng.chance(0.5);
            if kept {
                e.aliases.push(e.who.call_name());
            }
            let kept = if kept { ", old kept as alias" } else { "" };
            format!("register has the new name {theirs}, reports the old {ours}{kept}")
        } else {
            format!("register has the old name {theirs}, reports the new {ours}")
        };
        e.who = other;
        out.push(RegisterFault::new(
            s,
            &e.member_id,
            FaultKind::Renamed,
            detail,
        ));
    }
}

/// `shared_alias`: for branches of one chain in the town, each pair lists the
/// chain alone with probability [`SHARED_ALIAS`].
pub fn share_aliases(
    rng: &mut Rng,
    s: &Scheme,
    entries: &mut [Entry],
    out: &mut Vec<RegisterFault>,
) {
    for i in 0..entries.len() {
        for j in i + 1..entries.len() {
            let Some(alias) = entries[i].who.chain_call() else {
                continue;
            };
            if entries[j].who.chain != entries[i].who.chain || !rng.chance(SHARED_ALIAS) {
                continue;
            }
            for k in [i, j] {
                if !entries[k].aliases.contains(&alias) {
                    entries[k].aliases.push(alias.clone());
                }
            }
            let detail = format!("{alias} also on {}", entries[j].member_id);
            out.push(RegisterFault::new(
                s,
                &entries[i].member_id,
                FaultKind::SharedAlias,
                detail,
            ));
        }
    }
}

/// `stale_alias`: half the time a neighbour's on-air name, else a previous
/// occupant's (also when the neighbour's name is already the member's own).
pub fn stale_aliases(
    rng: &mut Rng,
    world: &World,
    s: &Scheme,
    entries: &mut [Entry],
    out: &mut Vec<RegisterFault>,
) {
    for e in entries.iter_mut() {
        let Some(shop) = e.shop.filter(|_| rng.chance(STALE_ALIAS)) else {
            continue;
        };
        let neighbour = rng
            .chance(0.5)
            .then(|| world.neighbour(rng, shop))
            .flatten()
            .map(|n| {
                let p = &world.premises[n];
                Identity {
                    chain: p.chain,
                    name: p.name.clone(),
                }
                .call_name()
            })
            .filter(|name| !e.aliases.contains(name));
        let detail = match neighbour {
            Some(name) => {
                e.aliases.push(name.clone());
                format!("{name} (now a neighbour's)")
            }
            None => {
                let name = aliases::defunct(rng, &e.branch);
                e.aliases.push(name.clone());
                format!("{name} (no longer used)")
            }
        };
        out.push(RegisterFault::new(
            s,
            &e.member_id,
            FaultKind::StaleAlias,
            detail,
        ));
    }
}

/// `no_postcode` and `postcode_typo`.
pub fn postcodes(rng: &mut Rng, s: &Scheme, entries: &mut [Entry], out: &mut Vec<RegisterFault>) {
    for e in entries.iter_mut() {
        let x = rng.unit();
        if x < NO_POSTCODE {
            let detail = std::mem::take(&mut e.postcode);
            out.push(RegisterFault::new(
                s,
                &e.member_id,
                FaultKind::NoPostcode,
                detail,
            ));
        } else if x < NO_POSTCODE + POSTCODE_TYPO {
            let wrong = postcode_typo(rng, &e.postcode);
            let detail = format!("{} for {}", wrong, e.postcode);
            e.postcode = wrong;
            out.push(RegisterFault::new(
                s,
                &e.member_id,
                FaultKind::PostcodeTypo,
                detail,
            ));
        }
    }
}

/// One letter or digit of a postcode changed to another of its kind.
fn postcode_typo(rng: &mut Rng, postcode: &str) -> String {
    let mut chars: Vec<char> = postcode.chars().collect();
    let slots: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_alphanumeric())
        .collect();
    if slots.is_empty() {
        return postcode.to_string();
    }
    let i = *rng.pick(&slots);
    chars[i] = if chars[i].is_ascii_digit() {
        char::from(b'0' + ((chars[i] as u8 - b'0' + rng.range(1, 9) as u8) % 10))
    } else {
        char::from(b'A' + ((chars[i] as u8 - b'A' + rng.range(1, 25) as u8) % 26))
    };
    chars.into_iter().collect()
}

/// Lists each member's radios; `stale_radio` puts one under another member — the
/// shop next door when it is a member (handsets get lent), else any member.
pub fn radios(
    rng: &mut Rng,
    world: &World,
    ids: &Ids,
    s: &Scheme,
    entries: &mut [Entry],
    out: &mut Vec<RegisterFault>,
) {
    let index_of =
        |shop: usize, entries: &[Entry]| entries.iter().position(|e| e.shop == Some(shop));
    let mut moves = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(shop) = e.shop else { continue };
        for radio in &ids.shops[shop].radios {
            let mut to = i;
            if entries.len() > 1 && rng.chance(STALE_RADIO) {
                to = world
                    .neighbour(rng, shop)
                    .and_then(|n| index_of(n, entries))
                    .filter(|&j| j != i)
                    .unwrap_or_else(|| (i + 1 + rng.index(entries.len() - 1)) % entries.len());
                let detail = format!("{radio} under {}", entries[to].member_id);
                out.push(RegisterFault::new(
                    s,
                    &e.member_id,
                    FaultKind::StaleRadio,
                    detail,
                ));
            }
            moves.push((to, radio.clone()));
        }
    }
    for (to, radio) in moves {
        entries[to].radio_ids.push(radio);
    }
}

/// `no_bcrp_id` and `left`.
pub fn bcrp_ids_and_status(
    rng: &mut Rng,
    s: &Scheme,
    entries: &mut [Entry],
    out: &mut Vec<RegisterFault>,
) {
    for e in entries.iter_mut().filter(|e| e.shop.is_some()) {
        if rng.chance(NO_BCRP_ID) {
            let detail = e.bcrp_ids.join(";");
            e.bcrp_ids.clear();
            out.push(RegisterFault::new(
                s,
                &e.member_id,
                FaultKind::NoBcrpId,
                detail,
            ));
        }
        if rng.chance(LEFT) {
            e.left = true;
            out.push(RegisterFault::new(
                s,
                &e.member_id,
                FaultKind::Left,
                String::new(),
            ));
        }
    }
}
