//! The audit log at scale: appends N entries (default 1,000,000) to a fresh
//! store through `Store::audit`, 1,000 to a commit, then walks the chain as
//! `bcgw audit verify` does. Prints both rates.
//!
//! `cargo bench -p bcgw --bench audit_verify -- --entries 1000000`
//! (`scripts/bench audit` runs it, then the pipeline with and without the log).

#[path = "common/mod.rs"]
mod common;

use bcgw::audit::verify::Verifier;
use bcgw::audit::{AuditEvent, Operation};
use bcgw::store::Store;
use bcgw::store::sqlite::{GroupCommit, SqliteSettings, SqliteStore};
use common::arg;
use std::time::Instant;

fn main() {
    let n = arg("--entries", 1_000_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&SqliteSettings {
        path: dir.path().join("audit.sqlite"),
        max_size_bytes: None,
        group: GroupCommit {
            max_jobs: 256,
            window: std::time::Duration::ZERO,
        },
    })
    .expect("the store opens");
    let started = Instant::now();
    let mut made = 0;
    while made < n {
        let batch: Vec<AuditEvent> = (made..(made + 1000).min(n))
            .map(|i| {
                // What a disclosure entry holds: a sink, an incident, its records, the reference.
                AuditEvent::new(Operation::Disclosure, "sink:niche", "delivered the incident to niche")
                    .isa(Some("ISA-AS-2026-002"))
                    .records([format!("shop:{i:016x}")])
                    .incidents([format!("shop:{i:016x}")])
                    .detail(serde_json::json!({"outbox": i, "reference": format!("OCC/AS/2026/{i:06}"), "revision": 0}))
            })
            .collect();
        made += batch.len();
        store.audit(batch).expect("entries appended");
    }
    let append = started.elapsed().as_secs_f64();
    println!(
        "appended {n} entries in {append:.1} s ({:.0} entries/s, 1,000 per commit)",
        n as f64 / append
    );
    let size = std::fs::metadata(dir.path().join("audit.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("store file {:.0} MiB", size as f64 / 1048576.0);
    let started = Instant::now();
    let mut v = Verifier::default();
    store
        .audit_entries(None, None, &mut |e| v.feed(&e))
        .expect("entries read");
    let verdict = v.finish();
    let took = started.elapsed().as_secs_f64();
    assert_eq!(verdict.broken, None);
    assert_eq!(verdict.checked, n as u64);
    println!(
        "verified {} entries in {took:.2} s ({:.0} entries/s); head {}",
        verdict.checked,
        verdict.checked as f64 / took,
        verdict.head
    );
}
