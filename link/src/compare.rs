//! Comparing two reports feature by feature. Each comparison lands on a discrete
//! agreement level; the model turns levels into evidence (Fellegi–Sunter).

use crate::features::{Channel, Features, swapped};
use crate::vocab::{Vocab, WordId};
use bcgw_sdk::schema::Category;

/// The compared features, in the order of a [`Levels`] vector.
pub const FEATURES: [&str; 8] = [
    "time",
    "premises",
    "postcode",
    "category",
    "description",
    "value",
    "channels",
    "member",
];

/// Number of agreement levels of each feature.
pub const LEVELS: [usize; 8] = [9, 8, 6, 4, 5, 4, 3, 5];

/// Index of the premises name feature.
pub const PREMISES: usize = 1;
/// Index of the postcode feature.
pub const POSTCODE: usize = 2;
/// Index of the member feature: which register member each report resolved to.
pub const MEMBER: usize = 7;
/// The member level when either report has no member it may be.
pub const MEMBER_UNKNOWN: u8 = 3;
/// The member level when both reports have members they may be, not both
/// surely, and none in common: the registers place them apart, not surely.
pub const MEMBER_DISJOINT: u8 = 4;

/// Names of each feature's levels, for explanations and the weights file.
pub const LEVEL_NAMES: [&[&str]; 8] = [
    &[
        "<=15min",
        "<=1h",
        "<=4h",
        "<=12h",
        "same-day",
        "day-month-swap",
        "<=3days",
        "further",
        "unknown",
    ],
    &[
        "same-name",
        "similar",
        "partly-similar",
        "chain-only",
        "other-branch",
        "other-chain",
        "different",
        "unknown",
    ],
    &[
        "same",
        "one-typo",
        "same-sector",
        "same-district",
        "different",
        "unknown",
    ],
    &["same", "compatible", "incompatible", "unknown"],
    &["strong", "partial", "weak", "contradicts", "unknown"],
    &["within-5%", "within-30%", "different", "unknown"],
    &["same-channel", "radio-and-report", "two-report-channels"],
    &["same", "overlap", "different", "unknown", "disjoint"],
];

/// The agreement level of each feature for one pair.
pub type Levels = [u8; 8];

/// Packs levels into one number (4 bits each: 8 features fill the 32 bits), the
/// key of a comparison pattern.
pub fn pack(l: &Levels) -> u32 {
    l.iter()
        .enumerate()
        .fold(0, |acc, (i, v)| acc | (u32::from(*v) << (4 * i)))
}

/// Unpacks [`pack`].
pub fn unpack(p: u32) -> Levels {
    std::array::from_fn(|i| ((p >> (4 * i)) & 0xF) as u8)
}

/// Raw measurements behind the levels, for explanations.
#[derive(Debug, Clone, Copy, Default)]
pub struct Detail {
    /// Gap between the times in minutes (0 if the ranges overlap).
    pub gap_minutes: Option<i64>,
    /// Premises name similarity, 0..1.
    pub name_similarity: Option<f64>,
    /// Description similarity, 0..1.
    pub description_similarity: Option<f64>,
}

fn time_level(a: &Features, b: &Features, d: &mut Detail) -> u8 {
    let (Some(x), Some(y)) = (a.when, b.when) else {
        return 8;
    };
    let gap = if x.end < y.start {
        y.start - x.end
    } else if y.end < x.start {
        x.start - y.end
    } else {
        0
    };
    d.gap_minutes = Some(gap);
    if x.date_only || y.date_only {
        if gap == 0 {
            return 4;
        }
        // A UK date read as US (or the reverse) in one export.
        let swap = |p: &crate::features::Span, q: &crate::features::Span| {
            p.date_only && swapped(p.date) == Some(q.date)
        };
        if swap(&x, &y) || swap(&y, &x) {
            return 5;
        }
    }
    match gap {
        0..=15 => 0,
        16..=60 => 1,
        61..=240 => 2,
        241..=720 => 3,
        721..=4320 => 6,
        _ => 7,
    }
}

/// `n` flags, all false: in `inline` when they fit, else in `heap`.
fn flags<'a>(inline: &'a mut [bool; 16], heap: &'a mut Vec<bool>, n: usize) -> &'a mut [bool] {
    if n <= inline.len() {
        &mut inline[..n]
    } else {
        heap.resize(n, false);
        heap
    }
}

/// Weighted overlap of premises words, allowing typos; chains compare as a unit.
fn name_level(a: &Features, b: &Features, vocab: &Vocab, d: &mut Detail) -> u8 {
    let empty = |f: &Features| f.chain.is_none() && f.premises.is_empty();
    if empty(a) || empty(b) {
        return 7;
    }
    if let (Some(x), Some(y)) = (a.chain, b.chain)
        && x != y
    {
        d.name_similarity = Some(0.0);
        return 5;
    }
    if a.chain == b.chain && a.premises == b.premises {
        d.name_similarity = Some(1.0);
        return 0;
    }
    const CHAIN_WEIGHT: f64 = 1.0;
    let format_word = |w: WordId| vocab.is_format_word(w);
    let weight = |w: WordId| {
        let base = vocab.premises_weight(w);
        if format_word(w) { base * 0.3 } else { base }
    };
    let mut matched = 0.0;
    let mut total = 0.0;
    // Which of b's words are matched; on the stack for names of usual length.
    let mut inline = [false; 16];
    let mut heap = Vec::new();
    let b_used = flags(&mut inline, &mut heap, b.premises.len());
    for &wa in &a.premises {
        let hit = b.premises.iter().enumerate().find(|(j, wb)| {
            !b_used[*j]
                && (**wb == wa
                    || crate::normalize::text::same_word(vocab.word(wa), vocab.word(**wb)))
        });
        match hit {
            Some((j, _)) => {
                b_used[j] = true;
                matched += 2.0 * weight(wa);
                total += 2.0 * weight(wa);
            }
            None => total += weight(wa),
        }
    }
    for (j, &wb) in b.premises.iter().enumerate() {
        if !b_used[j] {
            total += weight(wb);
        }
    }
    match (a.chain, b.chain) {
        (Some(_), Some(_)) => {
            matched += 2.0 * CHAIN_WEIGHT;
            total += 2.0 * CHAIN_WEIGHT;
        }
        (Some(_), None) | (None, Some(_)) => total += CHAIN_WEIGHT,
        (None, None) => {}
    }
    let sim = if total > 0.0 { matched / total } else { 0.0 };
    d.name_similarity = Some(sim);
    // A town's name in a premises name ("Tesco - Salford", "TESCO EXP 4982
    // ARMLEY") says where the shop is, not which branch.
    let place = |w: &WordId| {
        a.place_words.binary_search(w).is_ok() || b.place_words.binary_search(w).is_ok()
    };
    let distinctive = |f: &Features| f.premises.iter().any(|w| !format_word(*w) && !place(w));
    let any_word_match = b_used.iter().any(|u| *u);
    if a.chain.is_some() && a.chain == b.chain {
        match (distinctive(a), distinctive(b)) {
            // One side names only the chain ("BOOTS"): which branch is open.
            (false, _) | (_, false) => return 3,
            // Same chain, different branch names: another store of the chain —
            // unless both give the same full postcode, which one branch has: then
            // the names describe one shop two ways (by street, by town).
            _ if !any_word_match => {
                let same_postcode =
                    matches!((a.postcode, b.postcode), (Some(x), Some(y)) if x[0] == y[0]);
                return if same_postcode { 3 } else { 4 };
            }
            _ => {}
        }
    }
    // One name is a known chain, the other is not but has a word of its own (a
    // business the chain list does not know: "Northgate Broadmead" beside "Boots
    // Broadmead"), and their full postcodes differ: two shops in one street.
    if a.chain.is_some() != b.chain.is_some() {
        let (mut a_inline, mut a_heap) = ([false; 16], Vec::new());
        let (_, other, other_used) = if a.chain.is_some() {
            (a, b, &*b_used)
        } else {
            let a_used = flags(&mut a_inline, &mut a_heap, a.premises.len());
            for (i, &wa) in a.premises.iter().enumerate() {
                a_used[i] = b.premises.iter().any(|&wb| {
                    wb == wa || crate::normalize::text::same_word(vocab.word(wa), vocab.word(wb))
                });
            }
            (b, a, &*a_used)
        };
        let own_word = other
            .premises
            .iter()
            .zip(other_used)
            .any(|(w, used)| !used && !format_word(*w));
        let postcodes_differ =
            matches!((a.postcode, b.postcode), (Some(x), Some(y)) if x[0] != y[0]);
        if own_word && postcodes_differ {
            return 6;
        }
    }
    match sim {
        s if s >= 0.75 => 1,
        s if s >= 0.45 => 2,
        _ => 6,
    }
}

fn postcode_level(a: &Features, b: &Features, vocab: &Vocab) -> u8 {
    match (a.postcode, b.postcode) {
        (Some(x), Some(y)) if x[0] == y[0] => 0,
        (Some(x), Some(y))
            if crate::normalize::text::edit_distance(vocab.word(x[0]), vocab.word(y[0]), 1)
                <= 1 =>
        {
            1
        }
        (Some(x), Some(y)) if x[1] == y[1] => 2,
        (Some(x), Some(y)) if x[2] == y[2] => 3,
        (Some(_), Some(_)) => 4,
        _ => 5,
    }
}

fn compatible(x: Category, y: Category) -> bool {
    use Category::*;
    let pair = |p: Category, q: Category| (x == p && y == q) || (x == q && y == p);
    pair(TheftFromShop, Robbery)
        || pair(ViolenceAgainstStaff, Robbery)
        || pair(ViolenceAgainstStaff, PublicOrder)
        || pair(Asb, PublicOrder)
        || pair(TheftFromShop, ViolenceAgainstStaff)
        || pair(CriminalDamage, Burglary)
        || pair(TheftFromShop, Fraud)
        || pair(Asb, ViolenceAgainstStaff)
        || pair(Asb, CriminalDamage)
}

fn category_level(a: &Features, b: &Features) -> u8 {
    match (a.category, b.category) {
        (Some(x), Some(y)) if x == y => 0,
        (Some(Category::Other), _) | (_, Some(Category::Other)) => 3,
        (Some(x), Some(y)) if compatible(x, y) => 1,
        (Some(_), Some(_)) => 2,
        _ => 3,
    }
}

fn description_level(a: &Features, b: &Features, vocab: &Vocab, d: &mut Detail) -> u8 {
    let has = |f: &Features| f.gender.is_some() || f.age.is_some() || !f.traits.is_empty();
    if !has(a) || !has(b) {
        return 4;
    }
    let conflict = matches!((a.gender, b.gender), (Some(x), Some(y)) if x != y)
        || matches!((a.age, b.age), (Some((a0, a1)), Some((b0, b1))) if a1.saturating_add(5) < b0 || b1.saturating_add(5) < a0);
    // Colour+item pairs ("blue-hoodie") count double.
    let w = |id: &WordId| {
        if vocab.is_paired_trait(*id) { 2.0 } else { 1.0 }
    };
    // Clothing can only agree or disagree when both describe some: a report
    // giving gender and age alone ("male, 46") says nothing against a jacket.
    if a.traits.is_empty() || b.traits.is_empty() {
        let agree = (a.gender.is_some() && a.gender == b.gender)
            || matches!((a.age, b.age), (Some((a0, a1)), Some((b0, b1))) if a0 <= b1 && b0 <= a1);
        return if conflict {
            3
        } else if agree {
            1
        } else {
            4
        };
    }
    let common: f64 = a
        .traits
        .iter()
        .filter(|t| b.traits.binary_search(t).is_ok())
        .map(w)
        .sum();
    let all = a.traits.iter().map(w).sum::<f64>() + b.traits.iter().map(w).sum::<f64>() - common;
    let mut sim = if all > 0.0 { common / all } else { 0.0 };
    if a.gender.is_some() && a.gender == b.gender {
        sim += 0.1;
    }
    if let (Some((a0, a1)), Some((b0, b1))) = (a.age, b.age)
        && a0 <= b1
        && b0 <= a1
    {
        sim += 0.1;
    }
    let sim = sim.min(1.0);
    d.description_similarity = Some(sim);
    if conflict {
        3
    } else if sim >= 0.45 {
        0
    } else if sim >= 0.2 {
        1
    } else {
        2
    }
}

fn value_level(a: &Features, b: &Features) -> u8 {
    match (a.value, b.value) {
        (Some(x), Some(y)) if x == 0 && y == 0 => 0,
        (Some(x), Some(y)) => {
            let diff = x.abs_diff(y) as f64 / x.max(y).max(1) as f64;
            if diff <= 0.05 {
                0
            } else if diff <= 0.30 {
                1
            } else {
                2
            }
        }
        _ => 3,
    }
}

/// Most members a report may be for an overlap to say anything: "one of these
/// three Tescos" narrows a place, "one of eight" hardly.
const OVERLAP_MAX: usize = 3;

/// Same member (both surely resolved to it), overlap (the few members one may be
/// include one the other may be), different (both surely resolved, to two
/// members), disjoint (both may be members, not both surely, and none in
/// common: an ambiguous radio name whose candidates leave out the member the
/// BCRP report is surely at), or unknown (either has no member, or the lists
/// share one but are too long to say much).
fn member_level(a: &Features, b: &Features) -> u8 {
    if a.members.is_empty() || b.members.is_empty() {
        return MEMBER_UNKNOWN;
    }
    if a.member_resolved && b.member_resolved {
        return if a.members == b.members { 0 } else { 2 };
    }
    // Both lists are sorted and short.
    let overlap = a.members.iter().any(|m| b.members.binary_search(m).is_ok());
    if !overlap {
        MEMBER_DISJOINT
    } else if a.members.len().max(b.members.len()) <= OVERLAP_MAX {
        // The longer list says how surely the two meet: a report surely at
        // one Spar and a radio name that fits seven Spars share a member
        // one time in seven.
        1
    } else {
        MEMBER_UNKNOWN
    }
}

fn channel_level(a: &Features, b: &Features) -> u8 {
    if a.kind == b.kind {
        0
    } else if a.kind == Channel::Radio || b.kind == Channel::Radio {
        1
    } else {
        2
    }
}

/// Two reports that name different premises (another chain, or names that
/// disagree) at two different full postcodes describe two shops: whatever else
/// agrees (the same offender minutes apart along a street), they are never one
/// incident. A wrong link hides a crime inside another; a missed one costs a
/// duplicate the review queue can catch.
pub fn two_premises(l: &Levels) -> bool {
    matches!(l[1], 5 | 6) && matches!(l[2], 1..=4)
}

/// Compares two reports feature by feature.
pub fn compare(a: &Features, b: &Features, vocab: &Vocab) -> (Levels, Detail) {
    let mut d = Detail::default();
    let levels = [
        time_level(a, b, &mut d),
        name_level(a, b, vocab, &mut d),
        postcode_level(a, b, vocab),
        category_level(a, b),
        description_level(a, b, vocab, &mut d),
        value_level(a, b),
        channel_level(a, b),
        member_level(a, b),
    ];
    (levels, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::FlatRow;
    use bcgw_sdk::schema::{MemberRef, PremisesResolution, ResolutionMethod};

    fn features(
        vocab: &mut Vocab,
        source: &str,
        premises: &str,
        town: &str,
        placed: Option<&PremisesResolution>,
    ) -> Features {
        let r = FlatRow {
            report_id: "x".into(),
            source: source.into(),
            occurred_at: "2026-03-01T14:00:00".into(),
            premises_name: premises.into(),
            town: town.into(),
            ..FlatRow::default()
        };
        Features::extract_placed(&r.to_report(), Channel::parse(source), placed, vocab)
    }

    fn member(id: &str) -> MemberRef {
        MemberRef {
            register: "r".into(),
            member_id: id.into(),
            town: None,
            same_premises: None,
        }
    }

    #[test]
    fn members_placed_apart_not_surely_are_disjoint() {
        let mut vocab = Vocab::default();
        let sure = PremisesResolution {
            method: ResolutionMethod::BcrpId,
            member: Some(member("A")),
            score: 1.0,
            ..PremisesResolution::unresolved()
        };
        let ambiguous = PremisesResolution {
            method: ResolutionMethod::Ambiguous,
            candidates: vec![member("B"), member("C")],
            score: 0.6,
            ..PremisesResolution::unresolved()
        };
        let a = features(&mut vocab, "bcrp", "Spar", "", Some(&sure));
        let b = features(&mut vocab, "radio", "SPAR", "", Some(&ambiguous));
        let none = features(&mut vocab, "radio", "SPAR", "", None);
        assert_eq!(member_level(&a, &b), MEMBER_DISJOINT);
        assert_eq!(member_level(&a, &none), MEMBER_UNKNOWN);
        let overlapping = PremisesResolution {
            candidates: vec![member("A"), member("C")],
            ..ambiguous
        };
        let c = features(&mut vocab, "radio", "SPAR", "", Some(&overlapping));
        assert_eq!(member_level(&a, &c), 1);
        // One of many: the overlap says too little to count.
        let many = PremisesResolution {
            candidates: ["A", "C", "D", "E", "F", "G", "H"].map(member).to_vec(),
            ..overlapping
        };
        let d = features(&mut vocab, "radio", "SPAR", "", Some(&many));
        assert_eq!(member_level(&a, &d), MEMBER_UNKNOWN);
        assert_eq!(member_level(&d, &a), MEMBER_UNKNOWN);
    }

    #[test]
    fn a_town_in_a_premises_name_is_not_a_branch() {
        let mut vocab = Vocab::default();
        let mut d = Detail::default();
        let by_town = features(&mut vocab, "bcrp", "Tesco - Salford", "Salford", None);
        let by_street = features(&mut vocab, "radio", "TESCO PICCADILLY", "", None);
        let other = features(&mut vocab, "bcrp", "Tesco Eccles", "", None);
        assert_eq!(name_level(&by_town, &by_street, &vocab, &mut d), 3);
        assert_eq!(name_level(&other, &by_street, &vocab, &mut d), 4);
    }
}
