//! `bcgw quarantine list|show|replay`.

use super::Exit;
use crate::audit::{AuditEvent, Operation};
use crate::store::QuarantineFilter;
use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `bcgw quarantine ...`
#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// List quarantined items, newest first.
    List(ListArgs),
    /// Show one item: why, which plugin, and the payload it came from.
    Show(ShowArgs),
    /// Send items back through the pipeline (after fixing the plugin or its config).
    /// Works on a stopped gateway; a running one picks them up within a second.
    Replay(ReplayArgs),
}

/// Arguments of `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Include items already replayed.
    #[arg(long)]
    pub all: bool,
    /// Only this source or sink.
    #[arg(long)]
    pub component: Option<String>,
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
    /// The item id (from `list`).
    pub id: i64,
    /// Also print the raw payload (it may contain personal data).
    #[arg(long)]
    pub payload: bool,
    /// Who is looking, for the audit log (default: the login name).
    #[arg(long, env = "BCGW_OPERATOR")]
    pub operator: Option<String>,
}

/// Arguments of `replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Item ids to replay.
    pub ids: Vec<i64>,
    /// Replay every open item (optionally only of `--component`).
    #[arg(long)]
    pub all: bool,
    /// With `--all`: only this source or sink.
    #[arg(long)]
    pub component: Option<String>,
}

use super::open_store as store;

/// Runs a quarantine subcommand.
pub fn run(cmd: QuarantineCommand) -> Result<Exit> {
    match cmd {
        QuarantineCommand::List(a) => {
            let entries = store(&a.config)?.quarantine_list(&QuarantineFilter {
                open_only: !a.all,
                component: a.component,
                limit: None,
            })?;
            for e in &entries {
                if a.json {
                    println!("{}", serde_json::to_string(e)?);
                } else {
                    let at = match (e.payload_id, e.line, e.item_index) {
                        (Some(p), Some(l), _) => format!("payload {p} line {l}"),
                        (Some(p), None, Some(i)) => format!("payload {p} item {i}"),
                        (Some(p), None, None) => format!("payload {p}"),
                        _ => e
                            .outbox_id
                            .map(|o| format!("outbox {o}"))
                            .unwrap_or_default(),
                    };
                    println!(
                        "{:>6}  {:<9} {:<12} {:<22} {:<24} {}",
                        e.id,
                        e.stage.as_str(),
                        e.component,
                        at,
                        e.error_kind,
                        e.state
                    );
                }
            }
            if !a.json {
                println!("{} item(s)", entries.len());
            }
            Ok(Exit::Ok)
        }
        QuarantineCommand::Show(a) => {
            let store = store(&a.config)?;
            let Some((e, payload)) = store.quarantine_get(a.id)? else {
                bail!("no quarantine item {}", a.id);
            };
            // Recorded before anything is shown: no audit entry, no look.
            store.audit(vec![
                AuditEvent::new(
                    Operation::Consultation,
                    super::audit::operator(a.operator.as_deref()),
                    "looked at a quarantine entry",
                )
                .records(e.record_id.clone())
                .detail(serde_json::json!({
                    "quarantine": e.id,
                    "payload": e.payload_id,
                    "raw_payload_shown": a.payload && payload.is_some(),
                })),
            ])?;
            println!("id:          {}", e.id);
            println!("state:       {}", e.state);
            println!("stage:       {}", e.stage.as_str());
            println!("component:   {}", e.component);
            println!("kind:        {}", e.error_kind);
            println!("reason:      {}", e.reason);
            println!("plugin:      {} (sha256 {})", e.plugin, e.plugin_sha256);
            println!("quarantined: {}", e.created_at.to_rfc3339());
            if let Some(l) = e.line {
                println!("line:        {l}");
            }
            if let Some(i) = e.item_index {
                println!("item:        {i}");
            }
            if let Some(r) = &e.record_id {
                println!("record:      {r}");
            }
            if let Some(p) = payload {
                println!(
                    "payload:     {} from {} ({}, {} bytes, sha256 {})",
                    p.id,
                    p.origin,
                    p.content_type,
                    p.bytes.len(),
                    p.sha256
                );
                if a.payload {
                    println!("---");
                    println!("{}", String::from_utf8_lossy(&p.bytes));
                }
            }
            Ok(Exit::Ok)
        }
        QuarantineCommand::Replay(a) => {
            let store = store(&a.config)?;
            let mut ids = a.ids.clone();
            if a.all {
                ids.extend(
                    store
                        .quarantine_list(&QuarantineFilter {
                            open_only: true,
                            component: a.component,
                            limit: None,
                        })?
                        .into_iter()
                        .map(|e| e.id),
                );
            }
            if ids.is_empty() {
                bail!("nothing to replay: give item ids, or --all");
            }
            let stats = store.quarantine_replay(&ids)?;
            println!(
                "replayed {} item(s): {} payload(s) queued for translation, {} deliveries queued",
                stats.entries, stats.payloads, stats.deliveries
            );
            Ok(Exit::Ok)
        }
    }
}
