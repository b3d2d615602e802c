//! `bcgw review list|show|link|split`: the case officer's side of linking.
//!
//! The linker queues the matches it is unsure of (a probability between
//! `link.review_threshold` and `link.auto_threshold`). A case officer looks at
//! both sides and decides; each decision is stored with who made it and why, and
//! queues the updates that correct Niche (an occurrence merged into another, a
//! report moved to an occurrence of its own). It works whether the gateway runs
//! or not: a running one sees the decision within a poll and rebuilds its view.

use super::Exit;
use crate::store::{DecidedBy, Decision, IncidentView, ReviewItem, Store};
use anyhow::{Context, Result, bail};
use bcgw_sdk::schema::SourceRecord;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `bcgw review ...`
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// List the uncertain matches waiting for a decision, oldest first.
    List(ListArgs),
    /// Show a review item (the report beside the incident it nearly joined) or an
    /// incident (its reports, how each was linked, its deliveries).
    Show(ShowArgs),
    /// Decide that a review item's report and incident are one incident: the two
    /// incidents merge and Niche's occurrences with them.
    Link(DecideArgs),
    /// Decide they are different incidents (a review id), or take a report out
    /// of its incident into a new one of its own (a record id): Niche gets the
    /// corrected occurrence and a new one.
    Split(DecideArgs),
}

/// Arguments of `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Include decided items.
    #[arg(long)]
    pub all: bool,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Print JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// A review id (a number, from `list`) or an incident id.
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Who is looking, for the audit log (default: the login name).
    #[arg(long, env = "BCGW_OPERATOR")]
    pub operator: Option<String>,
}

/// Records a look at incidents in the audit log, before they are shown.
fn consulted(
    store: &dyn Store,
    operator: Option<&str>,
    incidents: &[&crate::store::IncidentView],
) -> Result<()> {
    use crate::audit::{AuditEvent, Operation};
    store.audit(vec![
        AuditEvent::new(
            Operation::Consultation,
            super::audit::operator(operator),
            "looked at incidents in review",
        )
        .records(
            incidents
                .iter()
                .flat_map(|i| i.records.iter().map(|r| r.envelope.record_id.clone())),
        )
        .incidents(incidents.iter().map(|i| i.incident_id.clone())),
    ])?;
    Ok(())
}

/// Arguments of `link` and `split`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// A review id (a number, from `list`); for `split`, also a record id.
    pub id: String,
    /// Who decides (collar number or name, as the force records it).
    #[arg(long)]
    pub by: String,
    /// Why: kept with the decision.
    #[arg(long)]
    pub reason: String,
}

use super::open_store as store;

/// Runs a review subcommand.
pub fn run(cmd: ReviewCommand) -> Result<Exit> {
    match cmd {
        ReviewCommand::List(a) => {
            let items = store(&a.config)?.reviews(a.all, a.limit)?;
            if a.json {
                for i in &items {
                    println!("{}", serde_json::to_string(i)?);
                }
            } else if items.is_empty() {
                println!("no review items{}", if a.all { "" } else { " pending" });
            } else {
                println!(
                    "{:>5}  {:>5}  {:<10}  report -> nearly joined",
                    "id", "p", "state"
                );
                for i in &items {
                    println!(
                        "{:>5}  {:>5.3}  {:<10}  {} ({}) -> {}",
                        i.id, i.score, i.state, i.record_id, i.incident_id, i.candidate
                    );
                }
            }
            Ok(Exit::Ok)
        }
        ReviewCommand::Show(a) => {
            let store = store(&a.config)?;
            match a.id.parse::<i64>() {
                Ok(id) => {
                    let item = store
                        .review_item(id)?
                        .with_context(|| format!("no review item {id}"))?;
                    let mine = store.incident(&item.incident_id)?;
                    let theirs = store.incident(&item.candidate)?;
                    let shown: Vec<_> = mine.iter().chain(theirs.iter()).collect();
                    consulted(store.as_ref(), a.operator.as_deref(), &shown)?;
                    if a.json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(&serde_json::json!({
                                "review": item, "incident": mine, "candidate": theirs,
                            }))?
                        );
                    } else {
                        print_review(&item, mine.as_ref(), theirs.as_ref());
                    }
                }
                Err(_) => {
                    let incident = store
                        .incident(&a.id)?
                        .with_context(|| format!("no incident {}", a.id))?;
                    consulted(store.as_ref(), a.operator.as_deref(), &[&incident])?;
                    if a.json {
                        println!("{}", serde_json::to_string_pretty(&incident)?);
                    } else {
                        print_incident(&incident);
                    }
                }
            }
            Ok(Exit::Ok)
        }
        ReviewCommand::Link(a) => {
            let Ok(review) = a.id.parse::<i64>() else {
                bail!("link takes a review id (a number, from bcgw review list)");
            };
            decide(&a, Decision::Link { review })
        }
        ReviewCommand::Split(a) => {
            let decision = match a.id.parse::<i64>() {
                Ok(review) => Decision::KeepApart { review },
                Err(_) => Decision::Split {
                    record: a.id.clone(),
                },
            };
            decide(&a, decision)
        }
    }
}

fn decide(a: &DecideArgs, decision: Decision) -> Result<Exit> {
    if a.by.trim().is_empty() || a.reason.trim().is_empty() {
        bail!("--by and --reason are required: every decision records who made it and why");
    }
    let by = DecidedBy {
        officer: a.by.trim().to_string(),
        reason: a.reason.trim().to_string(),
    };
    let out = store(&a.config)?.decide(decision, by)?;
    if !out.merged.is_empty() {
        println!(
            "linked: incident {} merged into {}; its occurrence will be merged and {} updated",
            out.merged.join(", "),
            out.incident_id,
            out.incident_id
        );
    } else if !out.created.is_empty() {
        println!(
            "split: the report is now incident {}; {} gets an update",
            out.incident_id,
            out.updated.join(", ")
        );
    } else {
        println!("recorded: kept apart (incident {})", out.incident_id);
    }
    Ok(Exit::Ok)
}

/// One line per report: what a case officer compares.
fn report_line(r: &SourceRecord) -> String {
    let rep = &r.report;
    let when = rep
        .event
        .occurred_from
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "time unknown".into());
    let l = &rep.location;
    let place = [
        l.premises_name.as_deref(),
        l.town.as_deref(),
        l.postcode.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    format!(
        "{}  [{}]  {}  {:?}  {}",
        r.envelope.record_id, r.envelope.source, when, rep.event.category, place
    )
}

fn print_incident(i: &IncidentView) {
    println!(
        "incident {} ({}{})",
        i.incident_id,
        i.state,
        i.merged_into
            .as_deref()
            .map(|m| format!(" into {m}"))
            .unwrap_or_default()
    );
    println!("  reports:");
    for r in &i.records {
        println!("    {}", report_line(r));
    }
    println!("  links:");
    for l in &i.links {
        println!(
            "    {} {} {} by {}{}{}",
            l.record_id,
            l.kind,
            l.linked_to
                .as_deref()
                .map(|t| format!("to {t}"))
                .unwrap_or_default(),
            l.decided_by,
            l.reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            l.explanation
                .as_deref()
                .map(|e| format!("\n      {e}"))
                .unwrap_or_default(),
        );
    }
    println!("  deliveries:");
    for (sink, state, reference) in &i.deliveries {
        println!(
            "    {sink}: {state}{}",
            reference
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
    }
}

fn print_review(item: &ReviewItem, mine: Option<&IncidentView>, theirs: Option<&IncidentView>) {
    println!(
        "review {} ({}): report {} nearly joined incident {} (p={:.3})",
        item.id, item.state, item.record_id, item.candidate, item.score
    );
    println!(
        "  evidence against {}: {}",
        item.linked_to, item.explanation
    );
    if let Some(by) = &item.decided_by {
        println!(
            "  decided by {by}: {}",
            item.reason.as_deref().unwrap_or_default()
        );
    }
    for (label, view) in [("the report's incident", mine), ("the candidate", theirs)] {
        println!();
        println!("{label}:");
        match view {
            Some(v) => print_incident(v),
            None => println!("  (gone)"),
        }
    }
}
