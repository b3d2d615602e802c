//! Who was involved.

use serde::{Deserialize, Serialize};

/// A person's part in the event: the Data Protection Act 2018 Part 3 categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PersonRole {
    /// Suspected of the offence.
    Suspect,
    /// Known to have committed the offence.
    Offender,
    /// Harmed by the offence.
    Victim,
    /// Saw or heard the offence.
    Witness,
    /// Made the report (e.g. the store manager).
    Reporter,
}

impl PersonRole {
    /// Parses a role name (`suspect`, `offender`...), ignoring case.
    pub fn from_name(name: &str) -> Option<PersonRole> {
        match name.trim().to_ascii_lowercase().as_str() {
            "suspect" => Some(PersonRole::Suspect),
            "offender" => Some(PersonRole::Offender),
            "victim" => Some(PersonRole::Victim),
            "witness" => Some(PersonRole::Witness),
            "reporter" => Some(PersonRole::Reporter),
            _ => None,
        }
    }
}

/// Gender as the source describes it. Unknown is `None` on [`Person::gender`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Described in other terms.
    Other,
}

/// Whether what is said about a person is fact or assessment (DPA 2018 s.38).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FactOrAssessment {
    /// Established fact.
    Fact,
    /// An opinion or judgement, e.g. a description given by staff. The safe default.
    #[default]
    Assessment,
}

/// An age range in whole years; either bound may be unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AgeRange {
    /// Youngest plausible age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u8>,
    /// Oldest plausible age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u8>,
}

/// A person involved. There is no field for special-category data; personal data flows
/// only as the source's information sharing agreement allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Their part in the event.
    pub role: PersonRole,
    /// Name, only if shared under the information sharing agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other names they are known by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Estimated or known age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_range: Option<AgeRange>,
    /// Gender as described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Physical description and clothing. Personal data: never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the above is fact or assessment.
    #[serde(default)]
    pub fact_or_assessment: FactOrAssessment,
}

impl Person {
    /// A person with only a role; the other fields empty.
    pub fn with_role(role: PersonRole) -> Person {
        Person {
            role,
            name: None,
            aliases: Vec::new(),
            age_range: None,
            gender: None,
            description: None,
            fact_or_assessment: FactOrAssessment::default(),
        }
    }
}
