//! Driving the Niche simulator from tests: start, stop, ask what it holds, inject
//! faults. Plain HTTP over loopback with std sockets.

use crate::helpers::sibling_binary;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running simulator; killed on drop.
pub struct NicheSim {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    state: PathBuf,
}

impl Drop for NicheSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(listen: &str, state: &Path) -> Option<(Child, String)> {
    let mut child = Command::new(sibling_binary("niche-sim"))
        .args(["--listen", listen, "--state"])
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("niche-sim starts");
    let mut line = String::new();
    let addr = child
        .stdout
        .take()
        .and_then(|out| BufReader::new(out).read_line(&mut line).ok())
        .and_then(|_| {
            line.split("http://")
                .nth(1)?
                .split_whitespace()
                .next()
                .map(str::to_string)
        });
    match addr {
        Some(addr) => Some((child, addr)),
        None => {
            // It could not listen (e.g. the port is not free yet).
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    }
}

impl NicheSim {
    /// Starts a simulator on a free port, keeping its state in `dir`.
    pub fn start(dir: &Path) -> NicheSim {
        let state = dir.join("niche-sim.jsonl");
        let (child, addr) = spawn("127.0.0.1:0", &state).expect("niche-sim prints its address");
        NicheSim { child, addr, state }
    }

    /// The submissions URL for the gateway config.
    pub fn url(&self) -> String {
        format!("http://{}/submissions", self.addr)
    }

    /// Kills the simulator (it stops answering: connections are refused).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port with the same state.
    pub fn restart(&mut self) {
        self.kill();
        for _ in 0..100 {
            if let Some((child, _)) = spawn(&self.addr, &self.state) {
                self.child = child;
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("niche-sim could not listen on {} again", self.addr);
    }

    pub fn request(&self, method: &str, path: &str, body: &str) -> Option<serde_json::Value> {
        let mut s = TcpStream::connect(&self.addr).ok()?;
        let req = format!(
            "{method} {path} HTTP/1.1\r\nhost: sim\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        serde_json::from_str(out.split_once("\r\n\r\n")?.1).ok()
    }

    /// `GET /stats`.
    pub fn stats(&self) -> serde_json::Value {
        self.request("GET", "/stats", "")
            .expect("simulator answers /stats")
    }

    /// Occurrences held.
    pub fn occurrences(&self) -> u64 {
        self.stats()["occurrences"].as_u64().unwrap_or(0)
    }

    /// The idempotency keys of every occurrence, in creation order.
    pub fn keys(&self) -> Vec<String> {
        let list = self
            .request("GET", "/submissions", "")
            .expect("simulator answers /submissions");
        list["submissions"]
            .as_array()
            .expect("submissions")
            .iter()
            .map(|s| s["idempotency_key"].as_str().expect("key").to_string())
            .collect()
    }

    /// `PUT /control/faults`.
    pub fn faults(&self, faults: serde_json::Value) {
        self.request("PUT", "/control/faults", &faults.to_string())
            .expect("simulator takes faults");
    }
}
