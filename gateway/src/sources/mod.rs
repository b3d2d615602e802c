//! Sources: where raw payloads come from.

pub mod csv_chunks;
