//! Dating alerts (the midnight rule, a replayed log's send time) and placing them
//! (town from the topic, the config or the line).

use super::{Lines, at, run};
use bcgw_sdk::harness::Harness;
use bcgw_sdk::prelude::*;
use serde_json::json;

#[test]
fn the_midnight_rule_in_winter_and_in_summer_time() {
    let line = "ALERT 23:58 TESCO METRO M 20S THEFT";
    let winter = run(json!({}), "2026-01-15T00:01:00Z", line);
    assert_eq!(
        winter.reports[0].event.occurred_from,
        Some(at("2026-01-14T23:58:00Z"))
    );
    // 00:01 BST on 15 July is 23:01 UTC on the 14th; 23:58 BST on the 14th is 22:58 UTC.
    let summer = run(json!({}), "2026-07-14T23:01:00Z", line);
    assert_eq!(
        summer.reports[0].event.occurred_from,
        Some(at("2026-07-14T22:58:00Z"))
    );
    // A tolerance of zero pushes an alert one minute "ahead" back a day.
    let strict = run(
        json!({"future_tolerance_minutes": 0}),
        "2026-01-15T23:57:00Z",
        line,
    );
    assert_eq!(
        strict.reports[0].event.occurred_from,
        Some(at("2026-01-14T23:58:00Z"))
    );
}

#[test]
fn a_replayed_log_is_dated_by_its_send_time() {
    let config = json!({"date_from": "mqtt-property:sent-at"});
    let h = Harness::new()
        .config(config)
        .received_at(at("2026-11-28T12:00:00Z"))
        .metadata("mqtt-property:sent-at", "2026-07-20T08:00:30+01:00");
    let out = h
        .translate::<Lines>(b"ALERT 07:55 BOOTS M 30S THEFT", "text/plain")
        .unwrap();
    out.assert_valid();
    let r = &out.reports[0];
    assert_eq!(r.event.occurred_from, Some(at("2026-07-20T06:55:00Z")));
    assert_eq!(r.event.reported_at, Some(at("2026-11-28T12:00:00Z")));
    // Without the property the whole payload fails, naming the key.
    let err = Harness::new()
        .config(json!({"date_from": "mqtt-property:sent-at"}))
        .translate::<Lines>(b"ALERT 07:55 BOOTS M 30S THEFT", "text/plain")
        .unwrap_err();
    assert!(
        matches!(&err, AdapterError::MissingField(m) if m.contains("mqtt-property:sent-at")),
        "{err:?}"
    );
    let err = Harness::new()
        .config(json!({"date_from": "mqtt-property:sent-at"}))
        .metadata("mqtt-property:sent-at", "yesterday")
        .translate::<Lines>(b"ALERT 07:55 BOOTS M 30S THEFT", "text/plain")
        .unwrap_err();
    assert!(
        matches!(&err, AdapterError::InvalidField(f) if f.field == "metadata mqtt-property:sent-at"),
        "{err:?}"
    );
}

#[test]
fn the_town_comes_from_the_topic_the_config_or_the_line() {
    let config = json!({"town_from_topic": "shopnet/{town}/+", "bcrp_area": "Bristol BID"});
    let h = Harness::new()
        .config(config.clone())
        .metadata("mqtt-topic", "shopnet/bath/alerts");
    let out = h
        .translate::<Lines>(b"ALERT 10:00 BOOTS M 30S THEFT", "text/plain")
        .unwrap();
    let r = &out.reports[0];
    assert_eq!(r.location.town.as_deref(), Some("bath"));
    assert_eq!(r.location.bcrp_area.as_deref(), Some("Bristol BID"));
    assert_eq!(r.extension("mqtt-topic"), Some("shopnet/bath/alerts"));
    // A topic outside the template with no fallback fails the payload by key.
    let err = Harness::new()
        .config(config)
        .metadata("mqtt-topic", "other/bath")
        .translate::<Lines>(b"ALERT 10:00 BOOTS M 30S THEFT", "text/plain")
        .unwrap_err();
    assert!(
        matches!(&err, AdapterError::InvalidField(f) if f.field == "metadata mqtt-topic"),
        "{err:?}"
    );
    // A town group in the pattern wins over the configured town.
    let config = json!({"town": "Bristol", "scheme": "ShopNet Bristol", "patterns": [
        {"regex": r"^(?P<town>\w+): (?P<premises>.+) (?P<time>\d\d:\d\d)$"}]});
    let out = run(
        config,
        "2026-11-28T17:00:00Z",
        "Keynsham: CO-OP 10:00\nALERT 10:00 BOOTS M 30S THEFT",
    );
    assert_eq!(out.reports[0].location.town.as_deref(), Some("Keynsham"));
    assert_eq!(out.reports[1].location.town.as_deref(), Some("Bristol"));
    assert_eq!(
        out.reports[1].location.bcrp_area.as_deref(),
        Some("ShopNet Bristol")
    );
}
