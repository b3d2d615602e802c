//! Running the `bcgw` binary as a user does: a config in a temporary folder, a drop
//! folder, the plugins built by `tests/artifacts`, and a Niche simulator.

use crate::helpers::wait_for;
use bcgw_test_artifacts::{CSV_MAPPED, NICHE_XML};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// The csv-mapped mapping the tests' CSV files use.
pub const MAPPING: &str = r#"
source_system = "retailer-csv"
required = ["Ref"]
[columns]
"Ref" = "source_record_id"
"Date" = "occurred_at"
"Store" = "premises_name"
"Postcode" = "postcode"
"Type" = "category"
"Narrative" = "narrative"
[categories]
"Shoplifting" = "theft-from-shop"
"#;

/// A CSV export with rows `R{from}`..`R{to}` (exclusive).
pub fn csv_rows(from: usize, to: usize) -> String {
    let mut csv = String::from("Ref,Date,Store,Postcode,Type,Narrative\r\n");
    for i in from..to {
        csv.push_str(&format!(
            "R{i},{:02}/10/2026 {:02}:{:02},Store {},BS1 3XE,Shoplifting,\"Row {i}, took items\"\r\n",
            i % 28 + 1,
            i % 24,
            i % 60,
            i % 50
        ));
    }
    csv
}

/// The record id the gateway gives row `R{i}` of source `shop`.
/// The record id of the tests' source row with this `Ref`.
pub fn record_id_of_row_ref(reference: &str) -> String {
    let report = bcgw_sdk::schema::Report {
        source_system: "retailer-csv".into(),
        source_record_id: Some(reference.into()),
        ..Default::default()
    };
    bcgw::pipeline::record_id::record_id("shop", &report).expect("a schema report has a record id")
}

pub fn record_id_of_row(i: usize) -> String {
    let report = bcgw_sdk::schema::Report {
        source_system: "retailer-csv".into(),
        source_record_id: Some(format!("R{i}")),
        ..Default::default()
    };
    bcgw::pipeline::record_id::record_id("shop", &report).expect("a schema report has a record id")
}

/// The `[store]`, `[plugins]` and `[pipeline]` tables of a test config in `dir`.
pub fn store_toml(dir: &Path) -> String {
    format!(
        "[store]\npath = {store:?}\n[plugins]\ncache_dir = {cache:?}\n[pipeline]\nidle_poll_ms = 20\n[link]\nhold_seconds = 0\n",
        store = dir.join("data/bcgw.sqlite"),
        cache = crate::helpers::code_cache(),
    )
}

/// A niche sink `niche` to `url` with the niche-xml renderer and quick retries.
pub fn niche_sink_toml(url: &str) -> String {
    format!(
        r#"
[sinks.niche]
kind = "niche"
renderer = {xml:?}
concurrency = 8
retry = {{ initial_ms = 50, max_ms = 1000 }}
[sinks.niche.renderer_config]
force_code = "AS"
default_offence_code = "BC-OTHER"
[sinks.niche.niche]
url = {url:?}
timeout_ms = 2000
"#,
        xml = NICHE_XML,
    )
}

/// A gateway set up in a folder.
pub struct Gateway {
    /// Its folder.
    pub dir: PathBuf,
    /// The config file.
    pub config: PathBuf,
    /// The drop folder of source `shop`.
    pub drop: PathBuf,
    child: Option<Child>,
    runs: usize,
    /// Extra environment for every run (e.g. `BCGW__STORE__MAX_SIZE_MB`).
    pub env: Vec<(String, String)>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Gateway {
    /// Writes a config with one CSV folder source `shop` and a niche sink to
    /// `niche_url`. `store` overrides where the database goes; `extra` is appended.
    pub fn new(dir: &Path, niche_url: &str, store: Option<&Path>, extra: &str) -> Gateway {
        let drop = dir.join("drop");
        std::fs::create_dir_all(&drop).expect("drop folder");
        let store = store
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.join("data/bcgw.sqlite"));
        let config = format!(
            r#"
[store]
path = {store:?}

[plugins]
cache_dir = {cache:?}

[pipeline]
idle_poll_ms = 20
[link]
hold_seconds = 0

[sources.shop]
kind = "csv-folder"
plugin = {csv:?}
isa = "ISA-TEST-1"
[sources.shop.plugin_config]
{mapping}
[sources.shop.csv_folder]
path = {drop:?}
completion = "rename"
poll_interval_ms = 50
chunk_rows = 500

[sinks.niche]
kind = "niche"
renderer = {xml:?}
[sinks.niche.renderer_config]
force_code = "AS"
default_offence_code = "BC-OTHER"
[sinks.niche.niche]
url = {niche_url:?}
timeout_ms = 2000
concurrency = 8
[sinks.niche.niche.retry]
initial_ms = 50
max_ms = 1000
[sinks.niche.niche.circuit_breaker]
failure_threshold = 5
open_ms = 1000
{extra}
"#,
            cache = crate::helpers::code_cache(),
            csv = CSV_MAPPED,
            xml = NICHE_XML,
            mapping = MAPPING
                .replace("[columns]", "[sources.shop.plugin_config.columns]")
                .replace("[categories]", "[sources.shop.plugin_config.categories]"),
        );
        let path = dir.join("bcgw.toml");
        std::fs::write(&path, config).expect("config written");
        Gateway {
            dir: dir.to_owned(),
            config: path,
            drop,
            child: None,
            runs: 0,
            env: Vec::new(),
        }
    }

    /// A gateway with a config of the test's own (`config` is the whole file).
    pub fn with_config(dir: &Path, config: &str) -> Gateway {
        let path = dir.join("bcgw.toml");
        std::fs::write(&path, config).expect("config written");
        Gateway {
            dir: dir.to_owned(),
            config: path,
            drop: dir.join("drop"),
            child: None,
            runs: 0,
            env: Vec::new(),
        }
    }

    /// Runs a `bcgw` command against this gateway's config (`--config` after
    /// `args`) and returns what it printed.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_bcgw"))
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .envs(self.env.iter().cloned())
            .output()
            .expect("bcgw runs")
    }

    fn command(&mut self, args: &[&str]) -> Command {
        self.runs += 1;
        let log = std::fs::File::create(self.dir.join(format!("bcgw-{}.log", self.runs)))
            .expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcgw"));
        cmd.args(["--log", "info"])
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .stdout(Stdio::piped())
            .stderr(log)
            .envs(self.env.iter().cloned());
        cmd
    }

    /// Starts `bcgw run` in the background.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        self.child = Some(self.command(&["run"]).spawn().expect("bcgw starts"));
    }

    /// Kills it with SIGKILL: no chance to finish anything.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("kill -9");
            let _ = c.wait();
        }
    }

    /// Stops it with SIGTERM, as an operator would, and waits up to `timeout` for
    /// it to exit; `None` if it did not.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// Whether the background gateway is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// Runs `bcgw run --until-idle` to completion; returns its status and stdout.
    pub fn run_until_idle(&mut self, timeout: Duration) -> (ExitStatus, String) {
        self.run_until_idle_with(&[], timeout)
    }

    /// [`Gateway::run_until_idle`] with more `bcgw run` arguments (`--backfill`).
    pub fn run_until_idle_with(
        &mut self,
        args: &[&str],
        timeout: Duration,
    ) -> (ExitStatus, String) {
        let mut all = vec!["run", "--until-idle"];
        all.extend_from_slice(args);
        let mut child = self.command(&all).spawn().expect("bcgw starts");
        let status = wait_for("bcgw run --until-idle to finish", timeout, || {
            child.try_wait().ok().flatten()
        });
        let mut out = String::new();
        if let Some(mut s) = child.stdout.take() {
            std::io::Read::read_to_string(&mut s, &mut out).ok();
        }
        (status, out)
    }

    /// Everything the gateway has logged so far, all runs.
    pub fn logs(&self) -> String {
        (1..=self.runs)
            .map(|i| {
                std::fs::read_to_string(self.dir.join(format!("bcgw-{i}.log"))).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until the logs contain `needle`; on timeout, panics showing the logs.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) {
        self.wait(&format!("{needle:?} in the gateway log"), timeout, || {
            self.logs().contains(needle)
        });
    }

    /// Waits until `done` is true; on timeout, panics saying what was awaited and
    /// showing the end of the gateway's log.
    pub fn wait(&self, what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + timeout;
        while !done() {
            if std::time::Instant::now() > deadline {
                let logs = self.logs();
                let tail: String = logs
                    .chars()
                    .rev()
                    .take(5000)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                panic!("timed out after {timeout:?} waiting for {what}; gateway log tail:\n{tail}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Drops a file into the folder atomically (write elsewhere, rename in).
    pub fn drop_file(&self, name: &str, content: &str) {
        let tmp = self.dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, content).expect("write export");
        std::fs::rename(&tmp, self.drop.join(name)).expect("rename into the drop folder");
    }

    /// Whether a file is still waiting in the drop folder (not acknowledged).
    pub fn waiting(&self, name: &str) -> bool {
        self.drop.join(name).exists()
    }

    /// Whether a file was acknowledged (moved to done/).
    pub fn done(&self, name: &str) -> bool {
        self.drop.join("done").join(name).exists()
    }
}
