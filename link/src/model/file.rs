//! The model as a TOML file (`bcgw link train` writes it, `link.model_file`
//! reads it): per feature and level `[m, u]`, and the nested same-member model
//! under `[same_member]`. A file from before member registers (no `member`
//! feature) still reads: members are then not counted.

use super::{Model, normalise, normalise_m};
use crate::compare::{
    FEATURES, LEVEL_NAMES, MEMBER, MEMBER_DISJOINT, MEMBER_UNKNOWN, POSTCODE, PREMISES,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per feature, per level: `[m, u]`.
type Features = BTreeMap<String, BTreeMap<String, [f64; 2]>>;

/// The model as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    lambda: f64,
    features: Features,
    /// The nested model of pairs surely at one member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    same_member: Option<NestedFile>,
}

/// The nested same-member model as stored: no place features.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NestedFile {
    lambda: f64,
    features: Features,
}

/// Reads one model's features into `model`; `optional` features may be missing
/// (their `m` and `u` stay uniform). Returns the optional ones that were missing.
fn read_features(
    model: &mut Model,
    features: &Features,
    optional: &[usize],
    at: &str,
) -> Result<Vec<usize>, String> {
    let mut missing = Vec::new();
    for (f, name) in FEATURES.iter().enumerate() {
        let Some(levels) = features.get(*name) else {
            if optional.contains(&f) {
                missing.push(f);
                continue;
            }
            return Err(format!("{at}features.{name} is missing"));
        };
        for (lv, lname) in LEVEL_NAMES[f].iter().enumerate() {
            // A model from before the member level `disjoint` reads it as
            // `unknown` (what such pairs were then).
            let fallback = (f == MEMBER && lv == MEMBER_DISJOINT as usize)
                .then(|| levels.get(LEVEL_NAMES[f][MEMBER_UNKNOWN as usize]))
                .flatten();
            let [m, u] = levels
                .get(*lname)
                .or(fallback)
                .copied()
                .ok_or_else(|| format!("{at}features.{name}.{lname} is missing"))?;
            model.m[f][lv] = m;
            model.u[f][lv] = u;
        }
        normalise_m(&mut model.m[f]);
        normalise(&mut model.u[f]);
    }
    if !(0.0..1.0).contains(&model.lambda) || model.lambda == 0.0 {
        return Err(format!("{at}lambda must be between 0 and 1"));
    }
    Ok(missing)
}

fn write_features(model: &Model, skip: &[usize]) -> Features {
    let mut features = BTreeMap::new();
    for (f, name) in FEATURES.iter().enumerate() {
        if skip.contains(&f) {
            continue;
        }
        let levels = LEVEL_NAMES[f]
            .iter()
            .enumerate()
            .map(|(lv, lname)| {
                (
                    lname.to_string(),
                    [round(model.m[f][lv]), round(model.u[f][lv])],
                )
            })
            .collect();
        features.insert(name.to_string(), levels);
    }
    features
}

impl Model {
    /// Parses the TOML form.
    pub fn from_toml(text: &str) -> Result<Model, String> {
        let file: ModelFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut model = Model::uniform();
        model.lambda = file.lambda;
        // A model trained before member registers has no member evidence:
        // members are then not counted, names are.
        let missing = read_features(&mut model, &file.features, &[MEMBER], "")?;
        model.uses_members = !missing.contains(&MEMBER);
        if let Some(nested) = file.same_member {
            let mut inner = Model {
                nested: true,
                ..Model::uniform()
            };
            inner.lambda = nested.lambda;
            read_features(
                &mut inner,
                &nested.features,
                &[PREMISES, POSTCODE, MEMBER],
                "same_member.",
            )?;
            model.same_member = Some(Box::new(inner));
        }
        Ok(model)
    }

    /// The TOML form: per feature and level, `[m, u]`.
    pub fn to_toml(&self) -> String {
        let skip: &[usize] = if self.uses_members { &[] } else { &[MEMBER] };
        let file = ModelFile {
            lambda: round(self.lambda),
            features: write_features(self, skip),
            same_member: self.same_member.as_ref().map(|n| NestedFile {
                lambda: round(n.lambda),
                features: write_features(n, &[PREMISES, POSTCODE, MEMBER]),
            }),
        };
        let body = toml::to_string(&file).unwrap_or_default();
        format!(
            "# bcgw linking model (Fellegi-Sunter): for each feature level, [m, u] =\n\
             # [P(level | same incident), P(level | different incidents)].\n\
             # [same_member]: the same for pairs of reports surely at one register member.\n{body}"
        )
    }
}

fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
