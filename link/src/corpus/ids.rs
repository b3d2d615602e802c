//! What the channels say about a shop besides its name: the scheme and town a
//! report came through, the shop's BCRP membership id, the radios issued to it and
//! the retailer's store number; and when each report arrived. Drawn from the
//! corpus's second generator, so the rows' other fields do not move.

use super::arrival;
use super::rng::Rng;
use super::world::World;
use crate::input::FlatRow;
use chrono::NaiveDateTime;
use std::collections::HashSet;

/// Share of BCRP reports that carry the shop's membership id.
const BCRP_MEMBER_REF: f64 = 0.88;
/// Share of retailer export rows that carry the store number in its own column.
const RETAILER_MEMBER_REF: f64 = 0.95;
/// Share of radio alerts whose bridge reports the sending radio.
const RADIO_ID: f64 = 0.65;

/// One BCRP and radio scheme: each town of the world has one.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// Slug, e.g. `weston-super-mare-bcrp`.
    pub slug: String,
    /// The town as people write it (`Weston-super-Mare`).
    pub town: &'static str,
    /// The town as a radio bridge's MQTT topic gives it (`weston-super-mare`).
    pub topic_town: String,
    /// Prefix of the register's member ids (`WSM`).
    pub code: String,
}

/// The ids one shop has.
#[derive(Debug, Clone)]
pub struct ShopIds {
    /// Index of its town's scheme.
    pub scheme: usize,
    /// Its BCRP platform membership id (`DISC-M-01234`).
    pub bcrp_id: String,
    /// Its one to three radios (`R10234`).
    pub radios: Vec<String>,
}

/// Schemes and every shop's ids.
pub struct Ids {
    /// One scheme per town, in the world's town order.
    pub schemes: Vec<Scheme>,
    /// By premises index.
    pub shops: Vec<ShopIds>,
    taken: HashSet<String>,
}

/// Lower case, words joined by `-`: `Weston-super-Mare` → `weston-super-mare`.
pub fn slug(town: &str) -> String {
    town.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// Member id prefix for a town: a fixed table, so Bristol and Bridgwater differ.
fn town_code(town: &str) -> String {
    let known = [
        ("Bristol", "BRS"),
        ("Bath", "BTH"),
        ("Weston-super-Mare", "WSM"),
        ("Taunton", "TAU"),
        ("Yeovil", "YEO"),
        ("Bridgwater", "BGW"),
        ("Frome", "FRO"),
        ("Clevedon", "CLV"),
        ("Portishead", "PHD"),
        ("Keynsham", "KEY"),
        ("Wells", "WEL"),
        ("Glastonbury", "GLA"),
    ];
    match known.iter().find(|(t, _)| *t == town) {
        Some((_, code)) => (*code).to_string(),
        None => town.chars().take(3).collect::<String>().to_uppercase(),
    }
}

impl Ids {
    /// Schemes for the world's towns and ids for every shop.
    pub fn new(rng: &mut Rng, world: &World) -> Ids {
        let mut ids = Ids {
            schemes: Vec::new(),
            shops: Vec::with_capacity(world.premises.len()),
            taken: HashSet::new(),
        };
        for p in &world.premises {
            let scheme = match ids.schemes.iter().position(|s| s.town == p.town) {
                Some(i) => i,
                None => {
                    ids.schemes.push(Scheme {
                        slug: format!("{}-bcrp", slug(p.town)),
                        town: p.town,
                        topic_town: slug(p.town),
                        code: town_code(p.town),
                    });
                    ids.schemes.len() - 1
                }
            };
            let bcrp_id = ids.fresh(rng, "DISC-M-", 1, 79_999);
            let radios = (0..rng.range(1, 3))
                .map(|_| ids.fresh(rng, "R", 10_000, 99_999))
                .collect();
            ids.shops.push(ShopIds {
                scheme,
                bcrp_id,
                radios,
            });
        }
        ids
    }

    /// An id never given before: `prefix` and a five-digit number in `[lo, hi]`
    /// (ids are unique across all schemes, as a platform's and a radio fleet's are).
    pub fn fresh(&mut self, rng: &mut Rng, prefix: &str, lo: i64, hi: i64) -> String {
        loop {
            let id = format!("{prefix}{:05}", rng.range(lo, hi));
            if self.taken.insert(id.clone()) {
                return id;
            }
        }
    }

    /// Fills a row's `scheme`, `town`, `member_ref`, `radio_id` and `arrived_at`
    /// for a report about shop `shop` of an incident at `at`.
    pub fn fill(
        &self,
        rng: &mut Rng,
        world: &World,
        row: &mut FlatRow,
        shop: usize,
        at: NaiveDateTime,
    ) {
        let p = &world.premises[shop];
        let ids = &self.shops[shop];
        let scheme = &self.schemes[ids.scheme];
        match row.source.as_str() {
            "bcrp" => {
                row.scheme = scheme.slug.clone();
                row.town = p.town.to_string();
                if rng.chance(BCRP_MEMBER_REF) {
                    row.member_ref = ids.bcrp_id.clone();
                }
            }
            "radio" => {
                row.scheme = scheme.slug.clone();
                row.town = scheme.topic_town.clone();
                if rng.chance(RADIO_ID) {
                    row.radio_id = rng.pick(&ids.radios).clone();
                }
            }
            // A national export: no scheme or town, but the store number.
            _ => {
                if rng.chance(RETAILER_MEMBER_REF) {
                    row.member_ref = p.store_number.to_string();
                }
            }
        }
        let arrived = arrival::arrived_at(rng, &row.source, at, &row.occurred_at);
        row.arrived_at = arrived.format("%Y-%m-%dT%H:%M:%S").to_string();
    }
}
