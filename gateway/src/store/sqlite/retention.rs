//! Retention: purging what has been kept its time, a chunk per call, each
//! purge audited with its counts.
//!
//! What is still needed stays past its time, and the next run takes it:
//! - a raw payload not yet translated, with an open quarantine entry (it may be
//!   replayed), or whose records are still needed;
//! - a record not yet linked, in an incident with a delivery pending (or dead
//!   and waiting in the quarantine), or in an open review.
//!
//! A purged payload keeps its row (id, source, digest, times, state) with its
//! bytes and metadata emptied, so receipts and the journal's repeat check
//! still work; a purged record is deleted with its versions, links, reviews
//! and duplicates; a quarantine entry is deleted; an audit entry keeps its
//! place and hashes, its content emptied.

use super::audit;
use crate::audit::{AuditEvent, Operation};
use crate::store::{PurgeClass, PurgeStats, RetentionCut};
use rusqlite::{Connection, params};

/// What a record still needed looks like, for a record `r`.
const RECORD_NEEDED: &str = "(r.incident_id IS NULL
     OR EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'pending' AND o.incident_id = r.incident_id)
     OR EXISTS (SELECT 1 FROM outbox o JOIN quarantine q ON q.outbox_id = o.id
                WHERE o.incident_id = r.incident_id AND o.state = 'dead' AND q.state = 'open')
     OR EXISTS (SELECT 1 FROM reviews v WHERE v.record_id = r.record_id AND v.state = 'pending'))";

/// Purges up to `chunk` rows of each class `cut` names; returns the counts.
pub fn purge(
    c: &Connection,
    now: i64,
    cut: &RetentionCut,
    chunk: usize,
) -> rusqlite::Result<PurgeStats> {
    let mut stats = PurgeStats::default();
    let chunk = chunk as i64;
    let actor = "retention";
    let isa = cut.isa.as_deref();
    let mut events = Vec::new();
    let mut audit_event = |class: PurgeClass, n: usize, before: i64, ids: Vec<String>| {
        if n > 0 {
            events.push(
                AuditEvent::new(
                    Operation::Erasure,
                    actor,
                    format!("retention: {} kept their time", class.as_str()),
                )
                .isa(isa)
                .records(ids)
                .detail(serde_json::json!({
                    "class": class.as_str(),
                    "count": n,
                    "source": cut.source,
                    "older_than_ms": before,
                })),
            );
        }
    };
    // Quarantine entries and records first: a payload is purged once
    // nothing that needs it is left.
    if let Some(before) = cut.quarantine_before {
        let n = match &cut.source {
            Some(source) => c.execute(
                "DELETE FROM quarantine WHERE id IN (
                     SELECT id FROM quarantine WHERE component = ?1 AND created_at < ?2 LIMIT ?3)",
                params![source, before, chunk],
            )?,
            // The fallback: entries of components that are not sources (sinks).
            None => c.execute(
                "DELETE FROM quarantine WHERE id IN (
                     SELECT id FROM quarantine WHERE created_at < ?1
                       AND component NOT IN (SELECT value FROM json_each(?2)) LIMIT ?3)",
                params![before, json(&cut.other_sources), chunk],
            )?,
        };
        stats.quarantine_entries = n;
        audit_event(PurgeClass::QuarantineEntries, n, before, Vec::new());
    }
    if let (Some(source), Some(before)) = (&cut.source, cut.record_before) {
        let ids: Vec<String> = c
            .prepare(&format!(
                "SELECT r.record_id FROM records r
                 JOIN record_versions cur ON cur.record_id = r.record_id AND cur.version = r.version
                 WHERE r.source = ?1 AND cur.created_at < ?2 AND NOT {RECORD_NEEDED}
                 LIMIT ?3"
            ))?
            .query_map(params![source, before, chunk], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        delete_records(c, &ids)?;
        stats.records = ids.len();
        audit_event(PurgeClass::Records, ids.len(), before, ids);
    }
    if let (Some(source), Some(before)) = (&cut.source, cut.raw_payload_before) {
        let n = c.execute(
            &format!(
                "UPDATE payloads SET bytes = x'', metadata = '[]', purged_at = ?3
                 WHERE id IN (
                     SELECT p.id FROM payloads p
                     WHERE p.source = ?1 AND p.received_at < ?2 AND p.purged_at IS NULL
                       AND p.state <> 'pending'
                       AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.payload_id = p.id AND q.state = 'open')
                       AND NOT EXISTS (SELECT 1 FROM record_versions v JOIN records r ON r.record_id = v.record_id
                                       WHERE v.payload_id = p.id AND {RECORD_NEEDED})
                     LIMIT ?4)"
            ),
            params![source, before, now, chunk],
        )?;
        stats.raw_payloads = n;
        audit_event(PurgeClass::RawPayloads, n, before, Vec::new());
    }
    if let Some(before) = cut.audit_before {
        let n = match isa {
            Some(isa) => c.execute(
                "UPDATE audit SET actor = '', reason = '', records = '[]', incidents = '[]',
                                  detail = 'null', pruned_at = ?3
                 WHERE seq IN (SELECT seq FROM audit WHERE isa = ?1 AND at < ?2 AND pruned_at IS NULL LIMIT ?4)",
                params![isa, before, now, chunk],
            )?,
            // The fallback: entries of no agreement, or of one with no audit_days.
            None => c.execute(
                "UPDATE audit SET actor = '', reason = '', records = '[]', incidents = '[]',
                                  detail = 'null', pruned_at = ?3
                 WHERE seq IN (SELECT seq FROM audit WHERE at < ?2 AND pruned_at IS NULL
                                 AND (isa IS NULL OR isa NOT IN (SELECT value FROM json_each(?1)))
                               LIMIT ?4)",
                params![json(&cut.other_isas), before, now, chunk],
            )?,
        };
        stats.audit_entries = n;
        audit_event(PurgeClass::AuditEntries, n, before, Vec::new());
    }
    if stats.records > 0 {
        // The link stage holds the purged reports in memory: make it rebuild.
        super::linking::bump_generation(c)?;
    }
    audit::append(c, now, &events)?;
    Ok(stats)
}

fn json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Deletes records with every version, link, review and duplicate row.
pub fn delete_records(c: &Connection, ids: &[String]) -> rusqlite::Result<()> {
    for id in ids {
        for sql in [
            "DELETE FROM record_versions WHERE record_id = ?1",
            "DELETE FROM links WHERE record_id = ?1",
            "DELETE FROM reviews WHERE record_id = ?1",
            "DELETE FROM duplicates WHERE record_id = ?1",
            "DELETE FROM records WHERE record_id = ?1",
        ] {
            c.prepare_cached(sql)?.execute([id])?;
        }
    }
    Ok(())
}
