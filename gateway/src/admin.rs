//! The admin endpoint: Prometheus metrics and a health check over plain HTTP, for
//! the operators who run the gateway (`[admin] listen = "127.0.0.1:9464"`).
//!
//! - `GET /metrics`: counts read from the store (journal, records, deliveries per
//!   sink, open quarantine by error kind) in the Prometheus text format. They come
//!   from the store, not from in-process counters, so they survive restarts and
//!   agree with `bcgw quarantine list` and the run summary.
//! - `GET /healthz`: `200 ok` while the store answers, `503` with the store's
//!   error when it does not (disk gone, database locked for too long).
//!
//! Only counts and sink names are exposed: never record contents, and never the
//! quarantine reasons (they may quote a payload). The server is deliberately tiny
//! (GET only, one request per connection, bounded request head and time): it
//! serves scrapes and probes, not the public.

use crate::store::{Store, StoreStats};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Largest request head read; anything longer is refused.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client has to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A bound admin endpoint, ready to serve.
pub struct AdminServer {
    listener: TcpListener,
    store: Arc<dyn Store>,
    sinks: Vec<String>,
    started: Instant,
}

impl AdminServer {
    /// Binds the endpoint. Fails (with the address in the message) when the port is
    /// taken, so a misconfigured daemon stops at start-up rather than running blind.
    /// `sinks` are the configured sink names: each gets its series even before its
    /// first delivery, so a dashboard shows a zero rather than a gap.
    pub async fn bind(
        listen: SocketAddr,
        store: Arc<dyn Store>,
        sinks: Vec<String>,
    ) -> anyhow::Result<AdminServer> {
        let listener = TcpListener::bind(listen).await.map_err(|e| {
            anyhow::anyhow!("admin.listen: cannot listen on {listen}: {e} (is another bcgw or exporter using the port?)")
        })?;
        Ok(AdminServer {
            listener,
            store,
            sinks,
            started: Instant::now(),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                accepted = this.listener.accept() => {
                    let Ok((stream, _)) = accepted else {
                        // Out of file descriptors and the like: back off, keep serving.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    let this = this.clone();
                    tokio::spawn(async move { this.serve(stream).await });
                }
            }
        }
    }

    async fn serve(&self, mut stream: TcpStream) {
        let response = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
            Ok(Some(head)) => self.respond(&head).await,
            Ok(None) => reply(400, "text/plain", "bad request\n"),
            Err(_) => reply(408, "text/plain", "request timeout\n"),
        };
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    }

    async fn respond(&self, head: &str) -> String {
        let mut parts = head.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let path = target.split('?').next().unwrap_or("");
        if method != "GET" && method != "HEAD" {
            return reply(405, "text/plain", "only GET\n");
        }
        let stats = {
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || store.stats()).await
        };
        match (path, stats) {
            ("/metrics", Ok(Ok(stats))) => reply(
                200,
                "text/plain; version=0.0.4",
                &render(
                    &stats,
                    &self.sinks,
                    &crate::events::component_errors(),
                    self.started.elapsed(),
                ),
            ),
            ("/healthz", Ok(Ok(_))) => reply(200, "text/plain", "ok\n"),
            ("/metrics" | "/healthz", Ok(Err(e))) => {
                tracing::warn!(error = %e, "admin: the store does not answer");
                reply(503, "text/plain", &format!("store unavailable: {e}\n"))
            }
            ("/metrics" | "/healthz", Err(_)) => reply(503, "text/plain", "store unavailable\n"),
            _ => reply(404, "text/plain", "not found: try /metrics or /healthz\n"),
        }
    }
}

/// Reads up to the end of the request head; `None` when it is too long or the
/// client went away.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && !buf.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_HEAD {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).ok()
}

fn reply(status: u16, content_type: &str, body: &str) -> String {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        _ => "Service Unavailable",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Escapes a label value for the Prometheus text format.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

/// One sample per sink: the configured ones (zero when the store has no rows for
/// them) and any other the store still holds deliveries for.
fn per_sink(sinks: &[String], values: &[(String, u64)]) -> Vec<(String, u64)> {
    let mut names: Vec<&String> = sinks.iter().collect();
    names.extend(values.iter().map(|(s, _)| s).filter(|s| !sinks.contains(s)));
    names
        .into_iter()
        .map(|sink| {
            let n = values
                .iter()
                .find(|(s, _)| s == sink)
                .map_or(0, |(_, n)| *n);
            (format!("{{sink=\"{}\"}}", label(sink)), n)
        })
        .collect()
}

/// The store's counts and the components' error counts ([`crate::events`]) in
/// the Prometheus text exposition format.
pub fn render(
    stats: &StoreStats,
    sinks: &[String],
    errors: &[(crate::events::ErrorLabels, u64)],
    uptime: Duration,
) -> String {
    let one = |n: u64| vec![(String::new(), n)];
    let mut out = String::new();
    metric(
        &mut out,
        "bcgw_build_info",
        "gauge",
        "The running gateway's version.",
        &[(format!("{{version=\"{}\"}}", env!("CARGO_PKG_VERSION")), 1)],
    );
    metric(
        &mut out,
        "bcgw_uptime_seconds",
        "gauge",
        "Seconds since this process started serving.",
        &one(uptime.as_secs()),
    );
    metric(
        &mut out,
        "bcgw_payloads_journaled_total",
        "counter",
        "Raw payloads committed to the journal.",
        &one(stats.payloads),
    );
    metric(
        &mut out,
        "bcgw_payloads_duplicate_total",
        "counter",
        "Payloads refused because the same source already journaled the same bytes.",
        &one(stats.duplicate_payloads),
    );
    metric(
        &mut out,
        "bcgw_payloads_pending",
        "gauge",
        "Journaled payloads waiting for translation.",
        &one(stats.payloads_pending),
    );
    metric(
        &mut out,
        "bcgw_records_total",
        "counter",
        "Records stored after translation and validation.",
        &one(stats.records),
    );
    metric(
        &mut out,
        "bcgw_records_duplicate_total",
        "counter",
        "Records dropped as exact duplicates of stored ones.",
        &one(stats.duplicate_records),
    );
    metric(
        &mut out,
        "bcgw_deliveries_delivered_total",
        "counter",
        "Deliveries a sink accepted.",
        &per_sink(sinks, &stats.delivered),
    );
    metric(
        &mut out,
        "bcgw_deliveries_pending",
        "gauge",
        "Deliveries waiting, including scheduled retries.",
        &per_sink(sinks, &stats.pending),
    );
    metric(
        &mut out,
        "bcgw_deliveries_dead_total",
        "counter",
        "Deliveries given up on (in the quarantine, replayable).",
        &per_sink(sinks, &stats.dead),
    );
    let mut by_kind: Vec<(String, u64)> = Vec::new();
    for (kind, _reason, n) in &stats.quarantine {
        match by_kind.iter_mut().find(|(k, _)| k == kind) {
            Some((_, total)) => *total += n,
            None => by_kind.push((kind.clone(), *n)),
        }
    }
    metric(
        &mut out,
        "bcgw_quarantine_open",
        "gauge",
        "Open quarantine entries, by error kind.",
        &by_kind
            .iter()
            .map(|(k, n)| (format!("{{kind=\"{}\"}}", label(k)), *n))
            .collect::<Vec<_>>(),
    );
    metric(
        &mut out,
        "bcgw_component_errors_total",
        "counter",
        "Errors of sources and sinks that never reach the store (reconnects, framing, acknowledgements), since start.",
        &errors
            .iter()
            .map(|((component, kind, stage), n)| {
                (
                    format!(
                        "{{component=\"{}\",kind=\"{kind}\",stage=\"{stage}\"}}",
                        label(component)
                    ),
                    *n,
                )
            })
            .collect::<Vec<_>>(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_per_sink_and_quarantine_kind() {
        let stats = StoreStats {
            payloads: 3,
            records: 10,
            delivered: vec![("niche".into(), 9)],
            pending: vec![("niche".into(), 1)],
            quarantine: vec![
                ("invalid-field".into(), "occurred_at: x".into(), 2),
                ("invalid-field".into(), "postcode: y".into(), 1),
                ("missing-field".into(), "z".into(), 1),
            ],
            quarantined: 4,
            ..StoreStats::default()
        };
        let errors = vec![(("radio".to_string(), "mqtt", "connect"), 2)];
        let text = render(
            &stats,
            &["niche".to_string(), "archive".to_string()],
            &errors,
            Duration::from_secs(7),
        );
        for line in [
            "bcgw_payloads_journaled_total 3",
            "bcgw_records_total 10",
            "bcgw_deliveries_delivered_total{sink=\"niche\"} 9",
            "bcgw_deliveries_pending{sink=\"niche\"} 1",
            "bcgw_quarantine_open{kind=\"invalid-field\"} 3",
            "bcgw_quarantine_open{kind=\"missing-field\"} 1",
            "bcgw_uptime_seconds 7",
            // A configured sink with nothing yet shows zeros, not a gap.
            "bcgw_deliveries_delivered_total{sink=\"archive\"} 0",
            "bcgw_deliveries_dead_total{sink=\"niche\"} 0",
            "bcgw_component_errors_total{component=\"radio\",kind=\"mqtt\",stage=\"connect\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        // Reasons may quote a payload: never exposed.
        assert!(!text.contains("occurred_at: x"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
