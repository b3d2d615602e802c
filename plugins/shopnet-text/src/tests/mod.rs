//! The adapter through the SDK's native harness, on the sample files in examples/.

use super::ShopnetText;
use bcgw_sdk::harness::Harness;
use bcgw_sdk::prelude::*;
use chrono::{DateTime, Utc};

const SAMPLE: &[u8] = include_bytes!("../../../../examples/radio/shopnet-bristol.txt");
const CONFIG: &str = include_str!("../../../../examples/plugin-config/shopnet-bristol.toml");

mod orders;

pub(super) fn config() -> serde_json::Value {
    let table: toml::Table = toml::from_str(CONFIG).expect("example config is TOML");
    serde_json::to_value(table).expect("TOML converts to JSON")
}

pub(super) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn the_example_config_is_accepted() {
    bcgw_sdk::plugin::validate_adapter_config::<ShopnetText>(&config().to_string()).unwrap();
    bcgw_sdk::plugin::validate_adapter_config::<ShopnetText>("{}").unwrap();
    let err = bcgw_sdk::plugin::validate_adapter_config::<ShopnetText>(r#"{"byte_order": "le"}"#)
        .unwrap_err();
    assert!(err.to_string().contains("byte_order"), "{err}");
}

#[test]
fn the_bristol_sample_translates_line_by_line() {
    let out = Harness::new()
        .config(config())
        .received_at(at("2026-11-28T00:04:00Z"))
        .metadata("mqtt-topic", "shopnet/bristol/alerts")
        .translate::<ShopnetText>(SAMPLE, "text/plain")
        .unwrap();
    out.assert_valid();
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 4);
    let r = &out.reports[0];
    assert_eq!(r.source_system, "shopnet-radio");
    assert_eq!(r.event.kind, ReportKind::Alert);
    assert_eq!(r.location.premises_name.as_deref(), Some("BOOTS BROADMEAD"));
    assert_eq!(r.location.town.as_deref(), Some("bristol"));
    assert_eq!(r.location.bcrp_area.as_deref(), Some("Bristol Shopwatch"));
    // 14:03 received at 00:04 on the 28th: the 27th.
    assert_eq!(r.event.occurred_from, Some(at("2026-11-27T14:03:00Z")));
    assert_eq!(r.event.category, Category::TheftFromShop);
    assert_eq!(
        r.event.narrative.as_deref(),
        Some("took razors, made off towards Cabot Circus")
    );
    assert_eq!(r.persons[0].description.as_deref(), Some("BLUE hooded top"));
    // The last alert, 23:58, is the 27th too, not the 28th.
    let last = &out.reports[3];
    assert_eq!(last.event.occurred_from, Some(at("2026-11-27T23:58:00Z")));
    assert_eq!(last.event.category, Category::ViolenceAgainstStaff);
    assert_eq!(last.event.category_raw.as_deref(), Some("SPAT"));
    // The scheme's own shorthand from the config.
    assert_eq!(
        out.reports[2].persons[0].description.as_deref(),
        Some("GREY tracksuit, black baseball cap")
    );
}

#[test]
fn one_bad_line_does_not_stop_the_others() {
    let out = Harness::new()
        .config(serde_json::json!({"town": "Bath"}))
        .received_at(at("2026-11-28T12:00:00Z"))
        .translate::<ShopnetText>(
            b"ALERT 11:00 BOOTS M 30S THEFT\nradio check\nALERT 11:05 GREGGS F 20S TFS\n",
            "text/plain",
        )
        .unwrap();
    out.assert_valid();
    assert_eq!(out.reports.len(), 2);
    assert_eq!(
        out.reports[1].location.premises_name.as_deref(),
        Some("GREGGS")
    );
    assert_eq!(out.rejects.len(), 1);
    assert_eq!((out.rejects[0].index, out.rejects[0].line), (1, Some(2)));
}
