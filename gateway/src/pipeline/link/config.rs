//! `[link]`: how the daemon links reports of one incident.

use serde::Deserialize;
use std::path::PathBuf;

/// The daemon's default `auto_threshold` (see [`LinkSection::auto_threshold`]).
pub const DAEMON_AUTO_THRESHOLD: f64 = 0.6;

/// `[link]` in the gateway config.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LinkSection {
    /// Link reports across sources into incidents. `false`: every record is its
    /// own incident (one occurrence per report, as before linking existed).
    pub enabled: bool,
    /// How long a record waits before its incident is decided, counted from
    /// when it happened (seconds), so a BCRP report keyed minutes after the
    /// radio alert is decided with it and Niche gets one occurrence with both.
    /// A record reported later than that is decided at once; with linking off
    /// nothing waits. 0: no hold.
    pub hold_seconds: u64,
    /// How far back (days, from the recent reports' median day) a report can
    /// still be linked to: older ones leave the linker's memory. The default
    /// covers a monthly export; a source whose reports come later still sets
    /// its own `link_window_days`.
    pub window_days: u32,
    /// Mean match probability at which a report joins an incident unasked.
    /// Default 0.6: higher than the batch engine's 0.4, because a report linked
    /// on arrival is never reconsidered when its better match comes later; at 0.6
    /// incremental precision on both test corpora rises 2–4 points and about a
    /// third of the review queue are true matches.
    pub auto_threshold: Option<f64>,
    /// From this probability up to `auto_threshold`, a report starts its own
    /// incident and the near match goes to the review queue.
    pub review_threshold: Option<f64>,
    /// A model trained on the force's own labelled data (`bcgw link train`).
    /// Default: the built-in model.
    pub model_file: Option<PathBuf>,
    /// Most records linked per store commit (fewer when fewer are waiting).
    /// Record, incident and outbox keys are hashes, so every record dirties
    /// index pages all over the file, and each commit writes each dirty page
    /// once: a backlog linked in big batches writes far less (100k rows: 4.9k
    /// rows/s at 256, 9.1k at 2048, 11.2k at 4096). The cost is how long one
    /// commit holds the store's writer (about 0.15 s at 2048), which journal
    /// appends wait behind.
    pub batch: usize,
}

impl Default for LinkSection {
    fn default() -> Self {
        LinkSection {
            enabled: true,
            hold_seconds: 300,
            window_days: 45,
            auto_threshold: None,
            review_threshold: None,
            model_file: None,
            batch: 2048,
        }
    }
}

impl LinkSection {
    /// When records fall due for linking ([`super::LinkTiming`]).
    pub fn timing(&self) -> super::LinkTiming {
        super::LinkTiming {
            enabled: self.enabled,
            hold: chrono::Duration::seconds(self.hold_seconds.min(86_400 * 7) as i64),
        }
    }

    /// The engine settings these make.
    pub fn link_config(&self) -> bcgw_link::LinkConfig {
        let mut c = bcgw_link::LinkConfig {
            threshold: DAEMON_AUTO_THRESHOLD,
            ..bcgw_link::LinkConfig::default()
        };
        if let Some(t) = self.auto_threshold {
            c.threshold = t;
        }
        if let Some(t) = self.review_threshold {
            c.review_threshold = t;
        }
        // EM needs a batch; the daemon links one report at a time.
        c.em = false;
        c
    }

    /// The scoring model: the trained file, or the built-in one.
    pub fn model(&self) -> anyhow::Result<bcgw_link::Model> {
        match &self.model_file {
            None => Ok(bcgw_link::Model::builtin()),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("link.model_file {}: {e}", path.display()))?;
                bcgw_link::Model::from_toml(&text)
                    .map_err(|e| anyhow::anyhow!("link.model_file {}: {e}", path.display()))
            }
        }
    }

    /// Problems `check-config` reports, as (key, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let c = self.link_config();
        for (key, v) in [
            ("link.auto_threshold", c.threshold),
            ("link.review_threshold", c.review_threshold),
        ] {
            if !(0.0..=1.0).contains(&v) {
                out.push((key, format!("{v} is not a probability between 0 and 1")));
            }
        }
        if c.review_threshold > c.threshold {
            out.push((
                "link.review_threshold",
                format!(
                    "{} is above auto_threshold {}: nothing would ever be queued for review",
                    c.review_threshold, c.threshold
                ),
            ));
        }
        if self.batch == 0 {
            out.push(("link.batch", "must be at least 1".into()));
        }
        if self.window_days == 0 {
            out.push(("link.window_days", "must be at least 1".into()));
        }
        if let Err(e) = self.model() {
            out.push(("link.model_file", e.to_string()));
        }
        out
    }
}
