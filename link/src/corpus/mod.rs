//! A labelled synthetic corpus: incidents reported through one to three channels
//! with each channel's own noise, and the hard cases on purpose — two incidents at
//! one shop on one day, sprees along a street by one offender minutes apart, the
//! same offender at the same store on other days, several branches of one chain in
//! one town. `bcgw link generate` writes it; `bcgw link eval` scores against it.
//!
//! Each report also carries what its channel says about the premises and when it
//! reached the gateway ([`FlatRow`]'s `scheme`, `town`, `member_ref`, `radio_id`,
//! `arrived_at`: radio seconds after the incident, BCRP hours later, retailer rows
//! with the monthly export), and every scheme (one per town) has a member register
//! in the `docs/members.md` format with the faults real registers have — shops
//! missing, stale and shared aliases, changed names, postcode slips, radios listed
//! under the wrong member, missing ids, members who left ([`FaultKind`] lists them
//! with their rates). All of that is drawn from a second generator seeded from the
//! same seed, so the original eleven fields, the truth and the row order are the
//! same as before it existed.

mod aliases;
mod arrival;
mod faults;
mod ids;
mod inject;
mod realism;
mod register;
mod render;
mod rng;
mod world;

pub use faults::{FaultKind, RegisterFault};
pub use register::{MemberKey, REGISTER_HEADER, RegisterFile, write_registers};
pub use rng::Rng;

use crate::input::FlatRow;
use bcgw_sdk::schema::Category;
use chrono::{Duration, NaiveDate};
use render::Incident;
use world::World;

/// Which incident a generated report belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truth {
    /// The incident's index.
    pub incident: usize,
}

/// How big and how noisy.
#[derive(Debug, Clone)]
pub struct CorpusSettings {
    /// Incidents to generate (reports are about 1.5 times as many).
    pub incidents: usize,
    /// Seed: the same seed gives the same corpus.
    pub seed: u64,
    /// Days the incidents spread over.
    pub days: u32,
    /// First day.
    pub start: NaiveDate,
    /// Noise scale: 1.0 is the default profile; 2.0 doubles every slip rate (typos,
    /// missing fields, late times, disagreeing categories, mistaken descriptions).
    pub noise: f64,
    /// Add what independent sources do to one incident (radio update alerts,
    /// BCRP reports entered twice, retailer values at cost price, BCRP reports
    /// dated the day they were keyed): default true; false gives the first
    /// generator's corpus alone.
    pub cross_channel: bool,
}

impl CorpusSettings {
    /// Settings for `incidents` incidents over a period that keeps about 60 a day.
    pub fn new(incidents: usize, seed: u64) -> CorpusSettings {
        CorpusSettings {
            incidents,
            seed,
            days: ((incidents / 60) as u32).clamp(7, 3650),
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
            noise: 1.0,
            cross_channel: true,
        }
    }
}

/// A generated corpus: flat CSV rows and, for each, its true incident id; the
/// schemes' member registers and what is wrong with them.
pub struct Corpus {
    /// Reports, shuffled.
    pub rows: Vec<FlatRow>,
    /// True incident id of each row (`T<n>`).
    pub truth: Vec<String>,
    /// The register member each row's shop truly is (in its town's scheme), or
    /// `None` when the register lacks the shop: the truth for premises resolution.
    pub members: Vec<Option<MemberKey>>,
    /// One member register per scheme, in the world's town order.
    pub registers: Vec<RegisterFile>,
    /// The faults put into the registers.
    pub register_faults: Vec<RegisterFault>,
}

/// Seeds the second generator (everything added after the first corpus format:
/// registers, ids, arrival times) from the corpus seed, so that drawing it leaves
/// the first generator's sequence, and so the original fields, untouched.
const SECOND_SEED: u64 = 0x5eed_4e61;

/// Seeds the third generator (what independent sources add, [`realism`]).
const THIRD_SEED: u64 = 0x7e11_5a1d;

fn category(rng: &mut Rng) -> Category {
    use Category::*;
    let x = rng.unit();
    match x {
        x if x < 0.68 => TheftFromShop,
        x if x < 0.82 => ViolenceAgainstStaff,
        x if x < 0.85 => Robbery,
        x if x < 0.90 => Asb,
        x if x < 0.93 => CriminalDamage,
        x if x < 0.96 => Fraud,
        x if x < 0.98 => Burglary,
        _ => PublicOrder,
    }
}

fn new_incident(rng: &mut Rng, world: &World, id: usize, s: &CorpusSettings) -> Incident {
    let day = s.start + Duration::days(rng.range(0, i64::from(s.days) - 1));
    let minute = (rng.normal(14.0 * 60.0, 3.0 * 60.0) as i64).clamp(7 * 60, 22 * 60 + 30);
    let category = category(rng);
    let seen =
        !matches!(category, Category::Burglary | Category::CriminalDamage) || rng.chance(0.2);
    Incident {
        id,
        premises: rng.index(world.premises.len()),
        at: day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minute),
        category,
        offender: seen.then(|| world.offender(rng)),
        value: matches!(
            category,
            Category::TheftFromShop | Category::Robbery | Category::Fraud
        )
        .then(|| (rng.normal(3.5, 1.0).exp().clamp(2.0, 2000.0) * 100.0) as u64),
        injured: matches!(category, Category::ViolenceAgainstStaff | Category::Robbery)
            && rng.chance(0.35),
        goods: render::goods(rng),
    }
}

/// Generates a corpus.
pub fn generate(s: &CorpusSettings) -> Corpus {
    let mut rng = Rng::new(s.seed);
    let world = World::new(
        &mut rng,
        (s.incidents / 40).clamp(60, 4000),
        (s.incidents / 8).clamp(20, 100_000),
    );
    let mut incidents: Vec<Incident> = Vec::with_capacity(s.incidents);
    while incidents.len() < s.incidents {
        let id = incidents.len();
        let base = new_incident(&mut rng, &world, id, s);
        let roll = rng.unit();
        incidents.push(base.clone());
        if roll < 0.07 && incidents.len() < s.incidents {
            // Another incident at the same shop later the same day.
            let mut second = new_incident(&mut rng, &world, incidents.len(), s);
            second.premises = base.premises;
            second.at = base.at + Duration::minutes(rng.range(60, 6 * 60));
            incidents.push(second);
        } else if roll < 0.13 && incidents.len() < s.incidents {
            // The same offender moves on to a neighbouring shop minutes later.
            if let Some(next) = world.neighbour(&mut rng, base.premises) {
                let mut spree = new_incident(&mut rng, &world, incidents.len(), s);
                spree.premises = next;
                spree.offender = base.offender;
                spree.category = base.category;
                spree.at = base.at + Duration::minutes(rng.range(4, 35));
                incidents.push(spree);
            }
        } else if roll < 0.18 && incidents.len() < s.incidents {
            // The same offender back at the same store another day.
            let mut again = new_incident(&mut rng, &world, incidents.len(), s);
            again.premises = base.premises;
            again.offender = base.offender;
            again.category = base.category;
            again.at = base.at
                + Duration::days(rng.range(1, 10))
                + Duration::minutes(rng.range(-120, 120));
            incidents.push(again);
        }
    }
    let mut rows = Vec::new();
    let mut truth = Vec::new();
    // The incident each row reports, for the fields filled after the loop.
    let mut row_incident = Vec::new();
    for inc in &incidents {
        let p = &world.premises[inc.premises];
        let o = inc.offender.map(|i| &world.offenders[i]);
        let mut channels = Vec::new();
        if rng.chance(0.72) {
            channels.push(0);
        }
        if p.chain.is_some() && rng.chance(0.5) {
            channels.push(1);
        }
        if inc.at.time() > chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default()
            && rng.chance(0.38)
        {
            channels.push(2);
        }
        if channels.is_empty() {
            channels.push(if rng.chance(0.7) { 0 } else { 2 });
        }
        for ch in channels {
            let n = rows.len();
            let noise = render::Noise(s.noise);
            let (row, t) = match ch {
                0 => render::bcrp(&mut rng, noise, inc, p, o, n),
                1 => render::retailer(&mut rng, noise, inc, p, o, n),
                _ => render::radio(&mut rng, noise, inc, p, o, n),
            };
            rows.push(row);
            truth.push(format!("T{}", t.incident));
            row_incident.push(inc);
        }
    }
    // What independent sources add, from a third generator: new reports go
    // after the first generator's, which keep their order and fields.
    let originals = rows.len();
    if s.cross_channel {
        let mut third = Rng::new(s.seed ^ THIRD_SEED);
        let extra = realism::apply(
            &mut third,
            render::Noise(s.noise),
            &world,
            &mut rows,
            &row_incident,
        );
        for (row, inc) in extra {
            truth.push(format!("T{}", inc.id));
            rows.push(row);
            row_incident.push(inc);
        }
    }
    let mut second = Rng::new(s.seed ^ SECOND_SEED);
    let mut ids = ids::Ids::new(&mut second, &world);
    let registers = register::build(&mut second, &world, &mut ids);
    for (row, inc) in rows.iter_mut().zip(&row_incident) {
        ids.fill(&mut second, &world, row, inc.premises, inc.at);
    }
    // Shuffle, then number the reports in their new order (the third
    // generator's reports after the rest).
    let mut order: Vec<usize> = (0..originals).collect();
    rng.shuffle(&mut order);
    order.extend(originals..rows.len());
    let mut out_rows = Vec::with_capacity(rows.len());
    let mut out_truth = Vec::with_capacity(rows.len());
    let mut members = Vec::with_capacity(rows.len());
    for (n, i) in order.into_iter().enumerate() {
        let mut row = rows[i].clone();
        row.report_id = format!("R{:07}", n + 1);
        out_rows.push(row);
        out_truth.push(truth[i].clone());
        members.push(registers.member_of[row_incident[i].premises].clone());
    }
    Corpus {
        rows: out_rows,
        truth: out_truth,
        members,
        registers: registers.files,
        register_faults: registers.faults,
    }
}

/// The flat CSV header: the eleven columns every reader needs, then what the
/// channel says about the premises and when the report arrived.
pub const HEADER: [&str; 16] = [
    "report_id",
    "source",
    "source_record_id",
    "occurred_at",
    "premises_name",
    "premises_postcode",
    "offence",
    "offender_description",
    "property_value_gbp",
    "staff_injured",
    "narrative",
    "member_ref",
    "radio_id",
    "scheme",
    "town",
    "arrived_at",
];

/// Writes `reports.csv` rows.
pub fn write_reports<W: std::io::Write>(rows: &[FlatRow], w: W) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(HEADER)?;
    for r in rows {
        out.write_record([
            &r.report_id,
            &r.source,
            &r.source_record_id,
            &r.occurred_at,
            &r.premises_name,
            &r.premises_postcode,
            &r.offence,
            &r.offender_description,
            &r.property_value_gbp,
            &r.staff_injured,
            &r.narrative,
            &r.member_ref,
            &r.radio_id,
            &r.scheme,
            &r.town,
            &r.arrived_at,
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// Writes `truth.csv`: `report_id,true_incident_id`.
pub fn write_truth<W: std::io::Write>(rows: &[FlatRow], truth: &[String], w: W) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["report_id", "true_incident_id"])?;
    for (r, t) in rows.iter().zip(truth) {
        out.write_record([&r.report_id, t])?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests;
