//! Sources: where raw payloads come from. A source journals what it receives and
//! acknowledges it only once the journal has committed it; it never calls the
//! pipeline or a sink.

pub mod csv_chunks;
pub mod csv_folder;
