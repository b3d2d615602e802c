//! One run's world: a temp dir, a Mosquitto broker, the Niche simulator and
//! `bcgw run` as a child process (started, `kill -9`ed and restarted), its config
//! with the three sources, and read-only looks into its store.

use crate::channels;
use crate::common::start_niche_sim;
use crate::mosquitto::{Mosquitto, free_port};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a wait may see no progress before it gives up.
pub const STALL: Duration = Duration::from_secs(600);

/// The webhook source's bearer token.
pub const TOKEN: &str = "bench-bcrp-token-0123456789abcdef";
/// The gateway's MQTT client id: its persistent session is made before it starts.
pub const CLIENT_ID: &str = "bcgw-bench-radio";
/// Where the retailer's exports are dropped (inside the run dir).
pub const DROP: &str = "retail";

/// A run's processes and files.
pub struct Rig {
    /// Everything of the run: config, store, drop folder, logs.
    pub dir: tempfile::TempDir,
    /// The broker.
    pub broker: Mosquitto,
    sim: Child,
    /// The simulator's `host:port`.
    pub sim_addr: String,
    /// The gateway's webhook listener.
    pub http_port: u16,
    /// The gateway config.
    pub config: PathBuf,
    daemon: Option<Child>,
    /// When the gateway was last started (for the wall clock).
    pub started: Option<Instant>,
}

impl Rig {
    /// Writes the config (with `[members]` from `registers`, or none) and starts
    /// the broker and the simulator; the gateway is not started yet.
    pub fn new(registers: &[PathBuf]) -> Rig {
        let dir = tempfile::Builder::new()
            .prefix("link-bench-")
            .disable_cleanup(keep())
            .tempdir()
            .expect("tempdir");
        // No queue limit: while the gateway is down (kill -9, a backfill's load)
        // its session keeps every alert.
        let broker = Mosquitto::start(dir.path(), "max_queued_messages 0\nmax_queued_bytes 0\n");
        let (sim, sim_addr) = start_niche_sim(dir.path());
        let http_port = free_port();
        std::fs::create_dir_all(dir.path().join(DROP)).expect("drop folder");
        for (name, text) in [
            ("radio.toml", channels::radio_plugin_config()),
            ("bcrp.toml", channels::bcrp_plugin_config()),
            ("retail.toml", channels::retail_plugin_config()),
        ] {
            std::fs::write(dir.path().join(name), text).expect("plugin config");
        }
        let config = dir.path().join("bcgw.toml");
        let text = config_toml(registers, broker.port, http_port, &sim_addr);
        std::fs::write(&config, text).expect("config");
        Rig {
            dir,
            broker,
            sim,
            sim_addr,
            http_port,
            config,
            daemon: None,
            started: None,
        }
    }

    /// The run dir.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Starts `bcgw run` (with `--backfill` if asked), its log appended to
    /// `bcgw.log`.
    pub fn start(&mut self, backfill: bool) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path().join("bcgw.log"))
            .expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcgw"));
        cmd.args(["--log", "info", "run", "--config"])
            .arg(&self.config)
            .env("BCRP_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(log);
        if backfill {
            cmd.arg("--backfill");
        }
        self.daemon = Some(cmd.spawn().expect("bcgw run"));
        self.started.get_or_insert_with(Instant::now);
    }

    /// `kill -9` the gateway and reap it.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.daemon.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the gateway again, saying so, if it exited by itself (it never
    /// should: a crash to report).
    pub fn revive(&mut self) {
        let exited = self
            .daemon
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        if let Some(status) = exited {
            println!("  !! bcgw run exited by itself ({status}); started again (see bcgw.log)");
            self.daemon = None;
            self.start(false);
        }
    }

    /// The store, read-only; `None` while it does not exist yet.
    pub fn store(&self) -> Option<Connection> {
        let path = self.path().join("data/bcgw.sqlite");
        if !path.exists() {
            return None;
        }
        let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
        c.busy_timeout(Duration::from_secs(5)).ok()?;
        Some(c)
    }

    /// One number from the store (0 if it cannot be read).
    pub fn count(&self, sql: &str) -> i64 {
        self.store()
            .and_then(|c| c.query_row(sql, [], |r| r.get(0)).ok())
            .unwrap_or(0)
    }

    /// Radio messages journaled (each MQTT message is one payload).
    pub fn radio_journaled(&self) -> usize {
        self.count("SELECT COUNT(*) FROM payloads WHERE source = 'radio'") as usize
    }

    /// Files still waiting in the drop folder.
    pub fn files_waiting(&self) -> usize {
        std::fs::read_dir(self.path().join(DROP))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().is_file())
                    .count()
            })
            .unwrap_or(0)
    }

    /// Nothing left to do: every alert journaled, no file waiting, no payload
    /// pending, no record unlinked, no delivery pending.
    pub fn idle(&self, alerts: usize) -> bool {
        if self.files_waiting() > 0 || self.radio_journaled() < alerts {
            return false;
        }
        let busy = self.count(
            "SELECT (SELECT COUNT(*) FROM payloads WHERE state = 'pending')
                  + (SELECT COUNT(*) FROM records WHERE incident_id IS NULL)
                  + (SELECT COUNT(*) FROM outbox WHERE state = 'pending')",
        );
        let records = self.count("SELECT COUNT(*) FROM records");
        busy == 0 && records > 0
    }

    /// Waits until [`Rig::idle`] holds twice, half a second apart (reviving a
    /// gateway that died). Returns when it became idle; gives up, saying what
    /// is left, after [`STALL`] without progress.
    pub fn wait_idle(&mut self, alerts: usize) -> Instant {
        let mut seen = 0;
        let mut progress = (i64::MIN, Instant::now());
        loop {
            self.revive();
            if self.idle(alerts) {
                seen += 1;
                if seen == 2 {
                    return Instant::now();
                }
            } else {
                seen = 0;
            }
            let now = self.progress();
            if now != progress.0 {
                progress = (now, Instant::now());
            } else if progress.1.elapsed() > STALL {
                println!(
                    "  !! no progress for {} s: {}",
                    STALL.as_secs(),
                    self.backlog(alerts)
                );
                return Instant::now();
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// A number that grows while the gateway does anything.
    fn progress(&self) -> i64 {
        self.count(
            "SELECT (SELECT COUNT(*) FROM payloads) + (SELECT COUNT(*) FROM records)
                  + (SELECT COUNT(*) FROM links) + (SELECT COALESCE(SUM(attempts), 0) FROM outbox)
                  + (SELECT COUNT(*) FROM outbox WHERE state != 'pending')",
        )
    }

    /// What is left to do, for a stall message.
    pub fn backlog(&self, alerts: usize) -> String {
        format!(
            "alerts journaled {} of {alerts}, files waiting {}, payloads pending {}, records unlinked {}, deliveries pending {}",
            self.radio_journaled(),
            self.files_waiting(),
            self.count("SELECT COUNT(*) FROM payloads WHERE state = 'pending'"),
            self.count("SELECT COUNT(*) FROM records WHERE incident_id IS NULL"),
            self.count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'"),
        )
    }

    /// The gateway log's WARN and ERROR lines (and panics) after start-up's
    /// config notes, grouped by message and source or sink (other fields left
    /// out): (lines, sum of their `records=`, message), most frequent first.
    pub fn log_problems(&self) -> Vec<(usize, u64, String)> {
        let text = std::fs::read_to_string(self.path().join("bcgw.log")).unwrap_or_default();
        let mut groups: Vec<(usize, u64, String)> = Vec::new();
        for line in text.lines().map(strip_ansi) {
            let bad =
                line.contains(" WARN ") || line.contains(" ERROR ") || line.contains("panicked");
            if !bad || line.contains(" config: ") {
                continue;
            }
            let (msg, records) = log_message(&line);
            match groups.iter_mut().find(|(_, _, m)| *m == msg) {
                Some((n, r, _)) => {
                    *n += 1;
                    *r += records;
                }
                None => groups.push((1, records, msg)),
            }
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.0));
        groups
    }
}

/// A log line's message without its timestamp and its fields other than
/// `source=` and `sink=`, and the value of its `records=` field (0 if none).
fn log_message(line: &str) -> (String, u64) {
    let mut records = 0;
    let words: Vec<&str> = line
        .split_whitespace()
        .skip(1)
        .filter(|w| match w.split_once('=') {
            Some(("records", n)) => {
                records = n.parse().unwrap_or(0);
                false
            }
            Some(("source" | "sink", _)) => true,
            Some((k, _)) => !k.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            None => true,
        })
        .collect();
    (words.join(" "), records)
}

/// `line` without ANSI colour sequences.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.kill9();
        let _ = self.sim.kill();
        let _ = self.sim.wait();
    }
}

/// `LINK_BENCH_KEEP=1` keeps each run's dir (store, config, log) for a look after.
pub fn keep() -> bool {
    std::env::var_os("LINK_BENCH_KEEP").is_some()
}

/// `[members.<scheme>]` for each register file, named after the file.
fn members_toml(registers: &[PathBuf]) -> String {
    let mut out = String::new();
    for r in registers {
        let name = r
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("register file name");
        out.push_str(&format!("[members.{name}]\nfile = {r:?}\n"));
    }
    out
}

/// Where compiled plugin code is kept between runs (each run compiles nothing).
fn code_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("link-bench-code-cache")
}

/// The gateway config: radio over MQTT 5, BCRP webhooks, the retailer's export
/// folder, every source resolved against every register; `[link]` defaults.
fn config_toml(registers: &[PathBuf], broker: u16, http: u16, sim: &str) -> String {
    format!(
        r#"[store]
path = "data/bcgw.sqlite"
[plugins]
cache_dir = {cache:?}
[http]
listen = "127.0.0.1:{http}"
{members}
[sources.radio]
kind = "mqtt"
plugin = {shopnet:?}
plugin_config_file = "radio.toml"
channel = "radio"
[sources.radio.mqtt]
host = "127.0.0.1"
port = {broker}
protocol = "5"
topics = ["shopnet/+/alerts"]
client_id = "{CLIENT_ID}"

[sources.bcrp]
kind = "webhook"
plugin = {json:?}
plugin_config_file = "bcrp.toml"
channel = "bcrp"
[sources.bcrp.webhook]
auth = {{ kind = "bearer", token = {{ env = "BCRP_TOKEN" }} }}

[sources.retail]
kind = "csv-folder"
plugin = {csv:?}
plugin_config_file = "retail.toml"
channel = "retailer"
[sources.retail.csv_folder]
path = "{DROP}"
completion = "rename"
poll_interval_ms = 50

[sinks.niche]
kind = "niche"
renderer = {xml:?}
concurrency = 16
[sinks.niche.renderer_config]
force_code = "AS"
default_offence_code = "BC-OTHER"
[sinks.niche.niche]
url = "http://{sim}/submissions"
"#,
        cache = code_cache(),
        members = members_toml(registers),
        shopnet = bcgw_test_artifacts::SHOPNET_TEXT,
        json = bcgw_test_artifacts::JSON_MAPPED,
        csv = bcgw_test_artifacts::CSV_MAPPED,
        xml = bcgw_test_artifacts::NICHE_XML,
    )
}
