//! Person descriptors wherever they stand: which words describe someone, and the
//! suspect they give (gender, age range, description).
//!
//! A description starts at an *anchor*: an age, an IC code, a count (`3X`, `GRP`),
//! clothing or a brand that stands on its own (`HOODIE`, `NORTHFACE`), a gender
//! that is believable (next to another descriptor, or last, or before an offence or
//! separator: `M 30S`, `IC1 M`, but not the `M` of `M AND S`), or a run of weak words
//! with clothing or a brand and a colour (`BLK CAP`, but not `RED LION`). A colour
//! (with a modifier) or a weak brand just before strong clothing joins it
//! (`PINK PUFFA`). From its anchor a description runs over every free word up to an
//! offence, movement, time, known premises or separator.

use super::kinds::Kind;
use super::line::Line;
use super::vocabulary::{Claim, Unreadable};
use crate::values::{parse_age, parse_gender};

/// The suspect the descriptions give, as written.
#[derive(Debug, Default)]
pub(crate) struct Person {
    pub gender: Option<String>,
    pub age: Option<String>,
    pub description: Option<String>,
}

/// Marks the descriptions (as [`Claim::Person`]) and returns their token ranges.
pub(crate) fn mark_runs(
    line: &Line<'_>,
    kinds: &[Kind],
    claim: &mut [Claim],
) -> Vec<(usize, usize)> {
    let anchor = anchors(line, kinds, claim);
    let (n, mut runs, mut i) = (kinds.len(), Vec::new(), 0);
    while i < n {
        if claim[i] != Claim::Free || !anchor[i] {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < n && claim[j] == Claim::Free && !line.tokens[j - 1].sep_after {
            j += 1;
        }
        claim[i..j].fill(Claim::Person);
        runs.push((i, j));
        i = j;
    }
    runs
}

fn anchors(line: &Line<'_>, kinds: &[Kind], claim: &[Claim]) -> Vec<bool> {
    let n = kinds.len();
    let free = |i: usize| i < n && claim[i] == Claim::Free;
    // Whether words i and i + 1 stand together (no separator between them).
    let joined = |i: usize| i + 1 < n && !line.tokens[i].sep_after;
    let next_kind = |i: usize| {
        if joined(i) && free(i + 1) {
            Some(kinds[i + 1])
        } else {
            None
        }
    };
    let mut anchor: Vec<bool> = (0..n)
        .map(|i| {
            free(i)
                && match kinds[i] {
                    Kind::Gender => believable_gender(line, kinds, claim, i),
                    Kind::Age | Kind::Ic | Kind::Count | Kind::Clothing | Kind::Brand => true,
                    Kind::AgeQualifier => next_kind(i) == Some(Kind::Age),
                    Kind::Number => match next_kind(i) {
                        Some(Kind::Gender) => line.tokens[i + 1].key.ends_with('S'),
                        Some(Kind::Age) => line.tokens[i + 1].key.starts_with(char::is_alphabetic),
                        _ => false,
                    },
                    _ => false,
                }
        })
        .collect();
    // Runs of weak words with clothing or a brand and a colour or brand.
    let mut i = 0;
    while i < n {
        let mut j = i;
        while free(j) && kinds[j].is_weak() && (j == i || joined(j - 1)) {
            j += 1;
        }
        let run = &kinds[i..j];
        let item = run
            .iter()
            .any(|k| matches!(k, Kind::WeakClothing | Kind::WeakBrand));
        let colour = run
            .iter()
            .filter(|k| matches!(k, Kind::Colour | Kind::Modifier | Kind::WeakBrand))
            .count();
        if run.len() >= 2 && item && colour >= 1 {
            anchor[i..j].fill(true);
        }
        i = j.max(i + 1);
    }
    // A weak brand or item, a colour and a modifier just before strong clothing or a brand.
    for i in 0..n {
        if !(anchor[i] && matches!(kinds[i], Kind::Clothing | Kind::Brand)) {
            continue;
        }
        let mut k = i;
        let steps: [&[Kind]; 3] = [
            &[Kind::WeakBrand, Kind::WeakClothing],
            &[Kind::Colour],
            &[Kind::Modifier],
        ];
        for allowed in steps {
            if k > 0 && free(k - 1) && joined(k - 1) && allowed.contains(&kinds[k - 1]) {
                k -= 1;
                anchor[k] = true;
            }
        }
    }
    anchor
}

/// A gender word describes someone when it stands last, before a separator, an
/// offence or a movement, next to a descriptor, or after an age, IC code or count.
fn believable_gender(line: &Line<'_>, kinds: &[Kind], claim: &[Claim], i: usize) -> bool {
    let n = kinds.len();
    if i + 1 == n || line.tokens[i].sep_after {
        return true;
    }
    if matches!(claim[i + 1], Claim::Offence | Claim::Movement) || kinds[i + 1].is_descriptive() {
        return true;
    }
    i > 0
        && !line.tokens[i - 1].sep_after
        && matches!(
            kinds[i - 1],
            Kind::Age | Kind::Ic | Kind::Count | Kind::Number
        )
}

/// The one suspect the descriptions give. Two genders or two ages are two people:
/// the line is not read (one report has one suspect per alert).
pub(crate) fn person(
    line: &Line<'_>,
    kinds: &[Kind],
    runs: &[(usize, usize)],
) -> Result<Option<Person>, Unreadable> {
    if runs.is_empty() {
        return Ok(None);
    }
    let mut p = Person::default();
    let (mut gender, mut age) = (None, None);
    let mut parts = Vec::new();
    let any_age = runs.iter().any(|&(a, b)| kinds[a..b].contains(&Kind::Age));
    for &(a, b) in runs {
        let mut words = Vec::new();
        let mut k = a;
        while k < b {
            let key = &line.tokens[k].key;
            let after = |kind: Kind| k > a && kinds[k - 1] == kind;
            let (age_len, in_group) = match kinds[k] {
                Kind::AgeQualifier if k + 1 < b && kinds[k + 1] == Kind::Age => (2, false),
                Kind::Age => (1, after(Kind::Count) || after(Kind::Number)),
                Kind::Number if !any_age && after(Kind::Gender) && key.len() == 2 => (1, false),
                _ => (0, false),
            };
            if kinds[k] == Kind::Gender {
                let value = parse_gender(key).map_err(|_| Unreadable::People("genders"))?;
                if gender.get_or_insert(value) != &value {
                    return Err(Unreadable::People("genders"));
                }
                p.gender
                    .get_or_insert_with(|| line.span(k, k + 1).to_string());
                // `2 MALES` stays in the description: it says how many.
                if !(after(Kind::Count) || after(Kind::Number)) {
                    k += 1;
                    continue;
                }
            }
            if age_len > 0 {
                let text = line.span(k, k + age_len);
                let value = parse_age(text).map_err(|_| Unreadable::People("ages"))?;
                if age.get_or_insert(value) != &value {
                    return Err(Unreadable::People("ages"));
                }
                p.age.get_or_insert_with(|| text.to_string());
                if !in_group {
                    k += age_len;
                    continue;
                }
            }
            let t = &line.tokens[k];
            words.push(line.text[t.start..t.raw_end].trim_end_matches([')', ']']));
            k += 1;
        }
        let part = words.join(" ");
        let part = part.trim_end_matches([',', ';', ':', '-', ' ']);
        if !part.is_empty() {
            parts.push(part.to_string());
        }
    }
    p.description = (!parts.is_empty()).then(|| parts.join("; "));
    Ok(Some(p))
}
