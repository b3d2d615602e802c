//! A real Mosquitto broker for a bench, on a free loopback port (after
//! tests/all/mosquitto.rs). Include with
//! `#[path = "common/mosquitto.rs"] mod mosquitto;`.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running broker; stopped on drop.
pub struct Mosquitto {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// A free port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `mosquitto`, from PATH or Debian's /usr/sbin (not on every PATH).
fn program() -> &'static str {
    let sbin = "/usr/sbin/mosquitto";
    if Path::new(sbin).exists() {
        sbin
    } else {
        "mosquitto"
    }
}

impl Mosquitto {
    /// Starts a broker with its config in `dir` and `settings` added (e.g.
    /// `max_queued_messages 0` so a stopped client's session loses nothing).
    pub fn start(dir: &Path, settings: &str) -> Mosquitto {
        let port = free_port();
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            // Started as root, mosquitto would switch to its own user and could
            // not read the folder: stay as whoever started it.
            format!("user root\nlistener {port} 127.0.0.1\nallow_anonymous true\n{settings}"),
        )
        .expect("mosquitto.conf");
        let child = Command::new(program())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto runs (scripts/bench installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Mosquitto { child, port }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
