//! `kind = "webhook"`: BCRP platforms that push each report as it is filed.
//!
//! Every webhook source shares the `[http]` listener, at `POST /sources/<name>`.
//! A request is answered `202 Accepted` with a receipt id only once its body is
//! committed to the journal (the same group commit as every other source); the
//! same body again gets `200` with the original receipt id. Errors are RFC 9457
//! problem documents. `GET /sources/<name>/receipts/<id>` tells the platform what
//! became of a submission, including the Niche occurrence reference.
//!
//! - `config.rs`: the `[sources.<name>.webhook]` table, its checks, `build`;
//! - `endpoint.rs`: the two routes, in the order their checks run;
//! - `auth.rs`, `replay.rs`: bearer tokens and HMAC signatures, replays refused;
//! - `body.rs`: the syntax check at the door (content types: `common/media.rs`);
//! - `rate.rs`: the per-source rate limit.
//!
//! The API is documented for platform developers in `docs/openapi.json`.

pub mod auth;
pub mod body;
pub mod config;
mod endpoint;
mod rate;
mod replay;

pub use config::WebhookConfig;

/// The registration of this kind.
pub const KIND: super::SourceKind = super::SourceKind {
    name: "webhook",
    parse: super::parse_as::<WebhookConfig>,
};
