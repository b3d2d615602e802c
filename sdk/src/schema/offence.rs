//! Offence wording to schema categories: what "shoplifting", "walk out", "punched
//! security", "SHOPLIFTER", "refund scam" mean in the schema's terms.

use super::Category;

/// Keywords per category, most serious first: "robbery with assault" is a robbery,
/// "attempted theft" a theft. A keyword matches a whole word or a word's start
/// (`shoplift` matches `shoplifter`, `shoplifting`).
const RULES: &[(Category, &[&str])] = &[
    (
        Category::Robbery,
        &[
            "robbery",
            "robbed",
            "rob",
            "mugged",
            "mugging",
            "knifepoint",
            "gunpoint",
            "armed",
            "hold up",
            "holdup",
            "knife",
            "weapon",
            "snatch",
            "snatched",
        ],
    ),
    (
        Category::Burglary,
        &[
            "burglary",
            "burglar",
            "burgled",
            "break in",
            "breakin",
            "broke in",
            "broken into",
            "forced entry",
            "ram raid",
            "ramraid",
        ],
    ),
    (
        Category::ViolenceAgainstStaff,
        &[
            "assault",
            "assaulted",
            "attack",
            "attacked",
            "punch",
            "punched",
            "hit",
            "kicked",
            "kick",
            "pushed",
            "push",
            "shoved",
            "spat",
            "spit",
            "bitten",
            "headbutt",
            "violence",
            "violent",
            "threat",
            "threaten",
            "threatened",
            "threatening",
            "abuse",
            "abusive",
            "abused",
            "verbal",
            "intimidat",
            "harass",
            "racial",
            "hate",
            "aggressive",
            "aggression",
            "aggro",
            "asslt",
            "aslt",
            "injur",
            "staff assault",
        ],
    ),
    (
        Category::Fraud,
        &[
            "fraud",
            "fraudulent",
            "scam",
            "refund",
            "counterfeit",
            "fake note",
            "fake",
            "dodgy",
            "forged",
            "stolen card",
            "card fraud",
            "chargeback",
            "voucher",
        ],
    ),
    (
        Category::CriminalDamage,
        &[
            "damage",
            "damaged",
            "cd",
            "criminal damage",
            "vandal",
            "graffiti",
            "smashed",
            "broken window",
            "smash",
            "arson",
            "fire",
        ],
    ),
    (
        Category::PublicOrder,
        &[
            "public order",
            "disorder",
            "affray",
            "fight",
            "fighting",
            "brawl",
            "drunk and disorderly",
        ],
    ),
    (
        Category::Asb,
        &[
            "asb",
            "anti social",
            "antisocial",
            "nuisance",
            "begging",
            "beggar",
            "drunk",
            "loitering",
            "youths",
            "rowdy",
            "urinat",
            "drug",
            "trespass",
        ],
    ),
    (
        Category::TheftFromShop,
        &[
            "theft",
            "tfs",
            "mowp",
            "thief",
            "thieves",
            "shoplift",
            "lifting",
            "lifter",
            "steal",
            "stole",
            "stolen",
            "took",
            "taken",
            "walk out",
            "walkout",
            "walked out",
            "concealed",
            "conceal",
            "pinched",
            "nicked",
            "swipe",
            "grab",
            "bilking",
            "drive off",
            "making off",
            "make off",
            "loss",
        ],
    ),
];

/// Phrases that would otherwise land in a more serious category by one word:
/// "refund abuse" is a fraud, not abuse of staff.
const OVERRIDES: &[(&str, Category)] = &[
    ("refund abuse", Category::Fraud),
    ("refund abuser", Category::Fraud),
    ("abuse of refund", Category::Fraud),
    ("returns abuse", Category::Fraud),
];

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn matches(words: &[String], keyword: &str) -> bool {
    let parts: Vec<&str> = keyword.split(' ').collect();
    if parts.len() == 1 {
        // Short keywords must be whole words ("hit" is not "white").
        return words.iter().any(|w| {
            if keyword.len() <= 4 {
                w == keyword
            } else {
                w.starts_with(keyword)
            }
        });
    }
    words
        .windows(parts.len())
        .any(|win| win.iter().zip(&parts).all(|(w, p)| w.starts_with(p)))
}

/// The schema category for offence wording, or `None` when no keyword matches
/// (the caller decides between `other` and "unknown").
pub fn classify_offence(text: &str) -> Option<Category> {
    let words = words_of(text);
    if words.is_empty() {
        return None;
    }
    if let Some(c) = Category::from_schema_name(text) {
        return Some(c);
    }
    if let Some((_, c)) = OVERRIDES.iter().find(|(k, _)| matches(&words, k)) {
        return Some(*c);
    }
    RULES
        .iter()
        .find(|(_, keywords)| keywords.iter().any(|k| matches(&words, k)))
        .map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyday_wording_maps_to_categories() {
        use Category::*;
        for (text, want) in [
            ("Shoplifting", TheftFromShop),
            ("SHOPLIFTER", TheftFromShop),
            ("Theft - Customer", TheftFromShop),
            ("Walk out", TheftFromShop),
            ("Assault on staff", ViolenceAgainstStaff),
            ("Verbal abuse", ViolenceAgainstStaff),
            ("punched security officer", ViolenceAgainstStaff),
            ("Robbery with knife", Robbery),
            ("Attempted theft", TheftFromShop),
            ("Break in overnight", Burglary),
            ("Refund fraud", Fraud),
            ("Graffiti on shutters", CriminalDamage),
            ("ASB - youths", Asb),
            ("theft-from-shop", TheftFromShop),
            ("TFS", TheftFromShop),
            ("MOWP - fuel", TheftFromShop),
            ("Till snatch", Robbery),
            ("Aggressive customer", ViolenceAgainstStaff),
            ("Trespass after ban", Asb),
            ("REFUND ABUSE", Fraud),
            ("ASSLT ON STAFF", ViolenceAgainstStaff),
            ("AGGRO MALE", ViolenceAgainstStaff),
            ("CD", CriminalDamage),
            ("DODGY NOTES", Fraud),
        ] {
            assert_eq!(classify_offence(text), Some(want), "{text}");
        }
        assert_eq!(classify_offence("white male"), None);
        assert_eq!(classify_offence(""), None);
    }
}
