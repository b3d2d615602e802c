//! The two labelled corpora: the link crate's own generator and the held-out
//! one (`link/heldout/gen.py`), each as rows with their true incident and the
//! schemes' member register files.

use bcgw_link::corpus::{CorpusSettings, generate, write_registers};
use bcgw_link::input::{FlatRow, read_flat_csv};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A generated corpus on disk and in memory.
pub struct Corpus {
    /// Which generator and seed, for the printout.
    pub name: String,
    /// The reports, in the generator's order; a report's index is its id here.
    pub rows: Vec<FlatRow>,
    /// The true incident of each row.
    pub truth: Vec<String>,
    /// One member register file per scheme.
    pub registers: Vec<PathBuf>,
    /// Keeps the generator's output (registers) alive.
    _dir: tempfile::TempDir,
}

impl Corpus {
    /// Number of true incidents.
    pub fn incidents(&self) -> usize {
        let mut t: Vec<&String> = self.truth.iter().collect();
        t.sort_unstable();
        t.dedup();
        t.len()
    }
}

/// The link crate's own generator (`bcgw link generate`), registers included.
pub fn own(incidents: usize, seed: u64) -> Corpus {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = generate(&CorpusSettings::new(incidents, seed));
    write_registers(&c.registers, dir.path()).expect("registers written");
    Corpus {
        name: format!("own generator, seed {seed}"),
        rows: c.rows,
        truth: c.truth,
        registers: register_files(&dir.path().join("registers"), ".csv"),
        _dir: dir,
    }
}

/// The held-out generator, run with python3; `None` (with a note) if it cannot run.
pub fn heldout(incidents: usize, seed: u64) -> Option<Corpus> {
    let dir = tempfile::tempdir().expect("tempdir");
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../link/heldout/gen.py");
    let status = Command::new("python3")
        .arg(&generator)
        .args(["--incidents", &incidents.to_string(), "--seed"])
        .arg(seed.to_string())
        .arg("--out")
        .arg(dir.path())
        .stdout(Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        println!(
            "held-out generator: python3 {} did not run; skipped",
            generator.display()
        );
        return None;
    }
    let file = std::fs::File::open(dir.path().join("reports.csv")).expect("reports.csv");
    let rows = read_flat_csv(file).expect("held-out reports");
    let truth = read_truth(&dir.path().join("truth.csv"));
    let truth = rows
        .iter()
        .map(|r| {
            truth
                .get(&r.report_id)
                .cloned()
                .expect("every report in truth.csv")
        })
        .collect();
    Some(Corpus {
        name: format!("held-out generator, seed {seed}"),
        rows,
        truth,
        // Registers only: FAULTS.csv sits beside them and is not one.
        registers: register_files(&dir.path().join("registers"), "-bcrp.csv"),
        _dir: dir,
    })
}

/// `report_id -> true_incident_id` from a truth file.
fn read_truth(path: &Path) -> HashMap<String, String> {
    let mut rdr = csv::Reader::from_path(path).expect("truth.csv");
    rdr.records()
        .map(|rec| {
            let rec = rec.expect("truth row");
            (rec[0].to_string(), rec[1].to_string())
        })
        .collect()
}

/// The files in `dir` whose names end with `suffix`, sorted.
fn register_files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(suffix))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
