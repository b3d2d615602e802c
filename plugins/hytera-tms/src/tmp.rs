//! The Hytera text message protocol (TMP) as publicly described (the Kaitai
//! description in OK-DMR's Hytera_Homebrew_Bridge):
//!
//! | bytes | field |
//! |---|---|
//! | 1 | flags: `0x80` clear = acknowledgement wanted, `0x40` = option field present, low 6 bits reserved |
//! | 1 | service type: `0xA1` private message, `0xA2` its acknowledgement, `0xB1` group message, `0xB2` its acknowledgement |
//! | 2 | length of the rest of the frame, big-endian |
//! | 2 | option field length, big-endian (only with the option flag) |
//! | 4 | request id, big-endian |
//! | 4 | destination radio IP: subnet byte, 3-byte radio id (or talk group) |
//! | 4 | source radio IP (not on a group acknowledgement) |
//! | 1 | result (acknowledgements only) |
//! | 2n | UTF-16LE text (messages only), ending in the code unit `0x0000` |
//! | m | the option field |
//!
//! The length bounds each frame, so a malformed one is skipped and the next read.
//! Acknowledgements are recognised by their service type; the rest of them is not read.

use crate::frame::{Cut, Frame, Layout, Message, Service, oversized};

/// Flags bit: set when the sender wants no acknowledgement.
pub const NO_ACK: u8 = 0x80;
/// Flags bit: an option field (and its length) is present.
pub const OPTION: u8 = 0x40;
/// Flags bits no description gives a meaning; clear in what senders write.
pub const RESERVED: u8 = 0x3F;
/// Flags, service type and length.
const START_BYTES: usize = 4;
/// Request id, destination and source radio IPs.
const HEADER_BYTES: usize = 12;

/// The radio id in a radio IP: its last 3 bytes, big-endian (the first is the subnet).
pub fn radio_id(ip: [u8; 4]) -> u32 {
    u32::from_be_bytes([0, ip[1], ip[2], ip[3]])
}

/// Cuts the frame at the start of `rest`, which begins with TMP flags.
pub(crate) fn cut(rest: &[u8], max_frame_bytes: usize) -> Cut<'_> {
    let Some(&[flags, service, hi, lo]) = rest.first_chunk::<START_BYTES>() else {
        return Err(format!(
            "truncated frame: {} byte(s) left, fewer than the {START_BYTES} that start a frame",
            rest.len()
        ));
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    let Some(body) = rest.get(START_BYTES..START_BYTES + len) else {
        return Err(format!(
            "truncated frame: its length field says {len} bytes but only {} remain",
            rest.len() - START_BYTES
        ));
    };
    let frame_len = START_BYTES + len;
    if frame_len > max_frame_bytes {
        return Ok((Err(oversized(frame_len, max_frame_bytes)), frame_len));
    }
    let frame = match Service::from_byte(service) {
        None => Err(format!(
            "unknown service type 0x{service:02X} (expected A1, A2, B1 or B2)"
        )),
        Some(Service::PrivateAck | Service::GroupAck) => Ok(Frame::Acknowledgement),
        Some(service) => message(flags, service, body).map(Frame::Message),
    };
    Ok((frame, frame_len))
}

/// Reads a private or group message from the bytes its length field counts.
fn message(flags: u8, service: Service, body: &[u8]) -> Result<Message<'_>, String> {
    let (option_len, body) = if flags & OPTION != 0 {
        let (len, rest) = body
            .split_first_chunk::<2>()
            .ok_or("the frame ends before its option field length")?;
        (usize::from(u16::from_be_bytes(*len)), rest)
    } else {
        (0, body)
    };
    let Some((header, rest)) = body.split_first_chunk::<HEADER_BYTES>() else {
        return Err(format!(
            "the frame ends inside its header: {} byte(s) where the request id and two radio IPs take {HEADER_BYTES}",
            body.len()
        ));
    };
    let text = rest
        .len()
        .checked_sub(option_len)
        .map(|end| &rest[..end])
        .ok_or_else(|| {
            format!(
                "the option field ({option_len} bytes) runs past the end of the frame ({} bytes left)",
                rest.len()
            )
        })?;
    let [r0, r1, r2, r3, d0, d1, d2, d3, s0, s1, s2, s3] = *header;
    Ok(Message {
        layout: Layout::Tmp,
        service,
        ack_wanted: flags & NO_ACK == 0,
        request_id: u32::from_be_bytes([r0, r1, r2, r3]),
        destination_id: radio_id([d0, d1, d2, d3]),
        source_id: radio_id([s0, s1, s2, s3]),
        text: until_terminator(text),
    })
}

/// The text up to its `0x0000` terminator. Without one the length field has
/// already said where the text ends, so all of it is the text.
fn until_terminator(text: &[u8]) -> &[u8] {
    match text.chunks_exact(2).position(|u| u == [0, 0]) {
        Some(end) => &text[..end * 2],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radio_ids_are_the_last_three_bytes_of_a_radio_ip() {
        assert_eq!(radio_id([10, 0, 0, 80]), 80);
        assert_eq!(radio_id([10, 0x1E, 0x89, 0x52]), 2_001_234);
        assert_eq!(radio_id([0xFF; 4]), 16_777_215);
    }

    #[test]
    fn acknowledgements_are_cut_by_their_length_without_reading_the_rest() {
        let bytes = [0x80, 0xB2, 0x00, 0x02, 0xFF, 0xFF, 0xA1];
        let (frame, len) = cut(&bytes, 1024).unwrap();
        assert_eq!((frame, len), (Ok(Frame::Acknowledgement), 6));
    }

    #[test]
    fn a_length_past_the_end_loses_the_boundaries() {
        let err = cut(&[0x00, 0xA1, 0x00, 0x10, 0x00], 1024).unwrap_err();
        assert!(err.contains("says 16 bytes but only 1 remain"), "{err}");
        let err = cut(&[0x00, 0xA1, 0x00], 1024).unwrap_err();
        assert!(err.contains("3 byte(s) left"), "{err}");
    }

    #[test]
    fn an_option_field_past_the_end_rejects_only_its_frame() {
        let mut bytes = vec![0x40, 0xA1, 0x00, 0x0F, 0x00, 0x09];
        bytes.extend([0; 12]);
        bytes.push(0x41);
        let (frame, len) = cut(&bytes, 1024).unwrap();
        assert_eq!(len, bytes.len());
        let err = frame.unwrap_err();
        assert!(err.contains("option field (9 bytes)"), "{err}");
    }
}
