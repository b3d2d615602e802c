//! The pipeline between the journal and the outbox: translate each journaled
//! payload with its source's adapter, validate every report against the schema,
//! give it a stable record id, and commit records, quarantine entries and outbox
//! entries in one transaction (exact de-duplication happens there, by record id).

pub mod record_id;
pub mod translate;

pub use translate::{TranslateStage, Translator};
