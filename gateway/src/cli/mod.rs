//! The command line: `bcgw plugin test`, `bcgw plugin inspect`, ...
//!
//! Errors reach the user through `anyhow` with context; exit codes are documented
//! on [`Exit`].

mod audit;
mod link;
mod members;
mod plugin;
mod plugin_diff;
mod plugin_new;
mod quarantine;
mod review;
mod run;
mod subject;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// bcgw, the Business Crime Gateway.
#[derive(Debug, Parser)]
#[command(name = "bcgw", version, about, long_about = None)]
pub struct Cli {
    /// Log filter, e.g. `info` or `bcgw=debug` (also RUST_LOG).
    #[arg(long, global = true, env = "BCGW_LOG", default_value = "info")]
    pub log: String,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway: take payloads in, translate, deliver.
    Run(run::RunArgs),
    /// Check a config file and report every problem with its key and what to do.
    CheckConfig(run::ConfigArg),
    /// Print the store's counts: payloads, records, duplicates, deliveries, quarantine.
    Status(run::ConfigArg),
    /// Make the running daemon of a config read it again and swap the plugins that
    /// changed (it sends SIGHUP); a config with errors is refused and the running
    /// plugins stay. The daemon's log says what was swapped.
    Reload(run::ConfigArg),
    /// Link reports that describe the same incident (flat CSV in, incident per report
    /// out); `eval`, `generate` and `train` measure and tune it.
    Link(link::LinkArgs),
    /// Work with quarantined items: list, show, replay.
    #[command(subcommand)]
    Quarantine(quarantine::QuarantineCommand),
    /// The review queue: uncertain matches for a case officer to link or split.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Member registers (one CSV per BCRP or radio scheme): check one, see what a
    /// premises name resolves to, list the premises reports used that no member fits.
    #[command(subcommand)]
    Members(members::MembersCommand),
    /// Work with plugins: test one on a file, or inspect what it declares.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// The audit log of what was done with personal data: verify its chain,
    /// export it.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Subject access: write everything held about a person (records, raw
    /// payload lines, deliveries) to a JSON bundle. Audited as a consultation.
    Sar(subject::SarArgs),
    /// Erase everything held about a person from the journal, records, outbox
    /// and quarantine (with --yes; without, say what would go). Audited.
    Erase(subject::EraseArgs),
    /// Run retention now (the daemon also runs it on a schedule): purge what
    /// has been kept its time and is no longer needed.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Information sharing agreements: `show` prints each source's.
    #[command(subcommand)]
    Isa(IsaCommand),
}

/// `bcgw retention ...`
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// One retention pass over every source, as the daemon's schedule runs it.
    Run(audit::IsaArgs),
}

/// `bcgw isa ...`
#[derive(Debug, Subcommand)]
pub enum IsaCommand {
    /// Print each source's agreement: controller, lawful basis, purpose, the
    /// fields stored and sent, the fields removed, retention.
    Show(audit::IsaArgs),
}

/// Exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything succeeded.
    Ok = 0,
    /// Some items failed (rejected by the plugin or by schema validation); the rest succeeded.
    ItemsFailed = 1,
    /// The command could not do its job (bad arguments, unreadable files, plugin failure).
    Failed = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(filter))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Colour only a terminal: escape codes in a journal or a log file are noise
    // to whoever greps it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Panics are logged by where they happened, never by their message: a
/// message may quote the data being handled (a string-slicing panic quotes the
/// string), and the log must carry no personal data.
fn init_panic_log() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown".into());
        let thread = std::thread::current();
        tracing::error!(location = %location, thread = thread.name().unwrap_or("unnamed"), "panic (its message is not logged: it may quote personal data)");
    }));
}

/// Parses the command line, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.log);
    init_panic_log();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::CheckConfig(args) => run::check_config(args),
        Command::Status(args) => run::status(args),
        Command::Reload(args) => run::reload(args),
        Command::Quarantine(cmd) => quarantine::run(cmd),
        Command::Review(cmd) => review::run(cmd),
        Command::Members(cmd) => members::run(cmd),
        Command::Link(args) => link::run(args),
        Command::Plugin(cmd) => plugin::run(cmd),
        Command::Audit(cmd) => audit::run(cmd),
        Command::Isa(IsaCommand::Show(args)) => audit::isa_show(args),
        Command::Sar(args) => subject::sar(args),
        Command::Erase(args) => subject::erase(args),
        Command::Retention(RetentionCommand::Run(args)) => audit::retention_run(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            Exit::Failed.into()
        }
    }
}

/// The store a config names, opened for a command (the config loaded with the
/// daemon's checks of its own keys).
pub(crate) fn open_store(
    config: &std::path::Path,
) -> anyhow::Result<std::sync::Arc<dyn crate::store::Store>> {
    let loaded = crate::config::load(config)?;
    crate::daemon::open_store(&loaded.config)
}

/// The default directory for compiled plugin code: `$XDG_CACHE_HOME/bcgw/compiled`,
/// else `~/.cache/bcgw/compiled`.
pub fn default_code_cache() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))?;
    Some(base.join("bcgw").join("compiled"))
}
