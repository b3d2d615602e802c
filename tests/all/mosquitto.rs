//! A real Mosquitto broker per test, on a free loopback port, with persistence on
//! and its default per-client queue limits (20 in flight, 1,000 queued).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running broker; stopped on drop.
pub struct Mosquitto {
    child: Option<Child>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    conf: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Mosquitto {
    /// Starts a broker keeping its persistence file in `dir`.
    pub fn start(dir: &Path) -> Mosquitto {
        Mosquitto::start_with(dir, "allow_anonymous true\n")
    }

    /// Starts a broker with `settings` added to its listener (TLS files,
    /// password file...).
    pub fn start_with(dir: &Path, settings: &str) -> Mosquitto {
        let port = free_port();
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                // Started as root (CI is), mosquitto would switch to its own user
                // and could not read the test's folder: stay as whoever started it.
                "user root\nper_listener_settings false\npersistence true\npersistence_location {}/\nlog_dest stderr\nlistener {port} 127.0.0.1\n{settings}",
                dir.display()
            ),
        )
        .expect("mosquitto.conf");
        let mut m = Mosquitto {
            child: None,
            port,
            conf,
        };
        m.spawn();
        m
    }

    fn spawn(&mut self) {
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&self.conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto runs (scripts/test installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the broker cleanly (SIGTERM: it saves its persistence file) and
    /// starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Stops the broker cleanly.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
