//! A deliberately hostile adapter for the sandbox tests. Its config picks the
//! attack: `{"attack": "spin" | "memory-bomb" | "huge-output" | "panic" |
//! "stack-overflow" | "snoop" | "clock" | "echo"}`.
//!
//! Each attack is what a buggy or malicious plugin could do; the gateway must stop
//! it with a specific error and go on serving the next payload.

use bcgw_sdk::prelude::*;
use std::hint::black_box;

/// The hostile adapter.
pub struct Hostile;

fn report(narrative: String) -> Report {
    let mut r = Report {
        source_system: "hostile-test".into(),
        ..Report::default()
    };
    r.event.narrative = Some(narrative);
    r
}

fn spin() -> ! {
    let mut n: u64 = 0;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

fn memory_bomb() -> usize {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every page so the memory is really committed.
        hoard.push(vec![0xAB; 1 << 20]);
        black_box(&hoard);
        if hoard.len() > 1 << 20 {
            return hoard.len();
        }
    }
}

#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    black_box(recurse(black_box(depth + 1)) + 1)
}

/// Tries every way out of the sandbox and reports what it got.
fn snoop(config: &serde_json::Value) -> String {
    let file = std::fs::read_to_string("/etc/passwd").map(|s| s.len());
    let dir = std::fs::read_dir("/").map(|d| d.count());
    let cwd = std::env::current_dir();
    let canary = std::env::var("BCGW_CANARY");
    let env_count = std::env::vars().count();
    let args = std::env::args().count();
    let tcp = match config.get("connect").and_then(|v| v.as_str()) {
        Some(addr) => format!(
            "{:?}",
            std::net::TcpStream::connect(addr).map(|_| "connected")
        ),
        None => "not tried".into(),
    };
    serde_json::json!({
        "file": format!("{file:?}"),
        "file_ok": file.is_ok(),
        "dir_ok": dir.is_ok(),
        "cwd": format!("{cwd:?}"),
        "canary_ok": canary.is_ok(),
        "env_count": env_count,
        "args": args,
        "tcp": tcp,
    })
    .to_string()
}

impl Adapter for Hostile {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "hostile".into(),
            version: "6.6.6".into(),
            description: "Sandbox test plugin: misbehaves on purpose.".into(),
            ..PluginInfo::default()
        }
    }

    fn translate(payload: Payload) -> Result<Translation, AdapterError> {
        let config: serde_json::Value = serde_json::from_str(&payload.config)
            .map_err(|e| AdapterError::BadConfig(e.to_string()))?;
        let attack = config
            .get("attack")
            .and_then(|a| a.as_str())
            .unwrap_or("echo");
        let num =
            |key: &str, default: u64| config.get(key).and_then(|v| v.as_u64()).unwrap_or(default);
        println!("hostile plugin: attack {attack}");
        let reports = match attack {
            "spin" => spin(),
            "memory-bomb" => vec![report(memory_bomb().to_string())],
            "huge-output" => {
                let narrative = "x".repeat(num("narrative_bytes", 1) as usize);
                (0..num("reports", 1))
                    .map(|_| report(narrative.clone()))
                    .collect()
            }
            "panic" => panic!("boom: this plugin panics on purpose"),
            "stack-overflow" => vec![report(recurse(0).to_string())],
            "snoop" => vec![report(snoop(&config))],
            "clock" => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                vec![report(now.to_string())]
            }
            "log-flood" => {
                for i in 0..num("lines", 100_000) {
                    eprintln!("log line {i} padding padding padding padding padding");
                }
                vec![report("survived".into())]
            }
            _ => vec![report(String::from_utf8_lossy(&payload.bytes).into_owned())],
        };
        Ok(Translation {
            reports,
            rejects: vec![],
        })
    }
}

bcgw_sdk::export_adapter!(Hostile);
