//! Postcodes: case, spaces and the common letter/digit slips, and the coarser
//! sector and district they belong to.

/// A postcode split into the parts linking compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Postcode {
    /// Full normalised postcode, e.g. `BS1 3XE`.
    pub full: String,
    /// Sector: outward code plus the inward digit, e.g. `BS1 3`.
    pub sector: String,
    /// District: the outward code, e.g. `BS1`.
    pub district: String,
}

/// Normalises a UK postcode: upper case, spaces removed then one put back before the
/// inward code, and the slips people make in the inward code (`O`→`0` in the digit
/// position, `0`/`1`/`5` → `O`/`I`/`S` in the letter positions). `None` when it is
/// not shaped like a postcode.
pub fn normalise(raw: &str) -> Option<Postcode> {
    let mut c: Vec<char> = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(5..=7).contains(&c.len()) {
        return None;
    }
    let n = c.len();
    let fix_digit = |ch: char| match ch {
        'O' => '0',
        'I' | 'L' => '1',
        'S' => '5',
        other => other,
    };
    let fix_letter = |ch: char| match ch {
        '0' => 'O',
        '1' => 'I',
        '5' => 'S',
        other => other,
    };
    c[n - 3] = fix_digit(c[n - 3]);
    c[n - 2] = fix_letter(c[n - 2]);
    c[n - 1] = fix_letter(c[n - 1]);
    if !c[0].is_ascii_alphabetic()
        || !c[n - 3].is_ascii_digit()
        || !c[n - 2].is_ascii_alphabetic()
        || !c[n - 1].is_ascii_alphabetic()
    {
        return None;
    }
    let outward: String = c[..n - 3].iter().collect();
    let inward: String = c[n - 3..].iter().collect();
    Some(Postcode {
        full: format!("{outward} {inward}"),
        sector: format!("{outward} {}", &inward[..1]),
        district: outward,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_splits() {
        let p = normalise(" bs13xe").unwrap();
        assert_eq!(
            (p.full.as_str(), p.sector.as_str(), p.district.as_str()),
            ("BS1 3XE", "BS1 3", "BS1")
        );
        assert_eq!(normalise("BS1 OXE").unwrap().full, "BS1 0XE");
        assert_eq!(normalise("bs1 3x3").map(|p| p.full), None);
        assert_eq!(normalise("Broadmead"), None);
    }
}
