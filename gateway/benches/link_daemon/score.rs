//! What the simulator holds, scored against the truth.
//!
//! Niche bodies list each report by the gateway's `recordId`. Which corpus row a
//! record came from is read from the store (read-only): a webhook's or export
//! row's record keeps the reference its channel carried as an extension
//! (`delivery_id`, `export_row`: every version of an amended record keeps its
//! own); a radio alert's record has no room for one, so it is found through its
//! payload, whose metadata holds the bridge's `seq` user property (each MQTT
//! message is one payload; an alert whose record id another alert already has —
//! the same line, time and town — is listed under `duplicates` with its own
//! payload). Rows that never became a record were refused by an adapter (or the
//! schema) and are in the quarantine.

use crate::channels::row_of_extension;
use crate::http::Http;
use crate::rig::Rig;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Corpus rows and the gateway's records, both ways.
#[derive(Default)]
pub struct Mapping {
    /// The record each row became (`None`: refused before it was stored).
    pub row_record: Vec<Option<String>>,
    /// The rows each record came from (several for an amended record or
    /// identical alerts).
    pub record_rows: HashMap<String, Vec<usize>>,
    /// Open quarantine items per source and error kind.
    pub quarantine: Vec<(String, String, i64)>,
}

impl Mapping {
    fn note(&mut self, row: usize, record: &str) {
        if row >= self.row_record.len() {
            return;
        }
        if self.row_record[row].is_none() {
            self.row_record[row] = Some(record.to_string());
        }
        let rows = self.record_rows.entry(record.to_string()).or_default();
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
}

/// `[[k, v], ...]` (payload metadata, report extensions) as pairs.
fn pairs(v: &serde_json::Value) -> Vec<(&str, &str)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p.get(0)?.as_str()?, p.get(1)?.as_str()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Radio payload id -> row, from the `seq` property in the payload metadata.
fn radio_payloads(c: &rusqlite::Connection) -> HashMap<i64, usize> {
    let mut stmt = c
        .prepare("SELECT id, metadata FROM payloads WHERE source = 'radio'")
        .expect("payloads");
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .expect("payload rows");
    let mut out = HashMap::new();
    for (id, meta) in rows.flatten() {
        let meta: serde_json::Value = serde_json::from_str(&meta).unwrap_or_default();
        if let Some((_, seq)) = pairs(&meta)
            .into_iter()
            .find(|(k, _)| *k == "mqtt-property:seq")
            && let Ok(row) = seq.parse()
        {
            out.insert(id, row);
        }
    }
    out
}

/// Reads the store and maps its records to the corpus's `n` rows.
pub fn map_records(rig: &Rig, n: usize) -> Mapping {
    let c = rig.store().expect("store");
    let mut m = Mapping {
        row_record: vec![None; n],
        ..Mapping::default()
    };
    let radio = radio_payloads(&c);
    let mut stmt = c
        .prepare("SELECT record_id, payload_id, record FROM record_versions")
        .expect("versions");
    let versions = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .expect("version rows");
    for (record, payload, json) in versions.flatten() {
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let tagged = pairs(&doc["report"]["extensions"])
            .into_iter()
            .find_map(|(k, v)| row_of_extension(k, v));
        if let Some(row) = tagged.or_else(|| radio.get(&payload).copied()) {
            m.note(row, &record);
        }
    }
    let mut stmt = c
        .prepare("SELECT record_id, payload_id FROM duplicates")
        .expect("dups");
    let dups = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .expect("dup rows");
    for (record, payload) in dups.flatten() {
        if let Some(&row) = radio.get(&payload) {
            m.note(row, &record);
        }
    }
    let mut stmt = c
        .prepare(
            "SELECT component, error_kind, COUNT(*) FROM quarantine WHERE state = 'open'
             GROUP BY component, error_kind ORDER BY 3 DESC",
        )
        .expect("quarantine");
    m.quarantine = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("quarantine rows")
        .flatten()
        .collect();
    m
}

/// The record ids of each active occurrence in the simulator.
pub fn occurrences(http: &Http, sim: &str) -> Vec<BTreeSet<String>> {
    let list = http.get_json(&format!("http://{sim}/submissions?status=active&bodies=1"));
    list["submissions"]
        .as_array()
        .expect("submissions")
        .iter()
        .map(|s| {
            s["body"]
                .as_str()
                .unwrap_or_default()
                .split(" recordId=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// The simulator's counts.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimStats {
    /// Occurrences created.
    pub created: u64,
    /// Versions added by updates.
    pub updated: u64,
    /// Occurrences merged into another.
    pub merges: u64,
    /// Creations answered as replays of an earlier key, and of those with a
    /// different body (what was sent is not what Niche keeps).
    pub replayed: (u64, u64),
    /// Submissions refused as invalid.
    pub rejected: u64,
}

/// The simulator's `/stats`.
pub fn sim_stats(http: &Http, sim: &str) -> SimStats {
    let s = http.get_json(&format!("http://{sim}/stats"));
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    SimStats {
        created: n("created"),
        updated: n("updated"),
        merges: n("merges"),
        replayed: (n("replayed"), n("replayed_with_different_body")),
        rejected: n("rejected"),
    }
}

/// The figures of one look at Niche.
#[derive(Debug, Default, Clone)]
pub struct Score {
    /// True incidents with at least one report stored.
    pub incidents: usize,
    /// Of those, exactly one occurrence holding exactly their stored reports.
    pub exact: usize,
    /// Of those, reports spread over 2+ occurrences.
    pub split: usize,
    /// Occurrences beyond the first over all split incidents.
    pub extra: usize,
    /// Active occurrences.
    pub occurrences: usize,
    /// Occurrences holding reports of 2+ true incidents.
    pub mixing: usize,
    /// Reports refused before they were stored (adapter or schema).
    pub refused: usize,
    /// Reports stored but in no active occurrence.
    pub undelivered: usize,
    /// Reports in 2+ active occurrences.
    pub twice: usize,
    /// Record ids in Niche that map to no corpus row.
    pub unknown: usize,
    /// A few records stored but undelivered, and in 2+ occurrences, to look at.
    pub examples: Vec<(&'static str, String)>,
}

impl Score {
    /// Reports delivered nowhere.
    pub fn lost(&self) -> usize {
        self.refused + self.undelivered
    }

    /// `part` as a percentage of `whole`.
    pub fn pct(part: usize, whole: usize) -> f64 {
        100.0 * part as f64 / whole.max(1) as f64
    }
}

/// Scores `occs` against the truth of each row.
pub fn score(truth: &[String], m: &Mapping, occs: &[BTreeSet<String>]) -> Score {
    let mut s = Score {
        occurrences: occs.len(),
        ..Score::default()
    };
    let mut occ_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (o, recs) in occs.iter().enumerate() {
        for r in recs {
            occ_of.entry(r.as_str()).or_default().push(o);
        }
    }
    // Per true incident: its stored reports.
    let mut stored: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (row, rec) in m.row_record.iter().enumerate() {
        match rec {
            None => s.refused += 1,
            Some(rec) => {
                let kind = match occ_of.get(rec.as_str()).map_or(0, Vec::len) {
                    0 => {
                        s.undelivered += 1;
                        "undelivered"
                    }
                    1 => "",
                    _ => {
                        s.twice += 1;
                        "twice"
                    }
                };
                if !kind.is_empty() && s.examples.len() < 6 {
                    s.examples.push((kind, rec.clone()));
                }
                stored
                    .entry(truth[row].as_str())
                    .or_default()
                    .insert(rec.as_str());
            }
        }
    }
    s.incidents = stored.len();
    for recs in stored.values() {
        let spans: BTreeSet<usize> = recs
            .iter()
            .flat_map(|r| occ_of.get(r).into_iter().flatten().copied())
            .collect();
        if spans.len() > 1 {
            s.split += 1;
            s.extra += spans.len() - 1;
        } else if let Some(&o) = spans.iter().next() {
            let held: BTreeSet<&str> = occs[o].iter().map(String::as_str).collect();
            if &held == recs {
                s.exact += 1;
            }
        }
    }
    for recs in occs {
        let mut truths: HashSet<&str> = HashSet::new();
        for r in recs {
            match m.record_rows.get(r) {
                Some(rows) => truths.extend(rows.iter().map(|&i| truth[i].as_str())),
                None => s.unknown += 1,
            }
        }
        if truths.len() > 1 {
            s.mixing += 1;
        }
    }
    s
}

/// The score's line: exactly one, split, mixing, lost, twice.
pub fn line(s: &Score, incidents: usize) -> String {
    format!(
        "exactly one occurrence {:.1}% | split {:.1}% ({:.1} extra occurrences per 1,000) | mixing {} of {} occurrences ({:.1}%) | lost {} ({} refused by an adapter, {} stored but undelivered) | twice {}{}",
        Score::pct(s.exact, s.incidents),
        Score::pct(s.split, s.incidents),
        1000.0 * s.extra as f64 / incidents.max(1) as f64,
        s.mixing,
        s.occurrences,
        Score::pct(s.mixing, s.occurrences),
        s.lost(),
        s.refused,
        s.undelivered,
        s.twice,
        if s.unknown > 0 {
            format!(" | {} record ids in Niche from no corpus row", s.unknown)
        } else {
            String::new()
        }
    )
}
