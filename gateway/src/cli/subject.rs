//! `bcgw sar` and `bcgw erase`: a person's right of access and to erasure
//! (DPA 2018 ss.45 and 47).

use super::Exit;
use crate::store::subject::{SubjectQuery, parse_date};
use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::PathBuf;

/// Whom the request is about.
#[derive(Debug, Args)]
pub struct Subject {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// The person's name (any order of the words; case and punctuation aside).
    #[arg(long, required_unless_present = "record")]
    pub name: Option<String>,
    /// Their date of birth (YYYY-MM-DD or DD/MM/YYYY): records that carry
    /// another one are someone else's.
    #[arg(long, requires = "name")]
    pub dob: Option<String>,
    /// A record known to be about them (instead of, or as well as, the name).
    #[arg(long)]
    pub record: Option<String>,
    /// The request's reference or grounds, for the audit log (no personal data).
    #[arg(long)]
    pub reason: String,
    /// Who is acting, for the audit log (default: the login name).
    #[arg(long, env = "BCGW_OPERATOR")]
    pub operator: Option<String>,
}

impl Subject {
    fn query(&self) -> Result<SubjectQuery> {
        if self.reason.trim().is_empty() {
            bail!("--reason is required: the audit log records why");
        }
        let dob = match &self.dob {
            Some(d) => Some(parse_date(d).with_context(|| {
                format!("--dob {d:?} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
            })?),
            None => None,
        };
        Ok(SubjectQuery {
            name: self.name.clone().filter(|n| !n.trim().is_empty()),
            dob,
            record: self.record.clone(),
        })
    }
}

/// Arguments of `bcgw sar`.
#[derive(Debug, Args)]
pub struct SarArgs {
    /// Whom and why.
    #[command(flatten)]
    pub subject: Subject,
    /// Where to write the JSON bundle.
    #[arg(long, short)]
    pub out: PathBuf,
}

/// Arguments of `bcgw erase`.
#[derive(Debug, Args)]
pub struct EraseArgs {
    /// Whom and why.
    #[command(flatten)]
    pub subject: Subject,
    /// Erase: without it, `erase` only says what it would remove.
    #[arg(long)]
    pub yes: bool,
    /// Also write the report of what was removed here, as JSON.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

use super::open_store as store;

/// `bcgw sar`: writes everything held about the person to one JSON file.
pub fn sar(a: SarArgs) -> Result<Exit> {
    let q = a.subject.query()?;
    let store = store(&a.subject.config)?;
    let actor = super::audit::operator(a.subject.operator.as_deref());
    let found = store.subject_access(&q, &actor, a.subject.reason.trim())?;
    let bundle = serde_json::json!({
        "request": {
            "reason": a.subject.reason.trim(),
            "by": actor,
            "at": chrono::Utc::now().to_rfc3339(),
            "name": q.name,
            "dob": q.dob.map(|d| d.to_string()),
            "record": q.record,
        },
        "records": found.records,
        "payload_extracts": found.payload_extracts,
        "deliveries": found.deliveries,
        "quarantine_entries": found.quarantine_entries,
    });
    let text = serde_json::to_string_pretty(&bundle)?;
    std::fs::write(&a.out, text).with_context(|| format!("cannot write {}", a.out.display()))?;
    let name_only = found
        .records
        .iter()
        .filter(|r| r.matched_on == crate::store::subject::MatchedOn::NameOnly)
        .count();
    println!(
        "{} record(s), {} payload extract(s), {} delivery(ies), {} quarantine entry(ies) written to {}",
        found.records.len(),
        found.payload_extracts.len(),
        found.deliveries.len(),
        found.quarantine_entries.len(),
        a.out.display()
    );
    if name_only > 0 {
        println!(
            "{name_only} record(s) matched on the name alone (no date of birth to check): review them before disclosure"
        );
    }
    Ok(Exit::Ok)
}

/// `bcgw erase`: removes everything held about the person, or with no `--yes`
/// says what it would remove.
pub fn erase(a: EraseArgs) -> Result<Exit> {
    let q = a.subject.query()?;
    let store = store(&a.subject.config)?;
    let actor = super::audit::operator(a.subject.operator.as_deref());
    if !a.yes {
        let found = store.subject_access(
            &q,
            &actor,
            &format!("erasure preview: {}", a.subject.reason.trim()),
        )?;
        println!(
            "would erase {} record(s), the raw bytes of {} payload(s) and {} quarantine entry(ies); {} delivery(ies) made or pending are affected",
            found.records.len(),
            found.payload_extracts.len(),
            found.quarantine_entries.len(),
            found.deliveries.len()
        );
        for r in &found.records {
            println!("  record {} (matched on {:?})", r.record_id, r.matched_on);
        }
        println!("run again with --yes to erase");
        return Ok(Exit::Ok);
    }
    let report = store.erase(&q, &actor, a.subject.reason.trim())?;
    println!(
        "erased {} record(s) ({} version(s)), the raw bytes of {} payload(s), {} quarantine entry(ies); {} pending delivery(ies) changed",
        report.records.len(),
        report.versions,
        report.payloads.len(),
        report.quarantine_entries,
        report.deliveries_changed
    );
    for r in &report.records {
        println!("  record {r}");
    }
    if !report.already_delivered.is_empty() {
        println!("already delivered (erasure there is the force's own process):");
        for d in &report.already_delivered {
            println!(
                "  {} incident {} reference {}",
                d.sink,
                d.incident_id,
                d.reference.as_deref().unwrap_or("-")
            );
        }
    }
    if let Some(p) = &a.report {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(Exit::Ok)
}
