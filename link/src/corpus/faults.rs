//! The faults real member registers have, and the rates at which the generated
//! ones get them ([`FaultKind`] has the table; [`super::inject`] puts them in).
//!
//! Reports are unaffected: they carry the shop's true ids and names, so a fault is
//! exactly where a register and the reports disagree.

use super::ids::Scheme;

/// Share of shops missing from their register.
pub const MISSING: f64 = 0.08;
/// Share of members with a stale alias.
pub const STALE_ALIAS: f64 = 0.10;
/// Share of same-chain pairs of members in one town that share the chain alone as an alias.
pub const SHARED_ALIAS: f64 = 0.30;
/// Share of members that changed name.
pub const RENAMED: f64 = 0.03;
/// Share of members without a postcode.
pub const NO_POSTCODE: f64 = 0.05;
/// Share of members with a postcode typo.
pub const POSTCODE_TYPO: f64 = 0.02;
/// Share of radios listed under another member.
pub const STALE_RADIO: f64 = 0.03;
/// Share of members without BCRP ids.
pub const NO_BCRP_ID: f64 = 0.10;
/// Share of members marked `left` that still report.
pub const LEFT: f64 = 0.015;
/// Former members whose shop closed, per shop of the town.
pub const CLOSED: f64 = 0.02;

/// What is wrong with a register line, and how often the generator puts it in
/// (each drawn independently, so a member may have several):
///
/// | fault | rate | what |
/// |---|---|---|
/// | `missing` | 8% of shops | the shop reports but is not in its register |
/// | `stale_alias` | 10% of members | an alias no longer used (a previous occupant, `WILKO BROADMEAD`) or now a neighbour's on-air name |
/// | `shared_alias` | 30% of pairs | two branches of one chain in a town both list the chain alone (`BOOTS`) |
/// | `renamed` | 3% of members | the register has the new name and reports the old (the old kept as an alias half the time), or the reverse |
/// | `no_postcode` | 5% of members | postcode empty |
/// | `postcode_typo` | 2% of members | one character of the postcode wrong |
/// | `stale_radio` | 3% of radios | a radio listed under another member (a neighbour's when it has one) |
/// | `no_bcrp_id` | 10% of members | `bcrp_ids` empty |
/// | `left` | 1.5% of members | `status = left`, yet the shop still reports |
/// | `closed` | 2% of shops | an extra former member whose shop closed (`left`, no reports): a name and postcode never to prefer |
///
/// Rates do not scale with [`super::CorpusSettings::noise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// A shop that reports is not in the register.
    Missing,
    /// An alias no longer used, or now a neighbour's.
    StaleAlias,
    /// Two branches of one chain share an on-air alias.
    SharedAlias,
    /// The register and the reports use different names (one is the old name).
    Renamed,
    /// No postcode.
    NoPostcode,
    /// A postcode with one character wrong.
    PostcodeTypo,
    /// A radio listed under another member.
    StaleRadio,
    /// No BCRP ids.
    NoBcrpId,
    /// Marked `left` but still reporting.
    Left,
    /// A former member whose shop closed (not an error: a distractor).
    Closed,
}

impl FaultKind {
    /// Every kind, in documentation order.
    pub const ALL: [FaultKind; 10] = [
        FaultKind::Missing,
        FaultKind::StaleAlias,
        FaultKind::SharedAlias,
        FaultKind::Renamed,
        FaultKind::NoPostcode,
        FaultKind::PostcodeTypo,
        FaultKind::StaleRadio,
        FaultKind::NoBcrpId,
        FaultKind::Left,
        FaultKind::Closed,
    ];

    /// The kind's name, as the module docs and analyses write it (`stale_alias`).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Missing => "missing",
            FaultKind::StaleAlias => "stale_alias",
            FaultKind::SharedAlias => "shared_alias",
            FaultKind::Renamed => "renamed",
            FaultKind::NoPostcode => "no_postcode",
            FaultKind::PostcodeTypo => "postcode_typo",
            FaultKind::StaleRadio => "stale_radio",
            FaultKind::NoBcrpId => "no_bcrp_id",
            FaultKind::Left => "left",
            FaultKind::Closed => "closed",
        }
    }
}

/// One fault put into a register, for analysing how a resolver copes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterFault {
    /// The scheme (register) it is in.
    pub scheme: String,
    /// The member it is on; empty for a shop missing from the register.
    pub member_id: String,
    /// What kind.
    pub kind: FaultKind,
    /// The particulars: the missing shop, the alias, both names, the radio id and
    /// where it is listed (`R10234 under BRS-0042`), the postcode...
    pub detail: String,
}

impl RegisterFault {
    /// A fault of `kind` on `member_id` in `scheme`'s register.
    pub(super) fn new(scheme: &Scheme, member_id: &str, kind: FaultKind, detail: String) -> Self {
        RegisterFault {
            scheme: scheme.slug.clone(),
            member_id: member_id.to_string(),
            kind,
            detail,
        }
    }
}
