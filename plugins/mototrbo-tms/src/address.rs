//! What a TMS address says about the sender. No public description fixes how a
//! bridge writes it, so this reads the forms seen in practice and documented for
//! MOTOTRBO radio ids, and keeps anything else only as `tms-address`.

/// Most digits a radio id is read from: DMR radio ids are 24-bit (8 digits at most).
const MAX_ID_DIGITS: usize = 8;

/// The address as text, when it is printable ASCII, either as bytes or as UCS-2
/// code units in either byte order.
fn as_text(address: &[u8]) -> Option<String> {
    let printable = |b: u8| (0x20..=0x7E).contains(&b);
    if address.iter().all(|&b| printable(b)) {
        return Some(address.iter().map(|&b| char::from(b)).collect());
    }
    if !address.len().is_multiple_of(2) {
        return None;
    }
    let units = || address.chunks_exact(2);
    [(0, 1), (1, 0)].into_iter().find_map(|(low, high)| {
        units()
            .all(|u| u[high] == 0 && printable(u[low]))
            .then(|| units().map(|u| char::from(u[low])).collect())
    })
}

/// The radio id an address names, if it names one: decimal digits (as ASCII or
/// UCS-2 text), 3 bytes (the radio id, big-endian) or 4 bytes (a radio IP: the
/// network byte, then the 3-byte radio id).
pub fn radio_id(address: &[u8]) -> Option<u32> {
    if address.is_empty() {
        return None;
    }
    if let Some(text) = as_text(address) {
        let digits = text.len() <= MAX_ID_DIGITS && text.bytes().all(|b| b.is_ascii_digit());
        return digits.then(|| text.parse().ok()).flatten();
    }
    match *address {
        [a, b, c] | [_, a, b, c] => Some(u32::from_be_bytes([0, a, b, c])),
        _ => None,
    }
}

/// The address as a person reads it: its text when printable, else its bytes in
/// lowercase hex.
pub fn shown(address: &[u8]) -> String {
    as_text(address).unwrap_or_else(|| address.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_in_ascii_or_ucs2_and_3_or_4_binary_bytes_are_radio_ids() {
        let ucs2_le: Vec<u8> = "0123".bytes().flat_map(|b| [b, 0]).collect();
        let ucs2_be: Vec<u8> = "77".bytes().flat_map(|b| [0, b]).collect();
        for (address, want) in [
            (&b"2001234"[..], Some(2_001_234)),
            (&ucs2_le[..], Some(123)),
            (&ucs2_be[..], Some(77)),
            (&[0x1E, 0x89, 0x52][..], Some(2_001_234)),
            (&[12, 0x1E, 0x89, 0x52][..], Some(2_001_234)),
            (&b"dispatch"[..], None),
            (&b"123456789"[..], None),
            (&[0x01, 0x02][..], None),
            (&[][..], None),
        ] {
            assert_eq!(radio_id(address), want, "{address:02x?}");
        }
    }

    #[test]
    fn printable_addresses_show_as_text_and_others_as_hex() {
        assert_eq!(shown(b"2001234"), "2001234");
        assert_eq!(shown(&[0x31, 0, 0x32, 0]), "12");
        assert_eq!(shown(&[12, 0x1E, 0x89, 0x52]), "0c1e8952");
    }
}
