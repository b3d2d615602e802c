//! `bcgw audit verify|export` and `bcgw isa show`: what a data protection
//! officer runs.

use super::Exit;
use crate::audit::verify::Verifier;
use crate::daemon;
use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;

/// `bcgw audit ...`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole audit log and check every entry's hash and its link to
    /// the one before; name the first entry that was changed, removed or moved.
    /// Exits 1 if the chain is broken.
    Verify(VerifyArgs),
    /// Write entries as JSON lines (oldest first), for the data protection officer.
    Export(ExportArgs),
}

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
}

/// Arguments of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// From this time (RFC 3339, or a date: its start in UTC).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this time (RFC 3339, or a date: its whole day in UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// Arguments of `bcgw isa show`.
#[derive(Debug, Args)]
pub struct IsaArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
}

use super::open_store as store;

/// A time bound: RFC 3339, or a date (`end` picks its last millisecond).
fn bound(text: &str, end: bool) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{text:?} is neither an RFC 3339 time nor a date (YYYY-MM-DD)"))?;
    let t = if end {
        day.and_hms_milli_opt(23, 59, 59, 999)
    } else {
        day.and_hms_opt(0, 0, 0)
    };
    Ok(t.context("no such time")?.and_utc())
}

/// Runs an audit subcommand.
pub fn run(cmd: AuditCommand) -> Result<Exit> {
    match cmd {
        AuditCommand::Verify(a) => {
            let store = store(&a.config)?;
            let started = std::time::Instant::now();
            let mut v = Verifier::default();
            store.audit_entries(None, None, &mut |e| v.feed(&e))?;
            v.ends_at(store.audit_head()?);
            let verdict = v.finish();
            let took = started.elapsed().as_secs_f64();
            match verdict.broken {
                None => {
                    println!(
                        "audit log intact: {} entries ({} pruned by retention) verified in {took:.2} s",
                        verdict.checked, verdict.pruned
                    );
                    println!("head {}", verdict.head);
                    println!(
                        "keep the head hash apart from the store: a later verify whose chain still passes through it shows nothing before it was rewritten"
                    );
                    Ok(Exit::Ok)
                }
                Some(b) => {
                    println!(
                        "audit log BROKEN at entry {}: {} ({} entries before it verified)",
                        b.seq, b.problem, verdict.checked
                    );
                    Ok(Exit::ItemsFailed)
                }
            }
        }
        AuditCommand::Export(a) => {
            let from = a.from.as_deref().map(|t| bound(t, false)).transpose()?;
            let to = a.to.as_deref().map(|t| bound(t, true)).transpose()?;
            let store = store(&a.config)?;
            let mut out: Box<dyn Write> = match &a.out {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("cannot create {}", p.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut written = 0u64;
            let mut failed = None;
            store.audit_entries(from, to, &mut |e| {
                let line = serde_json::to_string(&e.to_entry()).unwrap_or_default();
                if let Err(err) = writeln!(out, "{line}") {
                    failed = Some(err);
                    return false;
                }
                written += 1;
                true
            })?;
            if let Some(e) = failed {
                return Err(e).context("cannot write the export");
            }
            out.flush().context("cannot write the export")?;
            drop(out);
            if let Some(p) = &a.out {
                eprintln!("{written} audit entries written to {}", p.display());
            }
            Ok(Exit::Ok)
        }
    }
}

/// `bcgw isa show`: each source's agreement.
pub fn isa_show(a: IsaArgs) -> Result<Exit> {
    let loaded = crate::config::load(&a.config)?;
    print!("{}", crate::policy::show::describe(&loaded.config));
    Ok(Exit::Ok)
}

/// Who is running this command, for the audit log: `operator:<login>`.
pub fn operator(named: Option<&str>) -> String {
    let who = named
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .unwrap_or_else(|| "unknown".to_string());
    format!("operator:{who}")
}

/// `bcgw retention run`: one pass now.
pub fn retention_run(a: IsaArgs) -> Result<Exit> {
    let loaded = crate::config::load(&a.config)?;
    let store = daemon::open_store(&loaded.config)?;
    let stats = crate::policy::retention::run_once(store.as_ref(), &loaded.config)?;
    println!(
        "retention purged {} raw payload(s), {} record(s), {} quarantine entry(ies), {} audit entry(ies)",
        stats.raw_payloads, stats.records, stats.quarantine_entries, stats.audit_entries
    );
    Ok(Exit::Ok)
}
