//! Writes. Each runs inside the writer's group-commit transaction.

use super::super::*;
use rusqlite::{Connection, OptionalExtension, params};

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn json_err(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// The journal identity of a payload: the SHA-256 of its bytes, or of its identity
/// scope and bytes (see [`NewPayload::identity_scope`]). Unscoped identities are the
/// plain digest of the bytes, as stores made before scopes existed hold.
pub fn payload_identity(scope: Option<&str>, bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    match scope {
        None => crate::plugins::sha256_hex(bytes),
        Some(scope) => {
            let mut h = Sha256::new();
            h.update(b"bcgw-payload-scope-v1\0");
            h.update(scope.as_bytes());
            h.update(b"\0");
            h.update(bytes);
            hex::encode(h.finalize())
        }
    }
}

/// Journals payloads, refusing repeats of the same (source, identity).
pub fn append_payloads(c: &Connection, batch: Vec<NewPayload>) -> rusqlite::Result<Vec<Appended>> {
    let mut insert = c.prepare_cached(
        "INSERT INTO payloads (source, sha256, origin, received_at, journaled_at, content_type, metadata, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (source, sha256) DO NOTHING",
    )?;
    let mut existing =
        c.prepare_cached("SELECT id FROM payloads WHERE source = ?1 AND sha256 = ?2")?;
    let mut repeat = c.prepare_cached(
        "INSERT INTO payload_repeats (payload_id, origin, seen_at) VALUES (?1, ?2, ?3)",
    )?;
    let now = now_ms();
    let mut out = Vec::with_capacity(batch.len());
    for p in batch {
        let sha = payload_identity(p.identity_scope.as_deref(), &p.bytes);
        let metadata = serde_json::to_string(&p.metadata).map_err(json_err)?;
        let inserted = insert.execute(params![
            p.source,
            sha,
            p.origin,
            ms(p.received_at),
            now,
            p.content_type,
            metadata,
            p.bytes
        ])?;
        if inserted == 1 {
            let id = c.last_insert_rowid();
            if let Some(hold) = &p.hold {
                hold_payload(c, id, &p.source, hold, now)?;
            }
            out.push(Appended::New(id));
        } else {
            let id: i64 = existing.query_row(params![p.source, sha], |r| r.get(0))?;
            repeat.execute(params![id, p.origin, now])?;
            out.push(Appended::Duplicate(id));
        }
    }
    Ok(out)
}

/// Holds a just-journaled payload out of translation, with its quarantine entry.
fn hold_payload(
    c: &Connection,
    payload_id: i64,
    source: &str,
    hold: &Hold,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE payloads SET state = 'held' WHERE id = ?1")?
        .execute([payload_id])?;
    c.prepare_cached(
        "INSERT INTO quarantine (stage, payload_id, component, error_kind, reason, plugin, plugin_sha256, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '', '', ?6)",
    )?
    .execute(params![
        Stage::Receive.as_str(),
        payload_id,
        source,
        hold.error_kind,
        hold.reason,
        now
    ])?;
    Ok(())
}

fn insert_quarantine(c: &Connection, q: &QuarantineEntry) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO quarantine (stage, payload_id, outbox_id, component, item_index, line, record_id,
                                 error_kind, reason, plugin, plugin_sha256, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        q.stage.as_str(),
        q.payload_id,
        q.outbox_id,
        q.component,
        q.item_index,
        q.line,
        q.record_id,
        q.error_kind,
        q.reason,
        q.plugin,
        q.plugin_sha256,
        ms(q.created_at)
    ])?;
    Ok(())
}

/// Stores new records, queues them for every sink, writes quarantine entries and
/// marks the payload translated — all or nothing.
pub fn complete_translation(
    c: &Connection,
    o: TranslationOutcome,
) -> rusqlite::Result<CommitStats> {
    let now = now_ms();
    let journaled_at: i64 = c
        .query_row(
            "SELECT journaled_at FROM payloads WHERE id = ?1",
            [o.payload_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(now);
    let mut stats = CommitStats::default();
    let mut insert = c.prepare_cached(
        "INSERT INTO records (record_id, payload_id, source, created_at, record)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (record_id) DO NOTHING",
    )?;
    let mut owner = c.prepare_cached("SELECT payload_id FROM records WHERE record_id = ?1")?;
    let mut dup = c.prepare_cached(
        "INSERT INTO duplicates (record_id, payload_id, seen_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    let mut queue = c.prepare_cached(
        "INSERT INTO outbox (sink, incident_id, record_ids, created_at, journaled_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?4) ON CONFLICT (sink, incident_id) DO NOTHING",
    )?;
    for record in &o.records {
        let id = &record.envelope.record_id;
        let json = serde_json::to_string(record).map_err(json_err)?;
        if insert.execute(params![id, o.payload_id, record.envelope.source, now, json])? == 1 {
            stats.new_records += 1;
            // Until cross-source linking lands, each record is its own incident.
            let ids = serde_json::to_string(&[id]).map_err(json_err)?;
            for sink in &o.sinks {
                queue.execute(params![sink, id, ids, now, journaled_at])?;
            }
        } else {
            let first: i64 = owner.query_row([id], |r| r.get(0))?;
            // The same payload translated again (a replay) is not a duplicate.
            if first != o.payload_id && dup.execute(params![id, o.payload_id, now])? == 1 {
                stats.duplicates += 1;
            }
        }
    }
    for q in &o.quarantined {
        insert_quarantine(c, q)?;
        stats.quarantined += 1;
    }
    c.prepare_cached("UPDATE payloads SET state = 'done', translated_at = ?2 WHERE id = ?1")?
        .execute(params![o.payload_id, now])?;
    Ok(stats)
}

/// Records delivery outcomes.
pub fn finish_deliveries(c: &Connection, results: Vec<DeliveryResult>) -> rusqlite::Result<()> {
    let now = now_ms();
    for r in results {
        match r {
            DeliveryResult::Delivered {
                outbox_id,
                reference,
            } => {
                c.prepare_cached(
                    "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?2,
                            reference = ?3, last_error = NULL WHERE id = ?1",
                )?
                .execute(params![outbox_id, now, reference])?;
            }
            DeliveryResult::Retry {
                outbox_id,
                error,
                next_attempt_at,
            } => {
                c.prepare_cached(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                     WHERE id = ?1 AND state = 'pending'",
                )?
                .execute(params![outbox_id, error, ms(next_attempt_at)])?;
            }
            DeliveryResult::DeadLetter { outbox_id, entry } => {
                c.prepare_cached(
                    "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                )?
                .execute(params![outbox_id, entry.reason])?;
                insert_quarantine(c, &entry)?;
            }
        }
    }
    Ok(())
}

/// Sends quarantine entries back: translate/validate entries re-queue their payload,
/// deliver entries re-queue their outbox row.
pub fn quarantine_replay(c: &Connection, ids: &[i64]) -> rusqlite::Result<ReplayStats> {
    let now = now_ms();
    let mut stats = ReplayStats::default();
    for &id in ids {
        let row: Option<(String, Option<i64>, Option<i64>)> = c
            .query_row(
                "SELECT stage, payload_id, outbox_id FROM quarantine WHERE id = ?1 AND state = 'open'",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((stage, payload_id, outbox_id)) = row else {
            continue;
        };
        match (Stage::parse(&stage), payload_id, outbox_id) {
            (Some(Stage::Deliver), _, Some(outbox)) => {
                stats.deliveries += c.execute(
                    "UPDATE outbox SET state = 'pending', next_attempt_at = ?2 WHERE id = ?1 AND state = 'dead'",
                    params![outbox, now],
                )?;
            }
            (Some(_), Some(payload), _) => {
                stats.payloads += c.execute(
                    "UPDATE payloads SET state = 'pending' WHERE id = ?1 AND state IN ('done', 'held')",
                    [payload],
                )?;
            }
            _ => continue,
        }
        c.execute(
            "UPDATE quarantine SET state = 'replayed', replayed_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        stats.entries += 1;
    }
    Ok(stats)
}
