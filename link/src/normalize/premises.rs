//! Premises names: case, punctuation, store numbers, chain names and their
//! spellings, generic and format words, street abbreviations.

use super::text::{same_word, tokens};
use std::sync::LazyLock;

/// Retail chains seen in UK business crime, with the spellings exports use. The
/// first entry of each row is the canonical name.
const CHAINS: &[&[&str]] = &[
    &["tesco", "tescos"],
    &["sainsburys", "sainsbury", "sainsburies"],
    &["asda"],
    &["morrisons", "morrison", "morrisions", "morrissons"],
    &["aldi"],
    &["lidl"],
    &["waitrose"],
    &["coop", "co op", "cooperative", "co operative", "c op"],
    &["iceland"],
    &[
        "marks spencer",
        "m s",
        "ms",
        "marks and spencer",
        "marks",
        "m and s",
        "mands",
    ],
    &["boots", "boots the chemist", "boots chemist"],
    &["superdrug", "sdrug", "super drug"],
    &["primark"],
    &["tkmaxx", "tk maxx", "tkmax", "tk max"],
    &["next"],
    &["jd", "jd sports", "jdsports"],
    &["sportsdirect", "sports direct"],
    &["wilko", "wilkos", "wilkinsons"],
    &["bm", "b m", "b and m"],
    &["poundland", "p land", "pound land"],
    &["homebargains", "home bargains", "h bargains"],
    &["greggs"],
    &["costa", "costa coffee"],
    &["whsmith", "wh smith", "smiths", "w h smith"],
    &["currys", "curries", "currys pc world"],
    &["argos"],
    &["hollandbarrett", "holland barrett", "holland and barrett"],
    &["lloydspharmacy", "lloyds pharmacy"],
    &["spar"],
    &["londis"],
    &["nisa", "nisa local"],
    &["onestop", "one stop"],
    &["farmfoods"],
    &["cardfactory", "card factory"],
    &["hm", "h m"],
    &["newlook", "new look"],
    &["riverisland", "river island"],
    &["matalan"],
    &["footlocker", "foot locker"],
    &["schuh"],
    &["hmv"],
    &["waterstones"],
    &["specsavers"],
    &["pandora"],
    &["ernestjones", "ernest jones"],
    &["hsamuel", "h samuel"],
    &["mcdonalds", "mcdonald", "maccies"],
    &["costcutter", "cost cutter"],
    &["premier", "premier stores"],
    &["budgens"],
    &["mccolls", "mccoll", "mc colls"],
    &["heronfoods", "heron foods", "heron"],
    &["bestone", "best one", "best 1"],
    &["happyshopper", "happy shopper"],
    &["therange", "the range"],
    &["dunelm"],
    &["halfords"],
    &["robertdyas", "robert dyas"],
    &["petsathome", "pets at home"],
    &["screwfix"],
    &["toolstation"],
    &["bq", "b q", "b and q"],
    &["wickes"],
    &["savers"],
    &["peacocks"],
    &["vodafone"],
    &["mountainwarehouse", "mountain warehouse"],
];

/// Words that say nothing about which premises it is.
const GENERIC: &[&str] = &[
    "the", "ltd", "limited", "plc", "store", "stores", "shop", "branch", "uk", "and", "of", "no",
    "unit", "retail", "outlet", "plaza",
];

/// Store-format words: they help a little but are often left out.
pub const FORMAT_WORDS: &[&str] = &[
    "express",
    "extra",
    "metro",
    "local",
    "superstore",
    "supermarket",
    "megastore",
    "petrol",
    "central",
    "exp",
    "xpress",
    "simply",
    "food",
    "foods",
    "sf",
    "daily",
    "little",
    "convenience",
    "foodhall",
];

/// Street abbreviations and their full forms.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("st", "street"),
    ("rd", "road"),
    ("ave", "avenue"),
    ("sq", "square"),
    ("ctr", "centre"),
    ("cntr", "centre"),
    ("center", "centre"),
    ("shopping", "centre"),
    ("nth", "north"),
    ("sth", "south"),
    ("hse", "house"),
    ("pk", "park"),
    ("ln", "lane"),
];

/// A premises name reduced to what identifies the premises.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PremisesName {
    /// The canonical chain, if the name contains one.
    pub chain: Option<&'static str>,
    /// The other words, normalised (branch, street, locality), in order.
    pub words: Vec<String>,
}

impl PremisesName {
    /// The name as one normalised string, for exact comparison and display.
    pub fn key(&self) -> String {
        let mut parts: Vec<&str> = self.chain.into_iter().collect();
        parts.extend(self.words.iter().map(String::as_str));
        parts.join(" ")
    }

    /// Whether nothing usable is left.
    pub fn is_empty(&self) -> bool {
        self.chain.is_none() && self.words.is_empty()
    }
}

/// A chain spelling as the search compares it.
struct Spelling {
    /// The chain's canonical name.
    canonical: &'static str,
    /// The spelling without its spaces.
    compact: String,
    /// Its letter counts (see [`letter_counts`]).
    counts: LetterCounts,
}

/// Every chain spelling, in the order of [`CHAINS`] (the first that matches wins).
/// Made once: the search below runs for every window of every name.
static SPELLINGS: LazyLock<Vec<Spelling>> = LazyLock::new(|| {
    CHAINS
        .iter()
        .flat_map(|row| {
            row.iter().map(|s| {
                let compact = s.replace(' ', "");
                Spelling {
                    canonical: row[0],
                    counts: letter_counts(&compact),
                    compact,
                }
            })
        })
        .collect()
});

/// How often each byte occurs in a word, bytes folded into 32 buckets.
type LetterCounts = [u8; 32];

fn letter_counts(w: &str) -> LetterCounts {
    let mut counts = [0u8; 32];
    for b in w.bytes() {
        let c = &mut counts[usize::from(b & 31)];
        *c = c.saturating_add(1);
    }
    counts
}

/// A lower bound on twice the edit distance of two words from their letter
/// counts: an insertion or deletion changes one count by one, a substitution two,
/// a transposition none (and folding or saturating counts only lowers the sum).
/// Far cheaper than the distance itself, so most spellings are ruled out by it.
fn count_difference(a: &LetterCounts, b: &LetterCounts) -> u32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .sum()
}

fn find_chain(words: &[String]) -> Option<(&'static str, usize, usize)> {
    // Windows of three, two, then one word, joined without spaces and compared with
    // each spelling without spaces: "card fatcory" is "cardfactory" with a typo.
    let mut joined = String::new();
    for len in (1..=3).rev() {
        for start in 0..words.len().saturating_sub(len - 1) {
            joined.clear();
            words[start..start + len]
                .iter()
                .for_each(|w| joined.push_str(w));
            let counts = letter_counts(&joined);
            if let Some(s) = SPELLINGS
                .iter()
                .find(|s| spelling_matches(&joined, &counts, s))
            {
                return Some((s.canonical, start, len));
            }
        }
    }
    None
}

/// Everyday words a typo away from a chain's name ("books" is "boots" with one
/// letter changed): never read as the chain.
const NOT_CHAINS: &[&str] = &["books", "boats", "roots", "shoots", "hoots", "boot", "nest"];

/// Whether a window of a name is a chain spelling. Short spellings (ms, hm, bm,
/// jd) must match exactly; four letters allow a swapped pair ("lild", "ldil" for
/// "lidl"); longer ones a typo ([`same_word`]).
fn spelling_matches(joined: &str, counts: &LetterCounts, s: &Spelling) -> bool {
    let compact = s.compact.as_str();
    if joined != compact && NOT_CHAINS.contains(&joined) {
        return false;
    }
    // Neither a typo (at most two edits) nor a swap bridges a larger gap in length
    // or letters: the cheap tests first.
    if joined.len().abs_diff(compact.len()) > 2 || count_difference(counts, &s.counts) > 4 {
        return false;
    }
    joined == compact
        || (compact.len() >= 5 && same_word(joined, compact))
        || (compact.len() == 4 && adjacent_swap(joined, compact))
}

/// Whether `a` is `b` with one pair of neighbouring letters swapped.
fn adjacent_swap(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut diff = (0..a.len()).filter(|&i| a[i] != b[i]);
    match (diff.next(), diff.next(), diff.next()) {
        (Some(i), Some(j), None) => j == i + 1 && a[i] == b[j] && a[j] == b[i],
        _ => false,
    }
}

/// Normalises a premises name: drops punctuation, store numbers and generic words,
/// expands street abbreviations, and recognises the chain in its usual spellings.
pub fn normalise(raw: &str) -> PremisesName {
    let mut words: Vec<String> = tokens(raw)
        .into_iter()
        // Store numbers ("#0412", "store 412", "unit 3b") identify nothing across systems.
        .filter(|t| !t.chars().any(|c| c.is_ascii_digit()))
        .map(|t| {
            ABBREVIATIONS
                .iter()
                .find(|(short, _)| *short == t)
                .map_or(t.clone(), |(_, long)| long.to_string())
        })
        .collect();
    let chain = find_chain(&words).map(|(name, start, len)| {
        words.drain(start..start + len);
        name
    });
    words.retain(|w| !GENERIC.contains(&w.as_str()));
    words.dedup();
    PremisesName { chain, words }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_store_numbers_and_generic_words() {
        let a = normalise("Boots #0412 Broadmead");
        assert_eq!(
            (a.chain, a.words.clone()),
            (Some("boots"), vec!["broadmead".to_string()])
        );
        assert_eq!(normalise("BOOTS BROADMEAD").key(), "boots broadmead");
        assert_eq!(
            normalise("Boots the Chemist, Broadmead").key(),
            "boots broadmead"
        );
        assert_eq!(
            normalise("Marks & Spencer Cabot Circus").key(),
            "marks spencer cabot circus"
        );
        assert_eq!(normalise("M&S Cabot Circus").chain, Some("marks spencer"));
        assert_eq!(
            normalise("Sainsbury's Local, Queens Rd").key(),
            "sainsburys local queens road"
        );
        assert_eq!(normalise("Sainsbrys Queens Road").chain, Some("sainsburys"));
        assert_eq!(normalise("The Co-op Store No. 7").key(), "coop");
        assert_eq!(
            normalise("Harbourside Pharmacy").key(),
            "harbourside pharmacy"
        );
        assert!(normalise("#12").is_empty());
        assert_eq!(normalise("CARD FATCORY").chain, Some("cardfactory"));
        assert_eq!(normalise("HME BARGAINS").chain, Some("homebargains"));
        assert_eq!(normalise("Gloucester Road Books").chain, None);
        for (raw, chain) in [
            ("M AND S COMMERCIAL ST", "marks spencer"),
            ("SDRUG", "superdrug"),
            ("P/LAND", "poundland"),
            ("H/BARGAINS", "homebargains"),
            ("LILD", "lidl"),
            ("Ldil Eccles", "lidl"),
            ("C-op", "coop"),
        ] {
            assert_eq!(normalise(raw).chain, Some(chain), "{raw}");
        }
        // The letter-count test never rules out a spelling a typo away.
        for (a, b) in [
            ("sainsbrys", "sainsburys"),
            ("cardfatcory", "cardfactory"),
            ("poundlnad", "poundland"),
            ("hmebargains", "homebargains"),
            ("superdrg", "superdrug"),
        ] {
            let bound = count_difference(&letter_counts(a), &letter_counts(b));
            let distance = crate::normalize::text::edit_distance(a, b, 9) as u32;
            assert!(bound <= 2 * distance, "{a} {b}");
        }
        // Format words are kept apart from the branch: "TESCO EXP" names no branch.
        assert_eq!(normalise("TESCO EXP").words, vec!["exp".to_string()]);
    }
}
