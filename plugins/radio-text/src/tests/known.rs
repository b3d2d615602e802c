//! Premises: by `known_premises` when given, and names made of vocabulary words.

use super::one;
use bcgw_sdk::prelude::*;
use serde_json::json;

fn premises(config: serde_json::Value, line: &str) -> (String, Option<String>) {
    let r = one(config, line).unwrap_or_else(|e| panic!("{line}: {e}"));
    let matched = r.extension("premises-match").map(str::to_string);
    (r.location.premises_name.unwrap_or_default(), matched)
}

fn pair(name: &str, matched: Option<&str>) -> (String, Option<String>) {
    (name.into(), matched.map(str::to_string))
}

#[test]
fn names_that_are_also_vocabulary_stay_premises() {
    // Without a register: a colour counts only beside clothing, `M` only beside a
    // descriptor, weak clothing (`CAP`) only beside a colour or brand.
    for (line, name) in [
        ("ALERT 14:03 RED LION TFS M 30S BLK JKT", "RED LION"),
        ("ALERT 14:03 RED LION M 30S BLK JKT TFS", "RED LION"),
        ("ALERT 14:03 GREEN MAN TFS F 20S RED CAP", "GREEN MAN"),
        (
            "ALERT 14:03 WHITE ROSE CENTRE ASB 3X YOUTHS",
            "WHITE ROSE CENTRE",
        ),
        ("ALERT 14:03 M AND S TFS F 20S", "M AND S"),
        ("ALERT 14:03 THE CAP SHOP M 30S TFS", "THE CAP SHOP"),
        ("ALERT 14:03 NIKE TFS M 20S", "NIKE"),
    ] {
        assert_eq!(premises(json!({}), line), pair(name, None), "{line}");
    }
    // `BLACK HAT` reads as a description: without a register nothing is left for
    // the premises; with one, the name wins.
    let line = "ALERT 14:03 THE BLACK HAT M 30S TFS";
    assert!(one(json!({}), line).is_err());
    let config = json!({"known_premises": ["The Black Hat"]});
    assert_eq!(premises(config, line), pair("THE BLACK HAT", Some("known")));
    // Where a colour could end the premises or begin the description: a reject
    // without a register, read with one.
    let line = "ALERT 14:03 THE GREEN BLK JKT TFS";
    let err = one(json!({}), line).unwrap_err().to_string();
    assert!(err.contains("unclear where the premises ends"), "{err}");
    let r = one(json!({"known_premises": ["THE GREEN"]}), line).unwrap();
    assert_eq!(r.location.premises_name.as_deref(), Some("THE GREEN"));
    assert_eq!(r.persons[0].description.as_deref(), Some("black jacket"));
}

#[test]
fn the_longest_known_name_wins_and_is_kept_as_written() {
    let config =
        json!({"known_premises": ["Boots", "Boots Broadmead", "H Bargains", "Sainsburys Local"]});
    for (line, name, matched) in [
        (
            "ALERT 14:03 boots broadmead TFS",
            "boots broadmead",
            "known",
        ),
        ("ALERT 14:03 BOOTS TFS", "BOOTS", "known"),
        ("ALERT 14:03 H/BARGAINS TFS M 20S", "H/BARGAINS", "known"),
        (
            "ALERT 14:03 SAINSBURY'S LOCAL TFS",
            "SAINSBURY'S LOCAL",
            "known",
        ),
        // Words beside a known name are part of the premises, which is then unlisted.
        (
            "ALERT 14:03 BOOTS CABOT CIRCUS TFS F 20S",
            "BOOTS CABOT CIRCUS",
            "unlisted",
        ),
        (
            "ALERT 14:03 GREGGS WINE ST TFS",
            "GREGGS WINE ST",
            "unlisted",
        ),
    ] {
        assert_eq!(
            premises(config.clone(), line),
            pair(name, Some(matched)),
            "{line}"
        );
    }
}

#[test]
fn a_known_name_where_someone_went_is_not_the_premises() {
    let config = json!({"known_premises": ["TESCO EXP OLDHAM ST", "TESCO PICC GDNS", "ARNDALE"]});
    let line = "ALERT 14:03 TESCO EXP OLDHAM ST TFS M 20S DECAMPED TWDS TESCO PICC GDNS";
    let r = one(config, line).unwrap();
    assert_eq!(
        r.location.premises_name.as_deref(),
        Some("TESCO EXP OLDHAM ST")
    );
    assert_eq!(
        r.event.narrative.as_deref(),
        Some("DECAMPED towards TESCO PICC GDNS")
    );
}

#[test]
fn a_known_name_with_other_words_elsewhere_is_rejected() {
    let config = json!({"known_premises": ["BOOTS"]});
    let err = one(config, "ALERT 14:03 BOOTS TFS GREGGS M 30S").unwrap_err();
    assert!(
        err.to_string().contains("neither the known premises"),
        "{err}"
    );
}

#[test]
fn configured_patterns_win_and_still_say_whether_the_premises_is_known() {
    let config = json!({
        "known_premises": ["GREGGS WINE ST"],
        "patterns": [{"name": "hash", "regex": r"^#(?P<premises>[A-Z ]+) @ (?P<time>\d{4}) (?P<offence>\w+)$"}]
    });
    let r = one(config.clone(), "#GREGGS WINE ST @ 1015 ROBBERY").unwrap();
    assert_eq!(r.extension("alert-pattern"), Some("hash"));
    assert_eq!(r.extension("premises-match"), Some("known"));
    let r = one(config, "#BOOTS @ 1015 ROBBERY").unwrap();
    assert_eq!(r.extension("premises-match"), Some("unlisted"));
}

#[test]
fn bad_known_premises_are_refused_by_index() {
    for (names, key) in [
        (json!(["BOOTS", " / "]), "known_premises[1]"),
        (json!(["A B C D E F G H I J K L M"]), "known_premises[0]"),
    ] {
        let err = crate::AlertParser::from_json(&json!({"known_premises": names}).to_string())
            .unwrap_err();
        assert!(
            matches!(&err, AdapterError::BadConfig(m) if m.contains(key)),
            "{err}"
        );
    }
}
