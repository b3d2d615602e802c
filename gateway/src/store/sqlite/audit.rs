//! The audit log's table: appending chained entries inside the caller's
//! transaction, and reading them back in order.

use crate::audit::chain::{Content, GENESIS, content_sha256, link_sha256};
use crate::audit::{AuditEvent, StoredEntry};
use rusqlite::{Connection, OptionalExtension, params};

/// Appends `events` after the last entry, each chained to the one before.
/// Runs inside the writer's transaction, so the entries commit with the
/// operation they record, or not at all; the last hash is read from the table
/// (not kept in memory), so a rolled-back job leaves no gap in the chain.
pub fn append(c: &Connection, at_ms: i64, events: &[AuditEvent]) -> rusqlite::Result<()> {
    if events.is_empty() || cfg!(feature = "bench-without-audit") {
        return Ok(());
    }
    let (mut seq, mut prev): (i64, String) = c
        .prepare_cached("SELECT seq, sha256 FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, GENESIS.to_string()));
    let mut insert = c.prepare_cached(
        "INSERT INTO audit (seq, at, operation, actor, isa, reason, records, incidents, detail,
                            content_sha256, prev_sha256, sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for e in events {
        seq += 1;
        let records = json(&e.records);
        let incidents = json(&e.incidents);
        let detail = json(&e.detail);
        let content = content_sha256(&Content {
            at_ms,
            operation: e.operation.as_str(),
            actor: &e.actor,
            isa: e.isa.as_deref(),
            reason: &e.reason,
            records: &records,
            incidents: &incidents,
            detail: &detail,
        });
        let hash = link_sha256(seq, &prev, &content);
        insert.execute(params![
            seq,
            at_ms,
            e.operation.as_str(),
            e.actor,
            e.isa,
            e.reason,
            records,
            incidents,
            detail,
            content,
            prev,
            hash
        ])?;
        prev = hash;
    }
    // The head, kept apart from the entries: removing entries from the end of
    // the log leaves a chain that still links, but not to this.
    c.prepare_cached(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([format!("{seq}:{prev}")])?;
    Ok(())
}

/// The last entry's place and hash as recorded when it was appended.
pub fn head(c: &Connection) -> rusqlite::Result<Option<(i64, String)>> {
    let v: Option<String> = c
        .query_row("SELECT value FROM meta WHERE key = 'audit_head'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.and_then(|v| {
        let (seq, hash) = v.split_once(':')?;
        Some((seq.parse().ok()?, hash.to_string()))
    }))
}

/// Records stored with their collection entry: every record a release with
/// the audit log stores has its hold (`link_due_at`, schema 5, set on every
/// record the translate stage makes); the records of an older store have none
/// or 0 (still unlinked when it was upgraded), and no entries.
pub fn evidence(c: &Connection) -> rusqlite::Result<crate::audit::Evidence> {
    c.query_row(
        "SELECT COUNT(*), MAX(created_at) FROM records WHERE link_due_at > 0",
        [],
        |r| {
            Ok(crate::audit::Evidence {
                records: r.get::<_, i64>(0)?.max(0) as u64,
                newest_ms: r.get(1)?,
            })
        },
    )
}

fn json<T: serde::Serialize>(v: &T) -> String {
    // Vec<String> and serde_json::Value always serialise.
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

/// Hands the entries from `from_seq` on, in order, to `each` until it returns
/// false; `at` bounds (ms, inclusive) filter without breaking the order.
pub fn scan(
    c: &Connection,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    each: &mut dyn FnMut(StoredEntry) -> bool,
) -> rusqlite::Result<()> {
    let mut stmt = c.prepare(
        "SELECT seq, at, operation, actor, isa, reason, records, incidents, detail,
                content_sha256, prev_sha256, sha256, pruned_at
         FROM audit WHERE at >= ?1 AND at <= ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![
        from_ms.unwrap_or(i64::MIN),
        to_ms.unwrap_or(i64::MAX)
    ])?;
    while let Some(r) = rows.next()? {
        let e = StoredEntry {
            seq: r.get(0)?,
            at_ms: r.get(1)?,
            operation: r.get(2)?,
            actor: r.get(3)?,
            isa: r.get(4)?,
            reason: r.get(5)?,
            records: r.get(6)?,
            incidents: r.get(7)?,
            detail: r.get(8)?,
            content_sha256: r.get(9)?,
            prev_sha256: r.get(10)?,
            sha256: r.get(11)?,
            pruned_at_ms: r.get(12)?,
        };
        if !each(e) {
            break;
        }
    }
    Ok(())
}
