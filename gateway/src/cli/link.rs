//! `bcgw link`: which reports describe the same incident, over a flat CSV export;
//! `bcgw link eval|generate|train` to measure and tune it.

use super::Exit;
use anyhow::{Context, Result, bail};
use bcgw_link::Model;
use bcgw_link::compare::unpack;
use bcgw_link::corpus::{CorpusSettings, generate, write_reports, write_truth};
use bcgw_link::engine::{LinkConfig, LinkOutput, compare_candidates, link_prepared};
use bcgw_link::eval::pairwise;
use bcgw_link::input::prepare_flat_csv;
use clap::{Args, Subcommand};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `bcgw link ...`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LinkArgs {
    /// Evaluate, generate a corpus, or train a model.
    #[command(subcommand)]
    pub command: Option<LinkCommand>,
    /// Link a flat CSV.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Model and settings options shared by the subcommands.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// A model file (from `bcgw link train`) instead of the built-in one.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Linking settings (TOML: threshold, same_channel_threshold, min_edge, em,
    /// em_iterations, em_prior_share).
    #[arg(long = "link-config")]
    pub link_config: Option<PathBuf>,
    /// Do not refine the model by EM on the input.
    #[arg(long)]
    pub no_em: bool,
}

/// Arguments of `bcgw link`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The flat CSV: report_id,source,source_record_id,occurred_at,premises_name,
    /// premises_postcode,offence,offender_description,property_value_gbp,staff_injured,narrative.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Where to write `report_id,incident_id` (default: stdout).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Add why each report is linked: the member it links to most strongly, the
    /// probability, and what each feature scored (bits of evidence).
    #[arg(long)]
    pub explain: bool,
    /// Link as the daemon does: report by report in the file's order (put it in
    /// arrival order), with the model as given (no EM) and the daemon's
    /// auto-link threshold (0.6, unless `--link-config` sets one), near matches
    /// named in the `review` column instead of linked.
    #[arg(long)]
    pub as_daemon: bool,
    /// Model and settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// `bcgw link` subcommands.
#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Score links against the truth: pairwise precision, recall, F1 and speed.
    Eval(EvalArgs),
    /// Write a labelled synthetic corpus (reports.csv, truth.csv).
    Generate(GenerateArgs),
    /// Estimate a model from a labelled sample.
    Train(TrainArgs),
}

/// Arguments of `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// `report_id,true_incident_id`.
    #[arg(long)]
    pub truth: PathBuf,
    /// Links to score (`report_id,incident_id`); if absent, `--input` is linked now.
    #[arg(long)]
    pub links: Option<PathBuf>,
    /// The flat CSV to link.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Model and settings.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Arguments of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Incidents (reports are about 1.6 times as many).
    #[arg(long, default_value_t = 10_000)]
    pub incidents: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Noise scale (1.0 default; 2.0 doubles every slip rate).
    #[arg(long, default_value_t = 1.0)]
    pub noise: f64,
    /// Folder for reports.csv and truth.csv.
    #[arg(long)]
    pub out_dir: PathBuf,
}

/// Arguments of `train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The flat CSV.
    #[arg(long)]
    pub input: PathBuf,
    /// `report_id,true_incident_id`.
    #[arg(long)]
    pub truth: PathBuf,
    /// Where to write the model (TOML).
    #[arg(long)]
    pub output: PathBuf,
}

fn settings(m: &ModelArgs) -> Result<(LinkConfig, Model)> {
    let mut config = match &m.link_config {
        Some(p) => toml::from_str::<LinkConfig>(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .with_context(|| format!("{} is not a valid link config", p.display()))?,
        None => LinkConfig::default(),
    };
    if m.no_em {
        config.em = false;
    }
    let model = match &m.model {
        Some(p) => Model::from_toml(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => Model::builtin(),
    };
    Ok((config, model))
}

fn link_file(input: &Path, m: &ModelArgs) -> Result<(Vec<String>, LinkOutput, f64)> {
    let (config, model) = settings(m)?;
    let start = Instant::now();
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let (ids, prepared) = prepare_flat_csv(std::io::BufReader::new(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    let out = link_prepared(&prepared, &config, &model, |i| ids[i].clone());
    Ok((ids, out, start.elapsed().as_secs_f64()))
}

fn read_pairs(path: &Path, value_column: &str) -> Result<HashMap<String, String>> {
    let mut rdr =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(id), Some(value)) = (col("report_id"), col(value_column)) else {
        bail!(
            "{}: the header needs report_id and {value_column}",
            path.display()
        );
    };
    let mut out = HashMap::new();
    for r in rdr.records() {
        let r = r?;
        out.insert(
            r.get(id).unwrap_or("").trim().to_string(),
            r.get(value).unwrap_or("").trim().to_string(),
        );
    }
    Ok(out)
}

/// Runs `bcgw link ...`.
pub fn run(args: LinkArgs) -> Result<Exit> {
    match args.command {
        Some(LinkCommand::Eval(a)) => eval(a),
        Some(LinkCommand::Generate(a)) => generate_corpus(a),
        Some(LinkCommand::Train(a)) => train(a),
        None => link(args.run),
    }
}

fn link(a: RunArgs) -> Result<Exit> {
    let Some(input) = a.input.clone() else {
        bail!("give --input <reports.csv> (or a subcommand: eval, generate, train)");
    };
    if a.as_daemon {
        return link_as_daemon(&input, &a);
    }
    let (ids, out, secs) = link_file(&input, &a.model)?;
    let sink: Box<dyn std::io::Write> = match &a.output {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(sink);
    if a.explain {
        w.write_record([
            "report_id",
            "incident_id",
            "linked_to",
            "probability",
            "explanation",
        ])?;
    } else {
        w.write_record(["report_id", "incident_id"])?;
    }
    for (i, id) in ids.iter().enumerate() {
        let incident = &out.incident_ids[out.incident_of[i]];
        if a.explain {
            match &out.explanations[i] {
                Some(e) => w.write_record([
                    id,
                    incident,
                    &ids[e.linked_to],
                    &format!("{:.4}", e.probability),
                    &e.to_line(),
                ])?,
                None => w.write_record([
                    id.as_str(),
                    incident,
                    "",
                    "",
                    "alone: no other report scored high enough",
                ])?,
            }
        } else {
            w.write_record([id, incident])?;
        }
    }
    w.flush()?;
    eprintln!(
        "{} reports -> {} incidents; {} candidate pairs; model {}; {:.0} reports/s",
        ids.len(),
        out.incident_ids.len(),
        out.candidate_pairs,
        if out.em_used {
            "refined by EM on this input"
        } else {
            "as given"
        },
        ids.len() as f64 / secs.max(1e-9)
    );
    Ok(Exit::Ok)
}

fn eval(a: EvalArgs) -> Result<Exit> {
    let truth = read_pairs(&a.truth, "true_incident_id")?;
    let (links, speed) = match (&a.links, &a.input) {
        (Some(l), _) => (read_pairs(l, "incident_id")?, None),
        (None, Some(input)) => {
            let (ids, out, secs) = link_file(input, &a.model)?;
            let map = ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), out.incident_ids[out.incident_of[i]].clone()))
                .collect();
            (map, Some(ids.len() as f64 / secs.max(1e-9)))
        }
        (None, None) => bail!("give --links <links.csv> or --input <reports.csv>"),
    };
    let mut predicted = Vec::new();
    let mut actual = Vec::new();
    let mut missing = 0usize;
    for (id, t) in &truth {
        match links.get(id) {
            Some(p) => {
                predicted.push(p.clone());
                actual.push(t.clone());
            }
            None => missing += 1,
        }
    }
    let s = pairwise(&predicted, &actual);
    println!("reports:    {}", predicted.len());
    if missing > 0 {
        println!(
            "missing:    {missing} report(s) in the truth have no link (counted as not scored)"
        );
    }
    println!(
        "true pairs: {}  linked pairs: {}  correct: {}",
        s.true_pairs, s.predicted_pairs, s.true_positives
    );
    println!("precision:  {:.4}", s.precision);
    println!("recall:     {:.4}", s.recall);
    println!("F1:         {:.4}", s.f1);
    if let Some(rate) = speed {
        println!("speed:      {rate:.0} reports/s");
    }
    Ok(Exit::Ok)
}

fn generate_corpus(a: GenerateArgs) -> Result<Exit> {
    std::fs::create_dir_all(&a.out_dir)
        .with_context(|| format!("cannot create {}", a.out_dir.display()))?;
    let corpus = generate(&CorpusSettings {
        noise: a.noise,
        ..CorpusSettings::new(a.incidents, a.seed)
    });
    let reports = a.out_dir.join("reports.csv");
    let truth = a.out_dir.join("truth.csv");
    write_reports(&corpus.rows, std::fs::File::create(&reports)?)?;
    write_truth(&corpus.rows, &corpus.truth, std::fs::File::create(&truth)?)?;
    bcgw_link::corpus::write_registers(&corpus.registers, &a.out_dir)?;
    println!(
        "wrote {} reports of {} incidents to {} and {}, and {} member registers (with faults) to {}",
        corpus.rows.len(),
        a.incidents,
        reports.display(),
        truth.display(),
        corpus.registers.len(),
        a.out_dir.join("registers").display()
    );
    Ok(Exit::Ok)
}

fn train(a: TrainArgs) -> Result<Exit> {
    let truth = read_pairs(&a.truth, "true_incident_id")?;
    let file = std::fs::File::open(&a.input)
        .with_context(|| format!("cannot open {}", a.input.display()))?;
    let (ids, prepared) = prepare_flat_csv(std::io::BufReader::new(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.input.display()))?;
    let labels: Vec<Option<&String>> = ids.iter().map(|id| truth.get(id)).collect();
    let mut counts: HashMap<(u32, bool), u64> = HashMap::new();
    for (x, y, pattern) in compare_candidates(&prepared) {
        if let (Some(tx), Some(ty)) = (labels[x as usize], labels[y as usize]) {
            *counts.entry((pattern, tx == ty)).or_default() += 1;
        }
    }
    if !counts.keys().any(|(_, m)| *m) {
        bail!("no candidate pair is a true match: is the truth file for this input?");
    }
    let model = Model::from_labels(counts.into_iter().map(|((p, m), n)| (unpack(p), n, m)));
    std::fs::write(&a.output, model.to_toml())
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    println!(
        "model estimated from {} labelled reports written to {}",
        labels.iter().flatten().count(),
        a.output.display()
    );
    Ok(Exit::Ok)
}

/// `bcgw link --as-daemon`: the daemon's incremental linker over the file, in its
/// order, so an analyst sees what the gateway would decide.
fn link_as_daemon(input: &Path, a: &RunArgs) -> Result<Exit> {
    let (mut config, model) = settings(&a.model)?;
    if a.model.link_config.is_none() {
        config.threshold = crate::pipeline::link::config::DAEMON_AUTO_THRESHOLD;
    }
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let rows = bcgw_link::input::read_flat_csv(std::io::BufReader::new(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    let start = Instant::now();
    let mut linker = bcgw_link::incremental::IncrementalLinker::new(config, model);
    let sink: Box<dyn std::io::Write> = match &a.output {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(sink);
    w.write_record([
        "report_id",
        "incident_id",
        "linked_to",
        "probability",
        "review",
        "explanation",
    ])?;
    let mut assignments = Vec::with_capacity(rows.len());
    for row in &rows {
        let channel = bcgw_link::Channel::parse(&row.source);
        assignments.push(linker.add(&row.report_id, &row.to_report(), channel));
    }
    // Incidents merged later take their survivor's id, as the store re-points them.
    let incidents = linker.incidents();
    for ((row, assignment), incident) in rows.iter().zip(&assignments).zip(&incidents) {
        let review = assignment
            .review
            .as_ref()
            .map(|r| format!("{} (p={:.3})", r.incident_id, r.score))
            .unwrap_or_default();
        w.write_record([
            row.report_id.as_str(),
            incident,
            assignment.linked_to.as_deref().unwrap_or(""),
            &assignment
                .score
                .map(|s| format!("{s:.4}"))
                .unwrap_or_default(),
            &review,
            &assignment
                .explanation
                .as_ref()
                .map(|e| e.to_line())
                .unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    let distinct: std::collections::HashSet<&String> = incidents.iter().collect();
    eprintln!(
        "{} reports -> {} incidents, as the daemon links them (in file order, no EM); {} near match(es) for review; {:.0} reports/s",
        rows.len(),
        distinct.len(),
        assignments.iter().filter(|a| a.review.is_some()).count(),
        rows.len() as f64 / start.elapsed().as_secs_f64().max(1e-9)
    );
    Ok(Exit::Ok)
}
