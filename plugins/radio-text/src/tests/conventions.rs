//! Lines in the orders schemes use, read by vocabulary, with and without a register.

use super::{one, read, want};
use bcgw_sdk::prelude::*;
use serde_json::{Value, json};

/// A scheme's register as `known_premises` (names and on-air aliases).
pub(super) const KNOWN: &[&str] = &[
    "BOOTS",
    "BOOTS BROADMEAD",
    "TESCO",
    "TESCO EXP OLDHAM ST",
    "Tesco Oldham St",
    "TESCO PICC GDNS",
    "SPAR OLDHAM ST",
    "NEWSAGENTS YORKSHIRE ST",
    "Arndale",
];

/// The configs every line is read with: no register, and a register.
pub(super) fn configs() -> [Value; 2] {
    [json!({}), json!({"known_premises": KNOWN})]
}

use Category::{Asb, Fraud, TheftFromShop, ViolenceAgainstStaff};
use Gender::{Female, Male};

#[test]
fn todays_order_keeps_its_reports() {
    let line =
        "ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: took razors, made off twd Cabot";
    let expected = want(
        "BOOTS BROADMEAD",
        "THEFT",
        TheftFromShop,
        Some((Male, 30, 39)),
        Some("BLUE hooded top"),
        Some("took razors, made off towards Cabot"),
    );
    for (config, matched) in configs().into_iter().zip([None, Some("known")]) {
        let r = one(config, line).unwrap();
        assert_eq!(read(&r), expected);
        // The built-in pattern reads it the same way, and says so.
        assert_eq!(r.extension("alert-pattern"), Some("default"));
        assert_eq!(r.extension("premises-match"), matched);
    }
}

#[test]
fn offence_first_lines_read_the_offence_wherever_it_stands() {
    let cases = [
        (
            "ALERT 14:03 BOOTS BROADMEAD SL IN PROGRESS M 30S BLU JKT :: took razors",
            want(
                "BOOTS BROADMEAD",
                "SL IN PROGRESS",
                TheftFromShop,
                Some((Male, 30, 39)),
                Some("blue jacket"),
                Some("took razors"),
            ),
        ),
        (
            "ALERT 09:41 TESCO EXP OLDHAM ST ABUSE TO STAFF IC1 M 20S GRY TRACKIES BLK CAP",
            want(
                "TESCO EXP OLDHAM ST",
                "ABUSE TO STAFF",
                ViolenceAgainstStaff,
                Some((Male, 20, 29)),
                Some("white north European appearance (IC1) grey tracksuit bottoms black CAP"),
                None,
            ),
        ),
    ];
    for (line, expected) in cases {
        for (config, matched) in configs().into_iter().zip([None, Some("known")]) {
            let r = one(config, line).unwrap();
            assert_eq!(read(&r), expected, "{line}");
            assert_eq!(r.extension("alert-pattern"), Some("vocabulary"), "{line}");
            assert_eq!(r.extension("premises-match"), matched, "{line}");
        }
    }
}

#[test]
fn separated_lines_read_each_part() {
    let cases = [
        (
            "14:03 - BOOTS BROADMEAD - THEFT - M 30S BLU HOODIE",
            want(
                "BOOTS BROADMEAD",
                "THEFT",
                TheftFromShop,
                Some((Male, 30, 39)),
                Some("blue hooded top"),
                None,
            ),
        ),
        (
            "[14:03] TESCO OLDHAM ST: TFS IN PROG, F 30S PINK PUFFA JKT DECAMPED TWDS PICCADILLY",
            want(
                "TESCO OLDHAM ST",
                "TFS IN PROG",
                TheftFromShop,
                Some((Female, 30, 39)),
                Some("PINK puffer jacket"),
                Some("DECAMPED towards PICCADILLY"),
            ),
        ),
        (
            "14:03 | TESCO EXTRA | SL | F | 20-30 | GRY HOODIE",
            want(
                "TESCO EXTRA",
                "SL",
                TheftFromShop,
                Some((Female, 20, 30)),
                Some("grey hooded top"),
                None,
            ),
        ),
    ];
    for (line, expected) in cases {
        for (config, matched) in configs().into_iter().zip([None, Some("unlisted")]) {
            let r = one(config, line).unwrap();
            assert_eq!(read(&r), expected, "{line}");
            let matched = if line.contains("EXTRA") {
                matched
            } else {
                matched.map(|_| "known")
            };
            assert_eq!(r.extension("premises-match"), matched, "{line}");
        }
    }
}

#[test]
fn lines_in_the_held_out_corpus_style() {
    let cases = [
        (
            "ALERT 10:15 TESCO TFS M IC1 30S STOCKY BLK NORTHFACE PUFFA JKT GRY JOGS BLK BEANIE DECAMPED TWDS ARNDALE",
            want(
                "TESCO",
                "TFS",
                TheftFromShop,
                Some((Male, 30, 39)),
                Some(
                    "white north European appearance (IC1) STOCKY black North Face puffer jacket grey joggers black BEANIE",
                ),
                Some("DECAMPED towards ARNDALE"),
            ),
        ),
        (
            "ALERT 11:02 SPAR OLDHAM ST AGGRESSIVE CUST M 40S BALD",
            want(
                "SPAR OLDHAM ST",
                "AGGRESSIVE CUST",
                ViolenceAgainstStaff,
                Some((Male, 40, 49)),
                Some("BALD"),
                None,
            ),
        ),
        (
            "ALERT 13:45 TESCO PICC GDNS DODGY NOTES F 20S",
            want(
                "TESCO PICC GDNS",
                "DODGY NOTES",
                Fraud,
                Some((Female, 20, 29)),
                None,
                None,
            ),
        ),
        (
            "ALERT 16:20 TESCO PICC GDNS TFS IN PROG M 20S GRY TRACKIES",
            want(
                "TESCO PICC GDNS",
                "TFS IN PROG",
                TheftFromShop,
                Some((Male, 20, 29)),
                Some("grey tracksuit bottoms"),
                None,
            ),
        ),
        (
            "ALERT 16:21 TESCO PICC GDNS TFS",
            want("TESCO PICC GDNS", "TFS", TheftFromShop, None, None, None),
        ),
    ];
    for (line, expected) in cases {
        for config in configs() {
            let r = one(config.clone(), line).unwrap();
            assert_eq!(read(&r), expected, "{line} with {config}");
        }
    }
    // A group: the count and the word stay in the description, the age is read.
    let line = "ALERT 12:30 NEWSAGENTS YORKSHIRE ST YOUTHS CAUSING ISSUES 3X YOUTHS";
    for config in configs() {
        let r = one(config, line).unwrap();
        assert_eq!(
            r.location.premises_name.as_deref(),
            Some("NEWSAGENTS YORKSHIRE ST")
        );
        assert_eq!(
            (r.event.category, r.event.category_raw.as_deref()),
            (Asb, Some("YOUTHS CAUSING ISSUES"))
        );
        let p = &r.persons[0];
        assert_eq!(
            (p.gender, p.description.as_deref()),
            (None, Some("3X YOUTHS"))
        );
        assert_eq!(
            p.age_range,
            Some(AgeRange {
                min: Some(13),
                max: Some(19)
            })
        );
    }
}

#[test]
fn configured_offences_may_be_phrases_and_win() {
    let config = json!({"offences": {"bag  stuffing": "theft-from-shop", "SL IN PROG": "robbery"}});
    let r = one(config.clone(), "ALERT 10:00 BOOTS BAG STUFFING F 20S").unwrap();
    assert_eq!(
        (r.event.category, r.event.category_raw.as_deref()),
        (TheftFromShop, Some("BAG STUFFING"))
    );
    let r = one(config, "ALERT 10:00 BOOTS SL IN PROG F 20S").unwrap();
    assert_eq!(r.event.category, Category::Robbery);
}
