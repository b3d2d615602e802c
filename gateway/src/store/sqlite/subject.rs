//! Subject access and erasure on SQLite: the search (read-only) and the
//! erasure (one transaction, audited).

use super::retention::delete_records;
use crate::audit::{AuditEvent, Operation};
use crate::store::subject::{
    ErasureReport, PayloadExtract, SubjectDelivery, SubjectFindings, SubjectQuery, SubjectRecord,
};
use bcgw_sdk::schema::SourceRecord;
use rusqlite::{Connection, params};
use std::collections::{BTreeMap, BTreeSet};

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339()
}

/// Everything held about the person `q` describes.
pub fn find(c: &Connection, q: &SubjectQuery) -> rusqlite::Result<SubjectFindings> {
    let mut findings = SubjectFindings::default();
    // Records: every version of every record, each checked (old versions too:
    // an amendment may have taken the name out of the current one).
    let mut matched: BTreeMap<String, crate::store::subject::MatchedOn> = BTreeMap::new();
    {
        let filter = q.prefilter();
        let mut stmt = c.prepare(
            "SELECT record_id, record FROM record_versions
             WHERE record_id = ?1 OR (?2 IS NOT NULL AND instr(lower(record), ?2) > 0)
                   OR (?2 IS NULL AND ?3)",
        )?;
        let any_name = q.name.is_some() && filter.is_none();
        let mut rows = stmt.query(params![q.record.as_deref().unwrap_or(""), filter, any_name])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let json: String = r.get(1)?;
            let Ok(rec) = serde_json::from_str::<SourceRecord>(&json) else {
                continue;
            };
            if let Some(on) = q.matches(&id, &rec.report) {
                matched.entry(id).or_insert(on);
            }
        }
    }
    let mut payloads: BTreeSet<i64> = BTreeSet::new();
    let mut incidents: BTreeSet<String> = BTreeSet::new();
    for (id, on) in &matched {
        let mut versions = Vec::new();
        let mut from = Vec::new();
        let mut stmt = c.prepare_cached(
            "SELECT record, payload_id FROM record_versions WHERE record_id = ?1 ORDER BY version",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            let json: String = r.get(0)?;
            versions.push(serde_json::from_str(&json).unwrap_or(serde_json::Value::String(json)));
            let p: i64 = r.get(1)?;
            from.push(p);
            payloads.insert(p);
        }
        let incident: Option<String> = c
            .prepare_cached("SELECT incident_id FROM records WHERE record_id = ?1")?
            .query_row([id], |r| r.get(0))
            .unwrap_or(None);
        if let Some(i) = &incident {
            incidents.insert(i.clone());
        }
        from.dedup();
        findings.records.push(SubjectRecord {
            record_id: id.clone(),
            matched_on: *on,
            incident_id: incident,
            versions,
            payloads: from,
        });
    }
    // Raw payloads: those the records came from, and any other that mentions
    // the name (untranslated, quarantined, or fields an agreement removed).
    {
        let mut stmt = c.prepare(
            "SELECT id, source, received_at, bytes FROM payloads WHERE purged_at IS NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let bytes: Vec<u8> = r.get(3)?;
            let (lines, name_only_lines) = q.mentions(&bytes);
            if lines.is_empty() && !payloads.contains(&id) {
                continue;
            }
            payloads.insert(id);
            findings.payload_extracts.push(PayloadExtract {
                payload_id: id,
                source: r.get(1)?,
                received_at: rfc3339(r.get(2)?),
                lines,
                name_only_lines,
            });
        }
    }
    for incident in &incidents {
        let mut stmt = c.prepare_cached(
            "SELECT sink, state, reference, delivered_at FROM outbox WHERE incident_id = ?1 ORDER BY sink",
        )?;
        let mut rows = stmt.query([incident])?;
        while let Some(r) = rows.next()? {
            findings.deliveries.push(SubjectDelivery {
                sink: r.get(0)?,
                incident_id: incident.clone(),
                state: r.get(1)?,
                reference: r.get(2)?,
                delivered_at: r.get::<_, Option<i64>>(3)?.map(rfc3339),
            });
        }
    }
    let mut stmt = c.prepare("SELECT id, payload_id, record_id FROM quarantine ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (id, payload, record): (i64, Option<i64>, Option<String>) =
            (r.get(0)?, r.get(1)?, r.get(2)?);
        if payload.is_some_and(|p| payloads.contains(&p))
            || record.is_some_and(|rec| matched.contains_key(&rec))
        {
            findings.quarantine_entries.push(id);
        }
    }
    Ok(findings)
}

/// Erases everything [`find`] finds about the person, in one transaction with
/// its audit entry.
pub fn erase(
    c: &Connection,
    q: &SubjectQuery,
    actor: &str,
    reason: &str,
    now: i64,
) -> rusqlite::Result<ErasureReport> {
    let found = find(c, q)?;
    let mut report = ErasureReport::default();
    let ids: Vec<String> = found.records.iter().map(|r| r.record_id.clone()).collect();
    report.versions = found.records.iter().map(|r| r.versions.len()).sum();
    let incidents: BTreeSet<String> = found
        .records
        .iter()
        .filter_map(|r| r.incident_id.clone())
        .collect();
    delete_records(c, &ids)?;
    report.records = ids.clone();
    for p in &found.payload_extracts {
        c.prepare_cached(
            "UPDATE payloads SET bytes = x'', metadata = '[]', purged_at = ?2 WHERE id = ?1",
        )?
        .execute(params![p.payload_id, now])?;
        report.payloads.push(p.payload_id);
    }
    for id in &found.quarantine_entries {
        report.quarantine_entries += c
            .prepare_cached("DELETE FROM quarantine WHERE id = ?1")?
            .execute([id])?;
    }
    // Deliveries not made yet go without the erased records; an incident left
    // with none is withdrawn before anything is sent. Made ones are listed.
    for incident in &incidents {
        let remaining: Vec<String> = c
            .prepare_cached("SELECT record_id FROM records WHERE incident_id = ?1 ORDER BY rowid")?
            .query_map([incident], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let remaining = serde_json::to_string(&remaining).unwrap_or_else(|_| "[]".into());
        report.deliveries_changed += c
            .prepare_cached(
                "UPDATE outbox SET record_ids = ?2,
                     state = CASE WHEN ?2 = '[]' AND reference IS NULL THEN 'withdrawn' ELSE state END
                 WHERE incident_id = ?1 AND state = 'pending'",
            )?
            .execute(params![incident, remaining])?;
    }
    report.already_delivered = found
        .deliveries
        .into_iter()
        .filter(|d| d.reference.is_some())
        .collect();
    if !ids.is_empty() {
        super::linking::bump_generation(c)?;
    }
    super::audit::append(
        c,
        now,
        &[AuditEvent::new(Operation::Erasure, actor, format!("erasure: {reason}"))
            .records(ids)
            .incidents(incidents)
            .detail(serde_json::json!({
                "versions": report.versions,
                "payloads": report.payloads,
                "quarantine_entries": report.quarantine_entries,
                "deliveries_changed": report.deliveries_changed,
                "already_delivered": report.already_delivered.iter()
                    .map(|d| serde_json::json!({"sink": d.sink, "incident": d.incident_id, "reference": d.reference}))
                    .collect::<Vec<_>>(),
            }))],
    )?;
    Ok(report)
}
