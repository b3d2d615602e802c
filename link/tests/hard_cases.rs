//! The hard cases the engine must get right on purpose, written out by hand as an
//! analyst would see them, plus a regression guard on a generated corpus.

use bcgw_link::corpus::{CorpusSettings, generate};
use bcgw_link::engine::{LinkConfig, LinkInput, link};
use bcgw_link::eval::pairwise;
use bcgw_link::input::FlatRow;
use bcgw_link::{Channel, Model};

#[allow(clippy::too_many_arguments)]
fn row(
    id: &str,
    source: &str,
    at: &str,
    premises: &str,
    postcode: &str,
    offence: &str,
    description: &str,
    value: &str,
) -> FlatRow {
    FlatRow {
        report_id: id.into(),
        source: source.into(),
        occurred_at: at.into(),
        premises_name: premises.into(),
        premises_postcode: postcode.into(),
        offence: offence.into(),
        offender_description: description.into(),
        property_value_gbp: value.into(),
        ..FlatRow::default()
    }
}

/// Links the rows (no EM: a handful of rows is no sample) and returns the incident
/// index of each.
fn incidents(rows: &[FlatRow]) -> Vec<usize> {
    let inputs: Vec<LinkInput> = rows
        .iter()
        .map(|r| LinkInput {
            id: r.report_id.clone(),
            kind: Channel::parse(&r.source),
            report: r.to_report(),
        })
        .collect();
    let config = LinkConfig {
        em: false,
        ..LinkConfig::default()
    };
    link(&inputs, &config, &Model::builtin()).incident_of
}

#[test]
fn one_incident_through_three_channels_is_one_incident() {
    let rows = [
        row(
            "a",
            "bcrp",
            "2026-11-03T14:05:00",
            "Boots Broadmead",
            "BS1 3XE",
            "Theft from shop",
            "White male, 30s, blue hoodie and grey tracksuit bottoms",
            "45.99",
        ),
        row(
            "b",
            "radio",
            "2026-11-03T14:03:00",
            "BOOTS BROADMEAD",
            "",
            "SHOPLIFTER",
            "M 30S BLU HOODIE GRY TRK",
            "",
        ),
        row(
            "c",
            "retailer_csv",
            "2026-11-03",
            "Boots #0412 Broadmead",
            "bs13xe",
            "Theft - Customer",
            "",
            "45.99",
        ),
    ];
    let inc = incidents(&rows);
    assert_eq!(inc[0], inc[1], "radio alert joins the BCRP report");
    assert_eq!(inc[0], inc[2], "the retailer's date-only line joins too");
}

#[test]
fn two_incidents_at_one_shop_on_one_day_stay_apart() {
    let rows = [
        row(
            "a",
            "bcrp",
            "2026-11-03T10:05:00",
            "Boots Broadmead",
            "BS1 3XE",
            "Theft",
            "male 20s, black puffer jacket",
            "12.00",
        ),
        row(
            "b",
            "bcrp",
            "2026-11-03T16:40:00",
            "Boots Broadmead",
            "BS1 3XE",
            "Verbal abuse",
            "female 50s, red coat",
            "",
        ),
        row(
            "c",
            "radio",
            "2026-11-03T16:42:00",
            "BOOTS BROADMEAD",
            "",
            "ABUSIVE",
            "F 50S RED COAT",
            "",
        ),
    ];
    let inc = incidents(&rows);
    assert_ne!(inc[0], inc[1]);
    assert_eq!(
        inc[1], inc[2],
        "the radio alert belongs to the afternoon incident"
    );
    assert_ne!(inc[0], inc[2]);
}

#[test]
fn neighbouring_shops_minutes_apart_stay_apart_even_with_one_offender() {
    let rows = [
        row(
            "a",
            "bcrp",
            "2026-11-03T14:05:00",
            "Superdrug Broadmead",
            "BS1 3XD",
            "Theft",
            "male 30s blue hoodie grey trackies",
            "30.00",
        ),
        row(
            "b",
            "bcrp",
            "2026-11-03T14:20:00",
            "Boots Broadmead",
            "BS1 3XE",
            "Theft",
            "male 30s blue hoodie grey trackies",
            "45.00",
        ),
        row(
            "c",
            "radio",
            "2026-11-03T14:21:00",
            "BOOTS",
            "",
            "THEFT",
            "M 30S BLU HOODIE",
            "",
        ),
    ];
    let inc = incidents(&rows);
    assert_ne!(inc[0], inc[1], "two shops are two crimes");
    assert_ne!(inc[0], inc[2], "the alert names Boots, not Superdrug");
}

#[test]
fn the_same_offender_at_the_same_store_on_other_days_is_other_incidents() {
    let rows = [
        row(
            "a",
            "bcrp",
            "2026-11-03T14:05:00",
            "Tesco Express Queens Road",
            "BS8 1RE",
            "Shoplifting",
            "male 40s green parka",
            "20.00",
        ),
        row(
            "b",
            "bcrp",
            "2026-11-05T14:10:00",
            "Tesco Express Queens Road",
            "BS8 1RE",
            "Shoplifting",
            "male 40s green parka",
            "22.00",
        ),
        row(
            "c",
            "retailer_csv",
            "2026-11-07",
            "Tesco Express #2210 Queens Rd",
            "BS8 1RE",
            "Walk out",
            "",
            "21.00",
        ),
    ];
    let inc = incidents(&rows);
    assert_ne!(inc[0], inc[1]);
    assert_ne!(inc[1], inc[2]);
    assert_ne!(inc[0], inc[2]);
}

#[test]
fn branches_of_one_chain_in_one_town_stay_apart() {
    let rows = [
        row(
            "a",
            "bcrp",
            "2026-11-03T14:05:00",
            "Co-op Clifton",
            "BS8 4HG",
            "Theft",
            "female 20s",
            "15.00",
        ),
        row(
            "b",
            "bcrp",
            "2026-11-03T14:07:00",
            "Co-op Bedminster",
            "BS3 4AG",
            "Theft",
            "female 20s",
            "15.00",
        ),
    ];
    let inc = incidents(&rows);
    assert_ne!(inc[0], inc[1]);
}

#[test]
fn an_ambiguous_report_does_not_chain_two_incidents_together() {
    // "b" (chain only, date only) fits both; a and c contradict each other.
    let rows = [
        row(
            "a",
            "bcrp",
            "2026-11-03T10:00:00",
            "Boots Clifton",
            "BS8 1AA",
            "Theft",
            "male 20s black hoodie",
            "10.00",
        ),
        row(
            "b",
            "retailer_csv",
            "2026-11-03",
            "Boots",
            "",
            "Theft",
            "",
            "",
        ),
        row(
            "c",
            "bcrp",
            "2026-11-03T18:00:00",
            "Boots Clifton",
            "BS8 1AA",
            "Robbery",
            "female 60s purple coat",
            "300.00",
        ),
    ];
    let inc = incidents(&rows);
    assert_ne!(
        inc[0], inc[2],
        "a and c must not end up in one incident through b"
    );
}

#[test]
fn day_and_month_swapped_dates_still_link() {
    // 5 March written as 03/05 and read the US way: 2026-03-05 vs 2026-05-03.
    let rows = [
        row(
            "a",
            "bcrp",
            "2026-03-05T11:20:00",
            "Primark Cabot Circus",
            "BS1 3BD",
            "Theft",
            "male teen red cap",
            "60.00",
        ),
        row(
            "b",
            "retailer_csv",
            "2026-05-03",
            "Primark #1102 Cabot Circus",
            "BS1 3BD",
            "Theft - Customer",
            "",
            "60.00",
        ),
    ];
    let inc = incidents(&rows);
    assert_eq!(inc[0], inc[1]);
}

#[test]
fn a_generated_corpus_links_well_with_em() {
    let corpus = generate(&CorpusSettings::new(4000, 99));
    let inputs: Vec<LinkInput> = corpus
        .rows
        .iter()
        .map(|r| LinkInput {
            id: r.report_id.clone(),
            kind: Channel::parse(&r.source),
            report: r.to_report(),
        })
        .collect();
    let out = link(&inputs, &LinkConfig::default(), &Model::builtin());
    let s = pairwise(&out.incident_of, &corpus.truth);
    assert!(
        out.em_used,
        "EM should accept its estimate on a corpus like the training one"
    );
    // A regression guard well below the measured figure (see the closing notes).
    assert!(
        s.f1 > 0.93,
        "F1 {:.4} (P {:.4}, R {:.4})",
        s.f1,
        s.precision,
        s.recall
    );
}
