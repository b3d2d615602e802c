//! Writes of the link stage and the review queue: records into incidents, merges,
//! splits, and the outbox changes each brings — each in the writer's transaction
//! with the link rows that explain it.
//!
//! The outbox side is one path for every change to an incident (a report linked,
//! an amended report, a link or split decided in review): [`queue_incident`]
//! queues the first delivery, or the next revision of the occurrence already made.
//! A merge adds one more thing a sink does: [`merge_outbox`] turns the absorbed
//! incident's outbox row into "merge your occurrence into the survivor's".

use super::super::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeSet, HashMap};

use super::ops::{json_err, ms, now_ms};

/// Why a link write failed: the database (turned into a [`StoreError`] that
/// names the file, as every other write is), or the store's own answer — a
/// stale view, a decision that cannot apply.
pub enum Failure {
    /// A database error.
    Sql(rusqlite::Error),
    /// Refused or stale: nothing was written.
    Store(StoreError),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sql(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl Failure {
    /// The store error, a database one classified as every write's is.
    pub fn into_store(self, path: &std::path::Path, context: &'static str) -> StoreError {
        match self {
            Failure::Sql(e) => super::map_err(path, context, e),
            Failure::Store(e) => e,
        }
    }
}

/// The link generation: moved by every case officer's decision, so the link stage
/// knows its in-memory view of the incidents is out of date.
pub fn link_generation(c: &Connection) -> rusqlite::Result<i64> {
    let v: Option<String> = c
        .query_row(
            "SELECT value FROM meta WHERE key = 'link_generation'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

pub(super) fn bump_generation(c: &Connection) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO meta (key, value) VALUES ('link_generation', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [],
    )?;
    Ok(())
}

/// The record ids of an incident, first linked first, as the outbox row lists them.
fn members_json(c: &Connection, incident: &str) -> rusqlite::Result<String> {
    let ids: Vec<String> = c
        .prepare_cached("SELECT record_id FROM records WHERE incident_id = ?1 ORDER BY rowid")?
        .query_map([incident], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    serde_json::to_string(&ids).map_err(json_err)
}

/// Queues an incident for a sink: its first delivery (due at `due`: the end of
/// the hold), or — when the sink has it already — its next revision, an update
/// of the occurrence made, due now. A first delivery still being held keeps its
/// time: a report joining during the hold rides along in the one delivery.
/// Revisions queued while one is waiting go out as one update of the latest.
pub fn queue_incident(
    c: &Connection,
    sink: &str,
    incident: &str,
    journaled_at: i64,
    due: i64,
) -> rusqlite::Result<()> {
    let ids = members_json(c, incident)?;
    queue_members(c, sink, incident, &ids, journaled_at, due)
}

/// [`queue_incident`] with the incident's members (JSON, as the outbox row lists
/// them) known already.
fn queue_members(
    c: &Connection,
    sink: &str,
    incident: &str,
    ids: &str,
    journaled_at: i64,
    due: i64,
) -> rusqlite::Result<()> {
    let now = now_ms();
    c.prepare_cached(
        "INSERT INTO outbox (sink, incident_id, record_ids, created_at, journaled_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (sink, incident_id) DO UPDATE SET
             revision = revision + 1,
             record_ids = excluded.record_ids,
             state = ?7,
             attempts = 0,
             journaled_at = excluded.journaled_at,
             next_attempt_at = CASE
                 WHEN outbox.state = ?7 AND outbox.delivered_revision IS NULL
                 THEN outbox.next_attempt_at ELSE ?4 END,
             last_error = NULL",
    )?
    .execute(params![
        sink,
        incident,
        ids,
        now,
        journaled_at,
        due.max(now),
        DeliveryState::Pending
    ])?;
    Ok(())
}

/// The sinks that have an outbox row for `incident`.
fn known_sinks(c: &Connection, incident: &str) -> rusqlite::Result<Vec<String>> {
    c.prepare_cached("SELECT sink FROM outbox WHERE incident_id = ?1")?
        .query_map([incident], |r| r.get(0))?
        .collect()
}

/// Queues an update of `incident` for every sink that has a row for it (an
/// amended report, a review decision).
pub fn queue_for_known_sinks(
    c: &Connection,
    incident: &str,
    journaled_at: i64,
) -> rusqlite::Result<()> {
    for sink in known_sinks(c, incident)? {
        queue_incident(c, &sink, incident, journaled_at, journaled_at)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_link(
    c: &Connection,
    record: &str,
    incident: &str,
    kind: &str,
    linked_to: Option<&str>,
    score: Option<f64>,
    explanation: Option<&str>,
    by: (&str, Option<&str>),
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO links (record_id, incident_id, kind, linked_to, score, explanation, decided_by, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![record, incident, kind, linked_to, score, explanation, by.0, by.1, now_ms()])?;
    Ok(())
}

/// Where an incident is now: itself if open, else the incident it was merged into
/// (merges re-point earlier merges, so one step is enough).
fn current_incident(c: &Connection, incident: &str) -> rusqlite::Result<String> {
    let merged: Option<Option<String>> = c
        .prepare_cached("SELECT merged_into FROM incidents WHERE incident_id = ?1")?
        .query_row([incident], |r| r.get(0))
        .optional()?;
    Ok(merged.flatten().unwrap_or_else(|| incident.to_string()))
}

/// Moves every record of `absorbed` into `survivor` and marks `absorbed` merged
/// (the outbox side is [`merge_outbox`], once the survivor's rows are queued).
fn merge_records(c: &Connection, survivor: &str, absorbed: &str) -> rusqlite::Result<()> {
    let now = now_ms();
    c.prepare_cached("UPDATE records SET incident_id = ?1 WHERE incident_id = ?2")?
        .execute(params![survivor, absorbed])?;
    c.prepare_cached(
        "UPDATE incidents SET state = 'merged', merged_into = ?1, updated_at = ?3 WHERE incident_id = ?2",
    )?
    .execute(params![survivor, absorbed, now])?;
    // Earlier merges into the absorbed one now point at the survivor.
    c.prepare_cached("UPDATE incidents SET merged_into = ?1 WHERE merged_into = ?2")?
        .execute(params![survivor, absorbed])?;
    c.prepare_cached("UPDATE outbox SET merge_into = ?1 WHERE merge_into = ?2")?
        .execute(params![survivor, absorbed])?;
    Ok(())
}

/// The absorbed incident's outbox rows after a merge, per sink:
/// - never delivered: nothing to undo; the row is closed (`merged`). If its first
///   delivery is in flight, [`super::ops::finish_deliveries`] re-opens it to merge
///   the occurrence it made.
/// - delivered, and the survivor not yet: the survivor takes over the absorbed
///   occurrence (its reference) and updates it; nothing is merged at the sink.
/// - both delivered: the row becomes a merge of its occurrence into the
///   survivor's, due now.
fn merge_outbox(c: &Connection, survivor: &str, absorbed: &str) -> rusqlite::Result<()> {
    let now = now_ms();
    type Row = (i64, String, Option<String>, Option<i64>);
    let rows: Vec<Row> = c
        .prepare_cached(
            "SELECT id, sink, reference, delivered_revision FROM outbox WHERE incident_id = ?1",
        )?
        .query_map([absorbed], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, sink, reference, delivered) in rows {
        let survivor_row: Option<(i64, Option<String>)> = c
            .prepare_cached(
                "SELECT id, reference FROM outbox WHERE sink = ?1 AND incident_id = ?2",
            )?
            .query_row(params![sink, survivor], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match (reference, survivor_row) {
            (None, _) => {
                c.prepare_cached("UPDATE outbox SET merge_into = ?2, state = ?3 WHERE id = ?1")?
                    .execute(params![id, survivor, DeliveryState::Merged])?;
            }
            (Some(reference), Some((survivor_id, None))) => {
                c.prepare_cached(
                    "UPDATE outbox SET reference = ?2, delivered_revision = ?3, next_attempt_at = ?4
                     WHERE id = ?1",
                )?
                .execute(params![survivor_id, reference, delivered.unwrap_or(0), now])?;
                c.prepare_cached("UPDATE outbox SET merge_into = ?2, state = ?3 WHERE id = ?1")?
                    .execute(params![id, survivor, DeliveryState::Merged])?;
            }
            (Some(_), _) => {
                c.prepare_cached(
                    "UPDATE outbox SET merge_into = ?2, state = ?4, attempts = 0,
                         revision = revision + 1, next_attempt_at = ?3, last_error = NULL
                     WHERE id = ?1",
                )?
                .execute(params![id, survivor, now, DeliveryState::Pending])?;
            }
        }
    }
    Ok(())
}

/// Commits the link stage's decisions: incidents created, records placed, merges,
/// review items, link rows, and the outbox changes they bring — or nothing, if a
/// case officer's decision changed the incidents since they were made.
///
/// Most records start an incident of their own, so that path asks the store
/// nothing back: an incident made in this batch has exactly the members this
/// batch placed in it (in the order placed, which is the records' stored order),
/// until a merge touches it.
pub fn commit_links(c: &Connection, batch: LinkBatch) -> Result<LinkStats, Failure> {
    if link_generation(c)? != batch.generation {
        return Err(StoreError::Stale.into());
    }
    if let Some(anchor) = batch.anchor {
        c.prepare_cached(
            "INSERT INTO meta (key, value) VALUES ('link_window_anchor', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute([anchor.format("%Y-%m-%d").to_string()])?;
    }
    let now = now_ms();
    let mut stats = LinkStats::default();
    let mut touched = Touched::default();
    // Incidents this batch made, with the records it placed in them.
    let mut made: HashMap<String, Vec<String>> = HashMap::new();
    let mut merges: Vec<(String, String)> = Vec::new();
    let mut combinations = Vec::new();
    for d in &batch.decisions {
        // Placed only if still unlinked: a record linked already (a batch redone
        // after a crash) or not stored (cannot happen: the stage read it) is left.
        let placed = c
            .prepare_cached(
                "UPDATE records SET incident_id = ?2, occurred_at = ?3
                 WHERE record_id = ?1 AND incident_id IS NULL",
            )
            .and_then(|mut s| {
                s.execute(params![d.record_id, d.incident_id, d.occurred_at.map(ms)])
            })?;
        if placed == 0 {
            continue;
        }
        if d.new_incident {
            let created = c
                .prepare_cached(
                    "INSERT INTO incidents (incident_id, created_at, updated_at) VALUES (?1, ?2, ?2)
                     ON CONFLICT (incident_id) DO NOTHING",
                )
                .and_then(|mut s| s.execute(params![d.incident_id, now]))?;
            if created == 1 {
                made.insert(d.incident_id.clone(), Vec::new());
            }
            stats.new_incidents += 1;
        } else {
            stats.joined += 1;
        }
        if let Some(members) = made.get_mut(&d.incident_id) {
            members.push(d.record_id.clone());
        }
        insert_link(
            c,
            &d.record_id,
            &d.incident_id,
            if d.new_incident { "new" } else { "joined" },
            d.linked_to.as_deref(),
            d.score,
            d.explanation.as_deref(),
            ("linker", None),
        )?;
        for absorbed in &d.merged {
            merge_records(c, &d.incident_id, absorbed)?;
            insert_link(
                c,
                absorbed,
                &d.incident_id,
                "merged",
                Some(&d.record_id),
                d.score,
                d.explanation.as_deref(),
                ("linker", Some("a report linked both incidents")),
            )?;
            // Both now have members (or a new home) only the store can say.
            made.remove(absorbed);
            made.remove(&d.incident_id);
            merges.push((d.incident_id.clone(), absorbed.clone()));
            stats.merged += 1;
        }
        if let Some(r) = &d.review {
            c.prepare_cached(
                "INSERT INTO reviews (record_id, incident_id, candidate, linked_to, score, explanation, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    d.record_id,
                    d.incident_id,
                    r.incident_id,
                    r.linked_to,
                    r.score,
                    r.explanation,
                    now
                ])
            })?;
            stats.reviews += 1;
        }
        touched.note(&d.incident_id, ms(d.journaled_at), ms(d.deliver_after));
        stats.records += 1;
        if !d.new_incident || !d.merged.is_empty() {
            combinations.push(combination_event(d));
        }
    }
    super::audit::append(c, now, &combinations)?;
    let mut queued = BTreeSet::new();
    for (incident, journaled, due) in touched.order {
        let (incident, members) = match made.get(&incident) {
            // Made here and untouched by a merge: itself, with the members placed.
            Some(members) => (incident, serde_json::to_string(members).map_err(json_err)?),
            None => {
                let current = current_incident(c, &incident)?;
                let members = members_json(c, &current)?;
                (current, members)
            }
        };
        if !queued.insert(incident.clone()) {
            continue;
        }
        for sink in &batch.sinks {
            queue_members(c, sink, &incident, &members, journaled, due)?;
        }
    }
    for (survivor, absorbed) in merges {
        let survivor = current_incident(c, &survivor)?;
        merge_outbox(c, &survivor, &absorbed)?;
    }
    Ok(stats)
}

/// The incidents a batch touched, in the order first touched, each with the
/// latest journal time of its new reports and the end of its hold (from the
/// first).
#[derive(Default)]
struct Touched {
    order: Vec<(String, i64, i64)>,
    at: HashMap<String, usize>,
}

impl Touched {
    fn note(&mut self, incident: &str, journaled: i64, deliver_after: i64) {
        match self.at.get(incident) {
            Some(&i) => self.order[i].1 = self.order[i].1.max(journaled),
            None => {
                self.at.insert(incident.to_string(), self.order.len());
                self.order
                    .push((incident.to_string(), journaled, deliver_after));
            }
        }
    }
}

/// Makes every first delivery held for a backfill due now.
pub fn release_held(c: &Connection) -> rusqlite::Result<usize> {
    c.prepare_cached(
        "UPDATE outbox SET next_attempt_at = ?1
         WHERE state = ?2 AND delivered_revision IS NULL AND next_attempt_at >= ?3",
    )?
    .execute(params![
        now_ms(),
        DeliveryState::Pending,
        HELD_UNTIL_RELEASED.timestamp_millis()
    ])
}

/// Applies a case officer's decision, with its link row and the outbox updates,
/// and moves the link generation so the running link stage rebuilds its view.
pub fn decide(
    c: &Connection,
    decision: Decision,
    by: DecidedBy,
) -> Result<DecisionOutcome, Failure> {
    let now = now_ms();
    let who = (by.officer.as_str(), Some(by.reason.as_str()));
    let outcome = match decision {
        Decision::Link { review } | Decision::KeepApart { review } => {
            let linking = matches!(decision, Decision::Link { .. });
            let item: Option<(String, String, String)> = c
                .query_row(
                    "SELECT record_id, candidate, state FROM reviews WHERE id = ?1",
                    [review],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((record, candidate, state)) = item else {
                return Err(StoreError::Refused(format!("no review item {review}")).into());
            };
            if state != "pending" {
                return Err(StoreError::Refused(format!(
                    "review item {review} was already decided ({state})"
                ))
                .into());
            }
            let mine = record_incident(c, &record)?;
            let target = current_incident(c, &candidate)?;
            let state = match (linking, mine == target) {
                (_, true) => "moot",
                (true, false) => "linked",
                (false, false) => "kept-apart",
            };
            c.execute(
                "UPDATE reviews SET state = ?2, decided_at = ?3, decided_by = ?4, reason = ?5 WHERE id = ?1",
                params![review, state, now, by.officer, by.reason],
            )?;
            let mut out = DecisionOutcome {
                incident_id: mine.clone(),
                ..DecisionOutcome::default()
            };
            if state == "linked" {
                merge_records(c, &target, &mine)?;
                insert_link(
                    c,
                    &record,
                    &target,
                    "review-link",
                    Some(&candidate),
                    None,
                    None,
                    who,
                )?;
                queue_for_known_sinks(c, &target, now)?;
                merge_outbox(c, &target, &mine)?;
                super::audit::append(
                    c,
                    now,
                    &[officer_event(
                        crate::audit::Operation::Combination,
                        &by,
                        "a case officer linked two incidents in review",
                        [record.clone(), candidate.clone()],
                        [target.clone(), mine.clone()],
                    )],
                )?;
                out.incident_id = target.clone();
                out.updated.push(target);
                out.merged.push(mine);
            } else if state == "kept-apart" {
                insert_link(
                    c,
                    &record,
                    &mine,
                    "review-keep-apart",
                    Some(&candidate),
                    None,
                    None,
                    who,
                )?;
            }
            out
        }
        Decision::Split { record } => {
            let from = record_incident(c, &record)?;
            let members: i64 = c.query_row(
                "SELECT COUNT(*) FROM records WHERE incident_id = ?1",
                [&from],
                |r| r.get(0),
            )?;
            if members < 2 {
                return Err(StoreError::Refused(format!(
                    "record {record} is alone in incident {from}: there is nothing to split it from"
                ))
                .into());
            }
            let splits: i64 = c.query_row(
                "SELECT COUNT(*) FROM links WHERE record_id = ?1 AND kind = 'review-split'",
                [&record],
                |r| r.get(0),
            )?;
            // Named after the record, numbered: a record split twice makes two.
            let new = format!("{record}~{}", splits + 1);
            c.execute(
                "INSERT INTO incidents (incident_id, created_at, updated_at) VALUES (?1, ?2, ?2)",
                params![new, now],
            )
            .map_err(|err| match err.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    Failure::Store(StoreError::Refused(format!(
                        "incident {new} exists already; split another record"
                    )))
                }
                _ => Failure::Sql(err),
            })?;
            c.execute(
                "UPDATE records SET incident_id = ?2 WHERE record_id = ?1",
                params![record, new],
            )?;
            insert_link(c, &record, &new, "review-split", None, None, None, who)?;
            super::audit::append(
                c,
                now,
                &[officer_event(
                    crate::audit::Operation::Alteration,
                    &by,
                    "a case officer split a report into an incident of its own",
                    [record.clone()],
                    [from.clone(), new.clone()],
                )],
            )?;
            for sink in &known_sinks(c, &from)? {
                queue_incident(c, sink, &from, now, now)?;
                queue_incident(c, sink, &new, now, now)?;
            }
            DecisionOutcome {
                incident_id: new.clone(),
                updated: vec![from],
                merged: Vec::new(),
                created: vec![new],
            }
        }
    };
    bump_generation(c)?;
    Ok(outcome)
}

fn record_incident(c: &Connection, record: &str) -> Result<String, Failure> {
    let found: Option<Option<String>> = c
        .query_row(
            "SELECT incident_id FROM records WHERE record_id = ?1",
            [record],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        None => Err(StoreError::Refused(format!("no record {record}")).into()),
        Some(None) => Err(StoreError::Refused(format!(
            "record {record} is not linked yet; try again once the gateway has linked it"
        ))
        .into()),
        Some(Some(i)) => Ok(i),
    }
}

/// The audit entry of a report the linker joined to an incident (or with which
/// it merged two).
fn combination_event(d: &crate::store::LinkDecision) -> crate::audit::AuditEvent {
    use crate::audit::{AuditEvent, Operation};
    let reason = if d.merged.is_empty() {
        "linked a report to an incident"
    } else {
        "a report linked two incidents, which were merged"
    };
    AuditEvent::new(Operation::Combination, "linker", reason)
        .records(std::iter::once(d.record_id.clone()).chain(d.linked_to.clone()))
        .incidents(std::iter::once(d.incident_id.clone()).chain(d.merged.iter().cloned()))
        .detail(serde_json::json!({"score": d.score}))
}

/// The audit entry of a case officer's decision. Their reason stays in the
/// `links` row: it is free text, and the log holds ids, never words that may
/// describe someone.
fn officer_event<const R: usize, const I: usize>(
    operation: crate::audit::Operation,
    by: &DecidedBy,
    what: &str,
    records: [String; R],
    incidents: [String; I],
) -> crate::audit::AuditEvent {
    crate::audit::AuditEvent::new(operation, format!("officer:{}", by.officer), what)
        .records(records)
        .incidents(incidents)
}
