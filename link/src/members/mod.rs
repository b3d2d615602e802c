//! Member registers: the premises each BCRP and radio scheme has as members, and
//! which of them a report is about.
//!
//! A register is one CSV per scheme (`docs/members.md` gives its columns):
//! business, branch, aliases and on-air names, address, postcode, town, the radios
//! issued to the member, its BCRP platform ids and the retailer's store numbers.
//! [`parse_register`] reads one with errors that give the line and column;
//! [`Registry`] indexes several; [`Registry::resolve`] places one report's premises:
//! by an id the report carries (BCRP membership id, store number, radio id), by
//! postcode and name, by an alias as written, or by a scored fuzzy match — or says
//! that several members fit (ambiguous) or none does. Registers are never perfect
//! (members missing, stale aliases, one on-air name for two branches), so the
//! resolution says how sure it is and linking still works without one.

mod check;
mod index;
mod name;
mod parse;
mod resolve;

pub use check::{Problem, Severity, check};
pub use index::{Registry, RegistryStats};
pub use parse::{RegisterError, parse_register, read_register};
pub use resolve::{PremisesQuery, STRONG, WEAK};

/// One member premises as its register describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Member {
    /// The register it comes from (its name in config).
    pub register: String,
    /// The register's id for it; unique within the register.
    pub member_id: String,
    /// The name over the door, e.g. `Tesco Express`.
    pub trading_name: String,
    /// Which branch, e.g. `Oldham Street`.
    pub branch: Option<String>,
    /// Other names staff use, on air or in reports.
    pub aliases: Vec<String>,
    /// Street address lines.
    pub address: Vec<String>,
    /// Postcode, normalised (`M1 1JQ`); `None` when absent or not a postcode.
    pub postcode: Option<String>,
    /// Town or city.
    pub town: Option<String>,
    /// The scheme or BCRP it belongs to (the register's name unless the row says).
    pub scheme: String,
    /// Ids of the radios issued to it.
    pub radio_ids: Vec<String>,
    /// Its ids on BCRP platforms.
    pub bcrp_ids: Vec<String>,
    /// The retailer's store numbers for it.
    pub store_numbers: Vec<String>,
    /// Whether it has left the scheme (still recognised, never preferred).
    pub left: bool,
    /// The line of the register it was read from (1 is the header).
    pub line: u64,
}

impl Member {
    /// Trading name and branch, as the Niche submission names the premises.
    pub fn display_name(&self) -> String {
        match &self.branch {
            Some(b) if !b.trim().is_empty() => format!("{}, {}", self.trading_name, b),
            _ => self.trading_name.clone(),
        }
    }
}

/// A register read from one file.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// Its name in config (the default scheme of its members).
    pub name: String,
    /// The members, in file order.
    pub members: Vec<Member>,
    /// Header columns the gateway does not read (listed by `bcgw members check`).
    pub unknown_columns: Vec<String>,
    /// Rows that could not be used, and other problems found while reading.
    pub problems: Vec<Problem>,
}

/// A town name as compared: lower case letters and digits only, so the radio
/// topic's `beeston-leeds`, a register's `Beeston (Leeds)` and a BCRP's
/// `BEESTON LEEDS` are one town.
pub fn town_key(town: &str) -> String {
    town.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An id as compared: its letters and digits only, upper case, so `disc 55012`,
/// `DISC-55012` and `disc55012` are one id (registers and bridges punctuate ids
/// their own way).
pub fn id_key(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests;
