//! Radio lines in the orders schemes actually use, through the example config.

use super::{ShopnetText, at, config};
use bcgw_sdk::harness::{Checked, Harness};
use bcgw_sdk::prelude::*;

fn translate(config: serde_json::Value, text: &str) -> Checked {
    let out = Harness::new()
        .config(config)
        .received_at(at("2026-11-28T17:00:00Z"))
        .metadata("mqtt-topic", "shopnet/bristol/alerts")
        .translate::<ShopnetText>(text.as_bytes(), "text/plain")
        .unwrap();
    out.assert_valid();
    out
}

/// Issue 21: offence-first lines were read "successfully" with the offence inside
/// the premises and the last clothing word as the offence. Each line must either
/// be read into the right fields or be rejected; never the wrong fields.
#[test]
fn offence_first_lines_are_never_read_into_the_wrong_fields() {
    let lines = [
        (
            "ALERT 14:03 BOOTS BROADMEAD SL IN PROGRESS M 30S BLU JKT :: took razors",
            "BOOTS BROADMEAD",
            "SL IN PROGRESS",
            Category::TheftFromShop,
        ),
        (
            "ALERT 09:41 TESCO EXP OLDHAM ST ABUSE TO STAFF IC1 M 20S GRY TRACKIES BLK CAP",
            "TESCO EXP OLDHAM ST",
            "ABUSE TO STAFF",
            Category::ViolenceAgainstStaff,
        ),
        (
            "ALERT 15:10 SUPERDRUG HORSEFAIR TFS M 20S NVY HOODIE GRY JKT",
            "SUPERDRUG HORSEFAIR",
            "TFS",
            Category::TheftFromShop,
        ),
    ];
    for (line, premises, offence, category) in lines {
        let out = translate(config(), line);
        for r in &out.reports {
            assert_eq!(
                r.location.premises_name.as_deref(),
                Some(premises),
                "{line}"
            );
            assert_eq!(r.event.category_raw.as_deref(), Some(offence), "{line}");
            assert_eq!(r.event.category, category, "{line}");
        }
        assert_eq!(out.reports.len() + out.rejects.len(), 1, "{line}");
    }
}

/// The example config, with the Bristol scheme's register as `known_premises`
/// when `register` is set, as the gateway generates it.
fn bristol(register: bool) -> serde_json::Value {
    let mut c = config();
    if register {
        c["known_premises"] = serde_json::json!([
            "Boots Broadmead",
            "Boots",
            "Tesco Express Stokes Croft",
            "Superdrug Horsefair",
            "Co-op Gloucester Rd",
            "Red Lion",
        ]);
    }
    c
}

#[test]
fn three_conventions_with_and_without_a_register() {
    let text = "ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: took razors, made off twd Cabot\n\
                ALERT 14:04 BOOTS BROADMEAD SL IN PROGRESS M 30S BLU JKT :: took razors\n\
                14:05 - SUPERDRUG HORSEFAIR - THEFT - F 20S GRY TRK, BLK B/CAP\n\
                [14:06] CO-OP GLOUCESTER RD: ABUSE TO STAFF, M 40S NVY JKT DECAMPED TWDS STOKES CROFT\n\
                ALERT 14:07 RED LION SPAT M 30S BLK JKT\n";
    for register in [false, true] {
        let out = translate(bristol(register), text);
        assert_eq!(out.rejects, vec![], "register: {register}");
        let got: Vec<_> = out
            .reports
            .iter()
            .map(|r| {
                let p = &r.persons[0];
                (
                    r.location.premises_name.as_deref().unwrap(),
                    r.event.category_raw.as_deref().unwrap(),
                    r.event.category,
                    p.gender,
                    p.description.as_deref(),
                    r.extension("alert-pattern").unwrap(),
                    r.extension("premises-match"),
                )
            })
            .collect();
        let known = register.then_some("known");
        use Category::{TheftFromShop as Theft, ViolenceAgainstStaff as Violence};
        use Gender::{Female, Male};
        assert_eq!(
            got,
            [
                (
                    "BOOTS BROADMEAD",
                    "THEFT",
                    Theft,
                    Some(Male),
                    Some("BLUE hooded top"),
                    "default",
                    known
                ),
                (
                    "BOOTS BROADMEAD",
                    "SL IN PROGRESS",
                    Theft,
                    Some(Male),
                    Some("blue jacket"),
                    "vocabulary",
                    known
                ),
                (
                    "SUPERDRUG HORSEFAIR",
                    "THEFT",
                    Theft,
                    Some(Female),
                    Some("grey tracksuit, black baseball cap"),
                    "vocabulary",
                    known
                ),
                (
                    "CO-OP GLOUCESTER RD",
                    "ABUSE TO STAFF",
                    Violence,
                    Some(Male),
                    Some("navy jacket"),
                    "vocabulary",
                    known
                ),
                (
                    "RED LION",
                    "SPAT",
                    Violence,
                    Some(Male),
                    Some("black jacket"),
                    "vocabulary",
                    known
                ),
            ],
            "register: {register}"
        );
        assert_eq!(
            out.reports[3].event.narrative.as_deref(),
            Some("DECAMPED towards STOKES CROFT")
        );
    }
}

#[test]
fn an_unreadable_line_is_rejected_with_a_reason_and_the_others_read() {
    let text = "ALERT 14:03 BOOTS BROADMEAD SL IN PROGRESS M 30S BLU JKT\n\
                ALERT 14:04 BOOTS TFS GREGGS ROBBERY M 30S\n\
                ALERT 14:05 SUPERDRUG HORSEFAIR TFS F 20S\n";
    for register in [false, true] {
        let out = translate(bristol(register), text);
        assert_eq!(out.reports.len(), 2);
        assert_eq!(out.rejects.len(), 1);
        let reject = &out.rejects[0];
        assert_eq!((reject.index, reject.line), (1, Some(2)));
        let shown = reject.error.to_string();
        assert!(shown.contains("two categories"), "{shown}");
        assert!(!shown.contains("GREGGS"), "{shown}");
    }
}
