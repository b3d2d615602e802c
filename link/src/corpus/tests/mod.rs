//! The corpus: the original fields pinned, the new fields and arrival times
//! checked. [`registers`] checks the member registers.

mod registers;

use super::*;
use std::collections::HashMap;

/// FNV-1a over the eleven original fields and the truth, row by row in order.
fn digest(c: &Corpus) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (r, t) in c.rows.iter().zip(&c.truth) {
        for f in [
            &r.report_id,
            &r.source,
            &r.source_record_id,
            &r.occurred_at,
            &r.premises_name,
            &r.premises_postcode,
            &r.offence,
            &r.offender_description,
            &r.property_value_gbp,
            &r.staff_injured,
            &r.narrative,
            t,
        ] {
            for b in f.bytes().chain([0x1f]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    h
}

pub(super) fn corpus(incidents: usize, seed: u64, noise: f64) -> Corpus {
    let mut s = CorpusSettings::new(incidents, seed);
    s.noise = noise;
    generate(&s)
}

/// [`corpus`] from the first generator alone.
fn first_generator(n: usize, seed: u64, noise: f64) -> Corpus {
    let mut s = CorpusSettings::new(n, seed);
    s.noise = noise;
    s.cross_channel = false;
    generate(&s)
}

#[test]
fn the_original_fields_are_what_they_were_before_registers() {
    // Digests computed with the generator before the second generator existed.
    for (n, seed, noise, rows, want) in [
        (300, 7, 1.0, 485, 0xc1f4_0f1f_4ee9_fcb6_u64),
        (2000, 21, 1.0, 3091, 0x0674_8420_415e_86d3),
        (500, 3, 2.0, 781, 0x0248_79cc_ed3b_ce13),
    ] {
        let c = first_generator(n, seed, noise);
        assert_eq!(c.rows.len(), rows, "{n} {seed}");
        assert_eq!(digest(&c), want, "{n} {seed} {noise}");
    }
    let c = first_generator(2000, 21, 1.0);
    let r = &c.rows[1];
    assert_eq!(
        (
            r.source.as_str(),
            r.source_record_id.as_str(),
            r.occurred_at.as_str()
        ),
        ("bcrp", "DISC-401398", "2025-01-20T11:30:00")
    );
    assert_eq!(
        (r.premises_name.as_str(), c.truth[1].as_str()),
        ("Sole Trader Shoes", "T918")
    );
}

#[test]
fn channels_fill_their_fields_and_arrive_in_order() {
    let c = corpus(5000, 10, 1.0);
    let t = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S");
    let mut n: HashMap<&str, [usize; 3]> = HashMap::new();
    for r in &c.rows {
        let arrived = t(&r.arrived_at).expect("arrived_at");
        let counts = n.entry(r.source.as_str()).or_default();
        counts[0] += 1;
        counts[1] += usize::from(!r.member_ref.is_empty());
        counts[2] += usize::from(!r.radio_id.is_empty());
        match r.source.as_str() {
            "radio" => {
                assert!(r.scheme.ends_with("-bcrp") && r.member_ref.is_empty());
                assert_eq!(r.town, r.town.to_lowercase());
                assert!(r.radio_id.is_empty() || r.radio_id.starts_with('R'));
            }
            "bcrp" => {
                assert!(!r.town.is_empty() && r.radio_id.is_empty());
                // Never before the time the report itself gives.
                assert!(arrived > t(&r.occurred_at).unwrap(), "{r:?}");
            }
            _ => {
                assert!(r.scheme.is_empty() && r.town.is_empty() && r.radio_id.is_empty());
                assert_eq!(arrived.format("%d %H:%M:%S").to_string(), "02 03:00:00");
            }
        }
    }
    // Against the true incident time T, which an incident's radio alert brackets
    // (it arrives at T + 5..90 s): BCRP at least a minute after T and within 72 h,
    // the export after both, in the month after T's.
    let mut by_incident: HashMap<&str, Vec<&FlatRow>> = HashMap::new();
    for (r, inc) in c.rows.iter().zip(&c.truth) {
        by_incident.entry(inc).or_default().push(r);
    }
    let secs = chrono::Duration::seconds;
    let mut checked = 0;
    for rows in by_incident.values() {
        let at = |src: &str| {
            rows.iter()
                .find(|r| r.source == src)
                .map(|r| t(&r.arrived_at).unwrap())
        };
        let Some(radio) = at("radio") else { continue };
        if let Some(bcrp) = at("bcrp") {
            assert!(bcrp >= radio - secs(30), "{bcrp} {radio}");
            assert!(
                bcrp <= radio + chrono::Duration::hours(72),
                "{bcrp} {radio}"
            );
            checked += 1;
        }
        if let Some(export) = at("retailer_csv") {
            assert!(export > radio && export - radio < chrono::Duration::days(33));
            // Only an incident at a month's end can see the export before its BCRP report.
            assert!(
                at("bcrp").is_none_or(|b| b < export) || export - radio < chrono::Duration::days(3)
            );
        }
    }
    assert!(checked > 500, "{checked}");
    let rate = |src: &str, k: usize| n[src][k] as f64 / n[src][0] as f64;
    assert!(
        (0.85..0.91).contains(&rate("bcrp", 1)),
        "{}",
        rate("bcrp", 1)
    );
    assert!((0.93..0.97).contains(&rate("retailer_csv", 1)));
    assert!((0.61..0.69).contains(&rate("radio", 2)));
}

#[test]
fn reports_round_trip_with_the_new_columns_and_old_files_still_read() {
    let c = corpus(300, 7, 1.0);
    let mut buf = Vec::new();
    write_reports(&c.rows, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(text.starts_with(&format!("{}\n", HEADER.join(","))));
    let back = crate::input::read_flat_csv(text.as_bytes()).unwrap();
    assert_eq!(back.len(), c.rows.len());
    for (a, b) in back.iter().zip(&c.rows) {
        assert_eq!(
            (
                &a.member_ref,
                &a.radio_id,
                &a.scheme,
                &a.town,
                &a.arrived_at
            ),
            (
                &b.member_ref,
                &b.radio_id,
                &b.scheme,
                &b.town,
                &b.arrived_at
            )
        );
        assert_eq!(a.narrative, b.narrative);
    }
    let old = format!(
        "{}\nr1,bcrp,D1,2025-01-01T10:00:00,Boots,BS1 1AA,Theft,,,,took gin\n",
        HEADER[..11].join(",")
    );
    let rows = crate::input::read_flat_csv(old.as_bytes()).unwrap();
    assert_eq!(
        (rows[0].narrative.as_str(), rows[0].arrived_at.as_str()),
        ("took gin", "")
    );
}
