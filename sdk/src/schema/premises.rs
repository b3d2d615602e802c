//! Which member premises a report is about: what the host found when it matched
//! the report's premises against the BCRP and radio schemes' member registers.
//! Not part of what an adapter returns; the host adds it to the envelope.

use serde::{Deserialize, Serialize};

/// How a report's premises were matched to a register's member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResolutionMethod {
    /// The report carried the register's own member id.
    MemberId,
    /// The report carried the member's id on a BCRP platform.
    BcrpId,
    /// The report carried the retailer's store number.
    StoreNumber,
    /// The alert came from a radio issued to the member.
    RadioId,
    /// The postcode is the member's and the name agrees.
    PostcodeAndName,
    /// The name is one of the member's names or aliases, as written.
    Alias,
    /// The name is close to one member's, and clearly closer than to any other.
    Fuzzy,
    /// Several members fit equally well; they are the candidates.
    Ambiguous,
    /// No member fits.
    Unresolved,
}

impl ResolutionMethod {
    /// The name used in config, logs and metrics (`bcrp-id`, `fuzzy`...).
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionMethod::MemberId => "member-id",
            ResolutionMethod::BcrpId => "bcrp-id",
            ResolutionMethod::StoreNumber => "store-number",
            ResolutionMethod::RadioId => "radio-id",
            ResolutionMethod::PostcodeAndName => "postcode-and-name",
            ResolutionMethod::Alias => "alias",
            ResolutionMethod::Fuzzy => "fuzzy",
            ResolutionMethod::Ambiguous => "ambiguous",
            ResolutionMethod::Unresolved => "unresolved",
        }
    }

    /// Whether the method names one member.
    pub fn is_resolved(self) -> bool {
        !matches!(
            self,
            ResolutionMethod::Ambiguous | ResolutionMethod::Unresolved
        )
    }
}

/// A member of a register, by reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRef {
    /// The register (its name in the gateway config).
    pub register: String,
    /// The member's id in that register.
    pub member_id: String,
    /// The member's town as the register gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
    /// When the same shop is a member of several schemes (a BID and a radio
    /// scheme), the one reference all its memberships share
    /// (`<register>/<member id>` of the first): linking compares shops, not
    /// memberships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_premises: Option<String>,
}

impl MemberRef {
    /// What identifies the shop for linking: the reference its memberships
    /// share, else `<register>/<member id>`.
    pub fn premises_key(&self) -> String {
        self.same_premises
            .clone()
            .unwrap_or_else(|| format!("{}/{}", self.register, self.member_id))
    }
}

/// What the register says about the member a report resolved to, as it said it
/// when the report was resolved (what the Niche submission carries).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberDetails {
    /// Trading name and branch, e.g. `Tesco Express, Oldham Street`.
    pub name: String,
    /// The register's address lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address_lines: Vec<String>,
    /// The register's postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// The scheme the member belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

/// How the host placed a report's premises against the member registers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PremisesResolution {
    /// How it was matched.
    pub method: ResolutionMethod,
    /// The member, when exactly one fits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberRef>,
    /// What the register says about that member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<MemberDetails>,
    /// The members it could be when several fit about equally (`ambiguous`), best
    /// first; at most a handful.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<MemberRef>,
    /// How sure, 0 to 1: 1 for an id the member holds, lower for names.
    pub score: f64,
    /// The register (scheme) the report belongs to: its member's, else the one
    /// register its source is resolved against. Reports of two schemes are never
    /// linked unasked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// The town it happened in, as compared (lower-case letters and digits): its
    /// member's town in the register, else the town its channel gives (a radio
    /// scheme's topic) when a register knows that town. Reports of two towns are
    /// never linked unasked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
}

impl PremisesResolution {
    /// Nothing in the registers fits.
    pub fn unresolved() -> PremisesResolution {
        PremisesResolution {
            method: ResolutionMethod::Unresolved,
            member: None,
            details: None,
            candidates: Vec::new(),
            score: 0.0,
            scheme: None,
            town: None,
        }
    }

    /// The members the report may be about: the one resolved, else the candidates.
    pub fn possible_members(&self) -> impl Iterator<Item = &MemberRef> {
        self.member.iter().chain(self.candidates.iter())
    }
}
