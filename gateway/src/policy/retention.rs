//! How long each class of data is kept, and the daemon's retention job.
//!
//! Four classes, each in days, per agreement with `[policy.retention]` as the
//! fallback: raw payloads (the journal), records (every version, with their
//! links), quarantine entries, audit entries. Unset means kept until erased.
//! A payload or record still needed — not yet translated, part of an incident
//! whose delivery is not finished, or in an open review — is kept past its
//! time until it is no longer needed; the next run takes it.

use crate::config::Problems;
use serde::Deserialize;

/// `retention` in an agreement or in `[policy]`: days per data class.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RetentionDays {
    /// Raw payloads as received (the journal's bytes).
    pub raw_payload_days: Option<u32>,
    /// Records (every version) and their links.
    pub record_days: Option<u32>,
    /// Quarantine entries, whatever their state.
    pub quarantine_days: Option<u32>,
    /// Audit entries: their content goes, the chain of hashes stays.
    pub audit_days: Option<u32>,
}

impl RetentionDays {
    /// Each class's days, named as in config.
    pub fn classes(&self) -> [(&'static str, Option<u32>); 4] {
        [
            ("raw_payload_days", self.raw_payload_days),
            ("record_days", self.record_days),
            ("quarantine_days", self.quarantine_days),
            ("audit_days", self.audit_days),
        ]
    }

    /// Zero days would purge data as it arrives: refused.
    pub fn check(&self, base: &str, p: &mut Problems) {
        for (key, days) in self.classes() {
            if days == Some(0) {
                p.error(format!("{base}.{key}"), "0 would purge data as it arrives; at least 1, or leave it unset to keep until erased");
            }
        }
        if let (Some(raw), Some(rec)) = (self.raw_payload_days, self.record_days)
            && raw > rec
        {
            p.warn(format!("{base}.raw_payload_days"), format!("{raw} days is longer than record_days ({rec}): a replay after the records are purged would store them again"));
        }
    }

    /// These days, each unset class taken from `fallback`.
    pub fn or(&self, fallback: &RetentionDays) -> RetentionDays {
        RetentionDays {
            raw_payload_days: self.raw_payload_days.or(fallback.raw_payload_days),
            record_days: self.record_days.or(fallback.record_days),
            quarantine_days: self.quarantine_days.or(fallback.quarantine_days),
            audit_days: self.audit_days.or(fallback.audit_days),
        }
    }
}

/// One source's retention, resolved (agreement, then `[policy.retention]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// The source.
    pub source: String,
    /// Its agreement's id, if any.
    pub isa: Option<String>,
    /// The days per class.
    pub days: RetentionDays,
}

/// The retention passes a config gives: one per source, then the fallback for
/// what belongs to no source (sink quarantine entries, audit entries of no
/// agreement).
pub fn plan(config: &crate::config::Config) -> Vec<Retention> {
    let mut out: Vec<Retention> = config
        .sources
        .iter()
        .map(|(name, s)| {
            let (isa, own) = match &s.isa {
                Some(super::IsaSetting::Agreement(a)) => (Some(a.id.clone()), a.retention),
                Some(super::IsaSetting::Label(l)) => (Some(l.clone()), RetentionDays::default()),
                None => (None, RetentionDays::default()),
            };
            Retention {
                source: name.clone(),
                isa,
                days: own.or(&config.policy.retention),
            }
        })
        .collect();
    out.sort_by(|a, b| a.source.cmp(&b.source));
    out
}

const DAY_MS: i64 = 86_400_000;

/// The store's cuts for `plan` at `now_ms`.
pub fn cuts(
    plan: &[Retention],
    own_audit_days: &[(String, u32)],
    fallback: &RetentionDays,
    now_ms: i64,
) -> Vec<crate::store::RetentionCut> {
    let before = |d: Option<u32>| d.map(|d| now_ms - i64::from(d) * DAY_MS);
    let mut cuts: Vec<_> = plan
        .iter()
        .map(|r| crate::store::RetentionCut {
            source: Some(r.source.clone()),
            isa: r.isa.clone(),
            raw_payload_before: before(r.days.raw_payload_days),
            record_before: before(r.days.record_days),
            quarantine_before: before(r.days.quarantine_days),
            // Audit entries go by agreement, once each (below).
            audit_before: None,
            ..Default::default()
        })
        .collect();
    for (isa, days) in own_audit_days {
        cuts.push(crate::store::RetentionCut {
            isa: Some(isa.clone()),
            audit_before: before(Some(*days)),
            ..Default::default()
        });
    }
    cuts.push(crate::store::RetentionCut {
        quarantine_before: before(fallback.quarantine_days),
        audit_before: before(fallback.audit_days),
        other_sources: plan.iter().map(|r| r.source.clone()).collect(),
        other_isas: own_audit_days.iter().map(|(i, _)| i.clone()).collect(),
        ..Default::default()
    });
    cuts
}

/// The agreements that set their own `audit_days`.
pub fn own_audit_days(config: &crate::config::Config) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = config
        .sources
        .values()
        .filter_map(|s| match &s.isa {
            Some(super::IsaSetting::Agreement(a)) => {
                a.retention.audit_days.map(|d| (a.id.clone(), d))
            }
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Rows purged per class in one store call: a chunk keeps each commit short,
/// so journal appends never wait long behind retention.
pub const CHUNK: usize = 2000;

/// Runs every pass once, chunk by chunk until each is done. Returns the totals.
pub fn run_once(
    store: &dyn crate::store::Store,
    config: &crate::config::Config,
) -> Result<crate::store::PurgeStats, crate::store::StoreError> {
    let plan = plan(config);
    let now = chrono::Utc::now().timestamp_millis();
    let mut total = crate::store::PurgeStats::default();
    for cut in cuts(
        &plan,
        &own_audit_days(config),
        &config.policy.retention,
        now,
    ) {
        loop {
            let stats = store.purge(cut.clone(), CHUNK)?;
            total.add(stats);
            if stats.most() < CHUNK {
                break;
            }
        }
    }
    Ok(total)
}

/// The daemon's retention task: a pass soon after start, then every
/// `[policy] retention_interval_minutes`, until `shutdown`.
pub async fn run_schedule(
    store: std::sync::Arc<dyn crate::store::Store>,
    config: std::sync::Arc<crate::config::Config>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let every =
        std::time::Duration::from_secs(config.policy.retention_interval_minutes.max(1) * 60);
    // Not at the very start: let the sources and stages settle first.
    let mut wait = std::time::Duration::from_secs(2);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        wait = every;
        let (s, c) = (store.clone(), config.clone());
        match tokio::task::spawn_blocking(move || run_once(s.as_ref(), &c)).await {
            Ok(Ok(stats)) => {
                if stats.most() > 0 {
                    tracing::info!(
                        raw_payloads = stats.raw_payloads,
                        records = stats.records,
                        quarantine_entries = stats.quarantine_entries,
                        audit_entries = stats.audit_entries,
                        "retention purged what had been kept its time"
                    );
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "retention could not run; it is tried again next interval")
            }
            Err(e) => tracing::error!(error = %e, "retention task failed"),
        }
    }
}
