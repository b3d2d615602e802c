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
