//! Reads for the link stage and the review queue.

use super::super::*;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::reads::{corrupt, from_ms};
use chrono::{DateTime, Utc};

fn linkable(r: &Row<'_>) -> rusqlite::Result<LinkableRecord> {
    let json: String = r.get(0)?;
    Ok(LinkableRecord {
        record: serde_json::from_str(&json).map_err(|e| corrupt("stored record", e))?,
        incident_id: r.get(1)?,
        journaled_at: from_ms(r.get(2)?)?,
        payload_id: r.get(3)?,
        link_due_at: r.get::<_, Option<i64>>(4)?.map(from_ms).transpose()?,
        seq: r.get(5)?,
    })
}

const LINKABLE: &str =
    "SELECT v.record, r.incident_id, p.journaled_at, r.payload_id, r.link_due_at, r.rowid
     FROM records r
     JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.version
     JOIN payloads p ON p.id = r.payload_id";

/// Records not yet linked stored after `after`, in the order stored (the
/// index `records_incident` holds the unlinked ones in rowid order).
pub fn unlinked_records(
    c: &Connection,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<LinkableRecord>> {
    c.prepare_cached(&format!(
        "{LINKABLE} WHERE r.incident_id IS NULL AND r.rowid > ?1 ORDER BY r.rowid LIMIT ?2"
    ))?
    .query_map(params![after, limit as i64], linkable)?
    .collect()
}

/// Linked records that happened at or after `since`, in the order stored:
/// what the linker holds on start.
pub fn linked_records(
    c: &Connection,
    since: DateTime<Utc>,
    each: &mut dyn FnMut(LinkableRecord),
) -> rusqlite::Result<()> {
    let mut q = c.prepare(&format!(
        "{LINKABLE} WHERE r.incident_id IS NOT NULL AND r.occurred_at >= ?1 ORDER BY r.rowid"
    ))?;
    for row in q.query_map([since.timestamp_millis()], linkable)? {
        each(row?);
    }
    Ok(())
}

/// The committed window anchor and the London days of the `recent` reports
/// the linker placed last (in the order placed: the `links` rows it wrote).
pub fn link_window(c: &Connection, recent: usize) -> rusqlite::Result<LinkWindow> {
    use chrono_tz::Europe::London;
    let anchor: Option<String> = c
        .query_row(
            "SELECT value FROM meta WHERE key = 'link_window_anchor'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let mut days: Vec<chrono::NaiveDate> = c
        .prepare_cached(
            "SELECT r.occurred_at FROM links l JOIN records r ON r.record_id = l.record_id
             WHERE l.kind IN ('new', 'joined') AND r.occurred_at IS NOT NULL
             ORDER BY l.id DESC LIMIT ?1",
        )?
        .query_map([recent as i64], |r| r.get::<_, i64>(0))?
        .map(|ms| {
            ms.and_then(from_ms)
                .map(|t| t.with_timezone(&London).date_naive())
        })
        .collect::<rusqlite::Result<_>>()?;
    days.reverse();
    Ok(LinkWindow {
        anchor: anchor.and_then(|a| chrono::NaiveDate::parse_from_str(&a, "%Y-%m-%d").ok()),
        recent_days: days,
    })
}

fn review(r: &Row<'_>) -> rusqlite::Result<ReviewItem> {
    Ok(ReviewItem {
        id: r.get(0)?,
        record_id: r.get(1)?,
        incident_id: r.get(2)?,
        candidate: r.get(3)?,
        linked_to: r.get(4)?,
        score: r.get(5)?,
        explanation: r.get(6)?,
        state: r.get(7)?,
        created_at: from_ms(r.get(8)?)?,
        decided_by: r.get(9)?,
        decided_at: r.get::<_, Option<i64>>(10)?.map(from_ms).transpose()?,
        reason: r.get(11)?,
    })
}

/// Review items with their incidents as they are now (merges followed).
const REVIEWS: &str = "SELECT q.id, q.record_id, COALESCE(r.incident_id, q.incident_id),
        COALESCE(i.merged_into, q.candidate), q.linked_to, q.score, q.explanation, q.state,
        q.created_at, q.decided_by, q.decided_at, q.reason
     FROM reviews q
     LEFT JOIN records r ON r.record_id = q.record_id
     LEFT JOIN incidents i ON i.incident_id = q.candidate";

/// Review items, oldest first; only pending ones unless `all`.
pub fn reviews(c: &Connection, all: bool, limit: usize) -> rusqlite::Result<Vec<ReviewItem>> {
    c.prepare_cached(&format!(
        "{REVIEWS} WHERE ?1 = 1 OR q.state = 'pending' ORDER BY q.id LIMIT ?2"
    ))?
    .query_map(params![all as i64, limit as i64], review)?
    .collect()
}

/// One review item.
pub fn review_item(c: &Connection, id: i64) -> rusqlite::Result<Option<ReviewItem>> {
    c.prepare_cached(&format!("{REVIEWS} WHERE q.id = ?1"))?
        .query_row([id], review)
        .optional()
}

/// An incident with its reports, how each came to be in it, and its deliveries.
pub fn incident(c: &Connection, id: &str) -> rusqlite::Result<Option<IncidentView>> {
    let head: Option<(String, Option<String>)> = c
        .query_row(
            "SELECT state, merged_into FROM incidents WHERE incident_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((state, merged_into)) = head else {
        return Ok(None);
    };
    let records = c
        .prepare_cached(
            "SELECT v.record FROM records r
             JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.version
             WHERE r.incident_id = ?1 ORDER BY r.rowid",
        )?
        .query_map([id], |r| {
            let json: String = r.get(0)?;
            serde_json::from_str(&json).map_err(|e| corrupt("stored record", e))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let links = c
        .prepare_cached(
            "SELECT record_id, incident_id, kind, linked_to, score, explanation, decided_by, reason, created_at
             FROM links
             WHERE incident_id = ?1 OR record_id IN (SELECT record_id FROM records WHERE incident_id = ?1)
             ORDER BY id",
        )?
        .query_map([id], |r| {
            Ok(LinkRow {
                record_id: r.get(0)?,
                incident_id: r.get(1)?,
                kind: r.get(2)?,
                linked_to: r.get(3)?,
                score: r.get(4)?,
                explanation: r.get(5)?,
                decided_by: r.get(6)?,
                reason: r.get(7)?,
                created_at: from_ms(r.get(8)?)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let deliveries = c
        .prepare_cached(
            "SELECT sink, state, reference FROM outbox WHERE incident_id = ?1 ORDER BY sink",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(IncidentView {
        incident_id: id.to_string(),
        state,
        merged_into,
        records,
        links,
        deliveries,
    }))
}

/// The incident a record is in, if it is linked.
pub fn incident_of(c: &Connection, record: &str) -> rusqlite::Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT incident_id FROM records WHERE record_id = ?1")?
            .query_row([record], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten(),
    )
}

/// Counts for `bcgw status` and `/metrics`.
pub fn link_counts(c: &Connection) -> rusqlite::Result<LinkCounts> {
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, u64>(0));
    Ok(LinkCounts {
        incidents: count("SELECT COUNT(*) FROM incidents WHERE state = 'open'")?,
        merged_incidents: count("SELECT COUNT(*) FROM incidents WHERE state = 'merged'")?,
        links: count(
            "SELECT COUNT(*) FROM links WHERE kind IN ('joined', 'merged', 'review-link')",
        )?,
        unlinked: count("SELECT COUNT(*) FROM records WHERE incident_id IS NULL")?,
        held: c.query_row(
            "SELECT COUNT(*) FROM records WHERE incident_id IS NULL AND link_due_at > ?1",
            [Utc::now().timestamp_millis()],
            |r| r.get::<_, u64>(0),
        )?,
        pending_review: count("SELECT COUNT(*) FROM reviews WHERE state = 'pending'")?,
        decisions: count(
            "SELECT COUNT(*) FROM links WHERE kind IN ('review-link', 'review-split', 'review-keep-apart')",
        )?,
    })
}

/// The premises of records resolved `unresolved` or `ambiguous`, grouped by
/// source, method and name as written (with the postcode), most records first.
pub fn unresolved_premises(
    c: &Connection,
    source: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<UnresolvedPremises>> {
    use std::collections::HashMap;
    let mut q = c.prepare(
        "SELECT r.source, r.premises_method, v.record, r.created_at
         FROM records r
         JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.version
         WHERE r.premises_method IN ('unresolved', 'ambiguous') AND (?1 IS NULL OR r.source = ?1)",
    )?;
    let mut groups: HashMap<(String, String, String, Option<String>), UnresolvedPremises> =
        HashMap::new();
    let rows = q.query_map([source], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (source, method, json, created) = row?;
        let record: bcgw_sdk::schema::SourceRecord =
            serde_json::from_str(&json).map_err(|e| corrupt("stored record", e))?;
        let loc = &record.report.location;
        let name = loc.premises_name.clone().unwrap_or_default();
        let key = (
            source.clone(),
            method.clone(),
            name.clone(),
            loc.postcode.clone(),
        );
        let seen = from_ms(created)?;
        let entry = groups.entry(key).or_insert_with(|| UnresolvedPremises {
            source,
            method,
            premises: name,
            postcode: loc.postcode.clone(),
            candidates: record
                .envelope
                .premises
                .as_ref()
                .map(|p| {
                    p.candidates
                        .iter()
                        .map(|m| format!("{}/{}", m.register, m.member_id))
                        .collect()
                })
                .unwrap_or_default(),
            records: 0,
            last_seen: seen,
        });
        entry.records += 1;
        entry.last_seen = entry.last_seen.max(seen);
    }
    let mut out: Vec<UnresolvedPremises> = groups.into_values().collect();
    out.sort_by(|a, b| {
        b.records
            .cmp(&a.records)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.premises.cmp(&b.premises))
    });
    out.truncate(limit);
    Ok(out)
}
