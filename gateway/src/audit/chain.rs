//! The hashes that chain audit entries.
//!
//! An entry's content hash covers everything it says (time, operation, actor,
//! agreement, reason, ids, detail), each field length-prefixed so no two
//! different entries encode alike. Its link hash covers its sequence number,
//! the previous entry's link hash and its content hash. Retention may remove
//! an old entry's content; its content hash stays, so the chain can still be
//! walked end to end.

use sha2::{Digest, Sha256};

/// The `prev_sha256` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry's content hash covers, as stored.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The operation's stored name.
    pub operation: &'a str,
    /// Who or what.
    pub actor: &'a str,
    /// The agreement, if any.
    pub isa: Option<&'a str>,
    /// Why.
    pub reason: &'a str,
    /// Record ids, as the stored JSON array.
    pub records: &'a str,
    /// Incident ids, as the stored JSON array.
    pub incidents: &'a str,
    /// Detail, as the stored JSON.
    pub detail: &'a str,
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// The content hash, hex.
pub fn content_sha256(c: &Content<'_>) -> String {
    let mut h = Sha256::new();
    field(&mut h, c.at_ms.to_string().as_bytes());
    field(&mut h, c.operation.as_bytes());
    field(&mut h, c.actor.as_bytes());
    match c.isa {
        Some(isa) => {
            h.update([1]);
            field(&mut h, isa.as_bytes());
        }
        None => h.update([0]),
    }
    field(&mut h, c.reason.as_bytes());
    field(&mut h, c.records.as_bytes());
    field(&mut h, c.incidents.as_bytes());
    field(&mut h, c.detail.as_bytes());
    hex::encode(h.finalize())
}

/// The link hash of entry `seq`, hex.
pub fn link_sha256(seq: i64, prev_sha256: &str, content_sha256: &str) -> String {
    let mut h = Sha256::new();
    h.update(seq.to_le_bytes());
    field(&mut h, prev_sha256.as_bytes());
    field(&mut h, content_sha256.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content<'a>(actor: &'a str, records: &'a str) -> Content<'a> {
        Content {
            at_ms: 1,
            operation: "collection",
            actor,
            isa: None,
            reason: "r",
            records,
            incidents: "[]",
            detail: "null",
        }
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        // Moving a character from one field to the next changes the hash.
        assert_ne!(
            content_sha256(&content("ab", "[]")),
            content_sha256(&content("a", "b[]"))
        );
        let mut with_isa = content("a", "[]");
        with_isa.isa = Some("");
        assert_ne!(
            content_sha256(&with_isa),
            content_sha256(&content("a", "[]"))
        );
    }

    #[test]
    fn the_link_covers_the_place_and_the_previous_entry() {
        let c = content_sha256(&content("a", "[]"));
        assert_ne!(link_sha256(1, GENESIS, &c), link_sha256(2, GENESIS, &c));
        let other = link_sha256(1, GENESIS, &c);
        assert_ne!(link_sha256(2, GENESIS, &c), link_sha256(2, &other, &c));
    }
}
