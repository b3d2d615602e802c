//! `bcgw-link`: tell which business crime reports describe the same incident.
//!
//! The same theft arrives as a BCRP report, a radio alert and a line in a retailer's
//! CSV — different wording, times and spellings. This crate links them:
//!
//! 1. [`features`]: each common-schema report is reduced to normalised features
//!    ([`normalize`]: postcodes, premises names, offence wording, offender
//!    descriptions including radio shorthand).
//! 2. [`blocking`]: only reports sharing a postcode or a distinctive premises word on
//!    the same day (allowing for midnight and day/month swaps) are compared.
//! 3. [`compare`]: each pair gets an agreement level per feature; [`model`] turns
//!    levels into a match probability (Fellegi–Sunter, parameters estimated by EM on
//!    the data being linked or from a labelled sample).
//! 4. [`cluster`]: average-linkage clustering with a one-report-per-channel rule
//!    forms incidents without chaining unrelated reports together.
//!
//! [`engine::link`] does all four for a batch; [`incremental::IncrementalLinker`]
//! does it record by record, as the daemon will. [`corpus`] generates labelled
//! synthetic data and [`eval`] scores a result against the truth.

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod corpus;
pub mod engine;
pub mod eval;
pub mod features;
pub mod incremental;
pub mod input;
pub mod members;
pub mod model;
pub mod normalize;
pub mod vocab;

pub use engine::{LinkConfig, LinkInput, LinkOutput, link};
pub use features::Channel;
pub use model::Model;
