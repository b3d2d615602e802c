//! Shared text helpers: tokenising and fuzzy token equality.

/// Lower-case alphanumeric tokens of `text`; `&` and `'` are dropped inside words
/// (`M&S` → `ms`, `Sainsbury's` → `sainsburys`).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            // The common case, without the Unicode tables.
            cur.push(ch.to_ascii_lowercase());
        } else if ch.is_alphanumeric() {
            cur.extend(ch.to_lowercase());
        } else if (ch == '&' || ch == '\'' || ch == '’') && !cur.is_empty() {
            // Keep "m&s" and "sainsbury's" as one token.
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Optimal string alignment distance (Damerau-Levenshtein with adjacent
/// transpositions) over bytes, stopping early once it exceeds `max`. Words longer
/// than 64 bytes are compared for equality only.
pub fn edit_distance(a: &str, b: &str, max: usize) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    const CAP: usize = 65;
    if a.len() >= CAP || b.len() >= CAP {
        return if a == b { 0 } else { max + 1 };
    }
    // Three rows on the stack, reused in turn (no allocation, no copying: this
    // runs for many word pairs). A distance never exceeds 65, so a byte holds it.
    let mut rows = [[0u8; CAP]; 3];
    let (mut prev2, mut prev, mut cur) = (0, 1, 2);
    for (j, slot) in rows[prev].iter_mut().enumerate().take(b.len() + 1) {
        *slot = j as u8;
    }
    for i in 1..=a.len() {
        rows[cur][0] = i as u8;
        let mut row_min = i as u8;
        for j in 1..=b.len() {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let (up, diag) = (rows[prev][j], rows[prev][j - 1]);
            let mut v = (up + 1).min(rows[cur][j - 1] + 1).min(diag + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = v;
            row_min = row_min.min(v);
        }
        if usize::from(row_min) > max {
            return max + 1;
        }
        (prev2, prev, cur) = (prev, cur, prev2);
    }
    usize::from(rows[prev][b.len()])
}

/// Whether two tokens are the same word allowing for a typo: equal, or one edit
/// apart for words of 5+ letters, two for 9+.
pub fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let len = a.len().min(b.len());
    let max = match len {
        0..=4 => return false,
        5..=8 => 1,
        _ => 2,
    };
    edit_distance(a, b, max) <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_brand_punctuation_inside_words() {
        assert_eq!(
            tokens("M&S Sainsbury's, Broadmead #412"),
            ["m&s", "sainsbury's", "broadmead", "412"].map(|s| s.replace(['&', '\''], ""))
        );
    }

    #[test]
    fn typos_are_the_same_word() {
        assert!(same_word("broadmead", "braodmead"));
        assert!(same_word("clifton", "cliftn"));
        assert!(!same_word("clifton", "cabot"));
        assert!(!same_word("boot", "foot"));
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
    }
}
