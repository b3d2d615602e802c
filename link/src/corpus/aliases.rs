//! The names staff use for a shop on air, as a register lists them. They follow
//! how the radio channel ([`super::render::radio`]) names shops — upper case,
//! chain and branch (`BOOTS BROADMEAD`), the chain alone — plus the shorthand
//! people write into registers (`BOOTS HIGH ST`, `M&S CLIFTON`).

use super::rng::Rng;
use super::world::{CHAINS, INDEPENDENTS};

/// Businesses that have gone: a unit's previous occupant, still in an old alias.
const DEFUNCT: &[&str] = &[
    "WILKO",
    "WOOLWORTHS",
    "SOMERFIELD",
    "KWIK SAVE",
    "BHS",
    "BLOCKBUSTER",
    "PHONES 4U",
    "MCCOLLS",
    "PAPERCHASE",
    "BUDGENS",
];

/// How staff shorten some chains on air.
fn chain_shorthand(chain: &str) -> Option<&'static str> {
    Some(match chain {
        "Marks & Spencer" => "M&S",
        "Tesco Express" => "TESCO EXP",
        "Sainsbury's Local" => "SAINSBURYS LOCAL",
        "Sainsbury's" => "SAINSBURYS",
        "Holland & Barrett" => "H&B",
        "Home Bargains" => "HOME BARGS",
        "Poundland" => "P/LAND",
        "WHSmith" => "SMITHS",
        _ => return None,
    })
}

/// `HIGH STREET` → `HIGH ST`, `STATION ROAD` → `STATION RD`.
fn street_shorthand(branch: &str) -> String {
    branch
        .split_whitespace()
        .map(|w| match w {
            "STREET" => "ST",
            "ROAD" => "RD",
            "PLACE" => "PL",
            "PARK" => "PK",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A shop as the register names it: a chain's branch, or an independent.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// The chain, for a chain branch.
    pub chain: Option<&'static str>,
    /// The independent's name (`Patel News Broadmead`); for a chain, its branch.
    pub name: String,
}

impl Identity {
    /// The register's `trading_name`: the chain's public name, or the shop's own
    /// without the street it adds (`Patel News Broadmead` on `Broadmead` is
    /// `Patel News`: the street is the register's `branch`).
    pub fn trading_name(&self, branch: &str) -> String {
        match self.chain {
            Some(c) => c.to_string(),
            None => self
                .name
                .strip_suffix(branch)
                .map(str::trim_end)
                .filter(|n| !n.is_empty())
                .unwrap_or(&self.name)
                .to_string(),
        }
    }

    /// The name the radio channel mostly uses: `BOOTS BROADMEAD`, `PATEL NEWS`.
    pub fn call_name(&self) -> String {
        match self.chain {
            Some(c) => format!("{} {}", c.to_uppercase(), self.name.to_uppercase()),
            None => self.name.to_uppercase(),
        }
    }

    /// The chain alone, upper case (`BOOTS`), for a chain branch.
    pub fn chain_call(&self) -> Option<String> {
        self.chain.map(str::to_uppercase)
    }
}

/// The on-air names a register lists for a shop. `only_branch`: the only branch
/// of its chain in the town, so the chain alone names it without doubt.
pub fn on_air(rng: &mut Rng, who: &Identity, only_branch: bool) -> Vec<String> {
    let mut names = vec![who.call_name()];
    match who.chain {
        Some(chain) => {
            let branch = who.name.to_uppercase();
            let short = street_shorthand(&branch);
            if short != branch && rng.chance(0.5) {
                names.push(format!("{} {short}", chain.to_uppercase()));
            }
            if let Some(s) = chain_shorthand(chain).filter(|_| rng.chance(0.3)) {
                names.push(format!("{s} {short}"));
            }
            // The radio channel also puts the branch first (`BROADMEAD BOOTS`).
            if rng.chance(0.2) {
                names.push(format!("{branch} {}", chain.to_uppercase()));
            }
            if only_branch && rng.chance(0.5) {
                names.push(chain.to_uppercase());
            }
        }
        None => {
            // Regulars shorten a shop to its first word: `KUMAR`, `HARBOURSIDE`.
            let first = who.name.split_whitespace().next().unwrap_or("");
            if who.name.contains(' ') && first.len() >= 4 && first != "The" && rng.chance(0.3) {
                names.push(first.to_uppercase());
            }
        }
    }
    names
}

/// An alias that no longer names the shop: the unit's previous occupant with the
/// branch (`WILKO BROADMEAD`).
pub fn defunct(rng: &mut Rng, branch: &str) -> String {
    format!("{} {}", rng.pick(DEFUNCT), branch.to_uppercase())
}

/// Another name for the same shop before or after a change of name: another
/// chain for a chain branch (the unit changed hands), another independent's name
/// for an independent (keeping the street it carried).
pub fn other_name(rng: &mut Rng, who: &Identity, locality: &str) -> Identity {
    match who.chain {
        Some(chain) => loop {
            let other = *rng.pick(CHAINS);
            if other != chain {
                return Identity {
                    chain: Some(other),
                    name: who.name.clone(),
                };
            }
        },
        None => loop {
            let base = *rng.pick(INDEPENDENTS);
            let name = if who.name.ends_with(locality) {
                format!("{base} {locality}")
            } else {
                base.to_string()
            };
            if name != who.name {
                return Identity { chain: None, name };
            }
        },
    }
}
