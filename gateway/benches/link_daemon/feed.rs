//! Feeding the gateway: the live replay (every report in arrival order, each
//! channel as it would send it, as fast as the gateway takes them, with
//! optional `kill -9`s), and the backfill load (everything at once).

use crate::channels::{self, Event};
use crate::http::Http;
use crate::mqtt::Publisher;
use crate::rig::{DROP, Rig, STALL, TOKEN};
use bcgw_link::input::FlatRow;
use std::time::{Duration, Instant};

/// How many alerts may be published ahead of the gateway's journal before the
/// replay waits: keeps the radio channel in step with the other two (the broker
/// would otherwise queue alerts while webhooks, answered only after their
/// commit, overtake them).
const RADIO_AHEAD: usize = 32;

/// NDJSON lines per backfill body.
const BACKFILL_LINES: usize = 500;

/// What the feeding saw.
#[derive(Debug, Default, Clone)]
pub struct Fed {
    /// Alerts published.
    pub alerts: usize,
    /// Webhook requests accepted (202 or 200).
    pub posts: usize,
    /// Webhook attempts that failed and were retried (gateway down, 503).
    pub retries: usize,
    /// Webhook requests finally refused (any other status), by status.
    pub refused: Vec<(u16, usize)>,
    /// Export files dropped.
    pub files: usize,
    /// `kill -9`s done.
    pub kills: usize,
}

impl Fed {
    fn refused(&mut self, status: u16) {
        match self.refused.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => self.refused.push((status, 1)),
        }
    }
}

/// Posts a webhook body until the gateway takes it (202, or 200 for one it
/// already has); connection errors and 503/429 are retried, other statuses
/// counted as refused.
fn post(rig: &mut Rig, http: &Http, content_type: &str, body: Vec<u8>, fed: &mut Fed) {
    let url = format!("http://127.0.0.1:{}/sources/bcrp", rig.http_port);
    let since = Instant::now();
    loop {
        match http.post(&url, TOKEN, content_type, body.clone()) {
            Ok(200 | 202) => {
                fed.posts += 1;
                return;
            }
            Ok(503 | 429) | Err(_) => {
                fed.retries += 1;
                assert!(
                    since.elapsed() < STALL,
                    "the gateway took no webhook for {STALL:?}"
                );
                rig.revive();
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(status) => {
                fed.refused(status);
                return;
            }
        }
    }
}

/// Writes an export beside the drop folder, then renames it in.
fn drop_file(rig: &Rig, n: usize, text: &str) -> std::path::PathBuf {
    let name = format!("export-{n:04}.csv");
    let tmp = rig.path().join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text).expect("export written");
    let to = rig.path().join(DROP).join(&name);
    std::fs::rename(&tmp, &to).expect("export dropped");
    to
}

/// Waits until the gateway has journaled at least `n` alerts (`known` caches
/// the last count seen, which only grows).
fn radio_caught_up(rig: &mut Rig, n: usize, known: &mut usize) {
    let since = Instant::now();
    while *known < n {
        *known = rig.radio_journaled();
        if *known < n {
            assert!(
                since.elapsed() < STALL,
                "alerts not journaled for {STALL:?}: {}",
                rig.backlog(n)
            );
            rig.revive();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Waits until the gateway has taken `file` from the drop folder.
fn file_taken(rig: &mut Rig, file: &std::path::Path) {
    let since = Instant::now();
    while file.exists() {
        assert!(
            since.elapsed() < STALL,
            "{} not taken for {STALL:?}",
            file.display()
        );
        rig.revive();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Three pseudo-random event numbers (from `seed`) in the middle 90% of a
/// replay of `len` events, for the `kill -9`s.
pub fn kill_points(len: usize, seed: u64) -> Vec<usize> {
    let mut x = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut out: Vec<usize> = (0..3)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            len / 20 + ((x >> 33) as usize) % (len * 9 / 10).max(1)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Reports the gateway has taken in but not yet linked: payloads waiting for
/// translation and records waiting for the linker.
fn backlog(rig: &Rig) -> usize {
    rig.count(
        "SELECT (SELECT COUNT(*) FROM payloads WHERE state = 'pending')
              + (SELECT COUNT(*) FROM records WHERE incident_id IS NULL)",
    ) as usize
}

/// Waits until the gateway's [`backlog`] is at most `bound` (0: never waits).
fn linked_up(rig: &mut Rig, bound: usize) {
    if bound == 0 {
        return;
    }
    let since = Instant::now();
    while backlog(rig) > bound {
        assert!(since.elapsed() < STALL, "backlog not linked for {STALL:?}");
        rig.revive();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How often (in events) the replay looks at the gateway's backlog.
const BACKLOG_EVERY: usize = 16;

/// The live replay: each event in order, taken before the next is sent (an
/// alert once the broker has it and the gateway is at most [`RADIO_AHEAD`]
/// behind, a webhook once answered, a file once it left the folder). With
/// `backlog` > 0 the replay also waits, every [`BACKLOG_EVERY`] events and
/// before each export, until at most that many reports are taken in but not
/// yet linked: the gateway links in arrival order, as it would when reports
/// come over months, instead of working through a backlog the compressed
/// replay piles up (0: reports go in as fast as they are journaled). At each of
/// `kills` (event numbers) the gateway is `kill -9`ed and started again at once.
pub fn replay(
    rig: &mut Rig,
    rows: &[FlatRow],
    events: &[Event],
    kills: &[usize],
    backlog: usize,
) -> Fed {
    let http = Http::new();
    let mut radio = Publisher::connect(rig.broker.port);
    let mut fed = Fed::default();
    let mut journaled = 0;
    for (n, event) in events.iter().enumerate() {
        if kills.contains(&n) {
            rig.kill9();
            rig.start(false);
            fed.kills += 1;
        }
        if n.is_multiple_of(BACKLOG_EVERY) || matches!(event, Event::Export(_)) {
            linked_up(rig, backlog);
        }
        let ahead = radio.sent.saturating_sub(RADIO_AHEAD);
        match event {
            Event::Alert(i) => {
                radio.publish(channels::alert(*i, &rows[*i]));
                fed.alerts += 1;
                if radio.sent.is_multiple_of(RADIO_AHEAD) {
                    radio_caught_up(rig, ahead, &mut journaled);
                }
            }
            Event::Webhook(i) => {
                radio_caught_up(rig, ahead, &mut journaled);
                let body = channels::webhook(*i, &rows[*i]).to_string().into_bytes();
                post(rig, &http, "application/json", body, &mut fed);
            }
            Event::Export(which) => {
                radio_caught_up(rig, ahead, &mut journaled);
                let file = drop_file(rig, fed.files, &channels::export_csv(rows, which));
                fed.files += 1;
                file_taken(rig, &file);
            }
        }
    }
    radio.wait_acked();
    fed
}

/// The backfill load: every alert published to the gateway's session and every
/// export dropped while it is stopped; then `bcgw run --backfill` starts and
/// every BCRP report is posted at once, as a relay re-sending its archive
/// would (NDJSON bodies of [`BACKFILL_LINES`] reports, in arrival order).
pub fn backfill(rig: &mut Rig, rows: &[FlatRow], events: &[Event]) -> Fed {
    let http = Http::new();
    let mut fed = Fed::default();
    {
        let mut radio = Publisher::connect(rig.broker.port);
        for event in events {
            match event {
                Event::Alert(i) => radio.publish(channels::alert(*i, &rows[*i])),
                Event::Export(which) => {
                    drop_file(rig, fed.files, &channels::export_csv(rows, which));
                    fed.files += 1;
                }
                Event::Webhook(_) => {}
            }
        }
        radio.wait_acked();
        fed.alerts = radio.sent;
    }
    rig.start(true);
    let lines: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Webhook(i) => Some(channels::webhook(*i, &rows[*i]).to_string()),
            _ => None,
        })
        .collect();
    for chunk in lines.chunks(BACKFILL_LINES) {
        let body = format!("{}\n", chunk.join("\n")).into_bytes();
        post(rig, &http, "application/x-ndjson", body, &mut fed);
    }
    fed
}
