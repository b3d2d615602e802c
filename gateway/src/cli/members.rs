//! `bcgw members check|resolve|unresolved`: the member registers for the
//! scheme managers who keep them. `check` lists what is wrong in a register
//! (with its line and column); `resolve` shows what a premises string resolves
//! to for a source, and why; `unresolved` lists the premises the registers
//! could not place, so the register can be fixed.

use super::Exit;
use crate::config::source::LinkChannel;
use crate::members::{SourceMembers, load};
use anyhow::{Context, Result, anyhow};
use bcgw_link::members::{Registry, Severity, check, read_register};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `bcgw members ...`
#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Check registers: rows that cannot be used (with line and column), aliases,
    /// radios or BCRP ids two members share, postcodes that are not postcodes.
    /// Exit 1 when a file cannot be read or a row is skipped.
    Check(CheckArgs),
    /// What a premises name (with what else a report may say) resolves to for a
    /// source, and the closest members.
    Resolve(ResolveArgs),
    /// The premises names reports used that the registers could not place (or
    /// not at one member), most reports first.
    Unresolved(UnresolvedArgs),
}

/// Arguments of `bcgw members check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check every register of this config.
    #[arg(long, short, conflicts_with = "file")]
    pub config: Option<PathBuf>,
    /// Check a register file (may repeat), named after its file.
    #[arg(long)]
    pub file: Vec<PathBuf>,
}

/// Arguments of `bcgw members resolve`.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The premises name as a report writes it, e.g. "TESCO OLDHAM ST".
    pub premises: String,
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// The source the report comes from (its registers, and for a radio source
    /// its town).
    #[arg(long)]
    pub source: String,
    /// The postcode the report gives.
    #[arg(long)]
    pub postcode: Option<String>,
    /// The premises id the report gives (a BCRP membership id, a store number).
    #[arg(long = "id")]
    pub store_id: Option<String>,
    /// The radio that sent the alert.
    #[arg(long)]
    pub radio_id: Option<String>,
    /// The town the channel gives (a radio topic's).
    #[arg(long)]
    pub town: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `bcgw members unresolved`.
#[derive(Debug, Args)]
pub struct UnresolvedArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Only this source's reports.
    #[arg(long)]
    pub source: Option<String>,
    /// At most this many lines.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `bcgw members` command.
pub fn run(cmd: MembersCommand) -> Result<Exit> {
    match cmd {
        MembersCommand::Check(a) => check_registers(a),
        MembersCommand::Resolve(a) => resolve(a),
        MembersCommand::Unresolved(a) => unresolved(a),
    }
}

fn check_registers(a: CheckArgs) -> Result<Exit> {
    let files: Vec<(String, PathBuf)> = match &a.config {
        Some(config) => {
            let loaded = crate::config::load(config)?;
            if loaded.config.members.is_empty() {
                return Err(anyhow!(
                    "{} configures no register: add [members.<name>] file = \"...\"",
                    config.display()
                ));
            }
            loaded
                .config
                .members
                .into_iter()
                .map(|(name, r)| (name, r.file))
                .collect()
        }
        None if a.file.is_empty() => {
            return Err(anyhow!(
                "name a config (--config) or register files (--file)"
            ));
        }
        None => a
            .file
            .iter()
            .map(|f| {
                let name = f
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_else(|| "register".into());
                (name, f.clone())
            })
            .collect(),
    };
    let mut registers = Vec::new();
    let mut unreadable = 0;
    for (name, file) in &files {
        match read_register(name, file) {
            Ok(r) => {
                println!(
                    "register {name} ({}): {} member(s){}",
                    file.display(),
                    r.members.len(),
                    if r.unknown_columns.is_empty() {
                        String::new()
                    } else {
                        format!("; columns not read: {}", r.unknown_columns.join(", "))
                    }
                );
                registers.push(r);
            }
            Err(e) => {
                unreadable += 1;
                println!("error: {e}");
            }
        }
    }
    let problems = check(&registers);
    for p in &problems {
        println!("{p}");
    }
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    println!(
        "{} register(s), {} member(s): {} error(s), {} warning(s)",
        registers.len(),
        registers.iter().map(|r| r.members.len()).sum::<usize>(),
        errors + unreadable,
        problems.len() - errors
    );
    Ok(if errors + unreadable > 0 {
        Exit::ItemsFailed
    } else {
        Exit::Ok
    })
}

fn resolve(a: ResolveArgs) -> Result<Exit> {
    let loaded = crate::config::load(&a.config)?;
    let config = loaded.config;
    let source = config.sources.get(&a.source).ok_or_else(|| {
        anyhow!(
            "no source named {:?}; the sources are {}",
            a.source,
            config
                .sources
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let mut problems = crate::config::problems::Problems::default();
    let registers = load(&config.members, &mut problems).ok_or_else(|| {
        anyhow!(
            "{} configures no register: add [members.<name>] file = \"...\"",
            a.config.display()
        )
    })?;
    if let Some(e) = problems.errors().next() {
        return Err(anyhow!("{}: {}", e.key, e.message));
    }
    let members = SourceMembers {
        registers: registers.clone(),
        scope: source.members.clone(),
        channel_town: source.channel == Some(LinkChannel::Radio),
    };
    let q = bcgw_link::members::PremisesQuery {
        name: Some(a.premises.as_str()),
        postcode: a.postcode.as_deref(),
        store_id: a.store_id.as_deref(),
        radio_id: a.radio_id.as_deref(),
        town: a.town.as_deref().filter(|_| members.channel_town),
        registers: members.scope.as_deref(),
    };
    let registry: &Registry = &registers.registry;
    let resolution = registry.resolve(&q);
    let closest = registry.closest(&q, 5);
    if a.json {
        let out = serde_json::json!({
            "source": a.source,
            "premises": a.premises,
            "resolution": resolution,
            "closest": closest.iter().map(|(m, s)| serde_json::json!({
                "register": m.register, "member_id": m.member_id, "name": m.display_name(), "score": s,
            })).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).context("printing JSON")?
        );
        return Ok(Exit::Ok);
    }
    let scope = source
        .members
        .as_ref()
        .map(|m| m.join(", "))
        .unwrap_or_else(|| "every register".into());
    println!("{:?} from source {} ({scope})", a.premises, a.source);
    match (&resolution.member, &resolution.details) {
        (Some(m), Some(d)) => println!(
            "  {} -> {}/{} {}{}{}, score {:.2}",
            resolution.method.as_str(),
            m.register,
            m.member_id,
            d.name,
            if d.address_lines.is_empty() {
                String::new()
            } else {
                format!(", {}", d.address_lines.join(", "))
            },
            d.postcode
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default(),
            resolution.score
        ),
        _ if !resolution.candidates.is_empty() => println!(
            "  {}: could be {}",
            resolution.method.as_str(),
            resolution
                .candidates
                .iter()
                .map(|m| format!("{}/{}", m.register, m.member_id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => println!("  {}: no member fits", resolution.method.as_str()),
    }
    if resolution.member.is_some() && resolution.score < bcgw_link::members::STRONG {
        println!("  (a weak answer: linking takes it as a hint, never as proof of another shop)");
    }
    if !closest.is_empty() {
        println!("  closest by name and postcode:");
        for (m, score) in closest {
            println!(
                "    {score:.2} {}/{} {}{}",
                m.register,
                m.member_id,
                m.display_name(),
                m.town
                    .as_deref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(Exit::Ok)
}

fn unresolved(a: UnresolvedArgs) -> Result<Exit> {
    let loaded = crate::config::load(&a.config)?;
    if let Some(s) = &a.source
        && !loaded.config.sources.contains_key(s)
    {
        return Err(anyhow!("no source named {s:?}"));
    }
    let store = crate::daemon::open_store(&loaded.config)?;
    let list = store.unresolved_premises(a.source.as_deref(), a.limit)?;
    if a.json {
        for u in &list {
            println!("{}", serde_json::to_string(u).context("printing JSON")?);
        }
        return Ok(Exit::Ok);
    }
    if list.is_empty() {
        println!("every premises resolved to one member (or no register is configured)");
        return Ok(Exit::Ok);
    }
    println!("records  source               method      premises (postcode)");
    for u in &list {
        println!(
            "{:>7}  {:<20} {:<11} {}{}{}",
            u.records,
            u.source,
            u.method,
            u.premises,
            u.postcode
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default(),
            if u.candidates.is_empty() {
                String::new()
            } else {
                format!(" -> could be {}", u.candidates.join(", "))
            }
        );
    }
    Ok(Exit::Ok)
}
