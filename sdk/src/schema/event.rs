//! The event part of a report: what happened and when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of report this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// A report of a crime, e.g. from a BCRP platform or a retailer's export.
    #[default]
    CrimeReport,
    /// Something happened that may not be a crime (yet).
    Incident,
    /// A short real-time alert, e.g. over ShopNet radio. Usually corroborates a report.
    Alert,
    /// Intelligence about a person or pattern rather than one event.
    Intelligence,
}

/// The schema's offence categories. The source's wording is kept in [`Event::category_raw`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Theft from a shop (shoplifting).
    TheftFromShop,
    /// Violence, threats or abuse against staff.
    ViolenceAgainstStaff,
    /// Robbery: theft with force or the threat of force.
    Robbery,
    /// Burglary of business premises.
    Burglary,
    /// Criminal damage, including graffiti.
    CriminalDamage,
    /// Fraud, including card and refund fraud.
    Fraud,
    /// Anti-social behaviour.
    Asb,
    /// Public order offences.
    PublicOrder,
    /// Anything that could not be placed in another category.
    #[default]
    Other,
}

impl Category {
    /// Every category, in schema order.
    pub const ALL: [Category; 9] = [
        Category::TheftFromShop,
        Category::ViolenceAgainstStaff,
        Category::Robbery,
        Category::Burglary,
        Category::CriminalDamage,
        Category::Fraud,
        Category::Asb,
        Category::PublicOrder,
        Category::Other,
    ];

    /// The schema's name for the category, e.g. `theft-from-shop`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::TheftFromShop => "theft-from-shop",
            Category::ViolenceAgainstStaff => "violence-against-staff",
            Category::Robbery => "robbery",
            Category::Burglary => "burglary",
            Category::CriminalDamage => "criminal-damage",
            Category::Fraud => "fraud",
            Category::Asb => "asb",
            Category::PublicOrder => "public-order",
            Category::Other => "other",
        }
    }

    /// Parses the schema's name for a category (`theft-from-shop`...), ignoring case.
    pub fn from_schema_name(name: &str) -> Option<Category> {
        let name = name.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened, when, and how it was categorised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// What kind of report this is.
    pub kind: ReportKind,
    /// When it started (or the only time known), UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_from: Option<DateTime<Utc>>,
    /// When it ended, UTC, if the source gives a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_to: Option<DateTime<Utc>>,
    /// When the source says it was reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_at: Option<DateTime<Utc>>,
    /// The schema category.
    pub category: Category,
    /// The source's own wording for the category, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_raw: Option<String>,
    /// True when a business, or a person at work because of that work, is the victim
    /// (the NPCC 2019 definition of business crime).
    pub business_crime: bool,
    /// Free-text account. Personal data: never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Whether a member of staff was injured, if the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_injured: Option<bool>,
    /// A police reference already known to the source (e.g. a crime number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub police_reference: Option<String>,
}
