//! Lines the reader cannot place with confidence: rejected with a reason that never
//! quotes the line, the other lines still read.

use super::{conventions::configs, one};
use bcgw_sdk::prelude::*;
use serde_json::json;

fn reason(config: serde_json::Value, line: &str) -> String {
    match one(config, line) {
        Ok(r) => panic!("{line}: read as {:?}", super::read(&r)),
        Err(AdapterError::Malformed(why)) => why,
        Err(other) => panic!("{line}: {other:?}"),
    }
}

#[test]
fn unreadable_lines_are_rejected_with_a_reason() {
    let cases = [
        ("RADIO CHECK FROM CONTROL", "no time of day"),
        (
            "ALERT 14:03 TFS M 30S BLU JKT",
            "no words are left for the premises",
        ),
        (
            "ALERT 14:03 :: all quiet",
            "no words are left for the premises",
        ),
        (
            "ALERT 14:03 BOOTS BROADMEAD M 30S BLU JKT",
            "no offence word",
        ),
        ("ALERT 14:06 SUPERDRUG", "no offence word"),
        (
            "ALERT 14:03 BOOTS BROADMEAD KERFUFFLE M 30S BLU JKT",
            "no offence word",
        ),
        (
            "ALERT 14:03 BOOTS TFS ASB M 30S",
            "two categories (theft-from-shop and asb)",
        ),
        (
            "ALERT 14:03 BOOTS F 20S WITH M 30S TFS",
            "more than one person (two genders)",
        ),
        (
            "ALERT 14:03 BOOTS M 20S TFS 40S",
            "more than one person (two ages)",
        ),
    ];
    for (line, why) in cases {
        for config in configs() {
            let got = reason(config, line);
            assert!(got.contains(why), "{line}: {got}");
        }
    }
    // Words left in two places: without a register the premises is unclear.
    let got = reason(json!({}), "ALERT 14:03 BOOTS TFS GREGGS M 30S");
    assert!(got.contains("more than one place"), "{got}");
    // Where the built-in pattern also reads the line plausibly, and otherwise.
    let got = reason(json!({}), "ALERT 14:03 BOOTS M THEFT");
    assert!(
        got.contains("reads two ways") && got.contains("default-short"),
        "{got}"
    );
    let r = one(
        json!({"known_premises": ["BOOTS"]}),
        "ALERT 14:03 BOOTS M THEFT",
    )
    .unwrap();
    assert_eq!(r.location.premises_name.as_deref(), Some("BOOTS"));
}

#[test]
fn reasons_never_quote_the_line() {
    let lines = [
        "JOHN SMITH 07700 900123 CALL ME",
        "ALERT 14:03 JOHN SMITH TFS SAMANTHA JONES",
        "ALERT 14:03 SMITH M 20S TFS F 30S",
    ];
    for line in lines {
        for config in configs() {
            let shown = one(config, line).unwrap_err().to_string();
            for word in ["JOHN", "SMITH", "07700", "SAMANTHA", "JONES"] {
                assert!(!shown.contains(word), "{shown}");
            }
        }
    }
}

#[test]
fn the_built_in_pattern_helps_only_where_it_agrees() {
    // Today's format puts the offence last: an unknown word there is category other.
    for line in [
        "ALERT 10:02 BOOTS M 30S KERFUFFLE",
        "ALERT 10:02 BOOTS M 30S BLK JKT KERFUFFLE",
    ] {
        let r = one(json!({}), line).unwrap();
        assert_eq!(r.event.category_raw.as_deref(), Some("KERFUFFLE"), "{line}");
        assert_eq!(r.event.category, Category::Other);
        assert_eq!(r.location.premises_name.as_deref(), Some("BOOTS"));
    }
    // Offence words that describe the person, in today's format.
    let r = one(json!({}), "ALERT 14:03 BOOTS M 30S DRUNK THEFT").unwrap();
    assert_eq!(r.event.category_raw.as_deref(), Some("THEFT"));
    assert_eq!(r.persons[0].description.as_deref(), Some("DRUNK"));
    assert_eq!(r.extension("alert-pattern"), Some("default"));
    let got = reason(json!({}), "ALERT 14:03 BOOTS TFS M 30S DRUNK");
    assert!(got.contains("two categories"), "{got}");
    // Not in a line no built-in pattern reads (they begin with ALERT).
    let got = reason(json!({}), "[10:02] BOOTS M 30S KERFUFFLE");
    assert!(got.contains("no offence word"), "{got}");
}

#[test]
fn hostile_lines_are_refused_in_bounded_work() {
    let many = format!("ALERT 14:03 BOOTS TFS {}", "BLK ".repeat(100_000));
    assert!(reason(json!({}), &many).contains("too many words"));
    // One long word that splits into many for matching names, and a long line of
    // words that are all vocabulary.
    let config = json!({"known_premises": ["A B", "BOOTS"]});
    let slashes = format!("ALERT 14:03 BOOTS TFS {}", "A/".repeat(50_000));
    let _ = one(config.clone(), &slashes);
    let words = format!("ALERT 14:03 BOOTS {}", "SL IN PROG M 20S ".repeat(12));
    let _ = one(config, &words);
    let err =
        crate::AlertParser::from_json(&json!({"offences": {"A B C D E F G": "asb"}}).to_string())
            .unwrap_err();
    assert!(
        err.to_string().contains("offences.\"A B C D E F G\""),
        "{err}"
    );
}
