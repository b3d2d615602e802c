//! The built-in patterns, abbreviations and offence words. Config adds to the tables
//! and may replace the patterns; see the crate README for the full lists.

use bcgw_sdk::schema::Category;

/// The common ShopNet format, e.g.
/// `ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: took razors, made off twd Cabot`:
/// time, premises, gender, age, optional description, one offence word, optional
/// `:: narrative`. Case does not matter.
pub const DEFAULT_PATTERN: &str = r"(?i)^\s*ALERT:?\s+(?P<time>\d{1,2}[:.]?\d{2})\s+(?P<premises>.+?)\s+(?P<gender>M|F|MALE|FEMALE)\s+(?P<age>\d{1,2}'?S?(?:-\d{1,2}'?S?)?|\d{1,2}\+|TEENS?|TEENAGERS?)(?:\s+(?P<description>.+?))?\s+(?P<offence>\S+)(?:\s*::\s*(?P<narrative>.*?))?\s*$";

/// The same without a person, e.g. `ALERT 09:15 SUPERDRUG CASTLE ST ASB :: youths
/// shouting at staff`: time, premises, one offence word, optional `:: narrative`.
pub const DEFAULT_SHORT_PATTERN: &str = r"(?i)^\s*ALERT:?\s+(?P<time>\d{1,2}[:.]?\d{2})\s+(?P<premises>.+?)\s+(?P<offence>\S+)(?:\s*::\s*(?P<narrative>.*?))?\s*$";

/// Radio and police shorthand found in descriptions and narratives, upper case.
///
/// IC codes are the police identity codes for perceived appearance; they are kept
/// because Niche records use them, and the source's sharing agreement decides whether
/// descriptions flow at all.
pub const ABBREVIATIONS: &[(&str, &str)] = &[
    ("S/L", "shoplifter"),
    ("IC1", "white north European appearance (IC1)"),
    ("IC2", "white south European appearance (IC2)"),
    ("IC3", "black appearance (IC3)"),
    ("IC4", "south Asian appearance (IC4)"),
    ("IC5", "east Asian appearance (IC5)"),
    ("IC6", "Arab or north African appearance (IC6)"),
    ("GRP", "group"),
    ("JKT", "jacket"),
    ("TRK", "tracksuit"),
    ("TRKS", "tracksuit"),
    ("NVY", "navy"),
    ("BLK", "black"),
    ("WHT", "white"),
    ("GRY", "grey"),
    ("GRN", "green"),
    ("BRN", "brown"),
    ("HOOD", "hood"),
    ("HOODY", "hooded top"),
    ("HOODIE", "hooded top"),
    ("TRNRS", "trainers"),
    ("JNS", "jeans"),
    ("B/PACK", "backpack"),
    ("M/O", "made off"),
    ("TWD", "towards"),
    ("TWDS", "towards"),
    ("APPROX", "approximately"),
    ("POSS", "possibly"),
    ("VEH", "vehicle"),
    ("SEC", "security"),
    ("STF", "staff"),
    ("MGR", "manager"),
    ("O/S", "outside"),
];

/// Offence words and the schema category each means, upper case.
pub const OFFENCES: &[(&str, Category)] = &[
    ("THEFT", Category::TheftFromShop),
    ("TFS", Category::TheftFromShop),
    ("S/L", Category::TheftFromShop),
    ("SHOPLIFT", Category::TheftFromShop),
    ("SHOPLIFTING", Category::TheftFromShop),
    ("SHOPLIFTER", Category::TheftFromShop),
    ("LIFTING", Category::TheftFromShop),
    ("STEALING", Category::TheftFromShop),
    ("WALKOUT", Category::TheftFromShop),
    ("ASSAULT", Category::ViolenceAgainstStaff),
    ("ASSLT", Category::ViolenceAgainstStaff),
    ("VIOLENCE", Category::ViolenceAgainstStaff),
    ("ABUSE", Category::ViolenceAgainstStaff),
    ("ABUSIVE", Category::ViolenceAgainstStaff),
    ("THREATS", Category::ViolenceAgainstStaff),
    ("THREAT", Category::ViolenceAgainstStaff),
    ("SPITTING", Category::ViolenceAgainstStaff),
    ("AGGRO", Category::ViolenceAgainstStaff),
    ("ROBBERY", Category::Robbery),
    ("ROB", Category::Robbery),
    ("BURGLARY", Category::Burglary),
    ("BURG", Category::Burglary),
    ("BREAKIN", Category::Burglary),
    ("DAMAGE", Category::CriminalDamage),
    ("CD", Category::CriminalDamage),
    ("GRAFFITI", Category::CriminalDamage),
    ("VANDALISM", Category::CriminalDamage),
    ("FRAUD", Category::Fraud),
    ("SCAM", Category::Fraud),
    ("COUNTERFEIT", Category::Fraud),
    ("ASB", Category::Asb),
    ("NUISANCE", Category::Asb),
    ("BEGGING", Category::Asb),
    ("DRUNK", Category::Asb),
    ("DISORDER", Category::PublicOrder),
    ("FIGHT", Category::PublicOrder),
    ("FIGHTING", Category::PublicOrder),
    ("AFFRAY", Category::PublicOrder),
];
