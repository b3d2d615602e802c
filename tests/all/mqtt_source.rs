//! The MQTT source against a real Mosquitto: every alert the publisher saw
//! acknowledged reaches the Niche simulator exactly once, through a broker restart
//! and a `kill -9` of the gateway; MQTT 5 user properties reach the adapter.

use crate::gateway::{Gateway, niche_sink_toml, store_toml};
use crate::mosquitto::Mosquitto;
use crate::niche::NicheSim;
use bcgw_sdk::schema::{Report, ReportKind};
use bcgw_test_artifacts::FIRST_PLUGIN;
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The text of alert `i`.
fn alert(i: usize) -> String {
    format!(
        "ALERT {:02}:{:02} BOOTS BROADMEAD M 30S BLUE HOODIE THEFT #{i}",
        i / 60 % 24,
        i % 60
    )
}

/// The record id the gateway gives alert `i` through the first-plugin adapter.
fn record_id_of(i: usize) -> String {
    let mut report = Report {
        source_system: "shopnet-radio".into(),
        ..Default::default()
    };
    report.event.kind = ReportKind::Alert;
    report.event.narrative = Some(alert(i));
    bcgw::pipeline::record_id::record_id("radio", &report).expect("a schema report has a record id")
}

/// A gateway with an MQTT source `radio` (first-plugin adapter) and a niche sink.
pub fn mqtt_gateway(dir: &Path, port: u16, niche_url: &str, extra: &str) -> Gateway {
    Gateway::with_config(dir, &mqtt_config(dir, port, niche_url, extra))
}

/// The config of [`mqtt_gateway`]; `extra` goes into the `mqtt` table.
pub fn mqtt_config(dir: &Path, port: u16, niche_url: &str, extra: &str) -> String {
    format!(
        r#"{common}
[sources.radio]
kind = "mqtt"
plugin = {plugin:?}
[sources.radio.mqtt]
host = "127.0.0.1"
port = {port}
topics = ["shopnet/+/alerts"]
client_id = "bcgw-test-radio"
reconnect = {{ initial_ms = 50, max_ms = 500 }}
{extra}
{sink}"#,
        common = store_toml(dir),
        plugin = FIRST_PLUGIN,
        sink = niche_sink_toml(niche_url),
    )
}

/// Publishes alerts `0..count` at QoS 1 as fast as the broker takes them, through
/// reconnects, and records which ones the broker acknowledged.
pub struct Publisher {
    /// Indices of alerts the broker acknowledged.
    pub acked: Arc<Mutex<HashSet<usize>>>,
    done: Option<std::thread::JoinHandle<()>>,
}

impl Publisher {
    /// Starts publishing on its own thread, `rate` alerts a second (0: as fast as
    /// the client can).
    pub fn start(port: u16, count: usize, rate: usize) -> Publisher {
        let acked = Arc::new(Mutex::new(HashSet::new()));
        let seen = acked.clone();
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(publish(port, count, rate, seen));
        });
        Publisher {
            acked,
            done: Some(done),
        }
    }

    /// Waits until every alert is published and acknowledged (or `timeout`).
    pub fn finish(&mut self, count: usize, timeout: Duration) -> HashSet<usize> {
        crate::helpers::wait_for("every publish acknowledged", timeout, || {
            (self.acked.lock().expect("lock").len() >= count).then_some(())
        });
        if let Some(d) = self.done.take() {
            let _ = d.join();
        }
        self.acked.lock().expect("lock").clone()
    }
}

async fn publish(port: u16, count: usize, rate: usize, acked: Arc<Mutex<HashSet<usize>>>) {
    let mut o = MqttOptions::new("test-publisher", "127.0.0.1", port);
    o.set_clean_session(false).set_inflight(100);
    let (client, mut events) = AsyncClient::new(o, 200);
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        for i in 0..count {
            if rate > 0 {
                let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
                tokio::time::sleep_until(due).await;
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
    // Packet ids are assigned in publish order; a retransmission after a reconnect
    // reuses its id while it is unacknowledged.
    let mut pending: HashMap<u16, usize> = HashMap::new();
    let mut next = 0usize;
    loop {
        match events.poll().await {
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => {
                pending.entry(pkid).or_insert_with(|| {
                    next += 1;
                    next - 1
                });
            }
            Ok(Event::Incoming(Packet::PubAck(a))) => {
                if let Some(i) = pending.remove(&a.pkid) {
                    let mut acked = acked.lock().expect("lock");
                    acked.insert(i);
                    if acked.len() >= count {
                        return;
                    }
                }
            }
            Ok(_) => {}
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

#[test]
fn alerts_reach_niche_exactly_once_through_broker_restart_and_kill_9() {
    const COUNT: usize = 5_000;
    let dir = tempfile::tempdir().unwrap();
    let mut broker = Mosquitto::start(dir.path());
    let sim = NicheSim::start(dir.path());
    let mut gw = mqtt_gateway(dir.path(), broker.port, &sim.url(), "");
    gw.start();
    gw.wait_for_log("mqtt connected", Duration::from_secs(30));
    // Subscribed before the first alert: the broker queues for the session from then.
    std::thread::sleep(Duration::from_millis(300));
    let mut publisher = Publisher::start(broker.port, COUNT, 2_000);
    let acked_count = |p: &Publisher| p.acked.lock().unwrap().len();
    crate::helpers::wait_for("a third published", Duration::from_secs(60), || {
        (acked_count(&publisher) >= COUNT / 3).then_some(())
    });
    // The broker restarts mid-stream (cleanly: it saves its sessions and queues);
    // the publisher and the gateway both reconnect.
    broker.restart();
    crate::helpers::wait_for("two thirds published", Duration::from_secs(60), || {
        (acked_count(&publisher) >= 2 * COUNT / 3).then_some(())
    });
    // kill -9 mid-stream: whatever was received and not yet acknowledged comes
    // again; what arrives meanwhile queues in the broker for the session.
    gw.kill9();
    std::thread::sleep(Duration::from_millis(100));
    gw.start();
    let acked = publisher.finish(COUNT, Duration::from_secs(120));
    assert_eq!(acked.len(), COUNT);
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while (sim.occurrences() as usize) < COUNT && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    let keys = sim.keys();
    let unique: HashSet<&String> = keys.iter().collect();
    let missing: Vec<usize> = acked
        .iter()
        .copied()
        .filter(|i| !unique.contains(&record_id_of(*i)))
        .collect();
    let db = rusqlite::Connection::open(dir.path().join("data/bcgw.sqlite")).unwrap();
    let journaled: i64 = db
        .query_row("SELECT COUNT(*) FROM payloads", [], |r| r.get(0))
        .unwrap();
    assert!(
        missing.is_empty(),
        "{} acknowledged alerts never delivered (e.g. {:?}); {journaled} journaled, {} delivered",
        missing.len(),
        &missing[..missing.len().min(10)],
        keys.len()
    );
    assert_eq!(unique.len(), keys.len(), "an alert was delivered twice");
    assert_eq!(keys.len(), COUNT, "occurrences beyond the alerts published");
    assert!(
        gw.logs().contains("mqtt connection lost"),
        "the broker restart was seen"
    );
}

#[test]
fn mqtt5_properties_topic_and_retained_copies() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start(dir.path());
    let sim = NicheSim::start(dir.path());
    // A retained alert published before the gateway subscribes arrives as a
    // retained copy; on every resubscribe it arrives again, and must not make a
    // second record.
    let status = std::process::Command::new("mosquitto_pub")
        .args([
            "-p",
            &broker.port.to_string(),
            "-q",
            "1",
            "-r",
            "-V",
            "mqttv5",
        ])
        .args(["-t", "shopnet/bath/alerts", "-m", &alert(1)])
        .args([
            "-D",
            "publish",
            "user-property",
            "sent-at",
            "2026-11-29T14:03:00Z",
        ])
        .status()
        .expect("mosquitto_pub runs");
    assert!(status.success());
    let mut gw = mqtt_gateway(dir.path(), broker.port, &sim.url(), "protocol = \"5\"");
    gw.start();
    gw.wait(
        "the retained alert delivered",
        Duration::from_secs(60),
        || sim.occurrences() == 1,
    );
    // Reconnect (a gateway restart): the retained copy comes again.
    gw.kill9();
    gw.start();
    gw.wait_for_log("mqtt connected", Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sim.occurrences(), 1, "a retained copy made a second record");
    let db = rusqlite::Connection::open(dir.path().join("data/bcgw.sqlite")).unwrap();
    let metadata: String = db
        .query_row(
            "SELECT metadata FROM payloads ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for expected in [
        r#"["mqtt-topic","shopnet/bath/alerts"]"#,
        r#"["mqtt-qos","1"]"#,
        r#"["mqtt-retain","true"]"#,
        r#"["mqtt-property:sent-at","2026-11-29T14:03:00Z"]"#,
    ] {
        assert!(metadata.contains(expected), "{expected} in {metadata}");
    }
    let repeats: i64 = db
        .query_row("SELECT COUNT(*) FROM payload_repeats", [], |r| r.get(0))
        .unwrap();
    assert!(
        repeats >= 1,
        "the second retained copy was refused by the journal"
    );
}

/// Every alert of a burst is journaled exactly once. Whether the gateway keeps up
/// with the burst inside Mosquitto's default per-client queue (1,000 messages
/// beyond the 20 in flight) is a matter of speed, which depends on what else
/// the machine runs: `scripts/bench mqtt` measures it. This test lifts the queue
/// limit so that it asserts the outcome, not a rate (it failed on a loaded CI
/// machine with the broker's default queue while every alert the gateway was
/// given was journaled).
#[test]
fn a_burst_of_20000_is_journaled_once_each() {
    const COUNT: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start_with(
        dir.path(),
        "allow_anonymous true\nmax_queued_messages 100000\n",
    );
    // No sink: this is about intake.
    let config = mqtt_config(dir.path(), broker.port, "http://127.0.0.1:9/", "");
    let config = config.split("[sinks.niche]").next().unwrap().to_string();
    let mut gw = Gateway::with_config(dir.path(), &config);
    gw.start();
    gw.wait_for_log("mqtt connected", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    // 8,000 alerts/s: far above any radio net, and above the 6,000/s the gateway
    // is built for. Not unthrottled: an unthrottled client on loopback publishes
    // ~50,000/s, faster than Mosquitto forwards to any subscriber within its
    // 1,000-message queue (a plain mosquitto_sub lost 18% of such a burst).
    let mut publisher = Publisher::start(broker.port, COUNT, 8_000);
    let acked = publisher.finish(COUNT, Duration::from_secs(120));
    let started = started.elapsed();
    assert_eq!(acked.len(), COUNT);
    let db = dir.path().join("data/bcgw.sqlite");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let count = || {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM payloads", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0) as usize
    };
    while count() < COUNT && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let published_in = started;
    eprintln!(
        "burst: {} journaled of {COUNT}, publisher finished in {published_in:?}",
        count()
    );
    let n: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM payloads", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        n as usize, COUNT,
        "the journal holds exactly the alerts published"
    );
}

#[test]
fn niche_down_intake_goes_on_and_references_go_back_to_the_radio_net() {
    const COUNT: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start(dir.path());
    let mut sim = NicheSim::start(dir.path());
    let acks = format!(
        r#"
[sinks.radio-acks]
kind = "mqtt"
after = "niche"
retry = {{ initial_ms = 50, max_ms = 500 }}
[sinks.radio-acks.mqtt]
host = "127.0.0.1"
port = {port}
topic = "shopnet/{{source}}/acks"
sources = ["radio"]
"#,
        port = broker.port
    );
    let config = mqtt_config(dir.path(), broker.port, &sim.url(), "");
    let mut gw = Gateway::with_config(dir.path(), &format!("{config}\n{acks}"));
    // Listen for the acknowledgements before anything is published.
    let subscriber = std::process::Command::new("mosquitto_sub")
        .args([
            "-p",
            &broker.port.to_string(),
            "-t",
            "shopnet/+/acks",
            "-q",
            "1",
        ])
        .args(["-C", &COUNT.to_string(), "-W", "120"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("mosquitto_sub runs");
    sim.kill();
    gw.start();
    gw.wait_for_log("mqtt connected", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    let mut publisher = Publisher::start(broker.port, COUNT, 0);
    publisher.finish(COUNT, Duration::from_secs(60));
    // Niche is down: every alert is still journaled and translated, waiting in
    // the outbox.
    let db = dir.path().join("data/bcgw.sqlite");
    gw.wait(
        "every alert waiting in the outbox",
        Duration::from_secs(60),
        || {
            rusqlite::Connection::open(&db)
                .and_then(|c| {
                    c.query_row(
                        "SELECT COUNT(*) FROM outbox WHERE sink = 'niche' AND state = 'pending'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .is_ok_and(|n| n as usize == COUNT)
        },
    );
    sim.restart();
    gw.wait("every alert delivered", Duration::from_secs(120), || {
        sim.occurrences() as usize == COUNT
    });
    let out = subscriber.wait_with_output().expect("mosquitto_sub ends");
    let text = String::from_utf8_lossy(&out.stdout);
    let bodies: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("an acknowledgement is JSON"))
        .collect();
    assert_eq!(bodies.len(), COUNT, "{text}");
    let mut refs = HashSet::new();
    for b in &bodies {
        assert_eq!(b["status"], "recorded", "{b}");
        let reference = b["occurrence_reference"].as_str().expect("a reference");
        assert!(!reference.is_empty());
        refs.insert(reference.to_string());
        assert!(
            b["record_id"]
                .as_str()
                .is_some_and(|r| r.starts_with("rec-")),
            "{b}"
        );
    }
    assert_eq!(refs.len(), COUNT, "one occurrence reference per alert");
}

/// Runs a command that must succeed (certificate set-up).
fn run(cmd: &mut std::process::Command) {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn tls_with_a_password_from_the_environment_and_a_refused_login() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let openssl = || {
        let mut c = std::process::Command::new("openssl");
        c.current_dir(d);
        c
    };
    run(openssl()
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
        ])
        .args(["-out", "ca.pem", "-days", "2", "-subj", "/CN=bcgw test CA"]));
    run(openssl()
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
        ])
        .args(["-out", "server.csr", "-subj", "/CN=localhost"]));
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    run(openssl()
        .args([
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
        ])
        .args([
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]));
    run(std::process::Command::new("mosquitto_passwd")
        .args(["-b", "-c"])
        .arg(d.join("passwd"))
        .args(["bcgw", "s3cret-pw"]));
    let broker = Mosquitto::start_with(
        d,
        &format!(
            "allow_anonymous false\npassword_file {p}/passwd\ncafile {p}/ca.pem\ncertfile {p}/server.pem\nkeyfile {p}/server.key\n",
            p = d.display()
        ),
    );
    let sim = NicheSim::start(d);
    let tls = format!(
        "username = \"bcgw\"\npassword = {{ env = \"BCGW_TEST_MQTT_PASSWORD\" }}\ntls = {{ ca_file = {:?} }}",
        d.join("ca.pem")
    );
    let admin = crate::admin::free_port();
    let config = mqtt_config(d, broker.port, &sim.url(), &tls);
    let config = format!("{config}\n[admin]\nlisten = \"127.0.0.1:{admin}\"\n");
    let mut gw = Gateway::with_config(d, &config);
    gw.env
        .push(("BCGW_TEST_MQTT_PASSWORD".into(), "wrong-pw".into()));
    gw.start();
    gw.wait_for_log(
        "mqtt broker refused the connection",
        Duration::from_secs(30),
    );
    // What never reaches the store is counted on /metrics, by component and stage.
    let series = r#"bcgw_component_errors_total{component="radio",kind="mqtt",stage="auth"}"#;
    gw.wait(
        "the refused login counted on /metrics",
        Duration::from_secs(10),
        || {
            crate::admin::get(admin, "/metrics")
                .and_then(|(_, page)| crate::admin::sample(&page, series))
                .is_some_and(|n| n >= 1)
        },
    );
    gw.kill9();
    gw.env = vec![("BCGW_TEST_MQTT_PASSWORD".into(), "s3cret-pw".into())];
    gw.start();
    gw.wait_for_log("mqtt connected", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    run(std::process::Command::new("mosquitto_pub")
        .args(["-p", &broker.port.to_string(), "--cafile"])
        .arg(d.join("ca.pem"))
        .args([
            "-u",
            "bcgw",
            "-P",
            "s3cret-pw",
            "-q",
            "1",
            "-t",
            "shopnet/bath/alerts",
        ])
        .args(["-m", &alert(7)]));
    gw.wait(
        "the alert over TLS delivered",
        Duration::from_secs(60),
        || sim.occurrences() == 1,
    );
    assert_eq!(sim.keys(), vec![record_id_of(7)]);
    assert!(
        !gw.logs().contains("s3cret-pw") && !gw.logs().contains("wrong-pw"),
        "a password was logged"
    );
}

#[test]
fn an_oversized_message_is_quarantined_and_the_stream_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start(dir.path());
    let sim = NicheSim::start(dir.path());
    let mut gw = mqtt_gateway(
        dir.path(),
        broker.port,
        &sim.url(),
        "max_message_bytes = 1000",
    );
    gw.start();
    gw.wait_for_log("mqtt connected", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    let publish = |message: &str| {
        run(std::process::Command::new("mosquitto_pub")
            .args([
                "-p",
                &broker.port.to_string(),
                "-q",
                "1",
                "-t",
                "shopnet/bath/alerts",
            ])
            .args(["-m", message]));
    };
    publish(&format!("{} {}", alert(1), "X".repeat(5000)));
    publish(&alert(2));
    gw.wait("the next alert delivered", Duration::from_secs(60), || {
        sim.occurrences() == 1
    });
    assert_eq!(sim.keys(), vec![record_id_of(2)]);
    let db = rusqlite::Connection::open(dir.path().join("data/bcgw.sqlite")).unwrap();
    let (kind, held): (String, Vec<u8>) = db
        .query_row(
            "SELECT q.error_kind, p.bytes FROM quarantine q JOIN payloads p ON p.id = q.payload_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "message-too-large");
    assert_eq!(held.len(), 1000, "the first max_message_bytes are kept");
}

#[test]
fn sigterm_stops_the_source_while_it_waits_to_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let mut broker = Mosquitto::start(dir.path());
    let port = broker.port;
    broker.stop();
    let sim = NicheSim::start(dir.path());
    let mut gw = mqtt_gateway(dir.path(), port, &sim.url(), "");
    gw.start();
    gw.wait_for_log("mqtt connection lost", Duration::from_secs(30));
    let status = gw.terminate(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "bcgw did not stop cleanly on SIGTERM: {status:?}\n{}",
        gw.logs()
    );
    assert!(gw.logs().contains("mqtt source stopped"));
}
