//! Cutting a payload into MOTOTRBO text-message frames. Every frame starts with a
//! 2-byte big-endian length of the rest and a first header byte; what follows
//! depends on the layout:
//!
//! - the **TMS layout** real bridges send (see [`crate::tms`]): address length and
//!   address, sequence-number and encoding headers, then the text;
//! - the **simplified layout** an earlier DESIGN.md gave: extension header bytes
//!   (only when the header has `0x80`; each byte's own `0x80` says another follows),
//!   a message id, then the text.
//!
//! A header with any of its low six bits set (`0x20` set by bridges on text, `0x10`
//! control, a PDU type) is read in the TMS layout. The four headers left (`00`, `40`,
//! `80`, `C0`) are read in the TMS layout only when the frame reads there with an
//! encoding header saying UCS-2 (`0x04`) — the shape of a bridge's text frame — and
//! otherwise in the simplified layout, so the frames it described still decode.

use crate::tms::{self, Encoding};

/// Header bit: more headers follow (TMS), or extension header bytes (simplified).
pub const MORE_HEADERS: u8 = 0x80;
/// Header bit: the sender wants an acknowledgement (both layouts).
pub const ACK_WANTED: u8 = 0x40;

/// Which description a frame was read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The TMS PDU layout real bridges send.
    Tms,
    /// The layout an earlier DESIGN.md gave, kept for the senders built to it.
    Simplified,
}

/// What a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A text message: an alert, or text that is meant to be one.
    Text,
    /// An acknowledgement of a text message (TMS PDU type `0xF`): protocol traffic.
    Acknowledgement,
    /// Another control message, e.g. service availability: protocol traffic.
    Control,
}

/// One frame cut from a payload, its text still encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The layout the frame was read in.
    pub layout: Layout,
    /// The first header byte.
    pub header: u8,
    /// Text message or protocol traffic.
    pub kind: Kind,
    /// The TMS address (empty when there is none, and in the simplified layout).
    pub address: &'a [u8],
    /// The TMS sequence number, when the frame has sequence-number headers.
    pub sequence: Option<u8>,
    /// The simplified layout's message id.
    pub message_id: Option<u8>,
    /// The UTF-16 text bytes; empty for protocol traffic.
    pub text: &'a [u8],
}

impl Frame<'_> {
    /// Whether the sender asked for an acknowledgement.
    pub fn ack_wanted(&self) -> bool {
        self.header & ACK_WANTED != 0
    }
}

/// Why a frame could not be read. `stops` is true when the frame boundaries are lost,
/// so nothing after it can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    /// What is wrong, without repeating any text.
    pub reason: String,
    /// Nothing after this frame can be read.
    pub stops: bool,
}

/// An error in one frame whose boundaries are known: the next frame is still read.
pub(crate) fn skip(reason: impl Into<String>) -> FrameError {
    FrameError {
        reason: reason.into(),
        stops: false,
    }
}

/// Cuts back-to-back frames from `bytes`. A frame whose length field exceeds
/// `max_frame_bytes` is an error, and skipped; a truncated frame ends the list.
/// Each frame costs work in proportion to its length, and each is at least two
/// bytes, so hostile input is bounded by its size.
pub fn frames(bytes: &[u8], max_frame_bytes: usize) -> Vec<Result<Frame<'_>, FrameError>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(rest) = bytes.get(at..).filter(|r| !r.is_empty()) {
        let Some((len, after)) = rest.split_first_chunk::<2>() else {
            out.push(Err(FrameError {
                reason: format!(
                    "truncated frame at byte {at}: one byte left where a 2-byte length was expected"
                ),
                stops: true,
            }));
            break;
        };
        let len = usize::from(u16::from_be_bytes(*len));
        let Some(body) = after.get(..len) else {
            out.push(Err(FrameError {
                reason: format!(
                    "truncated frame at byte {at}: its length field says {len} bytes but only {} remain",
                    after.len()
                ),
                stops: true,
            }));
            break;
        };
        at += 2 + len;
        if len > max_frame_bytes {
            out.push(Err(skip(format!(
                "oversized frame: {len} bytes, more than max_frame_bytes ({max_frame_bytes})"
            ))));
            continue;
        }
        out.push(body_of(body));
    }
    out
}

/// Reads one frame's body (what its length field counts) in the layout it follows.
fn body_of(body: &[u8]) -> Result<Frame<'_>, FrameError> {
    let (&header, rest) = body
        .split_first()
        .ok_or_else(|| skip("empty frame: no header byte"))?;
    if header & !(MORE_HEADERS | ACK_WANTED) != 0 {
        return tms::read(header, rest).map(|read| read.frame);
    }
    match tms::read(header, rest) {
        Ok(read) if read.encoding == Encoding::Ucs2 => Ok(read.frame),
        _ => simplified(header, rest),
    }
}

/// The simplified layout: extension header bytes (skipped), message id, text.
fn simplified(header: u8, mut rest: &[u8]) -> Result<Frame<'_>, FrameError> {
    if header & MORE_HEADERS != 0 {
        loop {
            let (&ext, after) = rest
                .split_first()
                .ok_or_else(|| skip("the extension header runs past the end of the frame"))?;
            rest = after;
            if ext & MORE_HEADERS == 0 {
                break;
            }
        }
    }
    let (&message_id, text) = rest
        .split_first()
        .ok_or_else(|| skip("the frame ends before its message id"))?;
    Ok(Frame {
        layout: Layout::Simplified,
        header,
        kind: Kind::Text,
        address: &[],
        sequence: None,
        message_id: Some(message_id),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_bytes_are_skipped_until_one_without_the_high_bit() {
        let bytes = [0x00, 0x06, 0xC0, 0x81, 0x02, 0x2A, 0x41, 0x00];
        let got = frames(&bytes, 1024);
        let frame = got[0].as_ref().unwrap();
        assert_eq!(
            (frame.header, frame.message_id, frame.text),
            (0xC0, Some(0x2A), &[0x41, 0x00][..])
        );
        assert_eq!(frame.layout, Layout::Simplified);
        assert!(frame.ack_wanted());
    }

    #[test]
    fn short_frames_are_errors_that_do_not_stop_the_rest() {
        let bytes = [0x00, 0x00, 0x00, 0x02, 0x80, 0x81, 0x00, 0x02, 0x00, 0x07];
        let got = frames(&bytes, 1024);
        assert_eq!(got.len(), 3);
        assert!(
            got[0]
                .as_ref()
                .is_err_and(|e| !e.stops && e.reason.contains("empty"))
        );
        assert!(
            got[1]
                .as_ref()
                .is_err_and(|e| e.reason.contains("extension header"))
        );
        assert_eq!(got[2].as_ref().unwrap().message_id, Some(7));
        let got = frames(&[0x00, 0x05, 0x00], 1024);
        assert!(got[0].as_ref().is_err_and(|e| e.stops));
        let got = frames(&[0x00], 1024);
        assert!(got[0].as_ref().is_err_and(|e| e.stops));
    }

    #[test]
    fn headers_without_tms_bits_are_tms_only_with_a_ucs2_encoding_header() {
        // C0: ack wanted, more headers; no address; s/n 1 with another header; UCS-2.
        let tms = [0x00, 0x06, 0xC0, 0x00, 0x81, 0x04, 0x41, 0x00];
        let got = frames(&tms, 1024);
        let frame = got[0].as_ref().unwrap();
        assert_eq!(
            (frame.layout, frame.sequence, frame.text),
            (Layout::Tms, Some(1), &[0x41, 0x00][..])
        );
        // The same bytes with encoding 0x05 are read as the simplified layout:
        // extension byte 00, message id 0x81, text `05 41 00`.
        let other = [0x00, 0x06, 0xC0, 0x00, 0x81, 0x05, 0x41, 0x00];
        let got = frames(&other, 1024);
        let frame = got[0].as_ref().unwrap();
        assert_eq!(
            (frame.layout, frame.message_id, frame.text.len()),
            (Layout::Simplified, Some(0x81), 3)
        );
        // With the text bit (0x20) set there is no doubt: an unknown encoding is an error.
        let text_bit = [0x00, 0x06, 0xE0, 0x00, 0x81, 0x05, 0x41, 0x00];
        let got = frames(&text_bit, 1024);
        assert!(
            got[0]
                .as_ref()
                .is_err_and(|e| !e.stops && e.reason.contains("encoding 0x05"))
        );
    }
}
