//! Turning field bytes into text: exports from tills and old back-office systems are
//! often Windows-1252 (Latin-1) rather than UTF-8, sometimes mixed within one file.

use crate::config::Encoding;
use std::borrow::Cow;

/// Windows-1252 code points for bytes 0x80-0x9F (where it differs from Latin-1).
/// Unassigned bytes map to U+FFFD.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž',
    '\u{FFFD}', '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{FFFD}',
    'ž', 'Ÿ',
];

fn windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
            // Latin-1 and ASCII bytes are their own code points.
            _ => char::from(b),
        })
        .collect()
}

/// Decodes one field. `Err` only for [`Encoding::Utf8`] with invalid bytes.
///
/// Valid UTF-8 is borrowed, not copied: most fields are, and a row's fields are
/// only read while its report is built.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, &'static str> {
    match encoding {
        Encoding::Windows1252 => Ok(Cow::Owned(windows_1252(bytes))),
        Encoding::Utf8 => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|_| "is not valid UTF-8 (set encoding = \"auto\" to accept Latin-1)"),
        Encoding::Auto => Ok(match std::str::from_utf8(bytes) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(windows_1252(bytes)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_pound_sign_and_accents_decode() {
        assert_eq!(decode(b"\xa312.50", Encoding::Auto).unwrap(), "£12.50");
        assert_eq!(decode(b"caf\xe9", Encoding::Auto).unwrap(), "café");
        assert_eq!(decode(b"\x80 5", Encoding::Auto).unwrap(), "€ 5");
        assert_eq!(decode("café".as_bytes(), Encoding::Auto).unwrap(), "café");
        assert!(decode(b"caf\xe9", Encoding::Utf8).is_err());
    }
}
