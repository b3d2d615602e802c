//! Property, vehicles and evidence: the Object part of POLE.

use serde::{Deserialize, Serialize};

/// Property stolen, damaged or involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Property {
    /// What it is, e.g. "razor blades".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How many items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    /// Total value in pence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_pence: Option<u64>,
    /// Whether it was recovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered: Option<bool>,
}

/// A vehicle involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Vehicle {
    /// Vehicle registration mark, upper case without spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vrm: Option<String>,
    /// Make, e.g. "Ford".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Model, e.g. "Focus".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Colour as described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

/// What kind of media an evidence reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MediaKind {
    /// CCTV footage.
    Cctv,
    /// A still image.
    Image,
    /// Body-worn video.
    BodyWornVideo,
    /// Anything else.
    Other,
}

/// A reference to evidence held elsewhere; the media itself never passes through bcgw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaReference {
    /// What it is.
    pub kind: MediaKind,
    /// Where the source holds it.
    pub uri: String,
    /// SHA-256 of the media, hex, if the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Evidence the source says exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// References to CCTV, images and other media.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<MediaReference>,
    /// Whether a witness statement has been taken.
    #[serde(default)]
    pub witness_statement: bool,
}
