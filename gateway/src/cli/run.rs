//! `bcgw run`, `bcgw check-config`, `bcgw status`.

use super::Exit;
use crate::config::check::{Level, check};
use crate::daemon::{self, RunOptions};
use crate::store::StoreStats;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `bcgw run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Stop once every dropped file is journaled, every payload translated and
    /// every delivery made, then print a summary.
    #[arg(long)]
    pub until_idle: bool,
    /// The sources hold an archive being loaded (a year of exports): link all
    /// of it before delivering anything, so Niche gets one occurrence per
    /// incident rather than occurrences made and then updated or merged.
    #[arg(long)]
    pub backfill: bool,
}

/// Arguments of `bcgw check-config` and `bcgw status`: the config file as
/// `--config <file>`, as every other verb takes it, or as the bare path these
/// two took first (kept so existing scripts go on working).
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The config file.
    #[arg(long = "config", short = 'c', value_name = "FILE")]
    pub flag: Option<PathBuf>,
    /// The config file (the older form; same as --config).
    #[arg(value_name = "CONFIG", conflicts_with = "flag")]
    pub positional: Option<PathBuf>,
}

impl ConfigArg {
    /// The config file named either way.
    pub fn path(&self) -> Result<&PathBuf> {
        self.flag
            .as_ref()
            .or(self.positional.as_ref())
            .ok_or_else(|| anyhow::anyhow!("name the config file: --config <file>"))
    }
}

/// Runs the daemon.
pub fn run(args: RunArgs) -> Result<Exit> {
    let (loaded, unknown) = crate::config::parse(&args.config, std::env::vars())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bcgw")
        .build()
        .context("cannot start the async runtime")?;
    let stats = runtime.block_on(daemon::run(
        loaded,
        unknown,
        RunOptions {
            until_idle: args.until_idle,
            backfill: args.backfill,
        },
    ))?;
    if args.until_idle {
        print_summary(&stats);
    }
    Ok(Exit::Ok)
}

/// Prints every problem in a config.
pub fn check_config(args: ConfigArg) -> Result<Exit> {
    let path = args.path()?;
    let problems = check(path, std::env::vars());
    for p in &problems {
        println!("{p}");
    }
    let errors = problems.iter().filter(|p| p.level == Level::Error).count();
    let warnings = problems.len() - errors;
    println!(
        "{}: {errors} error(s), {warnings} warning(s)",
        path.display()
    );
    Ok(if errors > 0 { Exit::Failed } else { Exit::Ok })
}

/// Sends SIGHUP to the daemon running this config (found by its pid file).
pub fn reload(args: ConfigArg) -> Result<Exit> {
    let path = args.path()?;
    let loaded = crate::config::load(path)?;
    let pid_file = crate::reload::pid_file(&loaded.config.store.path);
    let pid = std::fs::read_to_string(&pid_file)
        .map_err(|e| {
            anyhow::anyhow!(
                "no running bcgw found for {} ({}: {e})",
                path.display(),
                pid_file.display()
            )
        })?
        .trim()
        .parse::<u32>()
        .map_err(|_| anyhow::anyhow!("{} does not hold a process id", pid_file.display()))?;
    if !cfg!(unix) {
        anyhow::bail!("reloading needs SIGHUP (Unix); restart the service instead");
    }
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .map_err(|e| anyhow::anyhow!("cannot run kill: {e}"))?;
    if !status.success() {
        anyhow::bail!(
            "bcgw (pid {pid}, from {}) is not running; remove the stale file",
            pid_file.display()
        );
    }
    println!("sent SIGHUP to bcgw (pid {pid}): its log says which plugins were swapped");
    Ok(Exit::Ok)
}

/// Prints the store's counts.
pub fn status(args: ConfigArg) -> Result<Exit> {
    let loaded = crate::config::load(args.path()?)?;
    let store = daemon::open_store(&loaded.config)?;
    print_summary(&store.stats()?);
    Ok(Exit::Ok)
}

fn sum(v: &[(String, u64)]) -> u64 {
    v.iter().map(|(_, n)| n).sum()
}

/// The summary `bcgw run --until-idle` and `bcgw status` print.
pub fn print_summary(s: &StoreStats) {
    println!("summary");
    println!(
        "  payloads in:               {} ({} repeated payload(s) ignored)",
        s.payloads, s.duplicate_payloads
    );
    println!("  records out:               {}", s.records);
    println!("  exact duplicates removed:  {}", s.duplicate_records);
    let l = &s.link;
    println!(
        "  incidents:                 {} ({} link(s) between reports, {} merged away)",
        l.incidents, l.links, l.merged_incidents
    );
    if !s.premises.is_empty() {
        let count = |m: &[&str]| -> u64 {
            s.premises
                .iter()
                .filter(|(_, method, _)| m.contains(&method.as_str()))
                .map(|(_, _, n)| n)
                .sum()
        };
        let all: u64 = s.premises.iter().map(|(_, _, n)| n).sum();
        let (ambiguous, unresolved) = (count(&["ambiguous"]), count(&["unresolved"]));
        println!(
            "  premises resolved:         {} of {all} to a member ({ambiguous} ambiguous, {unresolved} unresolved: see bcgw members unresolved)",
            all - ambiguous - unresolved
        );
    }
    if l.pending_review > 0 || l.decisions > 0 {
        println!(
            "  review queue:              {} pending, {} decision(s) made (see bcgw review list)",
            l.pending_review, l.decisions
        );
    }
    if l.unlinked > 0 {
        println!(
            "  records not linked yet:    {} ({} waiting for their hold)",
            l.unlinked, l.held
        );
    }
    if s.amended_records > 0 {
        println!(
            "  amended reports:           {} (new versions of stored reports)",
            s.amended_records
        );
    }
    for (sink, n) in s.updates_delivered.iter().filter(|(_, n)| *n > 0) {
        println!(
            "  updates sent to {sink}:{}{n}",
            " ".repeat(10usize.saturating_sub(sink.len()))
        );
    }
    for (sink, n) in &s.delivered {
        println!(
            "  delivered to {sink}:{}{n}",
            " ".repeat(13usize.saturating_sub(sink.len()))
        );
    }
    let pending = sum(&s.pending);
    if pending > 0 {
        println!("  deliveries pending:        {pending}");
    }
    let dead = sum(&s.dead);
    if dead > 0 {
        println!("  deliveries refused:        {dead} (see bcgw quarantine list)");
    }
    if s.payloads_pending > 0 {
        println!("  payloads not translated:   {}", s.payloads_pending);
    }
    println!("  quarantined items:         {}", s.quarantined);
    for (kind, reason, n) in &s.quarantine {
        println!("    {n:>5} x {kind}: {reason}");
    }
}
