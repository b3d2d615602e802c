//! Linking as a force would see it (issue 21's headline bench): labelled
//! corpora from both generators — the link crate's own and the held-out
//! `link/heldout/gen.py` — replayed through the real daemon (`bcgw run` as a
//! child process) and the Niche simulator, every report on its own channel in
//! the order reports arrive in life:
//!
//! - radio alerts over MQTT 5 (QoS 1, `sent-at` and `radio-id` user
//!   properties) to `shopnet/<town>/alerts`, one alert line per message in the
//!   town's convention, read by shopnet-text;
//! - BCRP reports as JSON webhooks (`POST /sources/bcrp`, bearer token),
//!   read by json-mapped, retried until taken;
//! - the retailer's monthly CSV export dropped into a watched folder, read by
//!   csv-mapped.
//!
//! Runs per generator: (a) with the schemes' member registers, (b) without,
//! (c) with registers and three `kill -9`s during the replay, each scored
//! against the truth and again after an oracle officer has decided every review
//! item; (d) a backfill (`bcgw run --backfill`, everything loaded at once), which
//! must create each linked incident's occurrence once, with nothing merged
//! after. A table of every run ends the output.
//!
//! `scripts/bench link [--incidents N] [--seed S] [--heldout-seed S]
//! [--only own|heldout] [--runs abcd] [--backlog N]` (`--backlog 0`: replay
//! as fast as reports are journaled, however far linking falls behind).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/mosquitto.rs"]
mod mosquitto;

mod channels;
mod corpus;
mod feed;
mod http;
mod mqtt;
mod oracle;
mod rig;
mod score;

use channels::{Channel, Event};
use common::arg;
use corpus::Corpus;
use rig::Rig;
use score::Score;

/// The runs of one generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Registers,
    NoRegisters,
    Kills,
    Backfill,
}

impl Run {
    fn label(self) -> &'static str {
        match self {
            Run::Registers => "(a) with registers",
            Run::NoRegisters => "(b) without registers",
            Run::Kills => "(c) registers + 3 x kill -9",
            Run::Backfill => "(d) backfill, registers",
        }
    }

    fn letter(self) -> char {
        match self {
            Run::Registers => 'a',
            Run::NoRegisters => 'b',
            Run::Kills => 'c',
            Run::Backfill => 'd',
        }
    }
}

/// One line of the final table.
struct Line {
    generator: String,
    run: Run,
    before: Score,
    reviews_per_1000: f64,
    after: Option<Score>,
    wall: f64,
}

/// The value of `--name VALUE`, if given.
fn opt(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).cloned()
}

/// Reports per channel and export files, for the run header.
fn describe(c: &Corpus, events: &[Event]) -> String {
    let n = |ch| c.rows.iter().filter(|r| channels::channel(r) == ch).count();
    let files = events
        .iter()
        .filter(|e| matches!(e, Event::Export(_)))
        .count();
    format!(
        "{} reports of {} true incidents: {} radio alerts, {} BCRP webhooks, {} export rows in {files} monthly files",
        c.rows.len(),
        c.incidents(),
        n(Channel::Radio),
        n(Channel::Bcrp),
        n(Channel::Retailer),
    )
}

/// Reports refused before they were stored, per channel, and the radio's per
/// line convention (refused of sent).
fn refusals(c: &Corpus, m: &score::Mapping) -> String {
    const CONVENTIONS: [&str; 4] = ["offence last", "offence first", "separated", "bracketed"];
    let mut per_channel = [0usize; 3];
    let mut per_convention = [(0usize, 0usize); 4];
    for (row, rec) in c.rows.iter().zip(&m.row_record) {
        let ch = channels::channel(row);
        let conv = channels::convention(&channels::topic_town(row));
        if ch == Channel::Radio {
            per_convention[conv].1 += 1;
        }
        if rec.is_none() {
            per_channel[ch as usize] += 1;
            if ch == Channel::Radio {
                per_convention[conv].0 += 1;
            }
        }
    }
    let conv: Vec<String> = CONVENTIONS
        .iter()
        .zip(per_convention)
        .map(|(name, (bad, all))| format!("{name} {bad}/{all}"))
        .collect();
    format!(
        "radio {} ({}), bcrp {}, retailer {}",
        per_channel[0],
        conv.join(", "),
        per_channel[1],
        per_channel[2]
    )
}

/// Prints what was refused and quarantined, and the gateway's WARN/ERROR log
/// lines, if any.
fn print_problems(rig: &Rig, c: &Corpus, m: &score::Mapping) {
    println!("  refused before storing: {}", refusals(c, m));
    if !m.quarantine.is_empty() {
        let q: Vec<String> = m
            .quarantine
            .iter()
            .map(|(c, k, n)| format!("{n} {c}/{k}"))
            .collect();
        println!("  quarantined: {}", q.join(", "));
    }
    let problems = rig.log_problems();
    if !problems.is_empty() {
        println!("  gateway log, WARN/ERROR after start-up (lines x message):");
        for (n, records, p) in problems.iter().take(6) {
            let records = if *records > 0 {
                format!(" [{records} records in all]")
            } else {
                String::new()
            };
            println!(
                "    {n} x {}{records}",
                p.chars().take(400).collect::<String>()
            );
        }
    }
}

/// Scores what the simulator holds now; prints the Niche and score lines.
fn look(rig: &Rig, c: &Corpus, m: &score::Mapping, http: &http::Http) -> Score {
    let occs = score::occurrences(http, &rig.sim_addr);
    let s = score::score(&c.truth, m, &occs);
    let st = score::sim_stats(http, &rig.sim_addr);
    println!(
        "  Niche: {} active occurrences; simulator created {}, updated {}, merges {}, creations replayed {} ({} with another body), rejected {}",
        s.occurrences, st.created, st.updated, st.merges, st.replayed.0, st.replayed.1, st.rejected
    );
    println!("  {}", score::line(&s, c.incidents()));
    for (kind, record) in &s.examples {
        let incident: String = rig
            .store()
            .and_then(|db| {
                db.query_row(
                    "SELECT incident_id FROM records WHERE record_id = ?1",
                    [record],
                    |r| r.get(0),
                )
                .ok()
            })
            .unwrap_or_default();
        println!("    {kind}: record {record} (incident {incident})");
    }
    s
}

/// Runs (a), (b) or (c): the live replay, the score, the oracle officer, the
/// score again.
fn live(c: &Corpus, run: Run, seed: u64, backlog: usize) -> Line {
    let registers = if run == Run::NoRegisters {
        &[][..]
    } else {
        &c.registers[..]
    };
    let mut rig = Rig::new(registers);
    mqtt::make_session(rig.broker.port, rig::CLIENT_ID, "shopnet/+/alerts");
    let events = channels::schedule(&c.rows);
    let alerts = events
        .iter()
        .filter(|e| matches!(e, Event::Alert(_)))
        .count();
    let kills = match run {
        Run::Kills => feed::kill_points(events.len(), seed),
        _ => Vec::new(),
    };
    println!("\n== {}: {} ==", c.name, run.label());
    println!("  {}", describe(c, &events));
    if rig::keep() {
        println!("  run dir (kept): {}", rig.path().display());
    }
    rig.start(false);
    let fed = feed::replay(&mut rig, &c.rows, &events, &kills, backlog);
    let done = rig.wait_idle(alerts);
    let wall = (done - rig.started.expect("started")).as_secs_f64();
    println!(
        "  fed: {} alerts, {} webhooks taken ({} attempts retried, refused {:?}), {} files; {} kill -9 (at events {kills:?})",
        fed.alerts, fed.posts, fed.retries, fed.refused, fed.files, fed.kills
    );
    let http = http::Http::new();
    let m = score::map_records(&rig, c.rows.len());
    let before = look(&rig, c, &m, &http);
    let reviews = oracle::pending(&rig).len();
    let per_1000 = 1000.0 * reviews as f64 / c.incidents() as f64;
    println!("  reviews pending: {reviews} ({per_1000:.1} per 1,000 incidents)");
    println!(
        "  wall {wall:.1} s from start to all delivered ({:.0} reports/s)",
        c.rows.len() as f64 / wall
    );
    print_problems(&rig, c, &m);
    let officer = std::time::Instant::now();
    let d = oracle::decide_all(&rig, &c.truth, &m);
    let decided = officer.elapsed().as_secs_f64();
    rig.wait_idle(alerts);
    println!(
        "  after the oracle officer ({} linked, {} kept apart, {} refused, in {decided:.0} s{}):",
        d.linked,
        d.kept_apart,
        d.refused,
        d.first_refusal
            .map(|e| format!(", first: {e}"))
            .unwrap_or_default()
    );
    let after = look(&rig, c, &m, &http);
    Line {
        generator: c.name.clone(),
        run,
        before,
        reviews_per_1000: per_1000,
        after: Some(after),
        wall,
    }
}

/// Run (d): everything loaded at once into `bcgw run --backfill`; Niche must
/// get each linked incident created once, nothing merged or updated after.
fn backfill(c: &Corpus) -> Line {
    let mut rig = Rig::new(&c.registers);
    mqtt::make_session(rig.broker.port, rig::CLIENT_ID, "shopnet/+/alerts");
    let events = channels::schedule(&c.rows);
    let alerts = events
        .iter()
        .filter(|e| matches!(e, Event::Alert(_)))
        .count();
    println!("\n== {}: {} ==", c.name, Run::Backfill.label());
    println!("  {}", describe(c, &events));
    if rig::keep() {
        println!("  run dir (kept): {}", rig.path().display());
    }
    let fed = feed::backfill(&mut rig, &c.rows, &events);
    let done = rig.wait_idle(alerts);
    let wall = (done - rig.started.expect("started")).as_secs_f64();
    println!(
        "  fed: {} alerts queued and {} files dropped before the start; {} NDJSON bodies of BCRP reports taken ({} attempts retried, refused {:?})",
        fed.alerts, fed.files, fed.posts, fed.retries, fed.refused
    );
    let http = http::Http::new();
    let m = score::map_records(&rig, c.rows.len());
    let s = look(&rig, c, &m, &http);
    let score::SimStats {
        created,
        updated,
        merges,
        ..
    } = score::sim_stats(&http, &rig.sim_addr);
    let linked =
        rig.count("SELECT COUNT(DISTINCT incident_id) FROM records WHERE incident_id IS NOT NULL");
    let verdict = if created as i64 == linked && updated == 0 && merges == 0 {
        "one creation per linked incident, nothing updated or merged after"
    } else {
        "NOT one creation per linked incident"
    };
    println!(
        "  backfill: {linked} incidents linked -> created {created}, updated {updated}, merges {merges}, {} occurrences: {verdict}",
        s.occurrences
    );
    let reviews = oracle::pending(&rig).len();
    let per_1000 = 1000.0 * reviews as f64 / c.incidents() as f64;
    println!("  reviews pending: {reviews} ({per_1000:.1} per 1,000 incidents)");
    println!(
        "  wall {wall:.1} s from start to all delivered ({:.0} reports/s)",
        c.rows.len() as f64 / wall
    );
    print_problems(&rig, c, &m);
    Line {
        generator: c.name.clone(),
        run: Run::Backfill,
        before: s,
        reviews_per_1000: per_1000,
        after: None,
        wall,
    }
}

/// The table of every run.
fn table(lines: &[Line]) {
    println!(
        "\n{:<28} {:<28} {:>7} {:>6} {:>7} {:>6} {:>6} {:>8} {:>9} {:>7}",
        "generator",
        "run",
        "exact%",
        "split%",
        "mixing%",
        "lost",
        "twice",
        "rev/1k",
        "oracle%",
        "wall s"
    );
    for l in lines {
        let s = &l.before;
        println!(
            "{:<28} {:<28} {:>7.1} {:>6.1} {:>7.1} {:>6} {:>6} {:>8.1} {:>9} {:>7.0}",
            l.generator,
            l.run.label(),
            Score::pct(s.exact, s.incidents),
            Score::pct(s.split, s.incidents),
            Score::pct(s.mixing, s.occurrences),
            s.lost(),
            s.twice,
            l.reviews_per_1000,
            l.after
                .as_ref()
                .map(|a| format!("{:.1}", Score::pct(a.exact, a.incidents)))
                .unwrap_or_else(|| "-".into()),
            l.wall
        );
    }
}

/// Every requested run on one corpus.
fn runs(c: &Corpus, which: &str, seed: u64, backlog: usize, out: &mut Vec<Line>) {
    for run in [Run::Registers, Run::NoRegisters, Run::Kills, Run::Backfill] {
        if !which.contains(run.letter()) {
            continue;
        }
        let line = match run {
            Run::Backfill => backfill(c),
            _ => live(c, run, seed, backlog),
        };
        out.push(line);
    }
}

fn main() {
    let incidents = arg("--incidents", 20_000);
    let seed = arg("--seed", 21) as u64;
    let heldout_seed = arg("--heldout-seed", 11) as u64;
    let only = opt("--only").unwrap_or_default();
    let which = opt("--runs").unwrap_or_else(|| "abcd".into());
    let backlog = arg("--backlog", 256);
    println!(
        "replay: every report in arrival order, as fast as the gateway takes it in{}",
        if backlog > 0 {
            format!(" and links it (at most {backlog} reports taken in and not yet linked)")
        } else {
            " (journaled), whatever it has still to link".into()
        }
    );
    let mut lines = Vec::new();
    if only.is_empty() || only == "own" {
        let c = corpus::own(incidents, seed);
        runs(&c, &which, seed, backlog, &mut lines);
    }
    if (only.is_empty() || only == "heldout")
        && let Some(c) = corpus::heldout(incidents, heldout_seed)
    {
        runs(&c, &which, heldout_seed, backlog, &mut lines);
    }
    table(&lines);
}
