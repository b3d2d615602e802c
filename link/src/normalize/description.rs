//! Offender descriptions: gender, age range, appearance, clothing and colour
//! words, including the abbreviations radio users type (`M 30S BLU HOODIE GRY TRK`).
//!
//! The parsed form is for comparison only; it is never written out.

use super::text::tokens;
use rustc_hash::FxHashMap;
use std::sync::LazyLock;

/// A description reduced to comparable parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description {
    /// `Some('M')` or `Some('F')` when the description says (and does not contradict itself).
    pub gender: Option<char>,
    /// Age range in years.
    pub age: Option<(u8, u8)>,
    /// Canonical colour, clothing, appearance and colour+item tokens, sorted, deduplicated.
    pub traits: Vec<String>,
}

impl Description {
    /// Whether nothing comparable was found.
    pub fn is_empty(&self) -> bool {
        self.gender.is_none() && self.age.is_none() && self.traits.is_empty()
    }
}

const COLOURS: &[(&str, &[&str])] = &[
    ("black", &["black", "blk", "blck", "bk"]),
    ("white", &["white", "wht", "wte", "wh"]),
    ("grey", &["grey", "gray", "gry", "gy"]),
    ("blue", &["blue", "blu", "bl", "navy", "nvy", "denim"]),
    ("red", &["red", "rd", "maroon", "burgundy"]),
    (
        "green",
        &[
            "green",
            "grn",
            "gr",
            "khaki",
            "khk",
            "olive",
            "camo",
            "camouflage",
        ],
    ),
    ("brown", &["brown", "brn", "beige", "tan"]),
    ("yellow", &["yellow", "yel", "ylw", "mustard"]),
    ("orange", &["orange", "orng", "org"]),
    ("pink", &["pink", "pnk"]),
    ("purple", &["purple", "purp", "prpl", "lilac"]),
];

const ITEMS: &[(&str, &[&str])] = &[
    (
        "hoodie",
        &[
            "hoodie", "hoody", "hoodies", "hood", "hooded", "hdy", "hoodi",
        ],
    ),
    (
        "tracksuit",
        &[
            "tracksuit",
            "trackies",
            "trackie",
            "trk",
            "trks",
            "trakies",
            "joggers",
            "jogging",
            "sweatpants",
            "tracky",
            "bottoms",
        ],
    ),
    (
        "jacket",
        &[
            "jacket", "jkt", "coat", "parka", "puffer", "anorak", "raincoat", "gilet", "bomber",
            "fleece", "mac",
        ],
    ),
    ("jeans", &["jeans", "jns", "denims"]),
    (
        "cap",
        &["cap", "baseball", "hat", "beanie", "bobble", "hood up"],
    ),
    (
        "trainers",
        &[
            "trainers", "trnrs", "sneakers", "shoes", "footwear", "boots", "sliders", "crocs",
        ],
    ),
    (
        "bag",
        &["bag", "rucksack", "backpack", "holdall", "carrier", "bags"],
    ),
    (
        "mask",
        &["mask", "balaclava", "snood", "scarf", "face", "covered"],
    ),
    (
        "top",
        &[
            "top",
            "tshirt",
            "shirt",
            "jumper",
            "sweatshirt",
            "tee",
            "jersey",
            "polo",
            "sweater",
            "cardigan",
            "vest",
        ],
    ),
    (
        "trousers",
        &["trousers", "chinos", "pants", "leggings", "cargos", "cargo"],
    ),
    ("hivis", &["hivis", "hiviz", "vis", "viz", "fluorescent"]),
    ("gloves", &["gloves", "glove"]),
    ("shorts", &["shorts"]),
    ("skirt", &["skirt", "dress"]),
    ("glasses", &["glasses", "specs", "sunglasses"]),
    (
        "beard",
        &["beard", "bearded", "stubble", "goatee", "moustache"],
    ),
    ("tattoo", &["tattoo", "tattoos", "tattooed", "tats"]),
    ("bike", &["bike", "bicycle", "cycle", "scooter", "moped"]),
];

/// Police identity codes (IC1-IC6) and their plain-word equivalents; used only to
/// compare two descriptions, never stored or printed.
const APPEARANCE: &[(&str, &[&str])] = &[
    ("ic1", &["ic1", "caucasian"]),
    ("ic2", &["ic2", "mediterranean"]),
    ("ic3", &["ic3", "afro", "caribbean"]),
    ("ic4", &["ic4", "asian", "indian", "pakistani"]),
    ("ic5", &["ic5", "oriental", "chinese"]),
    ("ic6", &["ic6", "arab", "arabic"]),
    ("bald", &["bald", "shaved", "skinhead", "balding"]),
    ("blonde", &["blonde", "blond"]),
    ("ginger", &["ginger", "redhead"]),
    ("dreadlocks", &["dreadlocks", "dreads", "locs"]),
    ("ponytail", &["ponytail"]),
];

/// Radio shorthand that packs appearance, gender and sometimes age into one
/// token: `ic1m`, `ic3f`, `wm` (white male), `bf`; returns the appearance code
/// and the gender.
fn packed_identity(word: &str) -> Option<(Option<&'static str>, char)> {
    let (code, g) = word.split_at(word.len().checked_sub(1)?);
    let gender = match g {
        "m" => 'M',
        "f" => 'F',
        _ => return None,
    };
    let appearance = match code {
        "ic1" | "w" => Some("ic1"),
        "ic2" => Some("ic2"),
        "ic3" | "b" => Some("ic3"),
        "ic4" | "a" => Some("ic4"),
        "ic5" => Some("ic5"),
        "ic6" => Some("ic6"),
        _ => return None,
    };
    Some((appearance, gender))
}

const MALE: &[&str] = &[
    "m", "male", "man", "men", "boy", "boys", "lad", "lads", "gent", "he", "him", "his", "bloke",
    "youth",
];
const FEMALE: &[&str] = &[
    "f", "female", "woman", "women", "girl", "girls", "lady", "she", "her", "fem",
];

/// A table of canonical words and their forms, as a map from form to canonical
/// word (the first row naming a form wins, as a search of the table would
/// find): every word of every description is looked up in several tables.
type Forms = FxHashMap<&'static str, &'static str>;

fn forms_of(table: &'static [(&'static str, &'static [&'static str])]) -> Forms {
    let mut map = Forms::default();
    for (canonical, forms) in table {
        for form in *forms {
            map.entry(*form).or_insert(*canonical);
        }
    }
    map
}

static COLOUR_FORMS: LazyLock<Forms> = LazyLock::new(|| forms_of(COLOURS));
static ITEM_FORMS: LazyLock<Forms> = LazyLock::new(|| forms_of(ITEMS));
static APPEARANCE_FORMS: LazyLock<Forms> = LazyLock::new(|| forms_of(APPEARANCE));

fn lookup(forms: &Forms, word: &str) -> Option<&'static str> {
    forms.get(word).copied()
}

fn decade(word: &str) -> Option<(u8, u8)> {
    let digits = word.strip_suffix('s')?;
    let d: u8 = digits.parse().ok()?;
    (d.is_multiple_of(10) && (10..=90).contains(&d)).then_some((d, d + 9))
}

fn age_of(words: &[String], i: usize) -> Option<(u8, u8)> {
    // "35ish", "20yo", "40yrs", "aged 30"
    let w = ["ish", "yrs", "yr", "yo"]
        .iter()
        .fold(words[i].as_str(), |w, suffix| w.trim_end_matches(suffix));
    let spelled = match w {
        "twenties" => Some(20),
        "thirties" => Some(30),
        "forties" => Some(40),
        "fifties" => Some(50),
        "sixties" => Some(60),
        "seventies" => Some(70),
        _ => None,
    };
    if let Some(d) = spelled {
        return Some((d, d + 9));
    }
    if let Some(r) = decade(w) {
        return Some(r);
    }
    if matches!(
        w,
        "teen"
            | "teens"
            | "teenage"
            | "teenager"
            | "teenagers"
            | "youths"
            | "juvenile"
            | "juveniles"
    ) {
        return Some((13, 19));
    }
    if matches!(w, "elderly" | "pensioner" | "oap") {
        return Some((65, 90));
    }
    if let Some((a, b)) = w.split_once('-').or_else(|| w.split_once("to")) {
        let (a, b): (u8, u8) = (a.parse().ok()?, b.parse().ok()?);
        return (a <= b && b <= 99).then_some((a, b));
    }
    let n: u8 = w.parse().ok()?;
    if !(12..=90).contains(&n) {
        return None;
    }
    // "25-30" arrives as two numbers after tokenising.
    if let Some(next) = words.get(i + 1).and_then(|x| x.parse::<u8>().ok())
        && next > n
        && next <= 99
    {
        return Some((n, next));
    }
    Some((n.saturating_sub(3), n.saturating_add(3)))
}

/// Parses a description.
pub fn parse(raw: &str) -> Description {
    let words = tokens(raw);
    let (mut male, mut female) = (false, false);
    let mut age = None;
    let mut traits = Vec::new();
    let mut last_colour: Option<(&str, usize)> = None;
    for (i, w) in words.iter().enumerate() {
        if MALE.contains(&w.as_str()) {
            male = true;
        } else if FEMALE.contains(&w.as_str()) {
            female = true;
        }
        if age.is_none() {
            age = age_of(&words, i);
        }
        if let Some(c) = lookup(&COLOUR_FORMS, w) {
            traits.push(c.to_string());
            last_colour = Some((c, i));
        } else if let Some(item) = lookup(&ITEM_FORMS, w) {
            traits.push(item.to_string());
            // "blue hoodie", "blu hooded top": a colour within two words before an item.
            if let Some((c, at)) = last_colour
                && i - at <= 2
            {
                traits.push(format!("{c}-{item}"));
            }
        } else if let Some(a) = lookup(&APPEARANCE_FORMS, w) {
            traits.push(a.to_string());
        } else if let Some((a, g)) = packed_identity(w) {
            traits.extend(a.map(str::to_string));
            if g == 'M' {
                male = true;
            } else {
                female = true;
            }
        }
    }
    traits.sort();
    traits.dedup();
    Description {
        gender: match (male, female) {
            (true, false) => Some('M'),
            (false, true) => Some('F'),
            _ => None,
        },
        age,
        traits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radio_shorthand_and_prose_agree() {
        let radio = parse("M 30S BLU HOODIE GRY TRK");
        let prose = parse("White male in his thirties, 35ish, blue hooded top and grey trackies");
        assert_eq!(radio.gender, Some('M'));
        assert_eq!(radio.age, Some((30, 39)));
        assert!(radio.traits.contains(&"blue-hoodie".to_string()));
        assert!(radio.traits.contains(&"grey-tracksuit".to_string()));
        assert_eq!(prose.gender, Some('M'));
        assert_eq!(prose.age, Some((30, 39)));
        assert!(prose.traits.contains(&"blue-hoodie".to_string()));
        assert!(prose.traits.contains(&"grey-tracksuit".to_string()));
    }

    #[test]
    fn ages_and_genders() {
        assert_eq!(parse("F 20s red coat").gender, Some('F'));
        assert_eq!(parse("teenager").age, Some((13, 19)));
        assert_eq!(parse("aged 50").age, Some((47, 53)));
        assert_eq!(parse("man and woman").gender, None);
        assert_eq!(parse("25-30 female").age, Some((25, 30)));
        assert!(parse("").is_empty());
        assert_eq!(parse("20yo lad").age, Some((17, 23)));
    }

    #[test]
    fn packed_radio_identity_codes() {
        let d = parse("IC1M 30S BALD HI-VIS");
        assert_eq!(d.gender, Some('M'));
        assert_eq!(d.age, Some((30, 39)));
        for t in ["ic1", "bald", "hivis"] {
            assert!(d.traits.contains(&t.to_string()), "{t} in {:?}", d.traits);
        }
        let d = parse("WF blonde ponytail");
        assert_eq!(d.gender, Some('F'));
        assert!(d.traits.contains(&"ic1".to_string()));
        // Not every word ending in m or f is a code.
        assert_eq!(parse("from the farm").gender, None);
    }
}
