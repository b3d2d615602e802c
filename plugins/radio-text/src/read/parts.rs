//! Movements and the premises: the parts of a line found around the others.

use super::kinds::Kind;
use super::line::Line;
use super::vocabulary::{Claim, Unreadable};
use crate::lexicon::{FILLERS, MOVEMENTS, PREMISES_LEADS, has};

/// Marks movements: a movement phrase and its place, up to an offence, time, known
/// premises, separator or person word (gender, age, IC code, count).
pub(crate) fn mark_movements(
    line: &Line<'_>,
    kinds: &[Kind],
    claim: &mut [Claim],
) -> Vec<(usize, usize)> {
    let (n, mut found, mut i) = (claim.len(), Vec::new(), 0);
    let stops = |k: Kind| {
        matches!(
            k,
            Kind::Gender | Kind::Age | Kind::AgeQualifier | Kind::Ic | Kind::Count
        )
    };
    while i < n {
        let two = i + 1 < n
            && claim[i + 1] == Claim::Free
            && !line.tokens[i].sep_after
            && has(
                MOVEMENTS,
                &format!("{} {}", line.tokens[i].key, line.tokens[i + 1].key),
            );
        let len = if two {
            2
        } else {
            usize::from(has(MOVEMENTS, &line.tokens[i].key))
        };
        if claim[i] != Claim::Free || len == 0 {
            i += 1;
            continue;
        }
        let mut j = i + len;
        while j < n && claim[j] == Claim::Free && !line.tokens[j - 1].sep_after && !stops(kinds[j])
        {
            j += 1;
        }
        claim[i..j].fill(Claim::Movement);
        found.push((i, j));
        i = j;
    }
    found
}

/// The premises' tokens: the known premises with any free words right beside it,
/// or else the one run of free words; runs of fillers alone (`AND`, `AT`) are
/// dropped, and a leading `AT`, `@`, `O/S` or `OUTSIDE`.
pub(crate) fn premises(
    line: &Line<'_>,
    claim: &[Claim],
    known: Option<(usize, usize)>,
) -> Result<(usize, usize), Unreadable> {
    let n = claim.len();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < n {
        if claim[i] != Claim::Free {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < n && claim[j] == Claim::Free && !line.tokens[j - 1].sep_after {
            j += 1;
        }
        if !line.tokens[i..j].iter().all(|t| has(FILLERS, &t.key)) {
            runs.push((i, j));
        }
        i = j;
    }
    let Some((mut a, mut b)) = known else {
        let (mut a, b) = match runs[..] {
            [] => return Err(Unreadable::NoPremises),
            [one] => one,
            _ => return Err(Unreadable::Scattered),
        };
        while a + 1 < b && has(PREMISES_LEADS, &line.tokens[a].key) {
            a += 1;
        }
        return Ok((a, b));
    };
    for (i, j) in runs {
        if j == a && !line.tokens[j - 1].sep_after {
            a = i;
        } else if i == b && !line.tokens[b - 1].sep_after {
            b = j;
        } else {
            return Err(Unreadable::Unplaced);
        }
    }
    Ok((a, b))
}
