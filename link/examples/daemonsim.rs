//! Links a labelled corpus as the daemon would, without the daemon: each report's
//! premises resolved against the member registers (if given), reports released
//! to the linker when their hold ends in the order they arrive (`arrived_at`),
//! each release decided together, old days evicted. Then the result is scored as
//! Niche would see it: true incidents that are exactly one incident, split over
//! several, incidents mixing two true ones, review items per 1,000 incidents —
//! and all of it again after an oracle case officer answers every review truly.
//!
//! `cargo run --release -p bcgw-link --example daemonsim -- <reports.csv> <truth.csv> [options]`
//!
//! Options: `--members DIR` (every `*.csv` in DIR but `FAULTS.csv` is a register,
//! named after its file), `--hold-minutes N` (5), `--window-days N` (45),
//! `--threshold P` (0.6), `--review P` (0.1), `--batch N` (2048), `--model FILE`,
//! `--errors N` (sample wrong links and splits with their evidence),
//! `--dump-links FILE` (each report's incident and the incident it was queued for review against),
//! `--train-out FILE` (estimate a model from this labelled corpus's candidate
//! pairs, with its registers if given, write it and stop), `--train-corpora
//! DIR,DIR` with `--train-out` (the same from several corpus directories;
//! with `--builtin`, in the built-in model's form: trained without the
//! registers, with the member evidence trained with them).

use bcgw_link::engine::LinkConfig;
use bcgw_link::incremental::{IncrementalLinker, NewReport};
use bcgw_link::input::{FlatRow, parse_when, read_flat_csv};
use bcgw_link::members::{PremisesQuery, Registry, read_register};
use bcgw_link::{Channel, Model};
use bcgw_sdk::schema::{PremisesResolution, Report, ResolutionMethod};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

fn opt(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn registry(dir: &Path) -> Registry {
    let mut registers = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("members dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .filter(|p| p.file_name().is_none_or(|n| n != "FAULTS.csv"))
        .collect();
    files.sort();
    for f in files {
        let name = f
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .to_string();
        registers.push(read_register(&name, &f).expect("register"));
    }
    Registry::new(registers)
}

/// A flat row's premises resolved as the gateway resolves them: in its
/// scheme's register when there is one, the radio topic's town for an alert.
fn resolve(
    reg: &Registry,
    register_names: &HashSet<String>,
    r: &FlatRow,
    report: &Report,
    channel: Channel,
) -> PremisesResolution {
    let scope = [r.scheme.clone()];
    let scoped = register_names.contains(&r.scheme);
    let radio = channel == Channel::Radio;
    let q = PremisesQuery {
        name: report.location.premises_name.as_deref(),
        postcode: Some(r.premises_postcode.as_str()).filter(|p| !p.is_empty()),
        store_id: Some(r.member_ref.as_str()).filter(|s| !s.is_empty()),
        radio_id: Some(r.radio_id.as_str()).filter(|s| !s.is_empty()),
        town: Some(r.town.as_str()).filter(|t| radio && !t.is_empty()),
        registers: scoped.then_some(&scope[..]),
    };
    reg.resolve(&q)
}

/// Labelled comparison patterns of one corpus directory (`reports.csv`,
/// `truth.csv`, and `registers/` when `members`): what training counts.
fn corpus_counts(dir: &Path, members: bool, counts: &mut HashMap<(u32, bool), u64>) {
    let flat: Vec<FlatRow> =
        read_flat_csv(&std::fs::read(dir.join("reports.csv")).expect("reports")[..])
            .expect("reports");
    let truth: HashMap<String, String> = std::fs::read_to_string(dir.join("truth.csv"))
        .expect("truth")
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(a, b)| (a.to_string(), b.trim().to_string()))
        .collect();
    let reg = members.then(|| registry(&dir.join("registers")));
    let names: HashSet<String> = reg
        .as_ref()
        .map(|r| r.register_names().map(str::to_string).collect())
        .unwrap_or_default();
    let reports: Vec<(Report, Channel)> = flat
        .iter()
        .map(|r| (r.to_report(), Channel::parse(&r.source)))
        .collect();
    let placed: Vec<Option<PremisesResolution>> = flat
        .iter()
        .zip(&reports)
        .map(|(r, (report, channel))| {
            reg.as_ref()
                .map(|reg| resolve(reg, &names, r, report, *channel))
        })
        .collect();
    let prepared = bcgw_link::engine::prepare_placed(
        reports
            .iter()
            .zip(&placed)
            .map(|((r, c), p)| (r, *c, p.as_ref())),
    );
    for (a, b, pattern) in bcgw_link::engine::compare_candidates(&prepared) {
        let f = &prepared.features;
        if f[a as usize].apart(&f[b as usize]) {
            continue;
        }
        let same = truth[&flat[a as usize].report_id] == truth[&flat[b as usize].report_id];
        *counts.entry((pattern, same)).or_default() += 1;
    }
}

struct Row {
    id: String,
    report: Report,
    channel: Channel,
    premises: Option<PremisesResolution>,
    due: DateTime<Utc>,
    arrived: DateTime<Utc>,
    truth: String,
}

/// Union-find over incident ids: merges the daemon makes (and the oracle's).
#[derive(Default)]
struct Merges(HashMap<String, String>);

impl Merges {
    fn find(&self, id: &str) -> String {
        let mut id = id.to_string();
        while let Some(next) = self.0.get(&id) {
            id = next.clone();
        }
        id
    }
    fn union(&mut self, absorbed: &str, survivor: &str) {
        let (a, s) = (self.find(absorbed), self.find(survivor));
        if a != s {
            self.0.insert(a, s);
        }
    }
}

struct Scores {
    exact: f64,
    split: f64,
    extra_per_1000: f64,
    mixed: usize,
    mixed_share: f64,
    occurrences: usize,
}

fn score(rows: &[Row], incident_of: &[String]) -> Scores {
    let mut truth_sets: HashMap<&str, HashSet<usize>> = HashMap::new();
    let mut pred_sets: HashMap<&str, HashSet<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        truth_sets.entry(&r.truth).or_default().insert(i);
        pred_sets.entry(&incident_of[i]).or_default().insert(i);
    }
    let mut exact = 0;
    let mut split = 0;
    let mut extra = 0;
    for set in truth_sets.values() {
        let preds: HashSet<&str> = set.iter().map(|&i| incident_of[i].as_str()).collect();
        if preds.len() == 1 && preds.iter().all(|p| pred_sets[p].len() == set.len()) {
            exact += 1;
        }
        if preds.len() > 1 {
            split += 1;
            extra += preds.len() - 1;
        }
    }
    let mixed = pred_sets
        .values()
        .filter(|s| {
            s.iter()
                .map(|&i| rows[i].truth.as_str())
                .collect::<HashSet<_>>()
                .len()
                > 1
        })
        .count();
    let n = truth_sets.len() as f64;
    Scores {
        exact: exact as f64 / n,
        split: split as f64 / n,
        extra_per_1000: 1000.0 * extra as f64 / n,
        mixed,
        mixed_share: mixed as f64 / pred_sets.len() as f64,
        occurrences: pred_sets.len(),
    }
}

fn print(label: &str, s: &Scores) {
    println!(
        "{label}: exactly one {:.2}%, split {:.2}% ({:.0} extra per 1,000), mixing {} of {} occurrences ({:.2}%)",
        100.0 * s.exact,
        100.0 * s.split,
        s.extra_per_1000,
        s.mixed,
        s.occurrences,
        100.0 * s.mixed_share
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flat: Vec<FlatRow> =
        read_flat_csv(&std::fs::read(&args[0]).expect("reports")[..]).expect("reports");
    let truth: HashMap<String, String> = std::fs::read_to_string(&args[1])
        .expect("truth")
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(a, b)| (a.to_string(), b.trim().to_string()))
        .collect();
    let f = |name: &str, default: f64| opt(&args, name).map_or(default, |v| v.parse().expect(name));
    let hold = Duration::minutes(f("--hold-minutes", 5.0) as i64);
    let window = f("--window-days", 45.0) as i64;
    let batch = f("--batch", 2048.0) as usize;
    let config = LinkConfig {
        threshold: f("--threshold", 0.6),
        review_threshold: f("--review", 0.1),
        same_channel_threshold: f(
            "--same-channel",
            LinkConfig::default().same_channel_threshold,
        ),
        exclusive: !args.iter().any(|a| a == "--not-exclusive"),
        em: false,
        ..LinkConfig::default()
    };
    let model = match opt(&args, "--model") {
        Some(p) => Model::from_toml(&std::fs::read_to_string(p).expect("model")).expect("model"),
        None => Model::builtin(),
    };
    let reg = opt(&args, "--members").map(|d| registry(Path::new(&d)));
    let register_names: HashSet<String> = reg
        .as_ref()
        .map(|r| r.register_names().map(str::to_string).collect())
        .unwrap_or_default();
    let mut methods: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    let mut rows: Vec<Row> = flat
        .iter()
        .map(|r| {
            let report = r.to_report();
            let channel = Channel::parse(&r.source);
            let premises = reg
                .as_ref()
                .map(|reg| resolve(reg, &register_names, r, &report, channel));
            if let Some(p) = &premises {
                *methods
                    .entry((r.source.clone(), p.method.as_str()))
                    .or_default() += 1;
            }
            let occurred = report.event.occurred_from;
            let arrived = parse_when(&r.arrived_at)
                .map(|w| w.0)
                .or(occurred)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            let due = occurred.map_or(arrived + hold, |o| {
                (o + hold).clamp(arrived, arrived + hold)
            });
            Row {
                id: r.report_id.clone(),
                report,
                channel,
                premises,
                due,
                arrived,
                truth: truth[&r.report_id].clone(),
            }
        })
        .collect();
    if let Some(out) = opt(&args, "--dump-resolution") {
        let mut text = String::from("report_id,method,member,candidates,scheme,town,score\n");
        for r in &rows {
            if let Some(p) = &r.premises {
                let cands: Vec<String> = p.candidates.iter().map(|m| m.member_id.clone()).collect();
                text.push_str(&format!(
                    "{},{},{},{},{},{},{}\n",
                    r.id,
                    p.method.as_str(),
                    p.member.as_ref().map_or("", |m| m.member_id.as_str()),
                    cands.join(";"),
                    p.scheme.as_deref().unwrap_or(""),
                    p.town.as_deref().unwrap_or(""),
                    p.score
                ));
            }
        }
        std::fs::write(out, text).expect("dump");
    }
    // `--train-corpora DIR,DIR,... --train-out FILE`: a model from several
    // labelled corpora together (with their registers if `--members` is given
    // at all), written, then stop.
    // `--builtin`: the built-in model's form, trained without the registers
    // and given the member evidence trained with them
    // (`Model::with_member_evidence`).
    if let (Some(dirs), Some(out)) = (opt(&args, "--train-corpora"), opt(&args, "--train-out")) {
        let train = |members: bool| {
            let mut counts: HashMap<(u32, bool), u64> = HashMap::new();
            for d in dirs.split(',') {
                corpus_counts(Path::new(d), members, &mut counts);
            }
            Model::from_labels(
                counts
                    .into_iter()
                    .map(|((p, m), n)| (bcgw_link::compare::unpack(p), n, m)),
            )
        };
        let model = if args.iter().any(|a| a == "--builtin") {
            train(false).with_member_evidence(&train(true))
        } else {
            train(reg.is_some())
        };
        std::fs::write(&out, model.to_toml()).expect("model file");
        println!("model trained on {dirs} written to {out}");
        return;
    }
    if let Some(out) = opt(&args, "--train-out") {
        let prepared = bcgw_link::engine::prepare_placed(
            rows.iter()
                .map(|r| (&r.report, r.channel, r.premises.as_ref())),
        );
        let model = bcgw_link::engine::train(&prepared, |a, b| rows[a].truth == rows[b].truth);
        // What the nested model sees: same-member pairs by time level.
        let mut by_time: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
        for (a, b, pattern) in bcgw_link::engine::compare_candidates(&prepared) {
            let l = bcgw_link::compare::unpack(pattern);
            if l[bcgw_link::compare::MEMBER] != 0 {
                continue;
            }
            let e = by_time
                .entry((
                    bcgw_link::compare::LEVEL_NAMES[0][l[0] as usize],
                    bcgw_link::compare::LEVEL_NAMES[6][l[6] as usize],
                ))
                .or_default();
            if rows[a as usize].truth == rows[b as usize].truth {
                e.0 += 1
            } else {
                e.1 += 1
            }
        }
        for ((t, c), (m, u)) in by_time {
            println!("  same member, time {t:>14}, {c:>20}: {m:>6} matches, {u:>6} not");
        }
        std::fs::write(&out, model.to_toml()).expect("model file");
        println!("model trained on this corpus written to {out}");
        return;
    }
    if reg.is_some() {
        println!("premises resolved, by channel and method:");
        for ((source, method), n) in &methods {
            println!("  {source:>12} {method:>18}: {n}");
        }
    }
    // `--em`: the model refined on this corpus's own candidate pairs (no labels),
    // as the batch engine does; what a daemon adapting to its data would use.
    let model = if args.iter().any(|a| a == "--em") {
        let prepared = bcgw_link::engine::prepare_placed(
            rows.iter()
                .map(|r| (&r.report, r.channel, r.premises.as_ref())),
        );
        let mut patterns: HashMap<u32, u64> = HashMap::new();
        for (a, b, p) in bcgw_link::engine::compare_candidates(&prepared) {
            if !prepared.features[a as usize].apart(&prepared.features[b as usize]) {
                *patterns.entry(p).or_default() += 1;
            }
        }
        let n: u64 = patterns.values().sum();
        let refined = model.em(&patterns, 40, n as f64);
        println!(
            "EM on {n} candidate pairs: plausible {}",
            refined.is_plausible()
        );
        if refined.is_plausible() {
            refined
        } else {
            model
        }
    } else {
        model
    };
    // Released in the order they fall due, then as they arrived.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (rows[i].due, i));
    rows = order
        .into_iter()
        .map(|i| {
            std::mem::replace(
                &mut rows[i],
                Row {
                    id: String::new(),
                    report: Report::default(),
                    channel: Channel::Other,
                    premises: None,
                    due: DateTime::<Utc>::MIN_UTC,
                    arrived: DateTime::<Utc>::MIN_UTC,
                    truth: String::new(),
                },
            )
        })
        .collect();
    let mut linker = IncrementalLinker::new(config, model);
    let mut assigned: Vec<String> = vec![String::new(); rows.len()];
    let index_of: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut merges = Merges::default();
    let mut reviews: Vec<(usize, String)> = Vec::new();
    // Reports reach the linker as they arrive (waiting for their hold) ...
    let mut arrivals: Vec<usize> = (0..rows.len()).collect();
    arrivals.sort_by_key(|&i| (rows[i].arrived, i));
    let mut next_arrival = 0;
    let mut start = 0;
    let mut recent_days: std::collections::VecDeque<chrono::NaiveDate> = Default::default();
    let mut last_cutoff = None;
    while start < rows.len() {
        // ... and are decided when it ends: one decision, as the daemon makes
        // it, for the reports of one payload falling due together (here: one
        // channel's reports arriving at the same moment, e.g. a monthly
        // export), at most `batch`, with the waiting reports they are one with.
        let group = (rows[start].due, rows[start].channel, rows[start].arrived);
        let mut end = start;
        while end < rows.len()
            && end - start < batch
            && (rows[end].due, rows[end].channel, rows[end].arrived) == group
        {
            end += 1;
        }
        while next_arrival < arrivals.len() && rows[arrivals[next_arrival]].arrived <= group.0 {
            let r = &rows[arrivals[next_arrival]];
            linker.add_provisional(NewReport {
                id: &r.id,
                report: &r.report,
                channel: r.channel,
                premises: r.premises.as_ref(),
            });
            next_arrival += 1;
        }
        let due: Vec<&str> = rows[start..end]
            .iter()
            .filter(|r| linker.is_waiting(&r.id))
            .map(|r| r.id.as_str())
            .collect();
        for (id, a) in linker.decide(&due) {
            let i = index_of[id.as_str()];
            for m in &a.merged {
                merges.union(m, &a.incident_id);
            }
            if let Some(rv) = &a.review {
                reviews.push((i, rv.incident_id.clone()));
            }
            if let Some(t) = rows[i].report.event.occurred_from {
                recent_days.push_back(t.date_naive());
                if recent_days.len() > 255 {
                    recent_days.pop_front();
                }
            }
            assigned[i] = a.incident_id;
        }
        let mut d: Vec<_> = recent_days.iter().copied().collect();
        d.sort_unstable();
        if let Some(anchor) = d.get(d.len() / 2) {
            let cutoff = *anchor - Duration::days(window);
            if last_cutoff.is_none_or(|c| cutoff > c) {
                linker.evict_before(cutoff);
                last_cutoff = Some(cutoff);
            }
        }
        start = end;
    }
    let incident_of: Vec<String> = assigned.iter().map(|i| merges.find(i)).collect();
    let n_incidents = rows
        .iter()
        .map(|r| r.truth.as_str())
        .collect::<HashSet<_>>()
        .len();
    let s = score(&rows, &incident_of);
    print("linked", &s);
    if let Some(out) = opt(&args, "--dump-links") {
        let mut text = String::from("report_id,incident_id,review_of\n");
        let review_of: HashMap<usize, &str> =
            reviews.iter().map(|(r, c)| (*r, c.as_str())).collect();
        for (i, r) in rows.iter().enumerate() {
            text.push_str(&format!(
                "{},{},{}\n",
                r.id,
                incident_of[i],
                review_of.get(&i).map_or(String::new(), |c| merges.find(c))
            ));
        }
        std::fs::write(out, text).expect("dump links");
    }
    let per_1000 = 1000.0 * reviews.len() as f64 / n_incidents as f64;
    // The oracle: a review is a link exactly when the report and the incident it
    // nearly joined share a true incident.
    let mut truths_of: HashMap<String, HashSet<&str>> = HashMap::new();
    for (i, inc) in incident_of.iter().enumerate() {
        truths_of
            .entry(inc.clone())
            .or_default()
            .insert(&rows[i].truth);
    }
    let mut true_reviews = 0;
    for (r, candidate) in &reviews {
        let c = merges.find(candidate);
        if truths_of
            .get(&c)
            .is_some_and(|t| t.contains(rows[*r].truth.as_str()))
        {
            true_reviews += 1;
            merges.union(&incident_of[*r], &c);
        }
    }
    println!(
        "reviews: {} ({:.1} per 1,000 incidents), {} true",
        reviews.len(),
        per_1000,
        true_reviews
    );
    let after: Vec<String> = assigned.iter().map(|i| merges.find(i)).collect();
    print("after the oracle officer", &score(&rows, &after));
    if args.iter().any(|a| a == "--stats") {
        let model = match opt(&args, "--model") {
            Some(p) => {
                Model::from_toml(&std::fs::read_to_string(p).expect("model")).expect("model")
            }
            None => Model::builtin(),
        };
        stats(&rows, &incident_of, &model, f("--threshold", 0.6));
    }
    if let Some(out) = opt(&args, "--dump-pairs") {
        let model = match opt(&args, "--model") {
            Some(p) => {
                Model::from_toml(&std::fs::read_to_string(p).expect("model")).expect("model")
            }
            None => Model::builtin(),
        };
        dump_pairs(&rows, &incident_of, &model, &out);
    }
    if let Some(n) = opt(&args, "--errors").and_then(|n| n.parse::<usize>().ok()) {
        let model = match opt(&args, "--model") {
            Some(p) => {
                Model::from_toml(&std::fs::read_to_string(p).expect("model")).expect("model")
            }
            None => Model::builtin(),
        };
        errors(&rows, &incident_of, n, &model);
    }
}

/// Prints up to `n` split and `n` mixed true incidents with their reports.
fn errors(rows: &[Row], incident_of: &[String], n: usize, model: &Model) {
    let explain = |a: usize, b: usize| {
        let prepared = bcgw_link::engine::prepare_placed(
            [a, b]
                .iter()
                .map(|&i| (&rows[i].report, rows[i].channel, rows[i].premises.as_ref())),
        );
        let apart = prepared.features[0].apart(&prepared.features[1]);
        let e = bcgw_link::engine::explain_pair(&prepared, model, 1, 0);
        println!(
            "      {} ~ {}: {}{}",
            rows[a].id,
            rows[b].id,
            e.to_line(),
            if apart { " APART" } else { "" }
        );
    };
    let mut by_truth: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_pred: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_truth.entry(&r.truth).or_default().push(i);
        by_pred.entry(&incident_of[i]).or_default().push(i);
    }
    let show = |i: usize| {
        let r = &rows[i];
        let p = r.premises.as_ref();
        println!(
            "    {} {:?} {:?} {:?} cat={:?} {:?} member={:?} cands={} method={:?} pred={}",
            r.id,
            r.channel,
            r.report.event.occurred_from.map(|t| t.to_rfc3339()),
            r.report.location.premises_name,
            r.report.event.category_raw,
            r.report.persons.first().and_then(|p| p.description.clone()),
            p.and_then(|p| p.member.as_ref().map(|m| m.member_id.clone())),
            p.map_or(0, |p| p.candidates.len()),
            p.map(|p| p.method),
            incident_of[i]
        );
    };
    println!("split:");
    for (t, members) in by_truth
        .iter()
        .filter(|(_, m)| {
            m.iter()
                .map(|&i| &incident_of[i])
                .collect::<HashSet<_>>()
                .len()
                > 1
        })
        .take(n)
    {
        println!("  {t}");
        members.iter().for_each(|&i| show(i));
        // What else is in the incidents these reports went to.
        let preds: HashSet<&String> = members.iter().map(|&i| &incident_of[i]).collect();
        for p in preds {
            let others: Vec<usize> = (0..rows.len())
                .filter(|&i| &incident_of[i] == p && rows[i].truth != *t)
                .collect();
            for &o in others.iter().take(3) {
                print!("   (also in {p}:) ");
                show(o);
            }
        }
        for x in 0..members.len() {
            for y in x + 1..members.len() {
                if incident_of[members[x]] != incident_of[members[y]] {
                    explain(members[x], members[y]);
                }
            }
        }
    }
    println!("mixed:");
    for (p, members) in by_pred
        .iter()
        .filter(|(_, m)| {
            m.iter()
                .map(|&i| &rows[i].truth)
                .collect::<HashSet<_>>()
                .len()
                > 1
        })
        .take(n)
    {
        println!("  {p}");
        members.iter().for_each(|&i| show(i));
        for x in 0..members.len() {
            for y in x + 1..members.len() {
                if rows[members[x]].truth != rows[members[y]].truth {
                    explain(members[x], members[y]);
                }
            }
        }
    }
    let _ = ResolutionMethod::Unresolved;
}

/// Why true pairs were split and false pairs joined: counts by the level of each
/// feature, by probability band, and pairs blocking never compared.
fn stats(rows: &[Row], incident_of: &[String], model: &Model, threshold: f64) {
    use bcgw_link::compare::{FEATURES, LEVEL_NAMES, compare};
    let prepared = bcgw_link::engine::prepare_placed(
        rows.iter()
            .map(|r| (&r.report, r.channel, r.premises.as_ref())),
    );
    let blocked: HashSet<(u32, u32)> =
        bcgw_link::blocking::candidate_pairs(&prepared.features, &prepared.vocab)
            .into_iter()
            .collect();
    let mut by_truth: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_pred: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_truth.entry(&r.truth).or_default().push(i);
        by_pred.entry(&incident_of[i]).or_default().push(i);
    }
    let report = |label: &str, pairs: Vec<(usize, usize)>| {
        let mut levels: Vec<BTreeMap<&str, usize>> = vec![BTreeMap::new(); FEATURES.len()];
        let mut bands: BTreeMap<String, usize> = BTreeMap::new();
        let (mut unblocked, mut apart) = (0, 0);
        let mut channels: BTreeMap<String, usize> = BTreeMap::new();
        for &(a, b) in &pairs {
            let (fa, fb) = (&prepared.features[a], &prepared.features[b]);
            *channels
                .entry(format!(
                    "{:?}-{:?}",
                    fa.kind.min(fb.kind),
                    fa.kind.max(fb.kind)
                ))
                .or_default() += 1;
            if !blocked.contains(&(a.min(b) as u32, a.max(b) as u32)) {
                unblocked += 1;
            }
            if fa.apart(fb) {
                apart += 1;
                continue;
            }
            let (l, _) = compare(fb, fa, &prepared.vocab);
            for f in 0..FEATURES.len() {
                *levels[f].entry(LEVEL_NAMES[f][l[f] as usize]).or_default() += 1;
            }
            let p = model.probability(&l);
            let band = if p >= threshold {
                ">=auto".to_string()
            } else {
                format!("{:.1}", (p * 10.0).floor() / 10.0)
            };
            *bands.entry(band).or_default() += 1;
        }
        println!(
            "{label}: {} pairs, {unblocked} never compared by blocking, {apart} kept apart (town/scheme/export)",
            pairs.len()
        );
        println!("  channels: {channels:?}");
        println!("  probability: {bands:?}");
        for f in 0..FEATURES.len() {
            println!("  {:>12}: {:?}", FEATURES[f], levels[f]);
        }
    };
    let mut split = Vec::new();
    for members in by_truth.values() {
        for x in 0..members.len() {
            for y in x + 1..members.len() {
                if incident_of[members[x]] != incident_of[members[y]] {
                    split.push((members[x], members[y]));
                }
            }
        }
    }
    let same_member = |&(a, b): &(usize, usize)| {
        let (fa, fb) = (&prepared.features[a], &prepared.features[b]);
        fa.member_resolved && fb.member_resolved && fa.members == fb.members
    };
    report(
        "  of which surely at one member",
        split.iter().copied().filter(same_member).collect(),
    );
    report("true pairs split", split.clone());
    // Of the split pairs the model would link on their own: were both parts
    // clean (a merge missed) or was one taken by another incident?
    let pure = |inc: &str| {
        by_pred[inc]
            .iter()
            .all(|&i| rows[i].truth == rows[by_pred[inc][0]].truth)
    };
    let (mut missed, mut taken, mut missed_sizes) =
        (0, 0, BTreeMap::<(usize, usize), usize>::new());
    for &(a, b) in &split {
        let (fa, fb) = (&prepared.features[a], &prepared.features[b]);
        if fa.apart(fb) {
            continue;
        }
        let (l, _) = compare(fb, fa, &prepared.vocab);
        if model.probability(&l) < threshold {
            continue;
        }
        let (ia, ib) = (incident_of[a].as_str(), incident_of[b].as_str());
        if pure(ia) && pure(ib) {
            missed += 1;
            let (x, y) = (by_pred[ia].len(), by_pred[ib].len());
            *missed_sizes.entry((x.min(y), x.max(y))).or_default() += 1;
        } else {
            taken += 1;
        }
    }
    println!(
        "  split pairs the model links alone: {missed} in two clean parts (sizes {missed_sizes:?}), {taken} with a part taken by another incident"
    );
    let mut mixed = Vec::new();
    for members in by_pred.values() {
        for x in 0..members.len() {
            for y in x + 1..members.len() {
                if rows[members[x]].truth != rows[members[y]].truth {
                    mixed.push((members[x], members[y]));
                }
            }
        }
    }
    report("false pairs joined", mixed);
}

/// Writes every true pair and every candidate pair (true or not) the model gives
/// at least 0.05, with levels, probability, whether blocking meets it, whether
/// it is kept apart, and whether the linker put the two together.
fn dump_pairs(rows: &[Row], incident_of: &[String], model: &Model, out: &str) {
    use bcgw_link::compare::{FEATURES, LEVEL_NAMES, compare};
    let prepared = bcgw_link::engine::prepare_placed(
        rows.iter()
            .map(|r| (&r.report, r.channel, r.premises.as_ref())),
    );
    let blocked: HashSet<(u32, u32)> =
        bcgw_link::blocking::candidate_pairs(&prepared.features, &prepared.vocab)
            .into_iter()
            .collect();
    let mut by_truth: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_truth.entry(&r.truth).or_default().push(i);
    }
    let mut pairs: HashSet<(u32, u32)> = HashSet::new();
    for members in by_truth.values() {
        for x in 0..members.len() {
            for y in x + 1..members.len() {
                let (a, b) = (members[x] as u32, members[y] as u32);
                pairs.insert((a.min(b), a.max(b)));
            }
        }
    }
    let mut text = String::from("a,b,truth,same_pred,blocked,apart,p");
    for f in FEATURES {
        text.push_str(&format!(",{f}"));
    }
    text.push('\n');
    let line = |a: u32, b: u32, text: &mut String| {
        let (fa, fb) = (
            &prepared.features[a as usize],
            &prepared.features[b as usize],
        );
        let apart = fa.apart(fb);
        let (l, _) = compare(fb, fa, &prepared.vocab);
        let p = if apart { 0.0 } else { model.probability(&l) };
        text.push_str(&format!(
            "{},{},{},{},{},{},{:.4}",
            rows[a as usize].id,
            rows[b as usize].id,
            u8::from(rows[a as usize].truth == rows[b as usize].truth),
            u8::from(incident_of[a as usize] == incident_of[b as usize]),
            u8::from(blocked.contains(&(a, b))),
            u8::from(apart),
            p
        ));
        for f in 0..FEATURES.len() {
            text.push_str(&format!(",{}", LEVEL_NAMES[f][l[f] as usize]));
        }
        text.push('\n');
        p
    };
    for &(a, b) in &pairs {
        line(a, b, &mut text);
    }
    for &(a, b) in &blocked {
        if pairs.contains(&(a, b)) {
            continue;
        }
        let (fa, fb) = (
            &prepared.features[a as usize],
            &prepared.features[b as usize],
        );
        let (l, _) = compare(fb, fa, &prepared.vocab);
        if fa.apart(fb) || model.probability(&l) < 0.05 {
            continue;
        }
        line(a, b, &mut text);
    }
    std::fs::write(out, text).expect("dump pairs");
}
