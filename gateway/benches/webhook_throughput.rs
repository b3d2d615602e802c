//! BCRP webhooks measured with real processes: the release `bcgw` with a webhook
//! source (bearer token, the `json-mapped` adapter, durability on: every 202 only
//! after its journal commit) and a load generator here holding `--connections C`
//! keep-alive connections (default 64) on loopback, one report per request, for
//! `--seconds S` (default 10).
//!
//! Prints requests/s and p50/p99/max latency to the 202, twice: with the gateway
//! only taking reports in (no sink), and with the Niche sink and simulator
//! running on the same two cores.
//!
//! `scripts/bench webhook` builds what it needs and runs it.

#[path = "common/mod.rs"]
mod common;

use common::{arg, percentile, start_niche_sim};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "bench-token-0123456789abcdef";

const MAPPING: &str = r#"
source_system = "disc"
required = ["source_record_id", "occurred_at"]
[fields]
source_record_id = "/id"
occurred_at = "/occurred_at"
category = "/type"
premises_name = "/store"
postcode = "/postcode"
narrative = "/text"
[categories]
"Theft" = "theft-from-shop"
"#;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

struct Rig {
    _dir: tempfile::TempDir,
    children: Vec<Child>,
    port: u16,
}

impl Drop for Rig {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Rig {
    fn start(with_sink: bool) -> Rig {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let mut children = Vec::new();
        let mut sink = String::new();
        if with_sink {
            let (sim, addr) = start_niche_sim(dir.path());
            children.push(sim);
            sink = format!(
                "[sinks.niche]\nkind = \"niche\"\nrenderer = {xml:?}\nconcurrency = 16\n\
                 [sinks.niche.renderer_config]\nforce_code = \"AS\"\ndefault_offence_code = \"BC-OTHER\"\n\
                 [sinks.niche.niche]\nurl = \"http://{addr}/submissions\"\n",
                xml = bcgw_test_artifacts::NICHE_XML
            );
        }
        let mapping = MAPPING
            .replace("[fields]", "[sources.disc.plugin_config.fields]")
            .replace("[categories]", "[sources.disc.plugin_config.categories]");
        let config = dir.path().join("bcgw.toml");
        std::fs::write(
            &config,
            format!(
                "[store]\npath = \"data/bcgw.sqlite\"\n[http]\nlisten = \"127.0.0.1:{port}\"\n\
                 [sources.disc]\nkind = \"webhook\"\nplugin = {plugin:?}\n[sources.disc.plugin_config]\n{mapping}\n\
                 [sources.disc.webhook]\nauth = {{ kind = \"bearer\", token = {{ env = \"BENCH_TOKEN\" }} }}\n{sink}",
                plugin = bcgw_test_artifacts::JSON_MAPPED,
            ),
        )
        .expect("config");
        let gateway = Command::new(env!("CARGO_BIN_EXE_bcgw"))
            .args(["--log", "warn", "run", "--config"])
            .arg(&config)
            .env("BENCH_TOKEN", TOKEN)
            .spawn()
            .expect("bcgw");
        children.push(gateway);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        Rig {
            _dir: dir,
            children,
            port,
        }
    }
}

fn request(n: usize) -> Vec<u8> {
    let body = format!(
        r#"{{"id":"D{n:08}","occurred_at":"2026-11-{:02}T{:02}:{:02}:00Z","type":"Theft","store":"Store {}","postcode":"BS1 3XE","text":"Report {n}: left without paying"}}"#,
        n % 28 + 1,
        n % 24,
        n % 60,
        n % 500
    );
    format!(
        "POST /sources/disc HTTP/1.1\r\nhost: bcgw\r\nauthorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one response; returns its status.
async fn response(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let status = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                buf.drain(..end + 4 + len);
                return Ok(status);
            }
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Report numbers already used: every request of a run is a new report (a repeat
/// would be answered 200 from the journal, which is cheaper).
static USED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn load(port: u16, connections: usize, seconds: u64) -> (usize, Vec<i64>, usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let stop = Arc::new(AtomicBool::new(false));
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(
            USED.fetch_add(100_000_000, Ordering::Relaxed),
        ));
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (stop, next) = (stop.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .expect("connect");
                stream.set_nodelay(true).ok();
                let mut buf = Vec::new();
                let mut latencies = Vec::new();
                let mut refused = 0;
                while !stop.load(Ordering::Relaxed) {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let started = Instant::now();
                    stream.write_all(&request(n)).await.expect("write");
                    let status = response(&mut stream, &mut buf).await.expect("response");
                    if status == 202 {
                        latencies.push(started.elapsed().as_micros() as i64);
                    } else {
                        refused += 1;
                    }
                }
                (latencies, refused)
            }));
        }
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        let mut refused = 0;
        for t in tasks {
            let (l, r) = t.await.expect("task");
            all.extend(l);
            refused += r;
        }
        all.sort_unstable();
        (all.len(), all, refused)
    })
}

fn run(with_sink: bool, connections: usize, seconds: u64) {
    let rig = Rig::start(with_sink);
    // Warm up: connections made, plugin compiled, caches filled.
    load(rig.port, 4, 1);
    let (n, latencies, refused) = load(rig.port, connections, seconds);
    println!(
        "webhook, {connections} connections, {seconds} s, {}: {:.0} requests/s accepted (202); \
         latency to the 202 p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {refused} not 202",
        if with_sink {
            "Niche sink running"
        } else {
            "intake only"
        },
        n as f64 / seconds as f64,
        percentile(&latencies, 0.50) as f64 / 1000.0,
        percentile(&latencies, 0.99) as f64 / 1000.0,
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
    );
}

fn main() {
    let connections = arg("--connections", 64);
    let seconds = arg("--seconds", 10) as u64;
    run(false, connections, seconds);
    run(true, connections, seconds);
}
