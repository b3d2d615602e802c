//! The synthetic world incidents happen in: towns, streets, premises (chains with
//! several branches in one town, independents, neighbouring shops on one street)
//! and offenders (a few prolific ones who strike again and again).

use super::rng::Rng;

/// A shop.
#[derive(Debug, Clone)]
pub struct Premises {
    /// Chain display name (`Boots`), or `None` for an independent.
    pub chain: Option<&'static str>,
    /// Branch or shop name (`Broadmead`, `Harbourside Pharmacy`).
    pub name: String,
    /// Town.
    pub town: &'static str,
    /// The street or area it is on (a chain branch is named after it).
    pub locality: &'static str,
    /// Full postcode.
    pub postcode: String,
    /// The retailer's store number.
    pub store_number: u32,
}

impl Premises {
    /// The name as the premises calls itself: `Boots Broadmead`, `Harbourside Pharmacy`.
    pub fn full_name(&self) -> String {
        match self.chain {
            Some(c) => format!("{c} {}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A repeat offender's look.
#[derive(Debug, Clone)]
pub struct Offender {
    /// 'M' or 'F'.
    pub gender: char,
    /// Decade of age (20 = twenties).
    pub decade: u8,
    /// IC code 1-6.
    pub ic: u8,
    /// (colour, item) pairs worn.
    pub clothes: Vec<(&'static str, &'static str)>,
}

/// Everything incidents are drawn from.
pub struct World {
    /// All premises.
    pub premises: Vec<Premises>,
    /// Premises indices by (town, street).
    pub streets: Vec<Vec<usize>>,
    /// Street key of each premises (index into `streets`).
    pub street_of: Vec<usize>,
    /// Offenders; low indices are the prolific ones.
    pub offenders: Vec<Offender>,
    offender_cdf: Vec<f64>,
}

const TOWNS: &[(&str, &str, u8)] = &[
    ("Bristol", "BS", 16),
    ("Bath", "BA", 2),
    ("Weston-super-Mare", "BS", 23),
    ("Taunton", "TA", 1),
    ("Yeovil", "BA", 20),
    ("Bridgwater", "TA", 6),
    ("Frome", "BA", 11),
    ("Clevedon", "BS", 21),
    ("Portishead", "BS", 20),
    ("Keynsham", "BS", 31),
    ("Wells", "BA", 5),
    ("Glastonbury", "BA", 6),
];

const LOCALITIES: &[&str] = &[
    "Broadmead",
    "Clifton",
    "Cabot Circus",
    "Queens Road",
    "High Street",
    "Gloucester Road",
    "Whiteladies Road",
    "Bedminster",
    "Fishponds",
    "Kingswood",
    "Southville",
    "Horfield",
    "Westbury",
    "Stapleton Road",
    "Union Street",
    "Merchant Street",
    "Station Road",
    "Market Place",
    "Fore Street",
    "Victoria Park",
    "Harbourside",
    "Temple Meads",
    "Cribbs Causeway",
    "Hengrove",
    "Avonmeads",
    "Southgate",
    "Milsom Street",
    "Stall Street",
    "Green Park",
    "Riverside",
    "Castle Street",
    "North Street",
    "East Street",
    "Baldwin Street",
    "Corn Street",
    "Park Street",
    "Regent Street",
    "Church Road",
    "Old Market",
    "St Nicholas",
];

/// Chains, by the name over their doors.
pub const CHAINS: &[&str] = &[
    "Tesco Express",
    "Tesco",
    "Sainsbury's Local",
    "Sainsbury's",
    "Co-op",
    "Boots",
    "Superdrug",
    "Marks & Spencer",
    "Aldi",
    "Lidl",
    "Asda",
    "Morrisons",
    "Iceland",
    "Primark",
    "TK Maxx",
    "JD Sports",
    "B&M",
    "Poundland",
    "Greggs",
    "Home Bargains",
    "Waitrose",
    "Holland & Barrett",
    "WHSmith",
    "Card Factory",
    "Spar",
    "One Stop",
    "Londis",
];

/// Independent shops' names.
pub const INDEPENDENTS: &[&str] = &[
    "Harbourside Pharmacy",
    "Cafe Verde",
    "Kumar Convenience",
    "The Vape Shack",
    "Patel News",
    "Avon Wines",
    "Corner Stores",
    "Bright Opticians",
    "Nails by Kim",
    "Golden Dragon Takeaway",
    "Riverside Hardware",
    "Village Bakery",
    "Old Market Books",
    "Fresh & Fruity",
    "Mobile Fix",
    "Cycle Hub",
    "The Rummage Room",
    "Sole Trader Shoes",
    "Hair Today",
    "Green Grocer",
];

/// Colours and clothing the generator dresses offenders in.
pub const COLOURS: &[&str] = &[
    "black", "grey", "blue", "navy", "white", "red", "green", "brown", "beige", "purple", "yellow",
];
/// Clothing items.
pub const ITEMS: &[&str] = &[
    "hoodie",
    "tracksuit",
    "jacket",
    "jeans",
    "cap",
    "trainers",
    "coat",
    "puffer jacket",
    "beanie",
    "backpack",
    "parka",
];

fn letters(rng: &mut Rng) -> String {
    const L: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    format!(
        "{}{}",
        L[rng.index(L.len())] as char,
        L[rng.index(L.len())] as char
    )
}

impl World {
    /// Builds a world of about `premises` shops and `offenders` offenders.
    pub fn new(rng: &mut Rng, premises: usize, offenders: usize) -> World {
        let mut all = Vec::new();
        let mut streets: Vec<Vec<usize>> = Vec::new();
        let mut street_of = Vec::new();
        let per_town = (premises / TOWNS.len()).max(8);
        for &(town, area, district) in TOWNS {
            // Several streets per town; neighbouring shops share a street and sector.
            let n_streets = (per_town / 6).clamp(2, LOCALITIES.len());
            let mut localities: Vec<&str> = LOCALITIES.to_vec();
            rng.shuffle(&mut localities);
            for &locality in localities.iter().take(n_streets) {
                let street_key = streets.len();
                streets.push(Vec::new());
                let sector = rng.range(1, 9);
                let shops = rng.range(3, 9) as usize;
                for _ in 0..shops {
                    let chain = rng.chance(0.75).then(|| *rng.pick(CHAINS));
                    let name = match chain {
                        Some(_) => locality.to_string(),
                        None => format!(
                            "{} {}",
                            rng.pick(INDEPENDENTS),
                            if rng.chance(0.3) { locality } else { "" }
                        )
                        .trim()
                        .to_string(),
                    };
                    // Shops in a precinct sometimes share one postcode.
                    let postcode = if rng.chance(0.3) && !streets[street_key].is_empty() {
                        let first: usize = streets[street_key][0];
                        all.iter()
                            .map(|p: &Premises| p.postcode.clone())
                            .nth(first)
                            .unwrap_or_default()
                    } else {
                        format!("{area}{district} {sector}{}", letters(rng))
                    };
                    streets[street_key].push(all.len());
                    street_of.push(street_key);
                    all.push(Premises {
                        chain,
                        name,
                        town,
                        locality,
                        postcode,
                        store_number: rng.range(100, 2999) as u32,
                    });
                }
            }
        }
        let offenders: Vec<Offender> = (0..offenders.max(1))
            .map(|_| Offender {
                gender: if rng.chance(0.75) { 'M' } else { 'F' },
                decade: *rng.pick(&[10u8, 20, 20, 30, 30, 40, 50, 60]),
                ic: *rng.pick(&[1u8, 1, 1, 1, 2, 3, 4, 5, 6]),
                clothes: (0..rng.range(2, 4))
                    .map(|_| (*rng.pick(COLOURS), *rng.pick(ITEMS)))
                    .collect(),
            })
            .collect();
        let mut cdf = Vec::with_capacity(offenders.len());
        let mut acc = 0.0;
        for i in 0..offenders.len() {
            acc += 1.0 / (i + 1) as f64;
            cdf.push(acc);
        }
        World {
            premises: all,
            streets,
            street_of,
            offenders,
            offender_cdf: cdf,
        }
    }

    /// An offender, prolific ones far more often.
    pub fn offender(&self, rng: &mut Rng) -> usize {
        let total = self.offender_cdf.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        self.offender_cdf
            .partition_point(|&c| c < x)
            .min(self.offenders.len() - 1)
    }

    /// A neighbour of premises `p` on the same street, if it has one.
    pub fn neighbour(&self, rng: &mut Rng, p: usize) -> Option<usize> {
        let street = &self.streets[self.street_of[p]];
        let others: Vec<usize> = street.iter().copied().filter(|&q| q != p).collect();
        (!others.is_empty()).then(|| *rng.pick(&others))
    }
}
