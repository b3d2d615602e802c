//! The admin endpoint of a running `bcgw run`: what `/metrics` and `/healthz` say
//! while real rows flow to the Niche simulator, and after a restart.

use crate::gateway::{Gateway, csv_rows};
use crate::helpers::wait_for;
use crate::niche::NicheSim;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `GET path` over loopback: status code and body, or `None` when nothing answers.
pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: bcgw\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, out.split_once("\r\n\r\n")?.1.to_string()))
}

/// The value of one sample line (`name{labels} value`) in a metrics page.
pub fn sample(page: &str, series: &str) -> Option<u64> {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_count_what_the_pipeline_did_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = Gateway::new(
        dir.path(),
        &sim.url(),
        None,
        &format!("[admin]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    // 40 good rows and one whose date cannot be parsed (quarantined).
    let mut csv = csv_rows(0, 40);
    csv.push_str("BAD1,31/31/2026 25:00,Store 1,BS1 3XE,Shoplifting,\"bad date\"\r\n");
    gw.drop_file("export.csv", &csv);
    gw.start();

    let page = wait_for(
        "every row delivered, as /metrics tells",
        Duration::from_secs(60),
        || {
            let (status, page) = get(port, "/metrics")?;
            assert_eq!(status, 200, "{page}");
            (sample(&page, "bcgw_deliveries_delivered_total{sink=\"niche\"}") == Some(40))
                .then_some(page)
        },
    );
    assert_eq!(
        sample(&page, "bcgw_payloads_journaled_total"),
        Some(1),
        "{page}"
    );
    assert_eq!(sample(&page, "bcgw_records_total"), Some(40), "{page}");
    assert_eq!(
        sample(&page, "bcgw_deliveries_pending{sink=\"niche\"}"),
        Some(0),
        "{page}"
    );
    assert_eq!(
        sample(&page, "bcgw_quarantine_open{kind=\"invalid-field\"}"),
        Some(1),
        "{page}"
    );
    assert!(page.contains("# TYPE bcgw_records_total counter"), "{page}");
    // The simulator agrees with what the gateway reports.
    assert_eq!(sim.occurrences(), 40);

    assert_eq!(get(port, "/healthz"), Some((200, "ok\n".into())));
    assert_eq!(get(port, "/nope").map(|r| r.0), Some(404));
    // A client that sends garbage gets an answer, and the endpoint keeps serving.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(&[b'x'; 20_000]).ok();
    drop(s);
    assert_eq!(get(port, "/healthz").map(|r| r.0), Some(200));

    // Counts come from the store: a restarted gateway reports the same totals.
    gw.kill9();
    gw.start();
    let page = wait_for(
        "the restarted gateway serving /metrics",
        Duration::from_secs(30),
        || get(port, "/metrics"),
    )
    .1;
    assert_eq!(sample(&page, "bcgw_records_total"), Some(40), "{page}");
    assert_eq!(
        sample(&page, "bcgw_deliveries_delivered_total{sink=\"niche\"}"),
        Some(40),
        "{page}"
    );
}

#[test]
fn a_taken_admin_port_stops_the_daemon_with_the_address_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut gw = Gateway::new(
        dir.path(),
        &sim.url(),
        None,
        &format!("[admin]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    let (status, _) = gw.run_until_idle(Duration::from_secs(60));
    assert!(
        !status.success(),
        "the daemon ran without its admin endpoint"
    );
    let logs = gw.logs();
    assert!(
        logs.contains(&format!("admin.listen: cannot listen on 127.0.0.1:{port}")),
        "{logs}"
    );
}
