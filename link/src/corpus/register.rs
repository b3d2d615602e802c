//! Member registers for the generated world: one per scheme (town), in the
//! `docs/members.md` CSV format, with the faults real registers have (see
//! [`super::faults`]). Members are the town's shops: trading name (the chain's
//! public name or the shop's own), branch (street or area), the on-air names staff
//! use, address, postcode, town, scheme, the radios issued, the BCRP membership id
//! and, for half the chain branches, the retailer's store number.

use super::aliases::{self, Identity};
use super::faults::{self, FaultKind, RegisterFault};
use super::ids::{Ids, Scheme};
use super::inject;
use super::rng::Rng;
use super::world::{CHAINS, World};
use std::path::Path;

/// The register CSV header (`docs/members.md`).
pub const REGISTER_HEADER: [&str; 12] = [
    "member_id",
    "trading_name",
    "branch",
    "aliases",
    "address",
    "postcode",
    "town",
    "scheme",
    "radio_ids",
    "bcrp_ids",
    "store_numbers",
    "status",
];

/// One scheme's register as a CSV file.
#[derive(Debug, Clone)]
pub struct RegisterFile {
    /// The scheme, e.g. `bristol-bcrp`; also the file's name without `.csv`.
    pub scheme: String,
    /// The scheme's town, as the register writes it (`Bristol`).
    pub town: String,
    /// The whole file: header and one line per member, in random order.
    pub csv: String,
}

/// Where a member is: its scheme and its id in that scheme's register.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberKey {
    /// The scheme (register) slug.
    pub scheme: String,
    /// The member id in that register.
    pub member_id: String,
}

/// One register line while it is being built.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The register's id for the member.
    pub member_id: String,
    /// The name the register has (differs from the shop's for a renamed member).
    pub who: Identity,
    /// Street or area.
    pub branch: String,
    /// On-air and other names.
    pub aliases: Vec<String>,
    /// Address lines.
    pub address: Vec<String>,
    /// Postcode as the register has it.
    pub postcode: String,
    /// Town.
    pub town: &'static str,
    /// Radios the register lists for it.
    pub radio_ids: Vec<String>,
    /// BCRP membership ids.
    pub bcrp_ids: Vec<String>,
    /// Store numbers.
    pub store_numbers: Vec<String>,
    /// Status `left`.
    pub left: bool,
    /// The shop (premises index); `None` for a former member whose shop closed.
    pub shop: Option<usize>,
}

/// Every scheme's register, the faults put in them, and each shop's member.
pub struct Registers {
    /// One file per scheme.
    pub files: Vec<RegisterFile>,
    /// What is wrong with them.
    pub faults: Vec<RegisterFault>,
    /// By premises index: the shop's member, `None` when its register lacks it.
    pub member_of: Vec<Option<MemberKey>>,
}

/// An address on `locality`: a number on a street, a unit in an area or centre.
fn address(rng: &mut Rng, locality: &str) -> Vec<String> {
    let street_like = ["Street", "Road", "Place", "Causeway"]
        .iter()
        .any(|w| locality.ends_with(w));
    if street_like {
        vec![format!("{} {locality}", rng.range(1, 220))]
    } else {
        vec![format!("Unit {}", rng.range(1, 60)), locality.to_string()]
    }
}

/// Builds every scheme's register from the world and the shops' ids.
pub fn build(rng: &mut Rng, world: &World, ids: &mut Ids) -> Registers {
    let mut out = Registers {
        files: Vec::new(),
        faults: Vec::new(),
        member_of: vec![None; world.premises.len()],
    };
    let schemes: Vec<Scheme> = ids.schemes.clone();
    for (si, scheme) in schemes.iter().enumerate() {
        let shops: Vec<usize> = (0..world.premises.len())
            .filter(|&i| ids.shops[i].scheme == si)
            .collect();
        let mut entries = Vec::with_capacity(shops.len());
        let faults_before = out.faults.len();
        // Ids in joining order, with gaps where members left long ago.
        let mut next = rng.range(1, 40);
        for &shop in &shops {
            let p = &world.premises[shop];
            if rng.chance(faults::MISSING) {
                let detail = format!("{} {}", p.full_name(), p.postcode);
                out.faults
                    .push(RegisterFault::new(scheme, "", FaultKind::Missing, detail));
                continue;
            }
            let member_id = format!("{}-{:04}", scheme.code, next);
            next += rng.range(1, 3);
            out.member_of[shop] = Some(MemberKey {
                scheme: scheme.slug.clone(),
                member_id: member_id.clone(),
            });
            entries.push(Entry {
                member_id,
                who: Identity {
                    chain: p.chain,
                    name: p.name.clone(),
                },
                branch: p.locality.to_string(),
                aliases: Vec::new(),
                address: address(rng, p.locality),
                postcode: p.postcode.clone(),
                town: p.town,
                radio_ids: Vec::new(),
                bcrp_ids: vec![ids.shops[shop].bcrp_id.clone()],
                store_numbers: Vec::new(),
                left: false,
                shop: Some(shop),
            });
        }
        inject::rename(rng, world, scheme, &mut entries, &mut out.faults);
        for i in 0..entries.len() {
            let only_branch = entries[i].who.chain.is_some()
                && entries
                    .iter()
                    .filter(|e| e.who.chain == entries[i].who.chain)
                    .count()
                    == 1;
            let names = aliases::on_air(rng, &entries[i].who, only_branch);
            entries[i].aliases.splice(0..0, names);
        }
        inject::share_aliases(rng, scheme, &mut entries, &mut out.faults);
        inject::stale_aliases(rng, world, scheme, &mut entries, &mut out.faults);
        inject::postcodes(rng, scheme, &mut entries, &mut out.faults);
        inject::radios(rng, world, ids, scheme, &mut entries, &mut out.faults);
        inject::bcrp_ids_and_status(rng, scheme, &mut entries, &mut out.faults);
        for e in &mut entries {
            // The retailer's store number, for half the chain branches.
            let chain_shop = e
                .shop
                .map(|s| &world.premises[s])
                .filter(|p| p.chain.is_some());
            if let Some(p) = chain_shop
                && rng.chance(0.5)
            {
                e.store_numbers.push(p.store_number.to_string());
            }
        }
        closed_members(rng, world, ids, scheme, &shops, &mut next, &mut entries);
        for e in entries.iter().filter(|e| e.shop.is_none()) {
            let detail = e.who.call_name();
            out.faults.push(RegisterFault::new(
                scheme,
                &e.member_id,
                FaultKind::Closed,
                detail,
            ));
        }
        // Faults in member order, so a record reads like the register.
        out.faults[faults_before..].sort_by(|a, b| a.member_id.cmp(&b.member_id));
        rng.shuffle(&mut entries);
        out.files.push(RegisterFile {
            scheme: scheme.slug.clone(),
            town: scheme.town.to_string(),
            csv: to_csv(scheme, &entries),
        });
    }
    out
}

/// Former members whose shop closed (about 2% of the town's shops): still in the
/// register with status `left`, a chain at one of the town's streets, perhaps the
/// very unit another shop now has — names and postcodes a resolver must not prefer.
fn closed_members(
    rng: &mut Rng,
    world: &World,
    ids: &mut Ids,
    scheme: &Scheme,
    shops: &[usize],
    next: &mut i64,
    entries: &mut Vec<Entry>,
) {
    for _ in shops {
        if !rng.chance(faults::CLOSED) {
            continue;
        }
        let unit = &world.premises[*rng.pick(shops)];
        *next += rng.range(1, 3);
        entries.push(Entry {
            member_id: format!("{}-{:04}", scheme.code, *next),
            who: Identity {
                chain: Some(*rng.pick(CHAINS)),
                name: unit.locality.to_string(),
            },
            branch: unit.locality.to_string(),
            aliases: Vec::new(),
            address: address(rng, unit.locality),
            postcode: unit.postcode.clone(),
            town: unit.town,
            radio_ids: Vec::new(),
            bcrp_ids: vec![ids.fresh(rng, "DISC-M-", 80_000, 99_999)],
            store_numbers: Vec::new(),
            left: true,
            shop: None,
        });
        let last = entries.len() - 1;
        entries[last].aliases = vec![entries[last].who.call_name()];
    }
}

/// The register as CSV text.
fn to_csv(scheme: &Scheme, entries: &[Entry]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let list = |v: &[String]| v.join(";");
    // Writing to memory cannot fail; a failed record would only shorten the file.
    let _ = w.write_record(REGISTER_HEADER);
    for e in entries {
        let _ = w.write_record([
            e.member_id.as_str(),
            &e.who.trading_name(&e.branch),
            &e.branch,
            &list(&e.aliases),
            &list(&e.address),
            &e.postcode,
            e.town,
            &scheme.slug,
            &list(&e.radio_ids),
            &list(&e.bcrp_ids),
            &list(&e.store_numbers),
            if e.left { "left" } else { "active" },
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Writes each register to `<dir>/registers/<scheme>.csv`, creating the folder.
pub fn write_registers(registers: &[RegisterFile], dir: &Path) -> std::io::Result<()> {
    let folder = dir.join("registers");
    std::fs::create_dir_all(&folder)?;
    for r in registers {
        std::fs::write(folder.join(format!("{}.csv", r.scheme)), &r.csv)?;
    }
    Ok(())
}
