//! What independent sources do to one incident that the first generator did
//! not: a radio scheme's follow-up alert minutes later (same shop, the
//! description given again by someone else), a BCRP report entered twice by two
//! members of staff, a retailer's value at cost price or for the part not
//! recovered, a BCRP report dated with the day it was keyed. Drawn from a
//! generator of its own, after the first generator's rows exist, so the first
//! generator's draws stay as they were; new reports come after them.

use super::Rng;
use super::render::{self, Incident, Noise};
use super::world::World;
use crate::input::FlatRow;
use chrono::{Duration, NaiveDateTime};

/// Share of radio alerts followed by an update alert about the same incident.
const RADIO_UPDATE: f64 = 0.06;
/// Share of BCRP reports entered twice.
const BCRP_TWICE: f64 = 0.015;
/// Share of retailer rows whose value is the cost price or the part not recovered.
const RETAIL_VALUE_OTHER: f64 = 0.12;
/// Share of BCRP reports dated the day they were keyed, the day after.
const BCRP_NEXT_DAY: f64 = 0.02;

fn shift(at: &str, by: Duration) -> String {
    NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S")
        .map(|t| (t + by).format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_else(|_| at.to_string())
}

/// Changes some rows in place and returns the new reports with their incidents.
pub fn apply<'a>(
    rng: &mut Rng,
    noise: Noise,
    world: &World,
    rows: &mut [FlatRow],
    incidents: &[&'a Incident],
) -> Vec<(FlatRow, &'a Incident)> {
    let mut extra = Vec::new();
    let mut next = rows.len();
    for (row, &inc) in rows.iter_mut().zip(incidents) {
        let p = &world.premises[inc.premises];
        let o = inc.offender.map(|i| &world.offenders[i]);
        match row.source.as_str() {
            // The retailer's own export values the loss at cost, the BCRP
            // report at the shelf price.
            "retailer_csv"
                if !row.property_value_gbp.is_empty()
                    && rng.chance(noise.rate(RETAIL_VALUE_OTHER)) =>
            {
                if let Ok(v) = row.property_value_gbp.parse::<f64>() {
                    let share = 0.4 + 0.5 * rng.unit();
                    row.property_value_gbp = format!("{:.2}", v * share);
                }
            }
            "bcrp" => {
                if row.occurred_at.len() > 10 && rng.chance(noise.rate(BCRP_NEXT_DAY)) {
                    row.occurred_at = shift(&row.occurred_at, Duration::days(1));
                }
                if rng.chance(noise.rate(BCRP_TWICE)) {
                    let (again, _) = render::bcrp(rng, noise, inc, p, o, next);
                    next += 1;
                    extra.push((again, inc));
                }
            }
            // A second alert minutes later from the same shop: the offender
            // came back, or went on to the next shop's radio.
            "radio" if rng.chance(noise.rate(RADIO_UPDATE)) => {
                let (mut update, _) = render::radio(rng, noise, inc, p, o, next);
                next += 1;
                let later = Duration::minutes(rng.range(3, 25));
                update.occurred_at = (inc.at + later).format("%Y-%m-%dT%H:%M:%S").to_string();
                update.narrative = format!("UPDATE {}", update.narrative);
                extra.push((update, inc));
            }
            _ => {}
        }
    }
    extra
}
