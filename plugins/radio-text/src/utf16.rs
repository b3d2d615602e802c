//! UTF-16 text from radio frames, in either byte order.

use serde::Deserialize;

/// The byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    /// A byte-order mark if there is one, else guessed from where the zero bytes of
    /// ASCII text sit (see [`guess`]).
    #[default]
    Auto,
    /// Little-endian (`A` is `41 00`).
    Le,
    /// Big-endian (`A` is `00 41`).
    Be,
}

/// Guesses the byte order of BOM-less UTF-16: ASCII text has its zero bytes at odd
/// offsets when little-endian and at even offsets when big-endian. A tie (e.g. text
/// with no ASCII at all) is read as little-endian, the order most radios send.
pub fn guess(bytes: &[u8]) -> ByteOrder {
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, b) in bytes.iter().enumerate() {
        if *b == 0 {
            if i % 2 == 0 { even += 1 } else { odd += 1 }
        }
    }
    if even > odd {
        ByteOrder::Be
    } else {
        ByteOrder::Le
    }
}

/// Decodes UTF-16 text. A byte-order mark is always honoured and stripped; without
/// one, `order` applies (`Auto` guesses). Returns the text and the order used, or a
/// reason that does not repeat the text.
pub fn decode(bytes: &[u8], order: ByteOrder) -> Result<(String, ByteOrder), &'static str> {
    if !bytes.len().is_multiple_of(2) {
        return Err("odd number of bytes in UTF-16 text");
    }
    let (order, body) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (ByteOrder::Le, rest),
        [0xFE, 0xFF, rest @ ..] => (ByteOrder::Be, rest),
        _ if order == ByteOrder::Auto => (guess(bytes), bytes),
        _ => (order, bytes),
    };
    let units = body.chunks_exact(2).map(|c| match order {
        ByteOrder::Be => u16::from_be_bytes([c[0], c[1]]),
        _ => u16::from_le_bytes([c[0], c[1]]),
    });
    let text: String = char::decode_utf16(units)
        .collect::<Result<_, _>>()
        .map_err(|_| "invalid UTF-16 (an unpaired surrogate)")?;
    Ok((text, order))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }
    fn be(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn both_orders_with_and_without_a_bom() {
        let text = "ALERT 14:03 CAFÉ NERO";
        for (bytes, want) in [(le(text), ByteOrder::Le), (be(text), ByteOrder::Be)] {
            assert_eq!(
                decode(&bytes, ByteOrder::Auto),
                Ok((text.to_string(), want))
            );
            assert_eq!(decode(&bytes, want), Ok((text.to_string(), want)));
        }
        let with_bom = [&[0xFE, 0xFF][..], &be(text)].concat();
        assert_eq!(
            decode(&with_bom, ByteOrder::Le),
            Ok((text.to_string(), ByteOrder::Be))
        );
        let with_bom = [&[0xFF, 0xFE][..], &le(text)].concat();
        assert_eq!(
            decode(&with_bom, ByteOrder::Auto),
            Ok((text.to_string(), ByteOrder::Le))
        );
    }

    #[test]
    fn odd_lengths_and_lone_surrogates_are_refused() {
        assert!(decode(&[0x41, 0x00, 0x42], ByteOrder::Auto).is_err());
        assert!(decode(&[0x00, 0xD8, 0x41, 0x00], ByteOrder::Le).is_err());
    }
}
