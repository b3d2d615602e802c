//! `kind = "poll"`: BCRP platforms that offer an export API to poll.
//!
//! The source asks the platform for a page of reports every `interval_secs`, and
//! follows the pagination (a cursor in the body, a page number, or the `Link`
//! header) until it has caught up. Each page is journaled as one payload, and the
//! place to ask from next (the cursor) is committed **in the same transaction**,
//! so a restart neither imports a page twice nor skips one. A page fetched again
//! unchanged is refused by the journal as a repeat; a page that changed (a report
//! amended, another appended) is journaled again, and the pipeline keeps only
//! what is new.
//!
//! - `config.rs`: the `[sources.<name>.poll]` table, its checks, `build`;
//! - `pagination.rs`: where the next page is, from a response;
//! - `auth.rs`: bearer, basic, OAuth2 client credentials (token cached, refreshed on 401);
//! - `source.rs`: the poll loop: requests, timeouts, backoff, `Retry-After`.

pub mod auth;
pub mod config;
pub mod pagination;
mod source;

pub use config::PollConfig;

/// The registration of this kind.
pub const KIND: super::SourceKind = super::SourceKind {
    name: "poll",
    parse: super::parse_as::<PollConfig>,
};
