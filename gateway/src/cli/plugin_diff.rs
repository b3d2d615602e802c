//! `bcgw plugin diff`: the deployed plugin of a source and a candidate (a new
//! version, or the same plugin with a new config), each run over the payloads
//! that source already journaled, compared record by record. The store is read
//! read-only: nothing is written, and the gateway may keep running.
//!
//! Printed: per payload that differs, the records that change (with the schema
//! fields that differ, never their values), appear or disappear, and the items
//! rejected by one and not the other (line, item and error kind, never the
//! reason's text: it may quote the payload). Exit 0 when the two agree on every
//! payload, 1 when they differ.

use super::Exit;
use crate::assembly::assemble;
use crate::pipeline::translate::Translator;
use crate::plugins::AdapterPlugin;
use crate::store::sqlite::SqliteStore;
use crate::store::{QuarantineEntry, StoredPayload, TranslationOutcome};
use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `bcgw plugin diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The gateway's config file: the source, its deployed plugin and plugin
    /// config, and the store.
    #[arg(long, short)]
    pub config: PathBuf,
    /// The source whose journaled payloads are translated again.
    #[arg(long)]
    pub source: String,
    /// The candidate plugin (.wasm). Default: the deployed one (to try a new
    /// config alone with --candidate-config).
    #[arg(long)]
    pub candidate: Option<PathBuf>,
    /// The candidate's plugin config (TOML or .json), as under the source's
    /// `plugin_config` table. Default: the deployed config.
    #[arg(long)]
    pub candidate_config: Option<PathBuf>,
    /// Most payloads to compare, oldest first. Default: all.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// What one payload gave under one plugin: each record's report (as JSON) by
/// id, and each rejected item.
struct Outcome {
    records: BTreeMap<String, Value>,
    rejects: BTreeSet<Reject>,
}

/// A rejected item as compared and printed: where, and the kind of error.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Reject {
    line: Option<u32>,
    item: Option<u32>,
    stage: String,
    kind: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.item) {
            (Some(l), Some(i)) => write!(f, "line {l} (item {i})")?,
            (None, Some(i)) => write!(f, "item {i}")?,
            (Some(l), None) => write!(f, "line {l}")?,
            (None, None) => write!(f, "the whole payload")?,
        }
        write!(f, ": {} at {}", self.kind, self.stage)
    }
}

impl Outcome {
    fn of(outcome: TranslationOutcome) -> Outcome {
        let records = outcome
            .records
            .into_iter()
            .map(|r| {
                let report = serde_json::to_value(&r.record.report).unwrap_or(Value::Null);
                (r.record.envelope.record_id, report)
            })
            .collect();
        let rejects = outcome.quarantined.iter().map(reject).collect();
        Outcome { records, rejects }
    }
}

fn reject(q: &QuarantineEntry) -> Reject {
    Reject {
        line: q.line,
        item: q.item_index,
        stage: q.stage.to_string(),
        kind: q.error_kind.clone(),
    }
}

/// The paths (`event.category`, `persons[0].description`) where two JSON values
/// differ.
fn differing_paths(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                differing_paths(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &path,
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differing_paths(p, q, &format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => out.push(if at.is_empty() { ".".into() } else { at.into() }),
        _ => {}
    }
}

/// Totals over every payload compared.
#[derive(Debug, Default)]
struct Totals {
    payloads: usize,
    differing: usize,
    same: usize,
    changed: usize,
    new: usize,
    gone: usize,
    now_rejected: usize,
    no_longer_rejected: usize,
}

/// Compares one payload's two outcomes and prints what differs.
fn compare(payload: &StoredPayload, old: Outcome, new: Outcome, t: &mut Totals) {
    let mut lines = Vec::new();
    for (id, report) in &old.records {
        match new.records.get(id) {
            None => {
                t.gone += 1;
                lines.push(format!("  gone     {id}"));
            }
            Some(other) if other != report => {
                t.changed += 1;
                let mut paths = Vec::new();
                differing_paths(report, other, "", &mut paths);
                lines.push(format!("  changed  {id}: {}", paths.join(", ")));
            }
            Some(_) => t.same += 1,
        }
    }
    for id in new
        .records
        .keys()
        .filter(|id| !old.records.contains_key(*id))
    {
        t.new += 1;
        lines.push(format!("  new      {id}"));
    }
    for r in new.rejects.difference(&old.rejects) {
        t.now_rejected += 1;
        lines.push(format!("  now rejected        {r}"));
    }
    for r in old.rejects.difference(&new.rejects) {
        t.no_longer_rejected += 1;
        lines.push(format!("  no longer rejected  {r}"));
    }
    t.payloads += 1;
    if !lines.is_empty() {
        t.differing += 1;
        let file = payload
            .metadata
            .iter()
            .find(|(k, _)| k == bcgw_sdk::plugin::metadata_keys::FILE_NAME)
            .map(|(_, v)| format!(" ({v})"))
            .unwrap_or_default();
        println!("payload {}{file}:", payload.id);
        for l in lines {
            println!("{l}");
        }
    }
}

/// Runs `bcgw plugin diff`.
pub fn diff(args: DiffArgs) -> Result<Exit> {
    let (loaded, unknown) = crate::config::parse(&args.config, std::env::vars())?;
    let store_path = loaded.config.store.path.clone();
    let assembly = assemble(loaded.config, unknown);
    let Some(deployed) = assembly.translators.get(&args.source) else {
        if !assembly.config.sources.contains_key(&args.source) {
            bail!("no source {:?} in {}", args.source, args.config.display());
        }
        bail!(
            "source {:?}: its plugin did not load; bcgw check-config --config {} says why",
            args.source,
            args.config.display()
        );
    };
    let engine = assembly
        .engine
        .as_ref()
        .context("the plugin engine could not be built")?;
    let plugin = match &args.candidate {
        Some(path) => Arc::new(
            AdapterPlugin::load(engine, path, None, deployed.plugin.limits().clone())
                .with_context(|| format!("candidate {}", path.display()))?,
        ),
        None => deployed.plugin.clone(),
    };
    let config_json = match &args.candidate_config {
        Some(path) => super::plugin::plugin_config_json(path)?,
        None => deployed.config_json.clone(),
    };
    plugin
        .validate_config(&config_json)
        .context("the candidate refuses its config")?;
    let candidate = Translator {
        source: deployed.source.clone(),
        plugin,
        config_json,
        isa: deployed.isa.clone(),
        members: deployed.members.clone(),
    };
    println!(
        "{}: deployed {} against candidate {}",
        args.source,
        deployed.plugin.name_version(),
        candidate.plugin.name_version()
    );
    let mut totals = Totals::default();
    let limit = args.limit.unwrap_or(usize::MAX);
    SqliteStore::read_journal(&store_path, &args.source, &mut |payload| {
        let old = Outcome::of(deployed.translate(&payload, &[]));
        let new = Outcome::of(candidate.translate(&payload, &[]));
        compare(&payload, old, new, &mut totals);
        totals.payloads < limit
    })?;
    let t = &totals;
    println!(
        "{} payload(s) compared, {} differ: records {} the same, {} changed, {} new, {} gone; rejects: {} now, {} no longer",
        t.payloads,
        t.differing,
        t.same,
        t.changed,
        t.new,
        t.gone,
        t.now_rejected,
        t.no_longer_rejected
    );
    Ok(if t.differing == 0 {
        Exit::Ok
    } else {
        Exit::ItemsFailed
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differing_paths_name_fields_not_values() {
        let a = json!({"event": {"category": "theft-from-shop", "narrative": "x"}, "persons": [{"name": "A"}]});
        let b = json!({"event": {"category": "robbery", "narrative": "x"}, "persons": [{"name": "B"}], "extra": 1});
        let mut paths = Vec::new();
        differing_paths(&a, &b, "", &mut paths);
        assert_eq!(paths, ["event.category", "extra", "persons[0].name"]);
    }
}
