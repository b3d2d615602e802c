//! The serial source on a real pty pair made by socat: frames split across
//! writes and joined in one write, noise and an oversized frame (quarantined, the
//! stream goes on), and the port removed and recreated (the source reopens it).

use crate::gateway::{Gateway, niche_sink_toml, store_toml};
use crate::niche::NicheSim;
use bcgw_sdk::schema::{Report, ReportKind};
use bcgw_test_artifacts::FIRST_PLUGIN;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A socat pty pair: the bridge end (the test writes) and the gateway end.
struct PtyPair {
    child: Child,
    bridge: PathBuf,
}

impl PtyPair {
    fn start(bridge: &Path, gateway: &Path) -> PtyPair {
        let child = Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", bridge.display()))
            .arg(format!("pty,raw,echo=0,link={}", gateway.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat runs (scripts/test installs it)");
        crate::helpers::wait_for("socat's ptys", Duration::from_secs(10), || {
            (bridge.exists() && gateway.exists()).then_some(())
        });
        PtyPair {
            child,
            bridge: bridge.to_owned(),
        }
    }

    fn write(&self, bytes: &[u8]) {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.bridge)
            .expect("bridge end opens");
        f.write_all(bytes).expect("write to the pty");
        f.flush().expect("flush");
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn record_id_of(line: &str) -> String {
    let mut report = Report {
        source_system: "shopnet-radio".into(),
        ..Default::default()
    };
    report.event.kind = ReportKind::Alert;
    report.event.narrative = Some(line.to_string());
    bcgw::pipeline::record_id::record_id("radio", &report).expect("a schema report has a record id")
}

#[test]
fn frames_noise_oversize_and_a_port_that_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let (bridge, port) = (
        dir.path().join("tty-bridge"),
        dir.path().join("tty-gateway"),
    );
    let pty = PtyPair::start(&bridge, &port);
    let sim = NicheSim::start(dir.path());
    let config = format!(
        r#"{common}
[sources.radio]
kind = "serial"
plugin = {plugin:?}
[sources.radio.serial]
port = {port:?}
baud_rate = 9600
framing = "stx-etx"
max_frame_bytes = 64
reconnect = {{ initial_ms = 50, max_ms = 300 }}
{sink}"#,
        common = store_toml(dir.path()),
        plugin = FIRST_PLUGIN,
        sink = niche_sink_toml(&sim.url()),
    );
    let mut gw = Gateway::with_config(dir.path(), &config);
    gw.start();
    gw.wait_for_log("serial port open", Duration::from_secs(30));
    // One frame split over two writes, two frames in one write, noise between
    // frames, a frame over max_frame_bytes, then one more frame.
    pty.write(b"\x02ALERT 14:03 BOOTS BROAD");
    std::thread::sleep(Duration::from_millis(100));
    pty.write(b"MEAD THEFT\x03\x02ALERT 14:05 BOOTS CABOT\x03\x02ALERT 14:06 SUPERDRUG\x03");
    pty.write(b"~~noise~~");
    let oversized = format!("\x02ALERT 14:07 {}\x03", "X".repeat(200));
    pty.write(oversized.as_bytes());
    pty.write(b"\x02ALERT 14:08 AFTER THE BIG ONE\x03");
    let first = [
        "ALERT 14:03 BOOTS BROADMEAD THEFT",
        "ALERT 14:05 BOOTS CABOT",
        "ALERT 14:06 SUPERDRUG",
        "ALERT 14:08 AFTER THE BIG ONE",
    ];
    gw.wait("four alerts delivered", Duration::from_secs(60), || {
        sim.occurrences() == 4
    });
    // The port goes away (cable pulled) and comes back.
    pty.stop();
    gw.wait_for_log("serial port lost", Duration::from_secs(30));
    let _ = std::fs::remove_file(&port);
    let pty = PtyPair::start(&bridge, &port);
    gw.wait("the port reopened", Duration::from_secs(30), || {
        gw.logs().matches("serial port open").count() >= 2
    });
    pty.write(b"\x02ALERT 15:00 BACK AGAIN\x03");
    gw.wait(
        "the alert after the reconnect",
        Duration::from_secs(60),
        || sim.occurrences() == 5,
    );
    let keys = sim.keys();
    for line in first.iter().chain(["ALERT 15:00 BACK AGAIN"].iter()) {
        assert!(keys.contains(&record_id_of(line)), "{line} delivered");
    }
    // The noise and the oversized frame are in the quarantine with their bytes.
    let out = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["--log", "warn", "quarantine", "list", "--config"])
        .arg(&gw.config)
        .output()
        .expect("bcgw quarantine list");
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.contains("frame-too-long"), "{list}");
    assert!(list.contains("bytes-outside-frame"), "{list}");
    let db = rusqlite::Connection::open(dir.path().join("data/bcgw.sqlite")).unwrap();
    let held: Vec<u8> = db
        .query_row(
            "SELECT p.bytes FROM quarantine q JOIN payloads p ON p.id = q.payload_id WHERE q.error_kind = 'frame-too-long'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        held.len(),
        64,
        "the first max_frame_bytes of the frame are kept"
    );
    assert!(held.starts_with(b"ALERT 14:07 XXX"));
}
