//! `bcgw-mapping`: what the no-code mapping plugins share, so that a value means the
//! same in `csv-mapped` (a column) and `json-mapped` (a JSON Pointer).
//!
//! - [`Target`]: where a value goes (`premises_name`, `suspect.description`,
//!   `property.value`...), one list of names for both plugins.
//! - [`when`] and [`values`]: parsers for dates (UK day-first, ISO 8601, Unix time),
//!   times of day, money, yes/no, counts, ages and gender wording.
//! - [`Common`]: the shared config keys (source system, report kind, time zone, date
//!   formats, the category table), checked with errors that name the key.
//! - [`ReportBuilder`]: one report from (target, value) pairs, combining dates and
//!   times in the configured zone.
//!
//! Error reasons never repeat the value: it may be personal data, and reasons reach
//! quarantine listings.
//!
//! ```
//! use bcgw_mapping::{Common, CommonKeys, ReportBuilder, Target};
//! let common = Common::new(CommonKeys::default(), "retailer-csv").unwrap();
//! let mut report = ReportBuilder::new(&common);
//! report.apply(&Target::Postcode, "Postcode", "bs1 3xe").unwrap();
//! let report = report.finish().unwrap();
//! assert_eq!(report.location.postcode.as_deref(), Some("BS1 3XE"));
//! ```

mod builder;
mod common;
pub mod objects;
mod target;
pub mod values;
pub mod when;

pub use builder::ReportBuilder;
pub use common::{Common, CommonKeys, bad_config, parse_category, wording_key};
pub use target::{PersonField, PropertyField, TARGET_NAMES, Target, VehicleField};
pub use when::{DEFAULT_DATE_FORMATS, DateFormats, EPOCH, ISO8601, When};
