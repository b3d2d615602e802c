//! `[sources.<name>]`: where payloads come from and which adapter translates them.
//! The keys here are common to every kind; each kind's own settings go in the
//! table named after it (`[sources.<name>.csv_folder]`, `.mqtt`, `.serial`) and
//! are parsed by the kind (`crate::sources`).

use crate::plugins::SandboxLimits;
use crate::sources::SourceSettings;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// One source.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceConfig {
    /// What kind of source this is (`csv-folder`, `mqtt`, `serial`); its settings
    /// go in the table of the same name.
    pub kind: String,
    /// The adapter plugin (.wasm) that translates this source's payloads.
    pub plugin: PathBuf,
    /// SHA-256 of the plugin file. When set, a file with another digest is refused.
    /// `bcgw plugin inspect` prints it.
    #[serde(default)]
    pub plugin_sha256: Option<String>,
    /// The plugin's own settings, handed to it as JSON with every payload.
    #[serde(default)]
    pub plugin_config: toml::Table,
    /// A TOML file holding the plugin's settings instead (the same file
    /// `bcgw plugin test --config` takes). Not together with `plugin_config`.
    #[serde(default)]
    pub plugin_config_file: Option<PathBuf>,
    /// Sandbox limits for this plugin (deadline, memory, output caps).
    #[serde(default)]
    pub limits: SandboxLimits,
    /// The information sharing agreement this source's data flows under
    /// (`[sources.<name>.isa]`, `crate::policy`): its id is recorded on every
    /// record and audit entry, its field list applied before a record is stored.
    #[serde(default)]
    pub isa: Option<crate::policy::IsaSetting>,
    /// The channel its reports come through, for linking: `bcrp`, `retailer` or
    /// `radio` (reports of two channels about one incident are expected; two of
    /// one channel rarely are). Default: radio for alerts, else read from the
    /// report's source system.
    #[serde(default)]
    pub channel: Option<LinkChannel>,
    /// The member registers this source's reports belong to (names of
    /// `[members.<name>]`): its premises are resolved against these, and reports
    /// of a source with one register belong to that scheme. Default: every
    /// register (a retailer's national export).
    #[serde(default)]
    pub members: Option<Vec<String>>,
    /// How many days after an incident this source's reports may still arrive
    /// (a monthly export: 35 or more). The linker keeps reports for the longest
    /// of `link.window_days` and every source's `link_window_days`.
    #[serde(default)]
    pub link_window_days: Option<u32>,
    /// The source holds an archive being loaded: while it has more to read, no
    /// new incident is delivered, so Niche gets the linked result of the
    /// backfill rather than its history (see `bcgw run --backfill`).
    #[serde(default)]
    pub backfill: bool,
    /// The kind's own settings, parsed from its table by the kind.
    #[serde(skip, default = "crate::sources::unparsed")]
    pub settings: Arc<dyn SourceSettings>,
}

/// `channel` on a source: the channel its reports come through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkChannel {
    /// A BCRP platform (webhook, API, BCRP export).
    Bcrp,
    /// A retailer's own export.
    #[serde(alias = "retailer-csv")]
    Retailer,
    /// A radio scheme's alerts.
    Radio,
}

impl LinkChannel {
    /// The linker's channel.
    pub fn channel(self) -> bcgw_link::Channel {
        match self {
            LinkChannel::Bcrp => bcgw_link::Channel::Bcrp,
            LinkChannel::Retailer => bcgw_link::Channel::RetailerCsv,
            LinkChannel::Radio => bcgw_link::Channel::Radio,
        }
    }
}
