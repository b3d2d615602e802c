//! Lawful data handling: each source's information sharing agreement (ISA).
//!
//! `[sources.<name>.isa]` says under which agreement a source's data flows: who
//! the controller is, the lawful basis and purpose, which schema fields may be
//! stored and sent on (the rest are taken out before a record is stored,
//! [`fields`]), which special-category data if any ([`special`]), and how long
//! each class of data is kept ([`retention`]). `[policy]` holds what is
//! gateway-wide: whether every source must have an agreement, the default
//! retention, and how often the retention job runs.

pub mod fields;
pub mod retention;
pub mod show;
pub mod special;

use crate::config::Problems;
use fields::FieldPolicy;
pub use retention::{Retention, RetentionDays};
use serde::Deserialize;
use std::sync::Arc;

/// `[policy]`: what applies to every source.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PolicySection {
    /// Refuse (in `check-config` and at start) a source without an
    /// `[sources.<name>.isa]` table.
    pub require_isa: bool,
    /// Retention for sources whose agreement sets none, and for audit entries
    /// that belong to no source (an operator's consultation).
    pub retention: RetentionDays,
    /// How often the daemon runs retention (minutes).
    pub retention_interval_minutes: u64,
}

impl Default for PolicySection {
    fn default() -> Self {
        PolicySection {
            require_isa: false,
            retention: RetentionDays::default(),
            retention_interval_minutes: 60,
        }
    }
}

/// An information sharing agreement, as `[sources.<name>.isa]` states it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Agreement {
    /// The agreement's reference, recorded on every record and audit entry,
    /// e.g. `ISA-AS-2026-002`.
    pub id: String,
    /// The data controller sharing the data (the BCRP or retailer).
    pub controller: String,
    /// The lawful basis, e.g. "DPA 2018 s.35(2)(b): necessary for the law
    /// enforcement purposes".
    pub lawful_basis: String,
    /// What the data is shared for.
    pub purpose: String,
    /// The schema fields that may be stored and sent: paths such as
    /// `persons.name`, groups such as `location.*`, `extensions.<key>`, or `*`.
    pub fields: Vec<String>,
    /// Special-category extensions allowed (`extensions.<key>`); needs
    /// `sensitive_processing_condition`.
    #[serde(default)]
    pub special_category: Vec<String>,
    /// The DPA 2018 Schedule 8 condition (and appropriate policy document) for
    /// sensitive processing, when `special_category` lists anything.
    #[serde(default)]
    pub sensitive_processing_condition: Option<String>,
    /// How long each class of data is kept (days). Unset classes fall back to
    /// `[policy.retention]`.
    #[serde(default)]
    pub retention: RetentionDays,
}

/// A source's `isa` key: a table (the agreement), or, as before agreements
/// were enforced, a bare label recorded on each record with no field policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IsaSetting {
    /// `isa = "ISA-…"`: a label only.
    Label(String),
    /// `[sources.<name>.isa]`: the agreement, enforced.
    Agreement(Box<Agreement>),
}

impl<'de> Deserialize<'de> for IsaSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = IsaSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an agreement table (id, controller, lawful_basis, purpose, fields, retention) or an agreement id")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IsaSetting, E> {
                Ok(IsaSetting::Label(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<IsaSetting, A::Error> {
                // Through MapAccessDeserializer, so unknown keys inside the table
                // still reach serde_ignored and are reported by path.
                Agreement::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|a| IsaSetting::Agreement(Box::new(a)))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl IsaSetting {
    /// The agreement's id, recorded on records and audit entries.
    pub fn id(&self) -> &str {
        match self {
            IsaSetting::Label(l) => l,
            IsaSetting::Agreement(a) => &a.id,
        }
    }
}

/// A source's agreement as the translate stage applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsaPolicy {
    /// The agreement's id.
    pub id: String,
    /// The fields allowed; `None` for a bare label (every field flows).
    pub fields: Option<FieldPolicy>,
}

impl IsaPolicy {
    /// The policy a source's `isa` key gives, checking the agreement into `p`
    /// under `base` (`sources.<name>.isa`). `None` when there is no agreement.
    pub fn from_setting(
        setting: Option<&IsaSetting>,
        require: bool,
        base: &str,
        p: &mut Problems,
    ) -> Option<Arc<IsaPolicy>> {
        let Some(setting) = setting else {
            if require {
                p.error(base, "missing: [policy] require_isa = true, and this source has no information sharing agreement; add a [sources.<name>.isa] table (id, controller, lawful_basis, purpose, fields, retention)");
            } else {
                p.warn(base, "no information sharing agreement: every field the plugin produces is stored and sent, and nothing is purged; add a [sources.<name>.isa] table");
            }
            return None;
        };
        let a = match setting {
            IsaSetting::Label(id) => {
                let message = "a label only: no field policy or retention is enforced; make it a table (id, controller, lawful_basis, purpose, fields, retention)";
                if require {
                    p.error(base, message);
                } else {
                    p.warn(base, message);
                }
                return Some(Arc::new(IsaPolicy {
                    id: id.clone(),
                    fields: None,
                }));
            }
            IsaSetting::Agreement(a) => a,
        };
        for (key, value) in [
            ("id", &a.id),
            ("controller", &a.controller),
            ("lawful_basis", &a.lawful_basis),
            ("purpose", &a.purpose),
        ] {
            if value.trim().is_empty() {
                p.error(
                    format!("{base}.{key}"),
                    "empty: a data protection officer reads this; say it",
                );
            }
        }
        if !a.special_category.is_empty()
            && a.sensitive_processing_condition
                .as_deref()
                .is_none_or(|c| c.trim().is_empty())
        {
            p.error(
                format!("{base}.sensitive_processing_condition"),
                "missing: special_category lists data whose processing is sensitive (DPA 2018 s.35); name the Schedule 8 condition it is processed under",
            );
        }
        a.retention.check(&format!("{base}.retention"), p);
        match FieldPolicy::compile(&a.fields, &a.special_category) {
            Ok(fields) => Some(Arc::new(IsaPolicy {
                id: a.id.clone(),
                fields: Some(fields),
            })),
            Err(problems) => {
                for (key, e) in problems {
                    p.error(format!("{base}.{key}"), e.to_string());
                }
                None
            }
        }
    }
}
