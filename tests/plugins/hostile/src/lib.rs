//! A deliberately hostile adapter for the sandbox tests. Its config picks the
//! attack: `{"attack": "spin" | "memory-bomb" | "huge-output" | "panic" |
//! "stack-overflow" | "snoop" | "clock" | "log-flood" | "sleep" | "sleep-loop" |
//! "clock-spin" | "long-poll" | "stdin-wait" | "huge-reject" | "huge-error" |
//! "many-rejects" | "slow-echo" | "echo"}`.
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

/// Blocks in the host: one sleep of `ms`.
fn sleep(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

/// Waits for a monotonic time that a frozen clock never reaches.
fn clock_spin(ms: u64) -> u64 {
    let until = std::time::Instant::now() + std::time::Duration::from_millis(ms);
    let mut reads: u64 = 0;
    while std::time::Instant::now() < until {
        reads = black_box(reads + 1);
    }
    reads
}

/// Polls several clock pollables at once, the longest first: the way an event
/// loop waits.
#[cfg(target_arch = "wasm32")]
fn long_poll(ms: u64) -> usize {
    use wasip2::clocks::monotonic_clock::subscribe_duration;
    let nanos = ms.saturating_mul(1_000_000);
    let long = subscribe_duration(nanos);
    let longer = subscribe_duration(nanos.saturating_mul(2));
    wasip2::io::poll::poll(&[&longer, &long]).len()
}

#[cfg(not(target_arch = "wasm32"))]
fn long_poll(_ms: u64) -> usize {
    unreachable!("a wasm32 plugin")
}

/// Waits for a line on stdin, which a plugin is never given.
fn stdin_wait() -> String {
    let mut line = String::new();
    loop {
        line.clear();
        if std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {
            return line;
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
    type Config = serde_json::Value;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "hostile".into(),
            version: "6.6.6".into(),
            description: "Sandbox test plugin: misbehaves on purpose.".into(),
            ..PluginInfo::default()
        }
    }

    fn translate(payload: Payload, config: serde_json::Value) -> Result<Translation, AdapterError> {
        let attack = config
            .get("attack")
            .and_then(|a| a.as_str())
            .unwrap_or("echo");
        let num =
            |key: &str, default: u64| config.get(key).and_then(|v| v.as_u64()).unwrap_or(default);
        println!("hostile plugin: attack {attack}");
        let big = || "r".repeat(num("bytes", 30 << 20) as usize);
        let mut rejects = vec![];
        let reports = match attack {
            "sleep" => {
                sleep(num("ms", 20_000));
                vec![report("woke up".into())]
            }
            "sleep-loop" => loop {
                sleep(num("ms", 1));
            },
            "clock-spin" => vec![report(clock_spin(num("ms", 20_000)).to_string())],
            "long-poll" => vec![report(long_poll(num("ms", 20_000)).to_string())],
            "stdin-wait" => vec![report(stdin_wait())],
            "huge-reject" => {
                rejects.push(RejectedItem {
                    index: 0,
                    line: Some(2),
                    error: AdapterError::InvalidField(FieldError {
                        field: big(),
                        reason: big(),
                    }),
                });
                vec![]
            }
            "huge-error" => return Err(AdapterError::Malformed(big())),
            "many-rejects" => {
                for i in 0..num("rejects", 1_000) {
                    rejects.push(RejectedItem {
                        index: i as u32,
                        line: None,
                        error: AdapterError::Other("no".into()),
                    });
                }
                vec![]
            }
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
            "slow-echo" => {
                // Honest work that takes a while (the clock is frozen, so count):
                // a payload still in flight when the gateway reloads.
                let mut n: u64 = 0;
                for i in 0..num("iterations", 1_000_000_000) {
                    n = black_box(n.wrapping_add(i));
                }
                black_box(n);
                let text = String::from_utf8_lossy(&payload.bytes).into_owned();
                vec![report(format!("slow: {text}"))]
            }
            "log-flood" => {
                for i in 0..num("lines", 100_000) {
                    eprintln!("log line {i} padding padding padding padding padding");
                }
                vec![report("survived".into())]
            }
            _ => vec![report(String::from_utf8_lossy(&payload.bytes).into_owned())],
        };
        Ok(Translation { reports, rejects })
    }
}

bcgw_sdk::export_adapter!(Hostile);
