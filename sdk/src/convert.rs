//! Conversions between the SDK's types and WIT-generated types.
//!
//! Both sides of the boundary generate their own Rust types from `sdk/wit/`: the
//! guest with `wit-bindgen`, the host with `wasmtime::component::bindgen!`. Field
//! lists live here once, in macros each side expands against its own generated
//! modules, so a schema change is one edit here plus one in the WIT.
//!
//! Not part of the stable API; used by the SDK's guest glue and by the gateway.
#![doc(hidden)]

use chrono::{DateTime, Utc};

/// An infallible conversion between a type and its twin on the other side of the WIT
/// boundary. A local trait (rather than `From`) so that both crates may implement it
/// for their generated types and so `Option`/`Vec`/tuples convert element-wise.
pub trait Conv<T> {
    /// Converts into the twin type.
    fn conv(self) -> T;
}

macro_rules! identity {
    ($($t:ty),*) => { $(impl Conv<$t> for $t { #[inline] fn conv(self) -> $t { self } })* };
}
identity!(String, bool, u8, u32, u64, i64, f64);

impl<A: Conv<B>, B> Conv<Option<B>> for Option<A> {
    #[inline]
    fn conv(self) -> Option<B> {
        self.map(Conv::conv)
    }
}

impl<A: Conv<B>, B> Conv<Vec<B>> for Vec<A> {
    #[inline]
    fn conv(self) -> Vec<B> {
        self.into_iter().map(Conv::conv).collect()
    }
}

impl<A: Conv<C>, B: Conv<D>, C, D> Conv<(C, D)> for (A, B) {
    #[inline]
    fn conv(self) -> (C, D) {
        (self.0.conv(), self.1.conv())
    }
}

/// Seconds and nanoseconds since the Unix epoch for a UTC time.
pub fn to_epoch(t: DateTime<Utc>) -> (i64, u32) {
    (t.timestamp(), t.timestamp_subsec_nanos())
}

/// The UTC time for seconds and nanoseconds since the Unix epoch. A value out of
/// chrono's range (only a broken or hostile plugin sends one) becomes the earliest
/// representable time, which schema validation then rejects as "before 2000".
pub fn from_epoch(seconds: i64, nanoseconds: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, nanoseconds).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Implements [`Conv`] both ways between two structs with the same field names.
#[macro_export]
#[doc(hidden)]
macro_rules! __conv_record {
    // `host_only` fields exist on the SDK side (`$a`) only: dropped on the way
    // out, their default on the way in.
    ($a:ty, $b:ty, [$($field:ident),* $(,)?], host_only [$($host:ident),* $(,)?]) => {
        impl $crate::convert::Conv<$b> for $a {
            fn conv(self) -> $b {
                #[allow(unused_imports)]
                use $crate::convert::Conv as _;
                type Target = $b;
                Target { $($field: self.$field.conv()),* }
            }
        }
        impl $crate::convert::Conv<$a> for $b {
            fn conv(self) -> $a {
                #[allow(unused_imports)]
                use $crate::convert::Conv as _;
                type Target = $a;
                Target { $($field: self.$field.conv()),*, $($host: Default::default()),* }
            }
        }
    };
    ($a:ty, $b:ty, [$($field:ident),* $(,)?]) => {
        impl $crate::convert::Conv<$b> for $a {
            fn conv(self) -> $b {
                #[allow(unused_imports)]
                use $crate::convert::Conv as _;
                type Target = $b;
                Target { $($field: self.$field.conv()),* }
            }
        }
        impl $crate::convert::Conv<$a> for $b {
            fn conv(self) -> $a {
                #[allow(unused_imports)]
                use $crate::convert::Conv as _;
                type Target = $a;
                Target { $($field: self.$field.conv()),* }
            }
        }
    };
}

/// Implements [`Conv`] both ways between two field-less enums with the same variants.
#[macro_export]
#[doc(hidden)]
macro_rules! __conv_enum {
    ($a:ty, $b:ty, [$($variant:ident),* $(,)?]) => {
        impl $crate::convert::Conv<$b> for $a {
            fn conv(self) -> $b {
                type From = $a;
                type Target = $b;
                match self { $(From::$variant => Target::$variant),* }
            }
        }
        impl $crate::convert::Conv<$a> for $b {
            fn conv(self) -> $a {
                type From = $b;
                type Target = $a;
                match self { $(From::$variant => Target::$variant),* }
            }
        }
    };
}

/// Expands [`Conv`] impls between the SDK schema and a generated `schema` module
/// (`$w` is the path to it, e.g. `crate::wit::bcgw::adapter::schema`).
#[macro_export]
#[doc(hidden)]
macro_rules! schema_conversions {
    ($($w:ident)::+) => {
        const _: () = {
            use $crate::schema as s;
            use $($w)::+ as w;

            impl $crate::convert::Conv<w::Timestamp> for $crate::__chrono::DateTime<$crate::__chrono::Utc> {
                fn conv(self) -> w::Timestamp {
                    let (seconds, nanoseconds) = $crate::convert::to_epoch(self);
                    w::Timestamp { seconds, nanoseconds }
                }
            }
            impl $crate::convert::Conv<$crate::__chrono::DateTime<$crate::__chrono::Utc>> for w::Timestamp {
                fn conv(self) -> $crate::__chrono::DateTime<$crate::__chrono::Utc> {
                    $crate::convert::from_epoch(self.seconds, self.nanoseconds)
                }
            }
            $crate::__conv_enum!(s::ReportKind, w::ReportKind, [CrimeReport, Incident, Alert, Intelligence]);
            $crate::__conv_enum!(s::Category, w::Category, [
                TheftFromShop, ViolenceAgainstStaff, Robbery, Burglary, CriminalDamage,
                Fraud, Asb, PublicOrder, Other,
            ]);
            $crate::__conv_enum!(s::PersonRole, w::PersonRole, [Suspect, Offender, Victim, Witness, Reporter]);
            $crate::__conv_enum!(s::Gender, w::Gender, [Male, Female, Other]);
            $crate::__conv_enum!(s::FactOrAssessment, w::FactOrAssessment, [Fact, Assessment]);
            $crate::__conv_enum!(s::MediaKind, w::MediaKind, [Cctv, Image, BodyWornVideo, Other]);
            $crate::__conv_record!(s::Event, w::Event, [
                kind, occurred_from, occurred_to, reported_at, category, category_raw,
                business_crime, narrative, staff_injured, police_reference,
            ]);
            $crate::__conv_record!(s::Coordinates, w::Coordinates, [lat, lon]);
            $crate::__conv_record!(s::Location, w::Location, [
                premises_name, store_id, address_lines, town, postcode, uprn, coordinates, bcrp_area,
            ]);
            $crate::__conv_record!(s::AgeRange, w::AgeRange, [min, max]);
            $crate::__conv_record!(s::Person, w::Person, [
                role, name, aliases, age_range, gender, description, fact_or_assessment,
            ]);
            $crate::__conv_record!(s::Property, w::Property, [description, quantity, value_pence, recovered]);
            $crate::__conv_record!(s::Vehicle, w::Vehicle, [vrm, make, model, colour]);
            $crate::__conv_record!(s::MediaReference, w::MediaReference, [kind, uri, sha256]);
            $crate::__conv_record!(s::Evidence, w::Evidence, [media, witness_statement]);
            $crate::__conv_record!(s::Report, w::Report, [
                source_system, source_record_id, event, location, persons, property,
                vehicles, evidence, extensions,
            ]);
            $crate::__conv_record!(s::Envelope, w::Envelope, [
                record_id, source, received_at, raw_sha256, schema_version, isa, plugin,
            ], host_only [premises]);
            $crate::__conv_record!(s::SourceRecord, w::SourceRecord, [envelope, report]);
        };
    };
}

/// Expands [`Conv`] impls between the SDK's plugin types and generated `types`,
/// `translator` and `renderer` modules (paths to each, in that order).
#[macro_export]
#[doc(hidden)]
macro_rules! plugin_conversions {
    ($($t:ident)::+, $($tr:ident)::+, $($r:ident)::+) => {
        const _: () = {
            use $crate::plugin as p;
            use $($t)::+ as t;
            use $($tr)::+ as tr;
            use $($r)::+ as r;

            $crate::__conv_record!(p::ConfigKey, t::ConfigKey, [name, description, required]);
            $crate::__conv_record!(p::PluginInfo, t::PluginInfo, [
                name, version, description, systems, content_types, config_keys,
            ]);
            $crate::__conv_record!(p::FieldError, t::FieldError, [field, reason]);
            impl $crate::convert::Conv<t::AdapterError> for p::AdapterError {
                fn conv(self) -> t::AdapterError {
                    match self {
                        p::AdapterError::Malformed(m) => t::AdapterError::Malformed(m),
                        p::AdapterError::MissingField(m) => t::AdapterError::MissingField(m),
                        p::AdapterError::InvalidField(f) => t::AdapterError::InvalidField(f.conv()),
                        p::AdapterError::UnsupportedContentType(m) => t::AdapterError::UnsupportedContentType(m),
                        p::AdapterError::BadConfig(m) => t::AdapterError::BadConfig(m),
                        p::AdapterError::Other(m) => t::AdapterError::Other(m),
                    }
                }
            }
            impl $crate::convert::Conv<p::AdapterError> for t::AdapterError {
                fn conv(self) -> p::AdapterError {
                    match self {
                        t::AdapterError::Malformed(m) => p::AdapterError::Malformed(m),
                        t::AdapterError::MissingField(m) => p::AdapterError::MissingField(m),
                        t::AdapterError::InvalidField(f) => p::AdapterError::InvalidField(f.conv()),
                        t::AdapterError::UnsupportedContentType(m) => p::AdapterError::UnsupportedContentType(m),
                        t::AdapterError::BadConfig(m) => p::AdapterError::BadConfig(m),
                        t::AdapterError::Other(m) => p::AdapterError::Other(m),
                    }
                }
            }
            $crate::__conv_record!(p::Payload, tr::Payload, [bytes, content_type, source, metadata, config]);
            $crate::__conv_record!(p::RejectedItem, tr::RejectedItem, [index, line, error]);
            $crate::__conv_record!(p::Translation, tr::Translation, [reports, rejects]);
            $crate::__conv_record!(p::Incident, r::Incident, [incident_id, reports]);
            $crate::__conv_record!(p::Submission, r::Submission, [content_type, body]);
        };
    };
}
