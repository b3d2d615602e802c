//! The words the vocabulary reader knows besides offences: how radio operators
//! describe a person and say where they went. Upper case; a line's words are
//! compared in upper case without trailing `,;:.!` or brackets.
//!
//! Some words are *strong*: on their own they start a description (`HOODIE`,
//! `NORTHFACE`). Others are *weak* (`RED`, `CAP`, `NIKE`): they count only inside a
//! description or beside other descriptive words, because shops and pubs are called
//! `RED LION`, `THE HAT SHOP` or `NIKE`. See the crate README for the rules.

/// Gender words (`parse_gender` reads them).
pub const GENDERS: &[&str] = &["M", "F", "MALE", "FEMALE", "MALES", "FEMALES"];

/// Words that make a following decade more precise: `EARLY 20S`, `MID 30S`, `LATE 40S`.
pub const AGE_QUALIFIERS: &[&str] = &["EARLY", "MID", "LATE"];

/// Police identity codes (perceived appearance).
pub const IC_CODES: &[&str] = &["IC1", "IC2", "IC3", "IC4", "IC5", "IC6"];

/// Words that say a group is described (with `3X`, `X3`: counts).
pub const GROUP_WORDS: &[&str] = &["GRP", "GROUP"];

/// Colours and their radio shorthand (weak).
pub const COLOURS: &[&str] = &[
    "BLACK", "BLK", "WHITE", "WHT", "GREY", "GRAY", "GRY", "BLUE", "BLU", "L/BLUE", "D/BLUE",
    "NAVY", "NVY", "RED", "GREEN", "GRN", "YELLOW", "PINK", "PURPLE", "ORANGE", "BROWN", "BRN",
    "BEIGE", "CREAM", "KHAKI", "MAROON", "BURGUNDY", "CAMO", "TAN", "GOLD", "SILVER",
];

/// Words that qualify a colour (weak): `LT BLUE`, `DARK GREEN`.
pub const COLOUR_MODIFIERS: &[&str] = &["LT", "DK", "LIGHT", "DARK", "BRIGHT", "PALE"];

/// Build, hair and other appearance words (weak).
pub const BUILDS: &[&str] = &[
    "SLIM", "THIN", "SKINNY", "STOCKY", "LARGE", "BIG", "HEAVY", "HEAVYSET", "PLUMP", "MEDIUM",
    "MED", "TALL", "SHORT", "SMALL", "FAT", "CHUNKY", "MUSCULAR", "BALD", "BEARD", "BEARDED",
    "STUBBLE", "GINGER", "BLOND", "BLONDE", "TANNED", "SCRUFFY",
];

/// Clothing that on its own starts a description.
pub const CLOTHING: &[&str] = &[
    "HOODIE",
    "HOODY",
    "HOODED",
    "JKT",
    "JACKET",
    "PUFFA",
    "PUFFER",
    "PARKA",
    "ANORAK",
    "GILET",
    "JUMPER",
    "SWEATSHIRT",
    "T-SHIRT",
    "TSHIRT",
    "TRACKIES",
    "TRACKSUIT",
    "TRACKY",
    "TRK",
    "TRKS",
    "JOGS",
    "JOGGERS",
    "BTMS",
    "JEANS",
    "JNS",
    "LEGGINGS",
    "TRAINERS",
    "TRNRS",
    "BEANIE",
    "BALACLAVA",
    "SNOOD",
    "B/CAP",
    "B/PACK",
    "HI-VIS",
    "HIVIS",
];

/// Clothing that counts only beside a colour, brand or other description (weak):
/// these words also occur in shop and pub names.
pub const WEAK_CLOTHING: &[&str] = &[
    "TOP", "SHIRT", "POLO", "FLEECE", "COAT", "HAT", "CAP", "HOOD", "MASK", "SCARF", "GLOVES",
    "BOTTOMS", "TROUSERS", "SHORTS", "SKIRT", "DRESS", "SHOES", "BAG", "BACKPACK", "RUCKSACK",
    "UNIFORM", "SUIT",
];

/// Brands in radio shorthand that on their own start a description.
pub const BRANDS: &[&str] = &["NORTHFACE", "TNF", "STONEY"];

/// Brands that are also shop names, counted only beside clothing or colour (weak).
pub const WEAK_BRANDS: &[&str] = &[
    "NIKE", "ADIDAS", "PUMA", "LACOSTE", "MONCLER", "TRAPSTAR", "CORTEIZ", "BERGHAUS", "FILA",
    "KAPPA", "UMBRO", "ELLESSE",
];

/// Phrases that start a movement (`DECAMPED TWDS ARNDALE`); the place runs to the
/// next offence, time, separator or person word. Movements go to the narrative.
pub const MOVEMENTS: &[&str] = &[
    "DECAMPED",
    "M/O",
    "MADE OFF",
    "RAN OFF",
    "WALKED OFF",
    "HEADING",
    "HEADED",
    "FLED",
    "LAST SEEN",
    "TWD",
    "TWDS",
    "TOWARDS",
];

/// Words before a place, not a premises: a known premises right after one of them
/// is where someone went (`DECAMPED TWDS TESCO`), not where the alert is from.
pub const PLACE_WORDS: &[&str] = &["TWD", "TWDS", "TOWARDS", "TO", "INTO", "FROM", "VIA"];

/// Words that may stand alone between the parts of a line and are dropped.
pub const FILLERS: &[&str] = &[
    "AT", "@", "AND", "&", "WITH", "BY", "NOW", "THEN", "ALSO", "IN", "ON", "OF", "THE", "A", "X",
    "RE", "PLS", "PLEASE",
];

/// Words dropped from the start of a premises: `TFS AT BOOTS`, `ASB O/S GREGGS`.
pub const PREMISES_LEADS: &[&str] = &["AT", "@", "O/S", "OUTSIDE"];

/// Whether `table` holds `key` (both upper case).
pub(crate) fn has(table: &[&str], key: &str) -> bool {
    table.contains(&key)
}
