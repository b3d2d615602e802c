//! `bcgw link` as an analyst runs it: generate a labelled corpus, link it, explain,
//! evaluate, train a model and use it.

use std::collections::{HashMap, HashSet};
use std::process::Command;

fn bcgw(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(args)
        .output()
        .expect("bcgw runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn metric(output: &str, name: &str) -> f64 {
    output
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {output}"))
}

#[test]
fn link_generate_eval_train_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = bcgw(&[
        "link",
        "generate",
        "--incidents",
        "1500",
        "--seed",
        "5",
        "--out-dir",
        d,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("reports of 1500 incidents"), "{out}");
    let reports = format!("{d}/reports.csv");
    let truth = format!("{d}/truth.csv");
    let links = format!("{d}/links.csv");

    let (code, _, err) = bcgw(&["link", "--input", &reports, "--output", &links, "--explain"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("reports ->") && err.contains("incidents"),
        "{err}"
    );
    let mut rdr = csv::Reader::from_path(&links).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "report_id",
            "incident_id",
            "linked_to",
            "probability",
            "explanation"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let input_ids: HashSet<String> = csv::Reader::from_path(&reports)
        .unwrap()
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    let output_ids: HashSet<String> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(rows.len(), input_ids.len(), "one output row per report");
    assert_eq!(output_ids, input_ids);
    // Every linked report names a member of its own incident and why.
    let incident_of: HashMap<&str, &str> = rows.iter().map(|r| (&r[0], &r[1])).collect();
    let linked: Vec<_> = rows.iter().filter(|r| !r[2].is_empty()).collect();
    assert!(!linked.is_empty());
    for r in &linked {
        assert_eq!(
            incident_of[&r[2]], &r[1],
            "linked_to is in the same incident"
        );
        assert!(
            r[4].contains("time=") && r[4].contains("premises=") && r[4].contains("p="),
            "{}",
            &r[4]
        );
    }

    let (code, out, err) = bcgw(&["link", "eval", "--truth", &truth, "--links", &links]);
    assert_eq!(code, 0, "{err}");
    let f1 = metric(&out, "F1:");
    assert!(f1 > 0.9, "{out}");

    let model = format!("{d}/model.toml");
    let (code, _, err) = bcgw(&[
        "link", "train", "--input", &reports, "--truth", &truth, "--output", &model,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(&model)
            .unwrap()
            .contains("[features.premises]")
    );
    let (code, out, err) = bcgw(&[
        "link", "eval", "--truth", &truth, "--input", &reports, "--model", &model, "--no-em",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(metric(&out, "F1:") > 0.9, "{out}");
    assert!(out.contains("speed:"), "{out}");
}

#[test]
fn link_refuses_a_file_without_report_ids() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,source\n1,bcrp\n").unwrap();
    let (code, _, err) = bcgw(&["link", "--input", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no report_id column"), "{err}");
}

/// `bcgw link --as-daemon`: the daemon's report-by-report linker over an export,
/// near matches named for review; it scores close to the batch engine.
#[test]
fn link_as_the_daemon_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, _, err) = bcgw(&[
        "link",
        "generate",
        "--incidents",
        "1000",
        "--seed",
        "9",
        "--out-dir",
        d,
    ]);
    assert_eq!(code, 0, "{err}");
    let reports = format!("{d}/reports.csv");
    let links = format!("{d}/daemon.csv");
    let (code, _, err) = bcgw(&[
        "link",
        "--as-daemon",
        "--input",
        &reports,
        "--output",
        &links,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("as the daemon links them"), "{err}");
    let mut rdr = csv::Reader::from_path(&links).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "report_id",
            "incident_id",
            "linked_to",
            "probability",
            "review",
            "explanation"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let inputs = csv::Reader::from_path(&reports).unwrap().records().count();
    assert_eq!(rows.len(), inputs, "every report has an incident");
    // A report that joined names the member it links to and why.
    let joined = rows.iter().find(|r| !r[2].is_empty()).expect("some links");
    assert!(joined[5].contains("p="), "{joined:?}");
    let (code, out, err) = bcgw(&[
        "link",
        "eval",
        "--truth",
        &format!("{d}/truth.csv"),
        "--links",
        &links,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(metric(&out, "F1") > 0.85, "{out}");
}
