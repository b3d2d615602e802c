//! What the benchmark binaries share: arguments, the binaries beside them, the
//! Niche simulator, memory and percentiles. Each bench includes it with
//! `#[path = "common/mod.rs"] mod common;` (benches are separate crates).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The value of `--name N` on the command line, else `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A binary built beside the bench (`target/release/<name>`); `NICHE_SIM` may
/// point at the simulator instead.
pub fn sibling(name: &str) -> PathBuf {
    if name == "niche-sim"
        && let Some(p) = std::env::var_os("NICHE_SIM")
    {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("bench path");
    let dir = exe.parent().and_then(Path::parent).expect("target/release");
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} missing: run `cargo build --release -p {name}` (scripts/bench does)",
        p.display()
    );
    p
}

/// Starts the Niche simulator (no fsync) on a free port, keeping its state in
/// `dir`; returns it and its `host:port`.
pub fn start_niche_sim(dir: &Path) -> (Child, String) {
    let mut sim = Command::new(sibling("niche-sim"))
        .args(["--listen", "127.0.0.1:0", "--fsync", "false", "--state"])
        .arg(dir.join("sim.jsonl"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("niche-sim");
    let mut banner = String::new();
    BufReader::new(sim.stdout.take().expect("stdout"))
        .read_line(&mut banner)
        .expect("banner");
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("address")
        .to_string();
    (sim, addr)
}

/// Peak resident set size of a process so far (VmHWM), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The `p` quantile (0..1) of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
