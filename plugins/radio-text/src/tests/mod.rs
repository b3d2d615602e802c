//! The text parser through the SDK's native harness, with a minimal line adapter.

use crate::{AlertParser, translate_lines};
use bcgw_sdk::harness::{Checked, Harness};
use bcgw_sdk::prelude::*;
use chrono::{DateTime, Utc};
use serde_json::json;

mod conventions;
mod dating;
mod known;
mod support;
mod unreadable;

use support::{one, read, want};

pub(super) struct Lines;
impl Adapter for Lines {
    type Config = crate::AlertConfig;
    fn describe() -> PluginInfo {
        PluginInfo::default()
    }
    fn translate(
        payload: Payload,
        config: crate::AlertConfig,
    ) -> Result<Translation, AdapterError> {
        translate_lines(&AlertParser::from_config(config)?, &payload)
    }
}

pub(super) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub(super) fn run(config: serde_json::Value, received: &str, text: &str) -> Checked {
    let out = Harness::new()
        .config(config)
        .received_at(at(received))
        .translate::<Lines>(text.as_bytes(), "text/plain")
        .unwrap();
    out.assert_valid();
    out
}

#[test]
fn the_default_patterns_read_common_shopnet_lines() {
    let text = "ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: took razors, made off twd Cabot\n\
                alert 0915 Superdrug Castle St f 20-30 grp of 3 IC1 S/L\n\
                ALERT 16.40 CO-OP GLOUCESTER RD ASB :: youths abusive to stf\n\
                ALERT 11:20 TK MAXX M 40+ BLK JKT, NVY TRK ASSLT\n";
    let out = run(json!({"town": "Bristol"}), "2026-11-28T17:00:00Z", text);
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 4);

    let r = &out.reports[0];
    assert_eq!(r.source_system, "shopnet-radio");
    assert_eq!(r.source_record_id, None);
    assert_eq!(r.event.kind, ReportKind::Alert);
    assert_eq!(r.event.occurred_from, Some(at("2026-11-28T14:03:00Z")));
    assert_eq!(r.event.reported_at, Some(at("2026-11-28T17:00:00Z")));
    assert_eq!(r.location.premises_name.as_deref(), Some("BOOTS BROADMEAD"));
    assert_eq!(r.location.town.as_deref(), Some("Bristol"));
    assert_eq!(r.event.category, Category::TheftFromShop);
    assert_eq!(r.event.category_raw.as_deref(), Some("THEFT"));
    assert_eq!(
        r.event.narrative.as_deref(),
        Some("took razors, made off towards Cabot")
    );
    let p = &r.persons[0];
    assert_eq!(p.role, PersonRole::Suspect);
    assert_eq!(p.gender, Some(Gender::Male));
    assert_eq!(
        p.age_range,
        Some(AgeRange {
            min: Some(30),
            max: Some(39)
        })
    );
    assert_eq!(p.description.as_deref(), Some("BLUE hooded top"));
    assert_eq!(r.extension("alert-pattern"), Some("default"));

    let r = &out.reports[1];
    assert_eq!(r.event.occurred_from, Some(at("2026-11-28T09:15:00Z")));
    assert_eq!(
        r.location.premises_name.as_deref(),
        Some("Superdrug Castle St")
    );
    assert_eq!(r.persons[0].gender, Some(Gender::Female));
    assert_eq!(
        r.persons[0].age_range,
        Some(AgeRange {
            min: Some(20),
            max: Some(30)
        })
    );
    assert_eq!(
        r.persons[0].description.as_deref(),
        Some("group of 3 white north European appearance (IC1)")
    );
    assert_eq!(r.event.category, Category::TheftFromShop);
    assert_eq!(r.event.category_raw.as_deref(), Some("S/L"));

    let r = &out.reports[2];
    assert_eq!(r.event.occurred_from, Some(at("2026-11-28T16:40:00Z")));
    assert_eq!(
        r.location.premises_name.as_deref(),
        Some("CO-OP GLOUCESTER RD")
    );
    assert_eq!(r.event.category, Category::Asb);
    assert_eq!(
        r.event.narrative.as_deref(),
        Some("youths abusive to staff")
    );
    assert!(r.persons.is_empty());
    assert_eq!(r.extension("alert-pattern"), Some("default-short"));

    let r = &out.reports[3];
    assert_eq!(r.event.category, Category::ViolenceAgainstStaff);
    assert_eq!(
        r.persons[0].age_range,
        Some(AgeRange {
            min: Some(40),
            max: None
        })
    );
    assert_eq!(
        r.persons[0].description.as_deref(),
        Some("black jacket, navy tracksuit")
    );
}

#[test]
fn custom_patterns_with_renamed_groups() {
    let config = json!({
        "default_patterns": false,
        "patterns": [{
            "name": "northgate",
            "regex": r"^#(?P<ref>\d+) (?P<shop>[A-Z ]+) @ (?P<time>\d{4}) - (?P<what>\w+) - VEH (?P<vrm>[A-Za-z0-9 ]+)$",
            "fields": {"ref": "id", "shop": "premises", "what": "offence"}
        }]
    });
    let text =
        "#881 GREGGS WINE ST @ 1015 - ROBBERY - VEH ab12 cde\nALERT 14:03 BOOTS M 30S THEFT\n";
    let out = run(config, "2026-11-28T17:00:00Z", text);
    assert_eq!(out.reports.len(), 1);
    let r = &out.reports[0];
    assert_eq!(r.source_record_id.as_deref(), Some("881"));
    assert_eq!(r.location.premises_name.as_deref(), Some("GREGGS WINE ST"));
    assert_eq!(r.event.occurred_from, Some(at("2026-11-28T10:15:00Z")));
    assert_eq!(r.event.category, Category::Robbery);
    assert_eq!(r.vehicles[0].vrm.as_deref(), Some("AB12CDE"));
    assert_eq!(r.extension("alert-pattern"), Some("northgate"));
    // Without the built-in patterns the ALERT line matches nothing.
    assert_eq!(out.rejects.len(), 1);
    assert_eq!((out.rejects[0].index, out.rejects[0].line), (1, Some(2)));
}

#[test]
fn abbreviations_add_override_and_leave_unknown_tokens_alone() {
    let config = json!({"abbreviations": {"hi-vis": "high-visibility vest", "JKT": "coat"}});
    let text = "ALERT 14:03 BOOTS M 30S Hi-Vis, grn JKT FLURBLE Nike THEFT :: M/O twd bus stn";
    let out = run(config, "2026-11-28T17:00:00Z", text);
    let r = &out.reports[0];
    assert_eq!(
        r.persons[0].description.as_deref(),
        Some("high-visibility vest, green coat FLURBLE Nike")
    );
    assert_eq!(
        r.event.narrative.as_deref(),
        Some("made off towards bus stn")
    );
}

#[test]
fn offence_words_map_to_categories_and_unknown_ones_to_other() {
    let config = json!({"offences": {"LIFT": "theft-from-shop", "ASB": "public-order"}});
    let text = "ALERT 10:00 BOOTS M 30S LIFT\nALERT 10:01 BOOTS M 30S asb\n\
                ALERT 10:02 BOOTS M 30S KERFUFFLE\nALERT 10:03 BOOTS M 30S cd\nALERT 10:04 BOOTS M 30S Fraud";
    let out = run(config, "2026-11-28T17:00:00Z", text);
    let got: Vec<_> = out
        .reports
        .iter()
        .map(|r| (r.event.category, r.event.category_raw.clone().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (Category::TheftFromShop, "LIFT".to_string()),
            (Category::PublicOrder, "asb".into()),
            (Category::Other, "KERFUFFLE".into()),
            (Category::CriminalDamage, "cd".into()),
            (Category::Fraud, "Fraud".into()),
        ]
    );
}

#[test]
fn a_line_that_matches_nothing_is_rejected_without_quoting_it() {
    let text = "ALERT 10:00 BOOTS M 30S THEFT\r\n\r\nJohn Smith 07700 900123 call me\r\nALERT 25:00 BOOTS M 30S THEFT\r\nALERT 10:02 BOOTS M 30S THEFT\r\n";
    let out = run(json!({}), "2026-11-28T17:00:00Z", text);
    assert_eq!(out.reports.len(), 2);
    assert_eq!(out.rejects.len(), 2);
    let r = &out.rejects[0];
    assert_eq!((r.index, r.line), (2, Some(3)));
    assert!(
        matches!(&r.error, AdapterError::Malformed(_)),
        "{:?}",
        r.error
    );
    let shown = r.error.to_string();
    assert!(
        !shown.contains("Smith") && !shown.contains("07700"),
        "{shown}"
    );
    assert!(
        shown.contains("matches none of the configured patterns"),
        "{shown}"
    );
    let r = &out.rejects[1];
    assert_eq!((r.index, r.line), (3, Some(4)));
    assert!(
        matches!(&r.error, AdapterError::InvalidField(f) if f.field == "time"),
        "{:?}",
        r.error
    );
}

#[test]
fn bytes_that_are_not_utf8_fail_the_payload() {
    let err = Harness::new()
        .translate::<Lines>(b"ALERT 10:00 CAF\xC9 M 30S THEFT", "text/plain")
        .unwrap_err();
    assert!(matches!(err, AdapterError::Malformed(_)), "{err:?}");
}

#[test]
fn config_errors_name_the_key() {
    for (config, key) in [
        (
            json!({"patterns": [{"regex": "(?P<shop>.+)"}]}),
            "patterns[0].regex: group 'shop'",
        ),
        (
            json!({"patterns": [{"regex": "(?P<a>.+)", "fields": {"b": "premises"}}]}),
            "patterns[0].fields: 'b'",
        ),
        (
            json!({"patterns": [{"regex": "(?P<a>.+)", "fields": {"a": "shop"}}]}),
            "patterns[0].fields.a",
        ),
        (
            json!({"patterns": [{"regex": "(unclosed"}]}),
            "patterns[0].regex",
        ),
        (json!({"offences": {"LIFT": "theft"}}), "offences.\"LIFT\""),
        (
            json!({"town_from_topic": "shopnet/alerts"}),
            "town_from_topic",
        ),
        (
            json!({"future_tolerance_minutes": 900}),
            "future_tolerance_minutes",
        ),
        (json!({"source_system": "ShopNet"}), "source_system"),
        (json!({"default_patterns": false}), "patterns"),
        (json!({"twon": "Bath"}), "twon"),
    ] {
        let err = AlertParser::from_json(&config.to_string()).unwrap_err();
        assert!(
            matches!(&err, AdapterError::BadConfig(m) if m.contains(key)),
            "{key}: {err}"
        );
    }
}
