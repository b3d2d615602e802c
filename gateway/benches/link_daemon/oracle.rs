//! The oracle officer: decides every pending review item as a case officer
//! who knew the truth would, through `bcgw review link|split` while the
//! gateway runs.

use crate::rig::Rig;
use crate::score::Mapping;
use std::collections::HashMap;
use std::process::Command;

/// What the officer did.
#[derive(Debug, Default, Clone)]
pub struct Decisions {
    /// Items linked.
    pub linked: usize,
    /// Items kept apart.
    pub kept_apart: usize,
    /// Items the CLI refused (already decided, moot...).
    pub refused: usize,
    /// The first refusal's message.
    pub first_refusal: Option<String>,
}

/// Runs `bcgw <args> --config <cfg>`: its stdout, or its stderr if it failed.
fn cli(rig: &Rig, args: &[&str]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["--log", "error"])
        .args(args)
        .arg("--config")
        .arg(&rig.config)
        .output()
        .expect("bcgw runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The pending review items, oldest first: (review id, record id).
pub fn pending(rig: &Rig) -> Vec<(i64, String)> {
    let text = cli(rig, &["review", "list", "--json", "--limit", "10000000"])
        .unwrap_or_else(|e| panic!("bcgw review list: {e}"));
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Some((v["id"].as_i64()?, v["record_id"].as_str()?.to_string())))
        .collect()
}

/// The incident a review item's report would join now: its candidate with
/// merges followed (read from the store).
fn target(c: &rusqlite::Connection, review: i64) -> Option<String> {
    let mut id: String = c
        .query_row(
            "SELECT candidate FROM reviews WHERE id = ?1",
            [review],
            |r| r.get(0),
        )
        .ok()?;
    for _ in 0..1000 {
        let next: Option<String> = c
            .query_row(
                "SELECT merged_into FROM incidents WHERE incident_id = ?1",
                [&id],
                |r| r.get(0),
            )
            .ok()
            .flatten();
        match next {
            Some(n) => id = n,
            None => break,
        }
    }
    Some(id)
}

/// The true incident most of `incident`'s reports (other than `record`) belong to.
fn plurality(
    c: &rusqlite::Connection,
    incident: &str,
    record: &str,
    truth: &[String],
    m: &Mapping,
) -> Option<String> {
    let mut stmt = c
        .prepare("SELECT record_id FROM records WHERE incident_id = ?1")
        .ok()?;
    let records: Vec<String> = stmt
        .query_map([incident], |r| r.get(0))
        .ok()?
        .flatten()
        .collect();
    let mut votes: HashMap<&str, usize> = HashMap::new();
    for r in records.iter().filter(|r| r.as_str() != record) {
        for &row in m.record_rows.get(r).into_iter().flatten() {
            *votes.entry(truth[row].as_str()).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .max_by_key(|&(t, n)| (n, std::cmp::Reverse(t)))
        .map(|(t, _)| t.to_string())
}

/// Decides every pending item: link when the report's true incident is the one
/// most of the incident it nearly joined belong to, else keep apart.
pub fn decide_all(rig: &Rig, truth: &[String], m: &Mapping) -> Decisions {
    let mut d = Decisions::default();
    for (review, record) in pending(rig) {
        let Some(c) = rig.store() else { break };
        let mine = m
            .record_rows
            .get(&record)
            .and_then(|rows| rows.first())
            .map(|&row| truth[row].as_str());
        let theirs = target(&c, review).and_then(|t| plurality(&c, &t, &record, truth, m));
        drop(c);
        let same = mine.is_some() && mine == theirs.as_deref();
        let verb = if same { "link" } else { "split" };
        let id = review.to_string();
        let args = ["review", verb, &id, "--by", "oracle", "--reason", "truth"];
        match (cli(rig, &args), same) {
            (Ok(_), true) => d.linked += 1,
            (Ok(_), false) => d.kept_apart += 1,
            (Err(e), _) => {
                d.refused += 1;
                d.first_refusal.get_or_insert(e);
            }
        }
    }
    d
}
