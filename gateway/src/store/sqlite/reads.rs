//! Reads, on the read connection.

use super::super::*;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// A stored time (milliseconds since 1970). One out of range is corruption, not
/// the start of 1970.
pub(super) fn from_ms(v: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(v).ok_or_else(|| corrupt("stored time", v))
}

/// A stored value that does not decode: reported as corruption.
pub(super) fn corrupt(what: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        Box::new(StoreError::Corrupt(format!("{what}: {e}"))),
    )
}

const PAYLOAD_COLUMNS: &str =
    "id, source, received_at, content_type, metadata, bytes, sha256, origin";

fn payload(r: &Row<'_>) -> rusqlite::Result<StoredPayload> {
    let metadata: String = r.get(4)?;
    Ok(StoredPayload {
        id: r.get(0)?,
        source: r.get(1)?,
        received_at: from_ms(r.get(2)?)?,
        content_type: r.get(3)?,
        metadata: serde_json::from_str(&metadata).map_err(|e| corrupt("payload metadata", e))?,
        bytes: r.get(5)?,
        sha256: r.get(6)?,
        origin: r.get(7)?,
    })
}

/// Untranslated payloads, oldest first.
pub fn pending_payloads(
    c: &Connection,
    after: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<StoredPayload>> {
    // The state is written into the text, not bound: SQLite uses the partial
    // index of pending payloads only for a literal (a bound value there would
    // make it prepare the statement again on every call).
    let mut q = c.prepare_cached(&format!(
        "SELECT {PAYLOAD_COLUMNS} FROM payloads WHERE state = '{}' AND id > ?1 ORDER BY id LIMIT ?2",
        PayloadState::Pending
    ))?;
    let rows = q.query_map(params![after.unwrap_or(0), limit as i64], payload)?;
    rows.collect()
}

/// A page of one source's journaled payloads (any state but held), oldest first,
/// with ids above `after`.
pub fn source_payloads(
    c: &Connection,
    source: &str,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<StoredPayload>> {
    let mut q = c.prepare_cached(&format!(
        "SELECT {PAYLOAD_COLUMNS} FROM payloads
         WHERE source = ?1 AND id > ?2 AND state != ?3 ORDER BY id LIMIT ?4"
    ))?;
    let rows = q.query_map(
        params![source, after, PayloadState::Held, limit as i64],
        payload,
    )?;
    rows.collect()
}

/// The rows of an outbox query: id, incident, record ids, attempts, upstream
/// reference, revision, the sink's own reference (set once it made the
/// occurrence), the incident merged into (a merge row) and that incident's
/// reference at this sink.
type DueRow = (
    i64,
    String,
    String,
    u32,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The query of due outbox rows, `?1` the sink, `?2` now, `?3` how many, and with
/// an upstream sink `?4`, whose delivery each row waits for. A merge row is due
/// once the survivor's occurrence exists at the sink (or the sink gave up on it):
/// there is nothing to merge into before.
fn due_sql(with_upstream: bool) -> String {
    let (upstream, join) = if with_upstream {
        (
            "u.reference",
            format!(
                "JOIN outbox u ON u.sink = ?4 AND u.incident_id = o.incident_id
                                AND u.state IN {}",
                upstream_done()
            ),
        )
    } else {
        ("NULL", String::new())
    };
    format!(
        "SELECT o.id, o.incident_id, o.record_ids, o.attempts, {upstream}, o.revision, o.reference,
                o.merge_into, t.reference
         FROM outbox o
         LEFT JOIN outbox t ON t.sink = o.sink AND t.incident_id = o.merge_into
         {join}
         WHERE o.sink = ?1 AND o.state = '{pending}' AND o.next_attempt_at <= ?2
           AND (o.merge_into IS NULL OR t.reference IS NOT NULL OR t.id IS NULL
                OR t.state = '{dead}')
         ORDER BY o.next_attempt_at, o.id LIMIT ?3",
        pending = DeliveryState::Pending,
        dead = DeliveryState::Dead,
    )
}

/// [`DeliveryState::UPSTREAM_DONE`] as an SQL list. Outbox states are written into
/// the text of queries that read the partial index of pending rows: SQLite plans a
/// partial index from a literal, and for a bound value only by preparing the
/// statement again each time it is bound.
fn upstream_done() -> String {
    let names: Vec<String> = DeliveryState::UPSTREAM_DONE
        .iter()
        .map(|s| format!("'{s}'"))
        .collect();
    format!("({})", names.join(", "))
}

/// Pending deliveries due now, with their records. With `after`, only incidents
/// the upstream sink has finished with, with its reference.
pub fn due_deliveries(
    c: &Connection,
    sink: &str,
    after: Option<&str>,
    now: DateTime<Utc>,
    limit: usize,
    in_flight: &[i64],
) -> rusqlite::Result<Vec<Delivery>> {
    let fetch = (limit + in_flight.len()) as i64;
    let map = |r: &rusqlite::Row<'_>| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
        ))
    };
    let rows: Vec<DueRow> = match after {
        None => c
            .prepare_cached(&due_sql(false))?
            .query_map(params![sink, now.timestamp_millis(), fetch], map)?
            .collect::<rusqlite::Result<_>>()?,
        Some(upstream) => c
            .prepare_cached(&due_sql(true))?
            .query_map(params![sink, now.timestamp_millis(), fetch, upstream], map)?
            .collect::<rusqlite::Result<_>>()?,
    };
    let mut record = c.prepare_cached(
        "SELECT v.record FROM records r
         JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.version
         WHERE r.record_id = ?1",
    )?;
    let mut out = Vec::new();
    for (
        outbox_id,
        incident_id,
        record_ids,
        attempts,
        upstream_reference,
        revision,
        reference,
        merge_into,
        target_reference,
    ) in rows
    {
        if in_flight.contains(&outbox_id) {
            continue;
        }
        if out.len() == limit {
            break;
        }
        let ids: Vec<String> =
            serde_json::from_str(&record_ids).map_err(|e| corrupt("outbox record ids", e))?;
        let action = match merge_into {
            Some(incident_id) => DeliveryAction::MergeInto {
                incident_id,
                reference: target_reference,
            },
            None if ids.is_empty() => DeliveryAction::Withdraw,
            None => DeliveryAction::Submit,
        };
        let mut records = Vec::with_capacity(ids.len());
        if action == DeliveryAction::Submit {
            for id in ids {
                let json: String = record.query_row([&id], |r| r.get(0))?;
                records.push(serde_json::from_str(&json).map_err(|e| corrupt("stored record", e))?);
            }
        }
        out.push(Delivery {
            outbox_id,
            sink: sink.to_string(),
            incident_id,
            attempts,
            records,
            upstream_reference,
            revision,
            reference,
            action,
        });
    }
    Ok(out)
}

/// When the next pending delivery is due.
pub fn next_due(
    c: &Connection,
    sink: &str,
    after: Option<&str>,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let v: Option<i64> = match after {
        None => c.query_row(
            &format!(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE sink = ?1 AND state = '{}'",
                DeliveryState::Pending
            ),
            [sink],
            |r| r.get(0),
        )?,
        Some(upstream) => c.query_row(
            &format!(
                "SELECT MIN(o.next_attempt_at) FROM outbox o
                 JOIN outbox u ON u.sink = ?2 AND u.incident_id = o.incident_id
                                 AND u.state IN {}
                 WHERE o.sink = ?1 AND o.state = '{}'",
                upstream_done(),
                DeliveryState::Pending
            ),
            params![sink, upstream],
            |r| r.get(0),
        )?,
    };
    v.map(from_ms).transpose()
}

const QUARANTINE_COLUMNS: &str = "id, stage, payload_id, outbox_id, component, item_index, line, record_id, \
     error_kind, reason, plugin, plugin_sha256, created_at, state";

fn entry(r: &Row<'_>) -> rusqlite::Result<QuarantineEntry> {
    Ok(QuarantineEntry {
        id: r.get(0)?,
        stage: r.get(1)?,
        payload_id: r.get(2)?,
        outbox_id: r.get(3)?,
        component: r.get(4)?,
        item_index: r.get(5)?,
        line: r.get(6)?,
        record_id: r.get(7)?,
        error_kind: r.get(8)?,
        reason: r.get(9)?,
        plugin: r.get(10)?,
        plugin_sha256: r.get(11)?,
        created_at: from_ms(r.get(12)?)?,
        state: r.get(13)?,
    })
}

/// Quarantine entries, newest first.
pub fn quarantine_list(
    c: &Connection,
    f: &QuarantineFilter,
) -> rusqlite::Result<Vec<QuarantineEntry>> {
    let mut q = c.prepare_cached(&format!(
        "SELECT {QUARANTINE_COLUMNS} FROM quarantine
         WHERE (?1 = 0 OR state = ?4) AND (?2 IS NULL OR component = ?2)
         ORDER BY id DESC LIMIT ?3"
    ))?;
    let limit = f.limit.map_or(-1, |l| l as i64);
    let rows = q.query_map(
        params![
            f.open_only as i64,
            f.component,
            limit,
            QuarantineState::Open
        ],
        entry,
    )?;
    rows.collect()
}

/// One entry and its payload.
pub fn quarantine_get(
    c: &Connection,
    id: i64,
) -> rusqlite::Result<Option<(QuarantineEntry, Option<StoredPayload>)>> {
    let e = c
        .query_row(
            &format!("SELECT {QUARANTINE_COLUMNS} FROM quarantine WHERE id = ?1"),
            [id],
            entry,
        )
        .optional()?;
    let Some(e) = e else { return Ok(None) };
    let p = match e.payload_id {
        Some(pid) => c
            .query_row(
                &format!("SELECT {PAYLOAD_COLUMNS} FROM payloads WHERE id = ?1"),
                [pid],
                payload,
            )
            .optional()?,
        None => None,
    };
    Ok(Some((e, p)))
}

fn per_sink(c: &Connection, state: DeliveryState) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut q = c.prepare_cached(
        "SELECT sink, COUNT(*) FROM outbox WHERE state = ?1 GROUP BY sink ORDER BY sink",
    )?;
    let rows = q.query_map([state], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

fn per_sink_sum(c: &Connection, column: &'static str) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut q = c.prepare_cached(&format!(
        "SELECT sink, SUM({column}) FROM outbox GROUP BY sink ORDER BY sink"
    ))?;
    let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Counts the pending payloads: the partial index of pending payloads alone
/// answers (the state is written into the text for that).
fn payloads_pending(c: &Connection) -> rusqlite::Result<u64> {
    let sql = format!(
        "SELECT COUNT(*) FROM payloads WHERE state = '{}'",
        PayloadState::Pending
    );
    c.query_row(&sql, [], |r| r.get(0))
}

/// Work still to do. Both counts read indexes of pending rows only.
pub fn backlog(c: &Connection) -> rusqlite::Result<Backlog> {
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, u64>(0));
    Ok(Backlog {
        payloads_pending: payloads_pending(c)?,
        deliveries_pending: c.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state = ?1",
            [DeliveryState::Pending],
            |r| r.get(0),
        )?,
        records_unlinked: count("SELECT COUNT(*) FROM records WHERE incident_id IS NULL")?,
    })
}

/// Counts across the store.
pub fn stats(c: &Connection) -> rusqlite::Result<StoreStats> {
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, u64>(0));
    let mut q = c.prepare_cached(&format!(
        "SELECT error_kind, reason, COUNT(*) FROM quarantine WHERE state = '{}'
         GROUP BY error_kind, reason ORDER BY COUNT(*) DESC, error_kind",
        QuarantineState::Open
    ))?;
    let quarantine = q
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<(String, String, u64)>>>()?;
    Ok(StoreStats {
        payloads: count("SELECT COUNT(*) FROM payloads")?,
        payloads_pending: payloads_pending(c)?,
        duplicate_payloads: count("SELECT COUNT(*) FROM payload_repeats")?,
        records: count("SELECT COUNT(*) FROM records")?,
        duplicate_records: count("SELECT COUNT(*) FROM duplicates")?,
        amended_records: count(
            "SELECT COUNT(*) FROM record_versions WHERE version > 1 AND superseded = 0",
        )?,
        updates_delivered: per_sink_sum(c, "updates_delivered")?,
        delivered: per_sink(c, DeliveryState::Delivered)?,
        pending: per_sink(c, DeliveryState::Pending)?,
        dead: per_sink(c, DeliveryState::Dead)?,
        quarantined: quarantine.iter().map(|(_, _, n)| n).sum(),
        quarantine,
        link: super::incident_reads::link_counts(c)?,
        premises: c
            .prepare_cached(
                "SELECT source, premises_method, COUNT(*) FROM records
                 WHERE premises_method IS NOT NULL GROUP BY source, premises_method
                 ORDER BY source, premises_method",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?,
    })
}

/// What became of a payload of `source`; `None` if it has no such payload.
pub fn receipt(c: &Connection, source: &str, payload_id: i64) -> rusqlite::Result<Option<Receipt>> {
    let head: Option<(PayloadState, i64, Option<i64>)> = c
        .prepare_cached(
            "SELECT state, received_at, translated_at FROM payloads WHERE id = ?1 AND source = ?2",
        )?
        .query_row(params![payload_id, source], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((state, received_at, translated_at)) = head else {
        return Ok(None);
    };
    let mut records: Vec<ReceiptRecord> = Vec::new();
    let mut versions = c.prepare_cached(
        "SELECT record_id, version, superseded FROM record_versions WHERE payload_id = ?1 ORDER BY rowid",
    )?;
    for row in versions.query_map([payload_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, bool>(2)?,
        ))
    })? {
        let (record_id, version, superseded) = row?;
        records.push(ReceiptRecord {
            outcome: match (version, superseded) {
                (_, true) => "superseded",
                (1, false) => "new",
                _ => "amended",
            },
            version: Some(version),
            deliveries: receipt_deliveries(c, &record_id)?,
            record_id,
        });
    }
    let mut dups = c.prepare_cached("SELECT record_id FROM duplicates WHERE payload_id = ?1")?;
    for row in dups.query_map([payload_id], |r| r.get::<_, String>(0))? {
        let record_id = row?;
        records.push(ReceiptRecord {
            outcome: "duplicate",
            version: None,
            deliveries: receipt_deliveries(c, &record_id)?,
            record_id,
        });
    }
    let mut problems = c.prepare_cached(
        "SELECT stage, error_kind, item_index, line FROM quarantine
         WHERE payload_id = ?1 AND state = ?2 ORDER BY id",
    )?;
    let quarantined = problems
        .query_map(params![payload_id, QuarantineState::Open], |r| {
            Ok(ReceiptProblem {
                stage: r.get(0)?,
                error_kind: r.get(1)?,
                item_index: r.get(2)?,
                line: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(Receipt {
        receipt_id: payload_id.to_string(),
        source: source.to_string(),
        state: match state {
            PayloadState::Pending => "journaled",
            PayloadState::Held => "held",
            PayloadState::Done => "translated",
        },
        received_at: from_ms(received_at)?,
        translated_at: translated_at.map(from_ms).transpose()?,
        records,
        quarantined,
    }))
}

/// Each sink's delivery of the incident holding a record. Until cross-source
/// linking, a record is its own incident.
/// What each sink did with the incident the record is in now.
fn receipt_deliveries(c: &Connection, record_id: &str) -> rusqlite::Result<Vec<ReceiptDelivery>> {
    let mut q = c.prepare_cached(
        "SELECT o.sink, o.state, o.reference FROM records r
         JOIN outbox o ON o.incident_id = r.incident_id
         WHERE r.record_id = ?1 ORDER BY o.sink",
    )?;
    let rows = q.query_map([record_id], |r| {
        Ok(ReceiptDelivery {
            sink: r.get(0)?,
            // A record's incident is never merged away or withdrawn (the record
            // moved with it); were it so, there is still something to do.
            state: match r.get(1)? {
                DeliveryState::Delivered => "delivered",
                DeliveryState::Dead => "failed",
                DeliveryState::Pending | DeliveryState::Merged | DeliveryState::Withdrawn => {
                    "pending"
                }
            },
            reference: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// A polled source's cursor.
pub fn cursor(c: &Connection, source: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT cursor FROM source_cursors WHERE source = ?1")?
        .query_row([source], |r| r.get(0))
        .optional()
}

#[cfg(test)]
mod tests {
    use super::super::{GroupCommit, SqliteSettings, SqliteStore};
    use super::*;

    /// The plan SQLite makes for `sql`, as its detail lines joined.
    fn plan(c: &Connection, sql: &str) -> String {
        let mut q = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let details: Vec<String> = q
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        details.join("; ")
    }

    /// The hot reads keep using the partial indexes of pending rows, which SQLite
    /// plans from a literal in the text (for a bound value it would prepare the
    /// statement again each time the value is bound): the reason those states are
    /// written into the SQL rather than bound.
    #[test]
    fn the_hot_reads_use_the_partial_indexes_of_pending_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bcgw.sqlite");
        drop(
            SqliteStore::open(&SqliteSettings {
                path: path.clone(),
                max_size_bytes: None,
                group: GroupCommit {
                    max_jobs: 1,
                    window: std::time::Duration::ZERO,
                },
            })
            .unwrap(),
        );
        let c = Connection::open(&path).unwrap();
        let pending = format!(
            "SELECT {PAYLOAD_COLUMNS} FROM payloads WHERE state = '{}' AND id > 0 ORDER BY id LIMIT 5",
            PayloadState::Pending
        );
        assert!(
            plan(&c, &pending).contains("payloads_pending"),
            "{}",
            plan(&c, &pending)
        );
        for upstream in [false, true] {
            let due = due_sql(upstream)
                .replace("?1", "'niche'")
                .replace("?2", "0")
                .replace("?3", "5")
                .replace("?4", "'other'");
            assert!(plan(&c, &due).contains("outbox_due"), "{}", plan(&c, &due));
        }
    }
}
