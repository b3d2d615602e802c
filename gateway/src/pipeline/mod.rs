//! The pipeline between the journal and the outbox: translate each journaled
//! payload with its source's adapter, validate every report against the schema,
//! give it a stable record id, and commit records and quarantine entries in one
//! transaction (exact de-duplication happens there, by record id); then link each
//! new record into an incident and queue the incident's delivery ([`link`]).

pub mod held;
pub mod link;
pub mod record_id;
pub mod translate;

pub use link::{LinkSection, LinkStage};
pub use translate::{TranslateStage, Translator};
