//! How each channel writes an incident: a BCRP platform in prose with precise
//! times, a retailer's export with store numbers and often only a date, radio in
//! upper-case shorthand. Each adds its own noise.

use super::Truth;
use super::rng::Rng;
use super::world::{Offender, Premises};
use crate::input::FlatRow;
use bcgw_sdk::schema::Category;
use chrono::{Datelike, Duration, NaiveDateTime};

/// The noise scale of a corpus (1.0 = default profile).
#[derive(Debug, Clone, Copy)]
pub struct Noise(pub f64);

impl Noise {
    /// A slip rate scaled by the profile, capped at one half.
    pub fn rate(self, base: f64) -> f64 {
        (base * self.0).min(0.5)
    }
}

/// A witness's version of the offender: mostly right, sometimes a decade out or the
/// wrong gender.
fn witnessed(rng: &mut Rng, noise: Noise, o: &Offender) -> Offender {
    let mut seen = o.clone();
    if rng.chance(noise.rate(0.02)) {
        seen.gender = if o.gender == 'M' { 'F' } else { 'M' };
    }
    if rng.chance(noise.rate(0.08)) {
        seen.decade = if rng.chance(0.5) {
            o.decade.saturating_sub(10).max(10)
        } else {
            (o.decade + 10).min(70)
        };
    }
    seen
}

/// The category a channel records: usually the real one, sometimes a neighbouring
/// one (a theft that turned violent recorded as either).
fn recorded_category(rng: &mut Rng, noise: Noise, c: Category) -> Category {
    use Category::*;
    if !rng.chance(noise.rate(0.06)) {
        return c;
    }
    match c {
        TheftFromShop => *rng.pick(&[ViolenceAgainstStaff, Robbery, Fraud, Other]),
        ViolenceAgainstStaff => *rng.pick(&[TheftFromShop, PublicOrder, Asb, Robbery]),
        Robbery => *rng.pick(&[TheftFromShop, ViolenceAgainstStaff]),
        Asb => *rng.pick(&[PublicOrder, ViolenceAgainstStaff]),
        other => other,
    }
}

/// An incident as it really happened.
#[derive(Debug, Clone)]
pub struct Incident {
    /// Truth id.
    pub id: usize,
    /// Where.
    pub premises: usize,
    /// When (local time).
    pub at: NaiveDateTime,
    /// What.
    pub category: Category,
    /// Who, if seen.
    pub offender: Option<usize>,
    /// Value stolen in pence.
    pub value: Option<u64>,
    /// Staff hurt.
    pub injured: bool,
    /// Items taken.
    pub goods: &'static str,
}

const GOODS: &[&str] = &[
    "razors",
    "meat",
    "alcohol",
    "perfume",
    "baby milk",
    "cheese",
    "coffee",
    "chocolate",
    "batteries",
    "cosmetics",
    "phone chargers",
    "vitamins",
    "steak",
    "washing powder",
];

/// Goods for a new incident.
pub fn goods(rng: &mut Rng) -> &'static str {
    rng.pick::<&'static str>(GOODS)
}

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 5 {
        return s.to_string();
    }
    let i = rng.range(1, c.len() as i64 - 2) as usize;
    match rng.index(3) {
        0 => c.swap(i, i + 1),
        1 => {
            c.remove(i);
        }
        _ => c.insert(i, c[i]),
    }
    c.into_iter().collect()
}

fn maybe_typo(rng: &mut Rng, s: String, rate: f64) -> String {
    if rng.chance(rate) { typo(rng, &s) } else { s }
}

fn iso(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn gender_word(rng: &mut Rng, g: char, style: usize) -> &'static str {
    match (g, style) {
        ('M', 0) => "M",
        ('F', 0) => "F",
        ('M', _) => rng.pick::<&'static str>(&["male", "man", "Male", "lad"]),
        (_, _) => rng.pick::<&'static str>(&["female", "woman", "Female", "girl"]),
    }
}

fn radio_colour(c: &str) -> &'static str {
    match c {
        "black" => "BLK",
        "grey" => "GRY",
        "blue" => "BLU",
        "navy" => "NVY",
        "white" => "WHT",
        "green" => "GRN",
        "brown" => "BRN",
        "purple" => "PURP",
        "yellow" => "YEL",
        "red" => "RED",
        _ => "BEIGE",
    }
}

fn radio_item(i: &str) -> &'static str {
    match i {
        "hoodie" => "HOODIE",
        "tracksuit" => "TRK",
        "jacket" => "JKT",
        "jeans" => "JEANS",
        "cap" => "CAP",
        "trainers" => "TRAINERS",
        "coat" => "COAT",
        "puffer jacket" => "PUFFER",
        "beanie" => "BEANIE",
        "backpack" => "RUCKSACK",
        _ => "PARKA",
    }
}

/// A description in one of the channel's styles, with some items left out.
pub fn describe(rng: &mut Rng, o: &Offender, radio: bool) -> String {
    let mut clothes = o.clothes.clone();
    rng.shuffle(&mut clothes);
    let keep = rng.range(1, clothes.len() as i64) as usize;
    clothes.truncate(keep);
    if radio {
        let mut s = format!("{} {}S", gender_word(rng, o.gender, 0), o.decade);
        if rng.chance(0.3) {
            s = format!("IC{} {s}", o.ic);
        }
        for (c, i) in clothes {
            s.push_str(&format!(" {} {}", radio_colour(c), radio_item(i)));
        }
        return s;
    }
    let age = match rng.index(3) {
        0 => format!("{}s", o.decade),
        1 => format!("{}-{}", o.decade, o.decade + 10),
        _ => format!("approx {}", o.decade + rng.range(1, 8) as u8),
    };
    let wearing: Vec<String> = clothes.iter().map(|(c, i)| format!("{c} {i}")).collect();
    let skin = if rng.chance(0.3) {
        match o.ic {
            1 => "White ",
            3 => "Black ",
            4 => "Asian ",
            _ => "",
        }
    } else {
        ""
    };
    format!(
        "{skin}{} {age}, wearing {}",
        gender_word(rng, o.gender, 1),
        wearing.join(" and ")
    )
}

fn wording(rng: &mut Rng, c: Category, style: usize) -> &'static str {
    use Category::*;
    let (bcrp, retail, radio): (&[&str], &[&str], &[&str]) = match c {
        TheftFromShop => (
            &["Theft", "Theft from shop", "Shop theft", "Shoplifting"],
            &[
                "Theft - Customer",
                "Walk out",
                "Customer theft",
                "Shoplifting",
                "Stock loss - theft",
            ],
            &["THEFT", "SHOPLIFTER", "LIFTER", "THEFT IN PROGRESS"],
        ),
        ViolenceAgainstStaff => (
            &[
                "Violence",
                "Abuse/threats",
                "Assault on staff",
                "Violence against staff",
            ],
            &[
                "Assault on staff",
                "Verbal abuse",
                "Threats to staff",
                "Colleague assaulted",
            ],
            &["ASSAULT", "AGGRESSIVE MALE", "STAFF ASSAULTED", "ABUSIVE"],
        ),
        Robbery => (
            &["Robbery", "Robbery - knife"],
            &["Robbery", "Armed robbery"],
            &["ROBBERY", "KNIFE ROBBERY"],
        ),
        Burglary => (
            &["Burglary", "Break-in"],
            &["Break in", "Burglary overnight"],
            &["BREAK IN"],
        ),
        CriminalDamage => (
            &["Criminal damage", "Graffiti"],
            &["Damage", "Vandalism"],
            &["DAMAGE", "GRAFFITI"],
        ),
        Fraud => (
            &["Fraud", "Refund fraud"],
            &["Refund fraud", "Counterfeit notes"],
            &["FRAUD", "FAKE NOTES"],
        ),
        Asb => (
            &["ASB", "Anti-social behaviour"],
            &["Nuisance", "ASB - youths"],
            &["YOUTHS ASB", "ASB"],
        ),
        PublicOrder => (
            &["Public order", "Disorder"],
            &["Fighting in store", "Disorder"],
            &["FIGHT", "DISORDER"],
        ),
        Other => (&["Other"], &["Other"], &["INCIDENT"]),
    };
    rng.pick::<&'static str>(match style {
        0 => bcrp,
        1 => retail,
        _ => radio,
    })
}

fn narrative(rng: &mut Rng, inc: &Incident, style: usize) -> String {
    let verb = match inc.category {
        Category::TheftFromShop => format!("took {} and left without paying", inc.goods),
        Category::ViolenceAgainstStaff => {
            "became aggressive and pushed a member of staff when challenged".to_string()
        }
        Category::Robbery => format!("threatened staff with a knife and took {}", inc.goods),
        Category::Burglary => "forced the rear door overnight and took stock".to_string(),
        Category::CriminalDamage => "damaged the front window".to_string(),
        Category::Fraud => "attempted a refund with goods taken from the shelf".to_string(),
        Category::Asb => "group causing nuisance at the entrance".to_string(),
        Category::PublicOrder => "fight broke out near the tills".to_string(),
        Category::Other => "incident reported".to_string(),
    };
    match style {
        0 => format!(
            "Suspect {verb}. {}",
            if rng.chance(0.5) {
                "CCTV available."
            } else {
                "Police informed."
            }
        ),
        _ => format!("Offender {verb}"),
    }
}

/// Writes the BCRP platform's report.
pub fn bcrp(
    rng: &mut Rng,
    noise: Noise,
    inc: &Incident,
    p: &Premises,
    o: Option<&Offender>,
    n: usize,
) -> (FlatRow, Truth) {
    // Some staff enter the time they filed the report, hours later.
    let late = if rng.chance(noise.rate(0.05)) {
        rng.range(60, 8 * 60)
    } else {
        0
    };
    let at = inc.at + Duration::minutes(rng.normal(0.0, 8.0).round() as i64 + late);
    let at = at - Duration::minutes(i64::from(at.minute_of_day() % 5));
    let mut name = match rng.index(4) {
        0 => format!("{} - {}", p.chain.unwrap_or(""), p.name),
        1 => format!("{} {}", p.full_name(), p.town),
        _ => p.full_name(),
    };
    name = maybe_typo(
        rng,
        name.trim_start_matches(" - ").to_string(),
        noise.rate(0.04),
    );
    let postcode = match rng.unit() {
        x if x < noise.rate(0.04) => String::new(),
        x if x < noise.rate(0.08) => typo(rng, &p.postcode),
        x if x < 0.3 => p.postcode.to_lowercase().replace(' ', ""),
        _ => p.postcode.clone(),
    };
    let seen = o.map(|o| witnessed(rng, noise, o));
    let row = FlatRow {
        report_id: String::new(),
        source: "bcrp".into(),
        source_record_id: format!("DISC-{}", 400_000 + n),
        occurred_at: iso(at),
        premises_name: name,
        premises_postcode: postcode,
        offence: {
            let c = recorded_category(rng, noise, inc.category);
            wording(rng, c, 0).into()
        },
        offender_description: seen.map(|o| describe(rng, &o, false)).unwrap_or_default(),
        property_value_gbp: inc
            .value
            .filter(|_| rng.chance(0.7))
            .map(|v| format!("{:.2}", v as f64 / 100.0))
            .unwrap_or_default(),
        staff_injured: if rng.chance(0.8) {
            if inc.injured { "yes" } else { "no" }.into()
        } else {
            String::new()
        },
        narrative: narrative(rng, inc, 0),
        ..FlatRow::default()
    };
    (row, Truth { incident: inc.id })
}

/// Writes the retailer's export line.
pub fn retailer(
    rng: &mut Rng,
    noise: Noise,
    inc: &Incident,
    p: &Premises,
    o: Option<&Offender>,
    n: usize,
) -> (FlatRow, Truth) {
    let date_only = rng.chance(noise.rate(0.55).max(0.55));
    let occurred_at = if date_only {
        let d = inc.at.date();
        // Some exports mix up day and month (US locale on a head-office PC).
        if rng.chance(noise.rate(0.15)) && d.day() <= 12 && d.day() != d.month() {
            chrono::NaiveDate::from_ymd_opt(d.year(), d.day(), d.month())
                .unwrap_or(d)
                .format("%Y-%m-%d")
                .to_string()
        } else {
            d.format("%Y-%m-%d").to_string()
        }
    } else {
        let late = if rng.chance(noise.rate(0.05)) {
            rng.range(60, 6 * 60)
        } else {
            0
        };
        iso(inc.at + Duration::minutes(rng.range(-20, 40) + late))
    };
    let chain = p.chain.unwrap_or("");
    let name = match rng.index(3) {
        0 => format!("{chain} #{:04} {}", p.store_number, p.name),
        1 => format!("{chain} Store {} - {}", p.store_number, p.name),
        _ => format!("{} ({})", p.full_name(), p.store_number),
    };
    let row = FlatRow {
        report_id: String::new(),
        source: "retailer_csv".into(),
        source_record_id: format!("ST{}-{}", p.store_number, 10_000 + n),
        occurred_at,
        premises_name: maybe_typo(rng, name, noise.rate(0.03)),
        premises_postcode: if rng.chance(1.0 - noise.rate(0.4)) {
            p.postcode.clone()
        } else {
            String::new()
        },
        offence: {
            let c = recorded_category(rng, noise, inc.category);
            wording(rng, c, 1).into()
        },
        offender_description: o
            .filter(|_| rng.chance(0.5))
            .map(|o| witnessed(rng, noise, o))
            .map(|o| describe(rng, &o, false))
            .unwrap_or_default(),
        property_value_gbp: inc
            .value
            .map(|v| format!("{:.2}", v as f64 / 100.0))
            .unwrap_or_default(),
        staff_injured: if inc.injured { "Y" } else { "N" }.into(),
        narrative: if rng.chance(0.6) {
            narrative(rng, inc, 1)
        } else {
            String::new()
        },
        ..FlatRow::default()
    };
    (row, Truth { incident: inc.id })
}

/// Writes the radio alert.
pub fn radio(
    rng: &mut Rng,
    noise: Noise,
    inc: &Incident,
    p: &Premises,
    o: Option<&Offender>,
    _n: usize,
) -> (FlatRow, Truth) {
    let at = inc.at + Duration::minutes(rng.range(-4, 15));
    let chain = p.chain.map(|c| c.to_uppercase());
    let branch = p.name.to_uppercase();
    let name = match (chain, rng.index(4)) {
        (Some(c), 0) => c,
        (Some(c), 1) => format!("{branch} {c}"),
        (Some(c), _) => format!("{c} {branch}"),
        (None, _) => branch,
    };
    let name = maybe_typo(rng, name, noise.rate(0.05));
    let desc = o
        .map(|o| witnessed(rng, noise, o))
        .map(|o| describe(rng, &o, true))
        .unwrap_or_default();
    let recorded = recorded_category(rng, noise, inc.category);
    let offence = wording(rng, recorded, 2);
    let row = FlatRow {
        report_id: String::new(),
        source: "radio".into(),
        source_record_id: String::new(),
        occurred_at: iso(at),
        premises_name: name.clone(),
        premises_postcode: if rng.chance(0.05) {
            p.postcode.clone()
        } else {
            String::new()
        },
        offence: offence.into(),
        offender_description: desc.clone(),
        property_value_gbp: String::new(),
        staff_injured: String::new(),
        narrative: format!("ALERT {} {name} {desc} {offence}", at.format("%H:%M")),
        ..FlatRow::default()
    };
    (row, Truth { incident: inc.id })
}

trait MinuteOfDay {
    fn minute_of_day(&self) -> u32;
}

impl MinuteOfDay for NaiveDateTime {
    fn minute_of_day(&self) -> u32 {
        use chrono::Timelike;
        self.hour() * 60 + self.minute()
    }
}
