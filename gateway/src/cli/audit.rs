//! `bcgw audit verify|head|export` and `bcgw isa show`: what a data protection
//! officer runs.

use super::Exit;
use crate::audit::verify::{KeptHead, Verdict, Verifier};
use crate::daemon;
use crate::store::Store;
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
    /// Exits 1 if the chain is broken, if the log ends before what the store
    /// holds was made, or if it does not pass through `--expect-head`.
    Verify(VerifyArgs),
    /// Verify the log and print its head (`<entry>:<sha256>`) alone, to be kept
    /// apart from the store and given to `verify --expect-head` later. Exits 1,
    /// printing nothing on standard output, if the log does not verify.
    Head(HeadArgs),
    /// Write entries as JSON lines (oldest first), for the data protection officer.
    Export(ExportArgs),
}

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// A head printed earlier by `bcgw audit head` (or `verify`) and kept apart
    /// from the store: the log must still pass through it. Entries removed from
    /// the end, with the head the store records moved back, pass every other check.
    #[arg(long, value_name = "ENTRY:SHA256")]
    pub expect_head: Option<KeptHead>,
}

/// Arguments of `head`.
#[derive(Debug, Args)]
pub struct HeadArgs {
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

/// Walks the whole log: the chain, its end against the head the store
/// records, what the store holds, and `kept` if given.
fn verify(store: &dyn Store, kept: Option<KeptHead>) -> Result<Verdict> {
    let mut v = Verifier::expecting(kept);
    store.audit_entries(None, None, &mut |e| v.feed(&e))?;
    v.passed_kept_head();
    v.ends_at(store.audit_head()?);
    v.accounts_for(store.audit_evidence()?);
    Ok(v.finish())
}

/// Runs an audit subcommand.
pub fn run(cmd: AuditCommand) -> Result<Exit> {
    match cmd {
        AuditCommand::Verify(a) => {
            let store = store(&a.config)?;
            let started = std::time::Instant::now();
            let verdict = verify(store.as_ref(), a.expect_head)?;
            let took = started.elapsed().as_secs_f64();
            match verdict.broken {
                None => {
                    println!(
                        "audit log intact: {} entries ({} pruned by retention) verified in {took:.2} s",
                        verdict.checked, verdict.pruned
                    );
                    if let Some(n) = verdict.since_kept {
                        println!("it passes through the head kept apart: {n} entries since");
                    }
                    println!("head {}:{}", verdict.head_seq, verdict.head);
                    println!(
                        "keep the head apart from the store (`bcgw audit head` prints it alone): `bcgw audit verify --expect-head <head>` later shows whether the log still passes through it"
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
        AuditCommand::Head(a) => {
            let store = store(&a.config)?;
            let verdict = verify(store.as_ref(), None)?;
            match verdict.broken {
                None => {
                    println!("{}:{}", verdict.head_seq, verdict.head);
                    Ok(Exit::Ok)
                }
                Some(b) => {
                    eprintln!(
                        "audit log BROKEN at entry {}: {}; no head printed (`bcgw audit verify` says more)",
                        b.seq, b.problem
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
