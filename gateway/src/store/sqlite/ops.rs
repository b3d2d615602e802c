//! Writes. Each runs inside the writer's group-commit transaction.

use super::super::*;
use bcgw_sdk::schema::SourceRecord;
use rusqlite::{Connection, OptionalExtension, params};

/// A time as stored (Unix milliseconds).
pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Now, as stored.
pub(super) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A value that cannot be encoded for the store.
pub(super) fn json_err(e: serde_json::Error) -> rusqlite::Error {
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

/// Moves a polled source's cursor.
pub fn set_cursor(c: &Connection, source: &str, cursor: &str) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO source_cursors (source, cursor, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
    )?
    .execute(params![source, cursor, now_ms()])?;
    Ok(())
}

/// Holds a just-journaled payload out of translation, with its quarantine entry.
fn hold_payload(
    c: &Connection,
    payload_id: i64,
    source: &str,
    hold: &Hold,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE payloads SET state = ?2 WHERE id = ?1")?
        .execute(params![payload_id, PayloadState::Held])?;
    c.prepare_cached(
        "INSERT INTO quarantine (stage, payload_id, component, error_kind, reason, plugin, plugin_sha256, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '', '', ?6)",
    )?
    .execute(params![
        Stage::Receive,
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
                                 error_kind, reason, plugin, plugin_sha256, created_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        q.stage,
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
        ms(q.created_at),
        q.state
    ])?;
    Ok(())
}

/// [`report_content_sha256`] of a stored record's JSON.
pub fn content_hash_of_json(json: &str) -> rusqlite::Result<String> {
    let record: SourceRecord = serde_json::from_str(json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    report_content_sha256(&record.report).map_err(json_err)
}

/// What a translated record is, against what the store holds.
enum Seen {
    /// A record id never seen.
    New,
    /// This payload already made a version of it (a replay of the payload).
    SamePayload,
    /// The same content as a version already stored (from another payload).
    Repeat,
    /// New content for a known record id: version `next`, the current one.
    Amended { next: i64 },
    /// New content, but from a payload received before the one that made the
    /// current version (a quarantined payload replayed late): kept as version
    /// `next` in the history, never made current.
    Superseded { next: i64 },
}

fn seen(
    c: &Connection,
    id: &str,
    payload_id: i64,
    received_at: i64,
    hash: &str,
) -> rusqlite::Result<Seen> {
    let current: Option<i64> = c
        .prepare_cached("SELECT version FROM records WHERE record_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some(current) = current else {
        return Ok(Seen::New);
    };
    let mut versions = c.prepare_cached(
        "SELECT v.payload_id, v.content_sha256, v.version, p.received_at
         FROM record_versions v JOIN payloads p ON p.id = v.payload_id
         WHERE v.record_id = ?1",
    )?;
    let mut repeat = false;
    let mut last = current;
    let mut current_received = i64::MIN;
    let rows = versions.query_map([id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (payload, content, version, received) = row?;
        if payload == payload_id {
            return Ok(Seen::SamePayload);
        }
        // Any earlier version, not only the current: a retried old version
        // arriving after its correction must not undo the correction.
        repeat |= content == hash;
        last = last.max(version);
        if version == current {
            current_received = received;
        }
    }
    Ok(if repeat {
        Seen::Repeat
    } else if received_at < current_received {
        Seen::Superseded { next: last + 1 }
    } else {
        Seen::Amended { next: last + 1 }
    })
}

/// Stores new records and new versions of known ones (amendments), queues a
/// delivery (or an update of the occurrence already delivered) for every sink,
/// writes quarantine entries and marks the payload translated — all or nothing.
pub fn complete_translation(
    c: &Connection,
    o: TranslationOutcome,
) -> rusqlite::Result<CommitStats> {
    let now = now_ms();
    let (journaled_at, received_at): (i64, i64) = c
        .query_row(
            "SELECT journaled_at, received_at FROM payloads WHERE id = ?1",
            [o.payload_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((now, now));
    let mut stats = CommitStats::default();
    let (mut collected, mut amended) = (Vec::new(), Vec::new());
    for translated in &o.records {
        let record = &translated.record;
        let id = &record.envelope.record_id;
        let (hash, json) = (&translated.content_sha256, &translated.json);
        match seen(c, id, o.payload_id, received_at, hash)? {
            Seen::New => {
                let event = &record.report.event;
                let occurred = event.occurred_from.or(event.reported_at).map(ms);
                // Due at once unless the translate stage set a hold.
                let due = translated.link_due_at.map_or(0, ms);
                let method = record.envelope.premises.as_ref().map(|p| p.method.as_str());
                c.prepare_cached(
                    "INSERT INTO records (record_id, payload_id, source, created_at, version, content_sha256, isa,
                                          occurred_at, link_due_at, premises_method)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    id,
                    o.payload_id,
                    record.envelope.source,
                    now,
                    hash,
                    record.envelope.isa,
                    occurred,
                    due,
                    method
                ])?;
                insert_version(c, id, 1, o.payload_id, hash, now, json, false)?;
                stats.new_records += 1;
                collected.push(id.as_str());
                // Its incident, and the deliveries, come from the link stage.
            }
            Seen::SamePayload => {}
            Seen::Repeat => {
                let inserted = c
                    .prepare_cached(
                        "INSERT INTO duplicates (record_id, payload_id, seen_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT DO NOTHING",
                    )?
                    .execute(params![id, o.payload_id, now])?;
                stats.duplicates += inserted;
            }
            Seen::Superseded { next } => {
                insert_version(c, id, next, o.payload_id, hash, now, json, true)?;
                stats.superseded += 1;
            }
            Seen::Amended { next } => {
                let method = record.envelope.premises.as_ref().map(|p| p.method.as_str());
                c.prepare_cached(
                    "UPDATE records SET version = ?2, content_sha256 = ?3, isa = ?4, premises_method = ?5
                     WHERE record_id = ?1",
                )?
                .execute(params![id, next, hash, record.envelope.isa, method])?;
                insert_version(c, id, next, o.payload_id, hash, now, json, false)?;
                stats.amended += 1;
                amended.push(id.as_str());
                // An update of its incident's occurrence; a record not linked yet
                // goes out with its incident, at its newest version.
                let incident: Option<String> = c
                    .prepare_cached("SELECT incident_id FROM records WHERE record_id = ?1")?
                    .query_row([id], |r| r.get(0))?;
                if let Some(incident) = incident {
                    for sink in &o.sinks {
                        super::linking::queue_incident(c, sink, &incident, journaled_at, now)?;
                    }
                }
            }
        }
    }
    for q in &o.quarantined {
        insert_quarantine(c, q)?;
        stats.quarantined += 1;
    }
    c.prepare_cached("UPDATE payloads SET state = ?3, translated_at = ?2 WHERE id = ?1")?
        .execute(params![o.payload_id, now, PayloadState::Done])?;
    super::audit::append(c, now, &collection_events(&o, &stats, &collected, &amended))?;
    Ok(stats)
}

#[allow(clippy::too_many_arguments)]
fn insert_version(
    c: &Connection,
    id: &str,
    version: i64,
    payload_id: i64,
    hash: &str,
    now: i64,
    json: &str,
    superseded: bool,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO record_versions (record_id, version, payload_id, content_sha256, created_at, record, superseded)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id, version, payload_id, hash, now, json, superseded])?;
    Ok(())
}

/// Records delivery outcomes.
pub fn finish_deliveries(c: &Connection, results: Vec<DeliveryResult>) -> rusqlite::Result<()> {
    let now = now_ms();
    let mut disclosures = Vec::new();
    for r in results {
        match r {
            DeliveryResult::Delivered {
                outbox_id,
                reference,
                revision,
                update,
            } => {
                // A row stays pending when more is to be done: a revision queued
                // while this one was in flight (the update goes out next), or a
                // merge decided while its first delivery was in flight (the
                // occurrence it just made is merged next). A merge done closes
                // the row; so does a withdrawal (an incident left with no reports).
                c.prepare_cached(
                    "UPDATE outbox SET
                         state = CASE
                             WHEN merge_into IS NOT NULL
                                 THEN CASE WHEN reference IS NULL THEN ?6 ELSE ?7 END
                             WHEN record_ids = '[]' THEN ?8
                             WHEN revision > ?4 THEN ?6
                             ELSE ?9 END,
                         attempts = CASE
                             WHEN (merge_into IS NOT NULL AND reference IS NULL)
                                  OR (merge_into IS NULL AND revision > ?4) THEN 0
                             ELSE attempts + 1 END,
                         next_attempt_at = CASE
                             WHEN (merge_into IS NOT NULL AND reference IS NULL)
                                  OR (merge_into IS NULL AND revision > ?4) THEN ?2
                             ELSE next_attempt_at END,
                         delivered_at = ?2, reference = ?3, last_error = NULL,
                         delivered_revision = MAX(COALESCE(delivered_revision, -1), ?4),
                         updates_delivered = updates_delivered + ?5
                     WHERE id = ?1",
                )?
                .execute(params![
                    outbox_id,
                    now,
                    reference,
                    revision,
                    i64::from(update),
                    DeliveryState::Pending,
                    DeliveryState::Merged,
                    DeliveryState::Withdrawn,
                    DeliveryState::Delivered,
                ])?;
                // (The bench build without the log skips the entry's reads too.)
                if !cfg!(feature = "bench-without-audit") {
                    disclosures.push(disclosure_event(
                        c, outbox_id, &reference, revision, update,
                    )?);
                }
            }
            DeliveryResult::Retry {
                outbox_id,
                error,
                next_attempt_at,
            } => {
                c.prepare_cached(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                     WHERE id = ?1 AND state = ?4",
                )?
                .execute(params![
                    outbox_id,
                    error,
                    ms(next_attempt_at),
                    DeliveryState::Pending
                ])?;
            }
            DeliveryResult::DeadLetter { outbox_id, entry } => {
                c.prepare_cached(
                    "UPDATE outbox SET state = ?3, attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                )?
                .execute(params![outbox_id, entry.reason, DeliveryState::Dead])?;
                insert_quarantine(c, &entry)?;
            }
        }
    }
    super::audit::append(c, now, &disclosures)
}

/// The audit entry of one delivery made: which sink, which incident and
/// records, under which agreements, and what the sink answered.
fn disclosure_event(
    c: &Connection,
    outbox_id: i64,
    reference: &str,
    revision: i64,
    update: bool,
) -> rusqlite::Result<crate::audit::AuditEvent> {
    use crate::audit::{AuditEvent, Operation};
    let (sink, incident, records, merge_into): (String, String, String, Option<String>) = c
        .prepare_cached(
            "SELECT sink, incident_id, record_ids, merge_into FROM outbox WHERE id = ?1",
        )?
        .query_row([outbox_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let isas: Option<String> = c
        .prepare_cached(
            "SELECT group_concat(isa, ', ') FROM (SELECT DISTINCT isa FROM records
             WHERE incident_id = ?1 AND isa IS NOT NULL ORDER BY isa)",
        )?
        .query_row([&incident], |r| r.get(0))?;
    let records: Vec<String> = serde_json::from_str(&records).unwrap_or_default();
    let reason = match (&merge_into, records.is_empty(), update) {
        (Some(into), _, _) => format!("asked {sink} to merge the occurrence into {into}'s"),
        (None, true, _) => format!("withdrew the occurrence from {sink}"),
        (None, false, true) => format!("updated the occurrence at {sink}"),
        (None, false, false) => format!("delivered the incident to {sink}"),
    };
    Ok(
        AuditEvent::new(Operation::Disclosure, format!("sink:{sink}"), reason)
            .isa(isas.as_deref())
            .records(records)
            .incidents([incident])
            .detail(serde_json::json!({
                "outbox": outbox_id,
                "reference": reference,
                "revision": revision,
            })),
    )
}

/// Sends quarantine entries back: translate/validate entries re-queue their payload,
/// deliver entries re-queue their outbox row.
pub fn quarantine_replay(c: &Connection, ids: &[i64]) -> rusqlite::Result<ReplayStats> {
    let now = now_ms();
    let mut stats = ReplayStats::default();
    for &id in ids {
        let row: Option<(Stage, Option<i64>, Option<i64>)> = c
            .query_row(
                "SELECT stage, payload_id, outbox_id FROM quarantine WHERE id = ?1 AND state = ?2",
                params![id, QuarantineState::Open],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((stage, payload_id, outbox_id)) = row else {
            continue;
        };
        match (stage, payload_id, outbox_id) {
            (Stage::Deliver, _, Some(outbox)) => {
                stats.deliveries += c.execute(
                    "UPDATE outbox SET state = ?3, next_attempt_at = ?2 WHERE id = ?1 AND state = ?4",
                    params![outbox, now, DeliveryState::Pending, DeliveryState::Dead],
                )?;
            }
            (_, Some(payload), _) => {
                stats.payloads += c.execute(
                    "UPDATE payloads SET state = ?2 WHERE id = ?1 AND state IN (?3, ?4)",
                    params![
                        payload,
                        PayloadState::Pending,
                        PayloadState::Done,
                        PayloadState::Held
                    ],
                )?;
            }
            _ => continue,
        }
        c.execute(
            "UPDATE quarantine SET state = ?3, replayed_at = ?2 WHERE id = ?1",
            params![id, now, QuarantineState::Replayed],
        )?;
        stats.entries += 1;
    }
    Ok(stats)
}

/// The audit entries of one translation: the collection (records stored, what
/// the agreement took out, what was quarantined) and, when a source amended
/// records, their alteration.
fn collection_events(
    o: &TranslationOutcome,
    stats: &CommitStats,
    collected: &[&str],
    amended: &[&str],
) -> Vec<crate::audit::AuditEvent> {
    use crate::audit::{AuditEvent, Operation};
    let actor = format!("source:{}", o.audit.source);
    let isa = o.audit.isa.as_deref();
    let removed: serde_json::Map<String, serde_json::Value> = o
        .audit
        .removed
        .iter()
        .map(|(id, r)| {
            (
                id.clone(),
                serde_json::json!({"fields": r.fields, "special_category_refused": r.special}),
            )
        })
        .collect();
    let mut events = vec![
        AuditEvent::new(
            Operation::Collection,
            &actor,
            "translated a journaled payload",
        )
        .isa(isa)
        .records(collected.iter().copied())
        .detail(serde_json::json!({
            "payload": o.payload_id,
            "plugin": o.audit.plugin,
            "duplicates": stats.duplicates,
            "quarantined": stats.quarantined,
            "removed_by_agreement": removed,
        })),
    ];
    if !amended.is_empty() {
        events.push(
            AuditEvent::new(
                Operation::Alteration,
                &actor,
                "the source amended its report",
            )
            .isa(isa)
            .records(amended.iter().copied())
            .detail(serde_json::json!({"payload": o.payload_id})),
        );
    }
    events
}
