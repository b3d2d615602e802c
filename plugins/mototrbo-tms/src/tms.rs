//! The TMS PDU layout, as publicly reverse-engineered (e.g. ok-dmr's dmrlib) and
//! as real bridges send it, after the 2-byte length:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | first header: `0x80` more headers follow, `0x40` ack wanted, `0x20` set on text, `0x10` control message, low 4 bits PDU type (`0` simple text, `0xF` acknowledgement) |
//! | 1 | address length |
//! | n | address |
//! | 0–1 | only with `0x80` in the first header: s/n header, `0x80` another follows, low 5 bits of the s/n |
//! | 0–1 | only with `0x80` in the s/n header: `0x80` more headers follow (skipped), 2 high bits of the s/n in `0x60`, 5-bit encoding (`0x04` UCS-2) |
//! | rest | the text, commonly starting with CR LF |

use crate::frame::{Frame, FrameError, Kind, Layout, MORE_HEADERS, skip};

/// First-header bit: a control message (service availability, acknowledgement).
pub const CONTROL: u8 = 0x10;
/// First-header bits: the PDU type.
pub const PDU_TYPE: u8 = 0x0F;
/// PDU type of an acknowledgement.
pub const ACKNOWLEDGEMENT: u8 = 0x0F;
/// The low 5 bits of the s/n, in the first s/n header.
const SEQUENCE_LOW: u8 = 0x1F;
/// The 2 high bits of the s/n, in the second s/n header, already in place.
const SEQUENCE_HIGH: u8 = 0x60;
/// The encoding, in the second s/n header.
const ENCODING: u8 = 0x1F;

/// What the encoding header says the text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// No encoding header, or encoding `0` (undefined): read as UTF-16, as
    /// MOTOTRBO radios write text.
    Unstated,
    /// `0x04`: UCS-2, in the byte order the bridge uses (they differ).
    Ucs2,
}

impl Encoding {
    /// The encoding for the 5 encoding bits; an encoding this plugin cannot decode
    /// rejects the frame rather than being guessed at.
    fn from_bits(bits: u8) -> Result<Encoding, FrameError> {
        match bits {
            0x00 => Ok(Encoding::Unstated),
            0x04 => Ok(Encoding::Ucs2),
            other => Err(skip(format!(
                "text encoding 0x{other:02X} in the encoding header is not one this plugin reads (only 0x04, UCS-2)"
            ))),
        }
    }
}

/// A frame read in the TMS layout, with the encoding its headers state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read<'a> {
    /// The frame.
    pub frame: Frame<'a>,
    /// The encoding the frame states for its text.
    pub encoding: Encoding,
}

/// Reads the rest of a frame after its first header in the TMS layout. Protocol
/// traffic (control messages, acknowledgements) is recognised by its first header
/// and its other headers are not read: it carries no text.
pub fn read(header: u8, rest: &[u8]) -> Result<Read<'_>, FrameError> {
    let (&address_len, rest) = rest
        .split_first()
        .ok_or_else(|| skip("the frame ends before its address length"))?;
    let (address, mut rest) = rest
        .split_at_checked(usize::from(address_len))
        .ok_or_else(|| {
            skip(format!(
                "the address ({address_len} bytes) runs past the end of the frame"
            ))
        })?;
    let pdu_type = header & PDU_TYPE;
    let kind = match (header & CONTROL != 0, pdu_type) {
        (_, ACKNOWLEDGEMENT) => Kind::Acknowledgement,
        (true, _) => Kind::Control,
        (false, 0) => Kind::Text,
        (false, other) => {
            return Err(skip(format!(
                "PDU type {other} is not a text message (0) nor an acknowledgement (15)"
            )));
        }
    };
    let mut frame = Frame {
        layout: Layout::Tms,
        header,
        kind,
        address,
        sequence: None,
        message_id: None,
        text: &[],
    };
    let mut encoding = Encoding::Unstated;
    if kind == Kind::Text && header & MORE_HEADERS != 0 {
        let (&first, after) = rest
            .split_first()
            .ok_or_else(|| skip("the frame ends before its sequence-number header"))?;
        rest = after;
        let mut sequence = first & SEQUENCE_LOW;
        if first & MORE_HEADERS != 0 {
            let (&second, after) = rest
                .split_first()
                .ok_or_else(|| skip("the frame ends before its encoding header"))?;
            rest = after;
            sequence |= second & SEQUENCE_HIGH;
            encoding = Encoding::from_bits(second & ENCODING)?;
            if second & MORE_HEADERS != 0 {
                rest = skip_headers(rest)?;
            }
        }
        frame.sequence = Some(sequence);
    }
    if kind == Kind::Text {
        frame.text = rest;
    }
    Ok(Read { frame, encoding })
}

/// Skips headers no public description gives, up to and including the first
/// without `0x80`, so a sender that adds one does not lose its text.
fn skip_headers(mut rest: &[u8]) -> Result<&[u8], FrameError> {
    loop {
        let (&header, after) = rest
            .split_first()
            .ok_or_else(|| skip("the headers run past the end of the frame"))?;
        rest = after;
        if header & MORE_HEADERS == 0 {
            return Ok(rest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bridge_frame_start_reads_as_text_with_its_sequence_and_encoding() {
        let body = [0x00, 0x83, 0x04, 0x0D, 0x00, 0x0A, 0x00];
        let read = read(0xA0, &body).unwrap();
        assert_eq!(read.encoding, Encoding::Ucs2);
        let f = read.frame;
        assert_eq!(
            (f.kind, f.sequence, f.address),
            (Kind::Text, Some(3), &[][..])
        );
        assert_eq!(f.text, [0x0D, 0x00, 0x0A, 0x00]);
    }

    #[test]
    fn protocol_traffic_is_recognised_by_its_first_header() {
        for (header, kind) in [
            (0x9F, Kind::Acknowledgement),
            (0x1F, Kind::Acknowledgement),
            (0x90, Kind::Control),
            (0x10, Kind::Control),
        ] {
            let f = read(header, &[0x00, 0x81]).unwrap().frame;
            assert_eq!((f.kind, f.text), (kind, &[][..]), "header {header:02X}");
        }
        let err = read(0xA3, &[0x00, 0x01]).unwrap_err();
        assert!(err.reason.contains("PDU type 3"), "{}", err.reason);
    }

    #[test]
    fn missing_headers_and_addresses_past_the_end_are_errors() {
        for (header, body, why) in [
            (0xA0, &[][..], "address length"),
            (0xA0, &[0x03, 0x01][..], "address (3 bytes)"),
            (0xA0, &[0x00][..], "sequence-number header"),
            (0xA0, &[0x00, 0x81][..], "encoding header"),
            (0xA0, &[0x00, 0x81, 0x84][..], "headers run past"),
        ] {
            let err = read(header, body).unwrap_err();
            assert!(!err.stops && err.reason.contains(why), "{}", err.reason);
        }
        // A further header is skipped; the text follows it.
        let f = read(0xA0, &[0x00, 0x81, 0x84, 0x01, 0x41, 0x00])
            .unwrap()
            .frame;
        assert_eq!(f.text, [0x41, 0x00]);
    }
}
