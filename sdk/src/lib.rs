//! `bcgw-sdk`: write adapter plugins for bcgw, the Business Crime Gateway.
//!
//! An adapter translates one channel (a BCRP platform's export, ShopNet radio text,
//! a retailer's CSV) into the [common schema](schema). It is compiled to a
//! `wasm32-wasip2` component and runs sandboxed inside the gateway.
//!
//! ```ignore
//! use bcgw_sdk::prelude::*;
//!
//! struct Shout;
//! impl Adapter for Shout {
//!     type Config = NoConfig;
//!     fn describe() -> PluginInfo {
//!         PluginInfo { name: "shout".into(), version: "0.1.0".into(), ..Default::default() }
//!     }
//!     fn translate(p: Payload, _: NoConfig) -> Result<Translation, AdapterError> {
//!         let mut r = Report { source_system: "shopnet-radio".into(), ..Default::default() };
//!         r.event.narrative = Some(String::from_utf8_lossy(&p.bytes).into_owned());
//!         Ok(Translation { reports: vec![r], rejects: vec![] })
//!     }
//! }
//! bcgw_sdk::export_adapter!(Shout);
//! ```
//!
//! Build it with `cargo build --release --target wasm32-wasip2`; the `.wasm` in
//! `target/wasm32-wasip2/release/` is the plugin. Test the logic natively with
//! [`harness::Harness`], and the built plugin with `bcgw plugin test`.
#![deny(missing_docs)]

#[doc(hidden)]
pub mod convert;
pub mod harness;
pub mod plugin;
pub mod schema;
pub mod time;

#[cfg(feature = "guest")]
mod guest;
#[cfg(feature = "guest")]
#[doc(hidden)]
pub use guest::wit;

#[doc(hidden)]
pub use chrono as __chrono;

/// The version of the WIT package (`bcgw:adapter`) this SDK implements.
pub const WIT_VERSION: &str = "1.0.0";

/// Everything an adapter usually needs, in one import.
pub mod prelude {
    pub use crate::plugin::{
        Adapter, AdapterError, ConfigKey, FieldError, Incident, NoConfig, Payload, PluginInfo,
        RejectedItem, Renderer, Submission, Translation, metadata_keys, parse_config,
    };
    pub use crate::schema::{
        AgeRange, Category, Coordinates, Envelope, Event, Evidence, FactOrAssessment, Gender,
        Location, MediaKind, MediaReference, Person, PersonRole, Property, Report, ReportKind,
        SourceRecord, Vehicle,
    };
}
