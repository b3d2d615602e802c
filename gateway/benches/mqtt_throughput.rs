//! Radio alerts over MQTT, measured end to end with real processes: a Mosquitto
//! broker (default per-client limits: 20 in flight, 1,000 queued), the release
//! `bcgw` with an MQTT source and the `shopnet-text` adapter, and the Niche
//! simulator.
//!
//! - drain: `--burst N` alerts (default 20,000) queued in a broker without limits
//!   while the gateway is stopped, then taken in: the intake rate (every alert
//!   acknowledged only after its journal commit) and peak RSS.
//! - burst: the same number at `--burst-rate R` (default 8,000/s) against
//!   Mosquitto's default per-client limits: all journaled (none dropped), the
//!   end-to-end rate to the simulator, peak RSS.
//! - steady: `--rate R` alerts/s (default 1,000) for `--seconds S` (default 10).
//!   Prints p50/p99 from the gateway receiving an alert to Niche accepting it
//!   (from the store's own timestamps; on loopback, receipt is publish + well
//!   under a millisecond).
//!
//! `scripts/bench mqtt` builds what it needs and runs it.

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
#[path = "common/mod.rs"]
mod common;

use common::{arg, peak_rss_kib, percentile, start_niche_sim};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start_gateway(config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["--log", "warn", "run", "--config"])
        .arg(config)
        .spawn()
        .expect("bcgw")
}

struct Rig {
    dir: tempfile::TempDir,
    broker: Child,
    sim: Child,
    gateway: Child,
    port: u16,
}

impl Drop for Rig {
    fn drop(&mut self) {
        for c in [&mut self.gateway, &mut self.sim, &mut self.broker] {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Rig {
    /// Starts the broker (with `broker_settings` added), the simulator and the
    /// gateway, and waits for the gateway to subscribe.
    fn start(broker_settings: &str) -> Rig {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let conf = dir.path().join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "user root\nlistener {port} 127.0.0.1\nallow_anonymous true\n{broker_settings}"
            ),
        )
        .expect("conf");
        let broker = Command::new("mosquitto")
            .arg("-c")
            .arg(&conf)
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto (scripts/bench installs it)");
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        let (sim, addr) = start_niche_sim(dir.path());
        let config = dir.path().join("bcgw.toml");
        std::fs::write(
            &config,
            format!(
                r#"
[store]
path = "data/bcgw.sqlite"
[sources.radio]
kind = "mqtt"
plugin = {plugin:?}
[sources.radio.plugin_config]
town_from_topic = "shopnet/{{town}}/alerts"
[sources.radio.mqtt]
host = "127.0.0.1"
port = {port}
topics = ["shopnet/+/alerts"]
[sinks.niche]
kind = "niche"
renderer = {xml:?}
concurrency = 16
[sinks.niche.renderer_config]
force_code = "AS"
default_offence_code = "BC-OTHER"
[sinks.niche.niche]
url = "http://{addr}/submissions"
"#,
                plugin = bcgw_test_artifacts::SHOPNET_TEXT,
                xml = bcgw_test_artifacts::NICHE_XML,
            ),
        )
        .expect("config");
        let gateway = start_gateway(&config);
        let rig = Rig {
            dir,
            broker,
            sim,
            gateway,
            port,
        };
        // Subscribed once its session exists on the broker: wait for the client.
        std::thread::sleep(Duration::from_secs(2));
        rig
    }

    fn count(&self, sql: &str) -> i64 {
        rusqlite::Connection::open(self.dir.path().join("data/bcgw.sqlite"))
            .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
            .unwrap_or(0)
    }
}

fn alert(i: usize) -> String {
    format!(
        "ALERT {:02}:{:02} BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: ref {i}",
        i / 60 % 24,
        i % 60
    )
}

/// Publishes `count` alerts at `rate` per second (0: as fast as acknowledged);
/// returns when the broker has acknowledged all of them.
fn publish(port: u16, count: usize, rate: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let mut o = MqttOptions::new("bench-publisher", "127.0.0.1", port);
        o.set_inflight(100);
        let (client, mut events) = AsyncClient::new(o, 1000);
        tokio::spawn(async move {
            let start = Instant::now();
            for i in 0..count {
                if rate > 0 {
                    let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
                    tokio::time::sleep_until(due.into()).await;
                }
                let topic = "shopnet/bristol/alerts";
                if client
                    .publish(topic, QoS::AtLeastOnce, false, alert(i))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        let mut acked = 0;
        while acked < count {
            if let Ok(Event::Incoming(Packet::PubAck(_))) = events.poll().await {
                acked += 1;
            }
        }
    });
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) -> Instant {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
    Instant::now()
}

/// Intake capacity: the broker (no queue or in-flight limits) holds `count`
/// alerts for the gateway's session while it is stopped; then the gateway starts
/// and takes them all in. Every alert is acknowledged only after its commit.
fn drain(count: usize) {
    let mut rig = Rig::start("max_queued_messages 0\nmax_inflight_messages 0\n");
    let _ = rig.gateway.kill();
    let _ = rig.gateway.wait();
    publish(rig.port, count, 0);
    let start = Instant::now();
    rig.gateway = start_gateway(&rig.dir.path().join("bcgw.toml"));
    let journaled = wait_until("the queue journaled", Duration::from_secs(60), || {
        rig.count("SELECT COUNT(*) FROM payloads") as usize >= count
    }) - start;
    let rss = peak_rss_kib(rig.gateway.id()).unwrap_or(0);
    println!(
        "drain {count}: MQTT -> journal commit -> ack {:.0} alerts/s ({:.2} s, gateway start-up included); gateway peak RSS {:.1} MiB",
        count as f64 / journaled.as_secs_f64(),
        journaled.as_secs_f64(),
        rss as f64 / 1024.0
    );
}

/// A burst at `rate` alerts/s against Mosquitto's default limits (20 in flight,
/// 1,000 queued, the rest dropped): does the gateway keep up, and how fast does
/// it all reach Niche.
fn burst(count: usize, rate: usize) {
    let rig = Rig::start("");
    let start = Instant::now();
    publish(rig.port, count, rate);
    let published = start.elapsed();
    let journaled = wait_until("the burst journaled", Duration::from_secs(60), || {
        rig.count("SELECT COUNT(*) FROM payloads") as usize >= count
    }) - start;
    let rss = peak_rss_kib(rig.gateway.id()).unwrap_or(0);
    let delivered = wait_until("the burst delivered", Duration::from_secs(600), || {
        rig.count("SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") as usize >= count
    }) - start;
    println!(
        "burst {count} at {rate}/s: published in {:.2} s, all journaled after {:.2} s (none dropped); \
         to Niche {:.0} alerts/s ({:.1} s); gateway peak RSS {:.1} MiB",
        published.as_secs_f64(),
        journaled.as_secs_f64(),
        count as f64 / delivered.as_secs_f64(),
        delivered.as_secs_f64(),
        rss as f64 / 1024.0
    );
}

fn steady(rate: usize, seconds: usize) {
    let rig = Rig::start("");
    let count = rate * seconds;
    publish(rig.port, count, rate);
    wait_until("the steady run delivered", Duration::from_secs(300), || {
        rig.count("SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") as usize >= count
    });
    let db = rusqlite::Connection::open(rig.dir.path().join("data/bcgw.sqlite")).expect("store");
    let mut latencies: Vec<i64> = db
        .prepare(
            "SELECT o.delivered_at - p.received_at FROM outbox o
             JOIN records r ON r.record_id = o.incident_id
             JOIN payloads p ON p.id = r.payload_id
             WHERE o.state = 'delivered'",
        )
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("latencies");
    latencies.sort_unstable();
    println!(
        "steady {rate}/s for {seconds} s: {} delivered; receipt -> Niche accepted p50 {} ms, p99 {} ms, max {} ms",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0)
    );
}

fn main() {
    let count = arg("--burst", 20_000);
    burst(count, arg("--burst-rate", 8_000));
    steady(arg("--rate", 1_000), arg("--seconds", 10));
    drain(count);
}
