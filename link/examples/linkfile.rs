//! Links a flat-CSV corpus from files and scores it against its truth, as
//! `bcgw link eval --input` does, without building the gateway: the quick loop for
//! checking the engine on corpora other than our own generator's.
//!
//! `cargo run --release -p bcgw-link --example linkfile -- eval reports.csv truth.csv [link-config.toml]`
//! `cargo run --release -p bcgw-link --example linkfile -- gen <incidents> <seed> <dir> [noise]`

use bcgw_link::Model;
use bcgw_link::corpus::{CorpusSettings, generate, write_reports};
use bcgw_link::engine::{LinkConfig, link_prepared};
use bcgw_link::eval::pairwise;
use bcgw_link::input::prepare_flat_csv;
use std::collections::HashMap;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => {
            let n: usize = args[1].parse().expect("incidents");
            let seed: u64 = args[2].parse().expect("seed");
            let dir = std::path::Path::new(&args[3]);
            let mut settings = CorpusSettings::new(n, seed);
            if let Some(noise) = args.get(4) {
                settings.noise = noise.parse().expect("noise");
            }
            let corpus = generate(&settings);
            std::fs::create_dir_all(dir).expect("dir");
            let mut csv = Vec::new();
            write_reports(&corpus.rows, &mut csv).expect("csv");
            std::fs::write(dir.join("reports.csv"), csv).expect("reports");
            let mut truth = String::from("report_id,true_incident_id\n");
            for (row, inc) in corpus.rows.iter().zip(&corpus.truth) {
                truth.push_str(&format!("{},{inc}\n", row.report_id));
            }
            std::fs::write(dir.join("truth.csv"), truth).expect("truth");
            bcgw_link::corpus::write_registers(&corpus.registers, dir).expect("registers");
        }
        Some("eval") => {
            let config: LinkConfig = match args.get(3) {
                Some(p) => toml::from_str(&std::fs::read_to_string(p).expect("config"))
                    .expect("config parses"),
                None => LinkConfig::default(),
            };
            // As `bcgw link` does: the file streamed, not read whole, and the truth
            // read only after linking, so peak memory is the linker's.
            let start = Instant::now();
            let reports = std::fs::File::open(&args[1]).expect("reports");
            let (ids, prepared) =
                prepare_flat_csv(std::io::BufReader::new(reports)).expect("parses");
            let out = link_prepared(&prepared, &config, &Model::builtin(), |i| ids[i].clone());
            let secs = start.elapsed().as_secs_f64();
            drop(prepared);
            let truth: HashMap<String, String> = std::fs::read_to_string(&args[2])
                .expect("truth")
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(','))
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            let truth: Vec<&String> = ids.iter().map(|id| &truth[id]).collect();
            let s = pairwise(&out.incident_of, &truth);
            println!(
                "{} reports, {:.0}/s, {} candidate pairs, EM used: {}, P {:.4} R {:.4} F1 {:.4}",
                ids.len(),
                ids.len() as f64 / secs,
                out.candidate_pairs,
                out.em_used,
                s.precision,
                s.recall,
                s.f1
            );
        }
        _ => eprintln!(
            "usage: linkfile eval <reports.csv> <truth.csv> [config] | gen <n> <seed> <dir> [noise]"
        ),
    }
}
