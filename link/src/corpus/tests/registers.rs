//! The member registers: they parse, each id in a report names its member unless
//! a recorded fault says otherwise, and the faults come at their documented rates.

use super::corpus;
use crate::corpus::*;
use std::collections::{HashMap, HashSet};

/// Each register, parsed with the `csv` crate: scheme → member id → record.
fn parse(c: &Corpus) -> HashMap<String, HashMap<String, csv::StringRecord>> {
    let mut out = HashMap::new();
    for f in &c.registers {
        let mut rdr = csv::Reader::from_reader(f.csv.as_bytes());
        assert_eq!(
            rdr.headers().unwrap(),
            &csv::StringRecord::from(REGISTER_HEADER.to_vec())
        );
        let mut members = HashMap::new();
        for rec in rdr.records() {
            let rec = rec.unwrap();
            assert_eq!(rec.len(), REGISTER_HEADER.len());
            assert_eq!(&rec[7], f.scheme, "scheme column");
            assert!(matches!(&rec[11], "active" | "left"));
            assert!(!rec[1].is_empty(), "trading name");
            let id = rec[0].to_string();
            assert!(
                members.insert(id.clone(), rec).is_none(),
                "{id} twice in {}",
                f.scheme
            );
        }
        assert!(
            out.insert(f.scheme.clone(), members).is_none(),
            "{} twice",
            f.scheme
        );
    }
    out
}

fn list(field: &str) -> Vec<&str> {
    field.split(';').filter(|s| !s.is_empty()).collect()
}

#[test]
fn registers_parse_one_per_scheme_with_unique_members() {
    let c = corpus(3000, 4, 1.0);
    let regs = parse(&c);
    assert_eq!(regs.len(), 12);
    let schemes: HashSet<&str> = c.rows.iter().map(|r| r.scheme.as_str()).collect();
    for s in schemes.iter().filter(|s| !s.is_empty()) {
        assert!(regs.contains_key(*s), "{s}");
    }
    // Ids are unique across registers too, as a platform's and a fleet's are.
    let mut radios = HashSet::new();
    for rec in regs.values().flat_map(|m| m.values()) {
        for r in list(&rec[8]) {
            assert!(radios.insert(r.to_string()), "{r}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    write_registers(&c.registers, dir.path()).unwrap();
    let written = std::fs::read_to_string(dir.path().join("registers/bristol-bcrp.csv")).unwrap();
    assert!(written.starts_with("member_id,trading_name,branch,aliases,address,postcode,town,scheme,radio_ids,bcrp_ids,store_numbers,status\n"));
}

#[test]
fn ids_in_reports_name_the_true_member_unless_a_fault_says_otherwise() {
    let c = corpus(5000, 9, 1.0);
    let regs = parse(&c);
    let faulty = |kind: FaultKind, key: &MemberKey| {
        c.register_faults
            .iter()
            .any(|f| f.kind == kind && f.scheme == key.scheme && f.member_id == key.member_id)
    };
    let (mut bcrp_checked, mut radio_checked) = (0, 0);
    for (r, member) in c.rows.iter().zip(&c.members) {
        let Some(key) = member else { continue };
        let rec = &regs[&key.scheme][&key.member_id];
        match r.source.as_str() {
            "bcrp" if !r.member_ref.is_empty() => {
                assert_eq!(r.scheme, key.scheme);
                if !faulty(FaultKind::NoBcrpId, key) {
                    assert_eq!(list(&rec[9]), [r.member_ref.as_str()], "{key:?}");
                    bcrp_checked += 1;
                }
            }
            "radio" if !r.radio_id.is_empty() => {
                assert_eq!(r.scheme, key.scheme);
                let listed = regs[&key.scheme]
                    .values()
                    .find(|m| list(&m[8]).contains(&r.radio_id.as_str()))
                    .map(|m| m[0].to_string());
                let stale = c
                    .register_faults
                    .iter()
                    .any(|f| f.kind == FaultKind::StaleRadio && f.detail.starts_with(&r.radio_id));
                if !stale {
                    assert_eq!(
                        listed.as_deref(),
                        Some(key.member_id.as_str()),
                        "{}",
                        r.radio_id
                    );
                    radio_checked += 1;
                }
            }
            "retailer_csv" if !r.member_ref.is_empty() => {
                // The store number the export's own record id carries.
                let store = r
                    .source_record_id
                    .trim_start_matches("ST")
                    .split('-')
                    .next();
                assert_eq!(store, Some(r.member_ref.as_str()));
                assert!(list(&rec[10]).iter().all(|n| *n == r.member_ref));
            }
            _ => {}
        }
    }
    assert!(
        bcrp_checked > 1000 && radio_checked > 500,
        "{bcrp_checked} {radio_checked}"
    );
}

#[test]
fn fault_rates_are_near_their_documented_rates() {
    let c = corpus(20_000, 12, 1.0);
    let regs = parse(&c);
    let count = |k: FaultKind| c.register_faults.iter().filter(|f| f.kind == k).count() as f64;
    let members = regs.values().map(|m| m.len()).sum::<usize>() as f64 - count(FaultKind::Closed);
    let shops = members + count(FaultKind::Missing);
    let radios: f64 = regs
        .values()
        .flat_map(|m| m.values())
        .map(|m| list(&m[8]).len() as f64)
        .sum();
    for (kind, per, rate) in [
        (FaultKind::Missing, shops, 0.08),
        (FaultKind::StaleAlias, members, 0.10),
        (FaultKind::Renamed, members, 0.03),
        (FaultKind::NoPostcode, members, 0.05),
        (FaultKind::PostcodeTypo, members, 0.02),
        (FaultKind::StaleRadio, radios, 0.03),
        (FaultKind::NoBcrpId, members, 0.10),
        (FaultKind::Left, members, 0.015),
        (FaultKind::Closed, shops, 0.02),
    ] {
        // Within four binomial standard deviations of the documented rate.
        let (got, want) = (count(kind), rate * per);
        let band = 4.0 * (per * rate * (1.0 - rate)).sqrt();
        assert!(
            (got - want).abs() <= band,
            "{}: {got} of {per}, want {want:.0} ± {band:.0}",
            kind.name()
        );
    }
    assert!(count(FaultKind::SharedAlias) >= 10.0);
    // Rows come in random order, not by member id.
    let f = &c.registers[0].csv;
    let ids: Vec<&str> = f
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(ids.windows(2).any(|w| w[0] > w[1]));
}
