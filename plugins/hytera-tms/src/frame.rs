//! Hytera text-message frames, as DESIGN.md describes them (not a vendor spec):
//!
//! | bytes | field |
//! |---|---|
//! | 1 | service type: `0xA1` private, `0xA2` private with ack, `0xB1` group, `0xB2` group with ack |
//! | 4 | request id, big-endian |
//! | 4 | source radio id, big-endian |
//! | 4 | destination radio id (or group id), big-endian |
//! | 2n | UTF-16LE text (optional `FF FE` byte-order mark) |
//! | 2 | terminator: the code unit `0x0000` |
//!
//! Frames follow each other with nothing in between.

/// Bytes before the text: service type, request id, source and destination ids.
pub const HEADER_BYTES: usize = 13;

/// What a frame's service type byte says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `0xA1`: to one radio.
    Private,
    /// `0xA2`: to one radio, acknowledgement wanted.
    PrivateAck,
    /// `0xB1`: to a talk group.
    Group,
    /// `0xB2`: to a talk group, acknowledgement wanted.
    GroupAck,
}

impl Service {
    /// The service for a type byte, if it is one of the four.
    pub fn from_byte(b: u8) -> Option<Service> {
        Some(match b {
            0xA1 => Service::Private,
            0xA2 => Service::PrivateAck,
            0xB1 => Service::Group,
            0xB2 => Service::GroupAck,
            _ => return None,
        })
    }

    /// The name kept in the `hytera-service-type` extension.
    pub fn name(self) -> &'static str {
        match self {
            Service::Private => "private",
            Service::PrivateAck => "private-ack",
            Service::Group => "group",
            Service::GroupAck => "group-ack",
        }
    }
}

/// One frame cut from a payload, its text still encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The service type.
    pub service: Service,
    /// The sender's request id.
    pub request_id: u32,
    /// The sending radio.
    pub source_id: u32,
    /// The receiving radio or talk group.
    pub destination_id: u32,
    /// The UTF-16LE text bytes, without the terminator.
    pub text: &'a [u8],
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

fn stop(reason: impl Into<String>) -> FrameError {
    FrameError {
        reason: reason.into(),
        stops: true,
    }
}

fn be32(b: &[u8]) -> u32 {
    b.iter().fold(0, |acc, x| (acc << 8) | u32::from(*x))
}

/// Cuts back-to-back frames from `bytes`. An unknown service type or a missing
/// terminator loses the frame boundaries and ends the list; a frame longer than
/// `max_frame_bytes` (header, text and terminator) is an error, and skipped.
pub fn frames(bytes: &[u8], max_frame_bytes: usize) -> Vec<Result<Frame<'_>, FrameError>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let Some((header, body)) = rest.split_first_chunk::<HEADER_BYTES>() else {
            out.push(Err(stop(format!(
                "truncated frame: {} byte(s) left, fewer than the {HEADER_BYTES}-byte header",
                rest.len()
            ))));
            break;
        };
        let Some(service) = Service::from_byte(header[0]) else {
            out.push(Err(stop(format!(
                "unknown service type 0x{:02X} (expected A1, A2, B1 or B2)",
                header[0]
            ))));
            break;
        };
        let Some(end) = body.chunks_exact(2).position(|u| u == [0, 0]) else {
            out.push(Err(stop(
                "truncated frame: the text has no 0x0000 terminator",
            )));
            break;
        };
        let (text, after) = (&body[..end * 2], &body[end * 2 + 2..]);
        rest = after;
        let frame_len = HEADER_BYTES + text.len() + 2;
        if frame_len > max_frame_bytes {
            out.push(Err(FrameError {
                reason: format!(
                    "oversized frame: {frame_len} bytes, more than max_frame_bytes ({max_frame_bytes})"
                ),
                stops: false,
            }));
            continue;
        }
        out.push(Ok(Frame {
            service,
            request_id: be32(&header[1..5]),
            source_id: be32(&header[5..9]),
            destination_id: be32(&header[9..13]),
            text,
        }));
    }
    out
}
