//! Member registers in the daemon: `[members.<name>] file = "..."`, one CSV per
//! BCRP or radio scheme (`docs/members.md`). They are read when the config is
//! assembled (`bcgw check-config` reports a file that cannot be read, with its
//! line and column) and again on `SIGHUP`; every report's premises is resolved
//! against them once, after translation, in one place ([`SourceMembers::resolve`],
//! called by the translate stage), and the record keeps the raw text and the
//! resolution. Linking compares members, not spellings.

mod query;

use crate::config::problems::Problems;
use bcgw_link::members::{Registry, Severity, check, read_register};
use bcgw_sdk::schema::{PremisesResolution, Report};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use query::{radio_id, source_query};

/// `[members.<name>]`: one register.
#[derive(Debug, Clone, Deserialize)]
pub struct RegisterConfig {
    /// The register's CSV file (columns in `docs/members.md`).
    pub file: PathBuf,
}

/// `[members]`: the registers by name. A register's name is the scheme of its
/// members unless a row says otherwise, and what sources name in `members`.
pub type MembersSection = BTreeMap<String, RegisterConfig>;

/// The registers as loaded: the index, and a fingerprint of the files (a
/// reload swaps the translators when it changes).
#[derive(Debug, Default)]
pub struct Registers {
    /// The index.
    pub registry: Registry,
    /// SHA-256 over every file's name and bytes.
    pub fingerprint: String,
}

/// Reads every register of `section`. A file that cannot be read (or lacks its
/// required columns) is an error at `members.<name>.file`; rows that cannot be
/// used, and what only the registers together show (an alias two members
/// share), are warnings. `None` when no register is configured.
pub fn load(section: &MembersSection, p: &mut Problems) -> Option<Arc<Registers>> {
    if section.is_empty() {
        return None;
    }
    let mut registers = Vec::new();
    let mut fingerprint = Vec::new();
    for (name, r) in section {
        let key = format!("members.{name}.file");
        match std::fs::read(&r.file) {
            Err(e) => p.error(key, format!("cannot read {}: {e}", r.file.display())),
            Ok(bytes) => {
                fingerprint.extend_from_slice(name.as_bytes());
                fingerprint.push(0);
                fingerprint.extend_from_slice(&bytes);
                match bcgw_link::members::parse_register(
                    name,
                    &r.file.display().to_string(),
                    &bytes,
                ) {
                    Ok(reg) => registers.push(reg),
                    Err(e) => p.error(key, e.to_string()),
                }
            }
        }
    }
    let problems = check(&registers);
    let skipped = problems
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .count();
    if skipped > 0 {
        p.warn(
            "members",
            format!("{skipped} register row(s) cannot be used and are skipped; `bcgw members check` lists them"),
        );
    }
    let shared = problems.len() - skipped;
    if shared > 0 {
        p.warn(
            "members",
            format!("{shared} register warning(s) (shared aliases or radios, bad postcodes...); `bcgw members check` lists them"),
        );
    }
    Some(Arc::new(Registers {
        registry: Registry::new(registers),
        fingerprint: crate::plugins::sha256_hex(&fingerprint),
    }))
}

/// Reads one register file for a command (`bcgw members check`), errors as text.
pub fn read(name: &str, config: &RegisterConfig) -> Result<bcgw_link::members::Register, String> {
    read_register(name, &config.file).map_err(|e| e.to_string())
}

/// What one source resolves its reports against.
#[derive(Debug, Clone)]
pub struct SourceMembers {
    /// The registers.
    pub registers: Arc<Registers>,
    /// The registers this source's reports belong to (`[sources.<name>]
    /// members`); all when unset.
    pub scope: Option<Vec<String>>,
    /// Whether the town an adapter gives is the channel's own (a radio scheme's
    /// topic) and places the report: true for radio sources.
    pub channel_town: bool,
}

impl SourceMembers {
    /// Where one report's premises is among the members. `metadata` is its
    /// payload's (a bridge may give the sending radio there).
    pub fn resolve(&self, report: &Report, metadata: &[(String, String)]) -> PremisesResolution {
        let q = source_query(report, metadata, self.scope.as_deref(), self.channel_town);
        self.registers.registry.resolve(&q)
    }
}

/// `[sources.<name>] members`: every name is a configured register.
pub fn check_scope(
    base: &str,
    scope: Option<&[String]>,
    section: &MembersSection,
    p: &mut Problems,
) {
    let Some(scope) = scope else { return };
    if section.is_empty() {
        p.error(
            format!("{base}.members"),
            "no registers are configured: add [members.<name>] file = \"...\" or remove this key",
        );
        return;
    }
    for name in scope {
        if !section.contains_key(name) {
            let known: Vec<String> = section.keys().map(|k| format!("{k:?}")).collect();
            p.error(
                format!("{base}.members"),
                format!(
                    "no register named {name:?}; the registers are {}",
                    known.join(", ")
                ),
            );
        }
    }
}
