//! The three illustrative BCRP sample formats in `examples/bcrp/`, each through its
//! config in `examples/plugin-config/`: what a force would see on day one.

use super::{by_id, harness, utc};
use crate::JsonMapped;
use bcgw_sdk::harness::Checked;
use bcgw_sdk::prelude::*;

fn sample(config: &str, fixture: &str, content_type: &str) -> Checked {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let config = std::fs::read_to_string(format!("{root}/plugin-config/{config}.toml"))
        .expect("sample config");
    let bytes = std::fs::read(format!("{root}/bcrp/{fixture}")).expect("sample fixture");
    let out = harness(&config)
        .translate::<JsonMapped>(&bytes, content_type)
        .expect("the sample translates");
    out.assert_valid();
    out
}

fn ids(out: &Checked) -> Vec<&str> {
    out.reports
        .iter()
        .filter_map(|r| r.source_record_id.as_deref())
        .collect()
}

#[test]
fn disc_like_webhooks() {
    let out = sample(
        "disc-like",
        "disc-like-webhooks.ndjson",
        "application/x-ndjson",
    );
    assert_eq!(
        ids(&out),
        ["DISC-BRS-004211", "DISC-BRS-004212", "DISC-BRS-004214"]
    );
    // The delivery the relay cut short: rejected by its line, the others kept.
    assert_eq!(out.rejects.len(), 1);
    assert_eq!((out.rejects[0].index, out.rejects[0].line), (2, Some(3)));
    assert_eq!(out.rejects[0].error.kind(), "malformed");

    let theft = by_id(&out, "DISC-BRS-004211");
    assert_eq!(theft.source_system, "disc");
    assert_eq!(theft.event.category, Category::TheftFromShop);
    assert_eq!(utc(theft.event.occurred_to), "2026-11-03T14:12:00+00:00");
    assert_eq!(theft.location.postcode.as_deref(), Some("BS1 3HF"));
    // The reporter is dropped by the role table.
    let roles: Vec<_> = theft.persons.iter().map(|p| p.role).collect();
    assert_eq!(roles, [PersonRole::Offender, PersonRole::Suspect]);
    assert_eq!(
        theft.persons[0].description.as_deref(),
        Some("White, slim build, grey padded jacket; black cap, black holdall")
    );
    assert_eq!(theft.property[0].value_pence, Some(8997));
    assert_eq!(theft.property[1].quantity, Some(4));
    assert_eq!(theft.evidence.media.len(), 2);
    assert_eq!(theft.evidence.media[0].kind, MediaKind::Image);
    assert_eq!(theft.evidence.media[1].kind, MediaKind::Cctv);
    assert!(theft.evidence.media[1].sha256.is_some());
    assert_eq!(theft.extension("disc_revision"), Some("1"));

    let assault = by_id(&out, "DISC-BRS-004212");
    assert_eq!(assault.event.category, Category::ViolenceAgainstStaff);
    assert_eq!(assault.event.staff_injured, Some(true));
    let offender = &assault.persons[0];
    assert_eq!(offender.name.as_deref(), Some("Alex Sample"));
    assert_eq!(offender.aliases, ["Lexi"]);
    assert_eq!(assault.persons[1].role, PersonRole::Victim);
    assert_eq!(assault.vehicles[0].vrm.as_deref(), Some("AB12CDE"));
    assert_eq!(assault.location.address_lines.len(), 2);

    // Local time from the app, read as London time (GMT in November).
    let abuse = by_id(&out, "DISC-BRS-004214");
    assert_eq!(utc(abuse.event.occurred_from), "2026-11-04T09:40:00+00:00");
    assert_eq!(abuse.persons[0].age_range.and_then(|a| a.min), Some(40));

    let amended = sample(
        "disc-like",
        "disc-like-webhook-amended.json",
        "application/json",
    );
    assert_eq!(ids(&amended), ["DISC-BRS-004211"]);
    let theft2 = &amended.reports[0];
    assert_eq!(theft2.extension("disc_revision"), Some("2"));
    assert_eq!(
        theft2.event.police_reference.as_deref(),
        Some("5226/031125/0877")
    );
    assert_eq!(theft2.property.len(), 3);
    assert_eq!(theft2.property[2].recovered, Some(true));
}

#[test]
fn auror_like_export_pages() {
    let out = sample(
        "auror-like",
        "auror-like-events-page-1.json",
        "application/json",
    );
    assert_eq!(
        ids(&out),
        ["evt_26_000318", "evt_26_000319", "evt_26_000321"]
    );
    // The event with words for a time is rejected by itself, by pointer.
    assert_eq!(out.rejects.len(), 1);
    assert_eq!((out.rejects[0].index, out.rejects[0].line), (2, None));
    assert!(
        matches!(&out.rejects[0].error, AdapterError::InvalidField(f) if f.field == "/occurred_at"),
        "{:?}",
        out.rejects[0].error
    );

    let theft = by_id(&out, "evt_26_000318");
    assert_eq!(theft.source_system, "auror");
    // Unix milliseconds.
    assert_eq!(utc(theft.event.occurred_from), "2026-11-03T10:47:00+00:00");
    assert_eq!(utc(theft.event.reported_at), "2026-11-03T11:02:45+00:00");
    assert_eq!(theft.event.category, Category::TheftFromShop);
    assert_eq!(
        theft.location.address_lines,
        ["24 Whiteladies Road", "Clifton"]
    );
    assert!(theft.location.coordinates.is_some());
    let poi = &theft.persons[0];
    assert_eq!(
        (poi.role, poi.gender),
        (PersonRole::Suspect, Some(Gender::Female))
    );
    assert_eq!(
        poi.age_range,
        Some(AgeRange {
            min: Some(25),
            max: Some(25)
        })
    );
    assert_eq!(
        poi.description.as_deref(),
        Some("Slim; Beige trench coat, white trainers")
    );
    assert_eq!(theft.property[0].value_pence, Some(15800));
    assert_eq!(theft.evidence.media[0].kind, MediaKind::Cctv);

    let threats = by_id(&out, "evt_26_000319");
    assert_eq!(threats.event.category, Category::ViolenceAgainstStaff);
    let roles: Vec<_> = threats.persons.iter().map(|p| p.role).collect();
    assert_eq!(
        roles,
        [
            PersonRole::Offender,
            PersonRole::Offender,
            PersonRole::Victim
        ]
    );
    assert_eq!(threats.persons[0].aliases, ["Sammy P"]);
    assert_eq!(threats.vehicles[0].vrm.as_deref(), Some("XY65ZZT"));
    assert_eq!(by_id(&out, "evt_26_000321").evidence.media.len(), 2);

    let page2 = sample(
        "auror-like",
        "auror-like-events-page-2.json",
        "application/json",
    );
    assert_eq!(ids(&page2), ["evt_26_000319", "evt_26_000327"]);
    let amended = by_id(&page2, "evt_26_000319");
    assert_eq!(amended.event.category_raw.as_deref(), Some("Violence"));
    assert_eq!(amended.event.staff_injured, Some(true));
}

#[test]
fn sentrysis_like_exports() {
    let out = sample(
        "sentrysis-like",
        "sentrysis-like-export-2026-11-04.json",
        "application/json",
    );
    assert_eq!(
        ids(&out),
        ["SIS-HBR-26-01187", "SIS-HBR-26-01203", "SIS-HBR-26-01211"]
    );
    // The unfinished draft has no reference: rejected by itself.
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].index, 2);
    assert_eq!(
        out.rejects[0].error,
        AdapterError::MissingField("source_record_id (/IncidentRef)".into())
    );

    let theft = by_id(&out, "SIS-HBR-26-01187");
    assert_eq!(theft.source_system, "sentrysis");
    // 16:45 on 20 October is BST: 15:45 UTC.
    assert_eq!(utc(theft.event.occurred_from), "2026-10-20T15:45:00+00:00");
    assert_eq!(theft.event.category, Category::TheftFromShop);
    assert_eq!(theft.event.staff_injured, Some(false));
    assert_eq!(theft.event.police_reference, None);
    assert_eq!(theft.property[0].value_pence, Some(1250));
    let youth = &theft.persons[0];
    assert_eq!(
        (youth.role, youth.gender),
        (PersonRole::Offender, Some(Gender::Male))
    );
    assert_eq!(
        youth.age_range,
        Some(AgeRange {
            min: Some(13),
            max: Some(19)
        })
    );
    assert_eq!(theft.extension("cctv_held"), Some("Yes"));

    let robbery = by_id(&out, "SIS-HBR-26-01203");
    assert_eq!(robbery.event.category, Category::Robbery);
    assert_eq!(robbery.location.postcode.as_deref(), Some("BS1 5DB"));
    assert_eq!(robbery.property[0].value_pence, Some(125_000));
    let roles: Vec<_> = robbery.persons.iter().map(|p| p.role).collect();
    assert_eq!(roles, [PersonRole::Suspect, PersonRole::Witness]);

    // A date without a time covers the whole local day.
    let asb = by_id(&out, "SIS-HBR-26-01211");
    assert_eq!(asb.event.category, Category::Asb);
    assert_eq!(utc(asb.event.occurred_from), "2026-11-04T00:00:00+00:00");
    assert_eq!(utc(asb.event.occurred_to), "2026-11-04T23:59:59+00:00");
    assert!(asb.property.is_empty());

    let next = sample(
        "sentrysis-like",
        "sentrysis-like-export-2026-11-05.json",
        "application/json",
    );
    assert_eq!(ids(&next), ["SIS-HBR-26-01187", "SIS-HBR-26-01219"]);
    let amended = by_id(&next, "SIS-HBR-26-01187");
    assert_eq!(amended.property[0].value_pence, Some(1450));
    assert_eq!(
        amended.event.police_reference.as_deref(),
        Some("5226/201026/0412")
    );
}
