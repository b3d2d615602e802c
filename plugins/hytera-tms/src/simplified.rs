//! The simplified layout an earlier DESIGN.md gave, kept for the senders built to it:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | service type: `0xA1` private, `0xA2` private with ack, `0xB1` group, `0xB2` group with ack |
//! | 4 | request id, big-endian |
//! | 4 | source radio id, big-endian |
//! | 4 | destination radio id (or group id), big-endian |
//! | 2n | UTF-16LE text (optional `FF FE` byte-order mark) |
//! | 2 | terminator: the code unit `0x0000` |

use crate::frame::{Cut, Frame, Layout, Message, Service, oversized};

/// Bytes before the text: service type, request id, source and destination ids.
pub const HEADER_BYTES: usize = 13;

/// Cuts the frame at the start of `rest`, whose first byte is a service type.
/// Only the terminator marks where it ends, so without one the boundaries are lost.
pub(crate) fn cut(rest: &[u8], max_frame_bytes: usize) -> Cut<'_> {
    let Some((header, body)) = rest.split_first_chunk::<HEADER_BYTES>() else {
        return Err(format!(
            "truncated frame: {} byte(s) left, fewer than the {HEADER_BYTES}-byte header",
            rest.len()
        ));
    };
    let Some(end) = body.chunks_exact(2).position(|u| u == [0, 0]) else {
        return Err("truncated frame: the text has no 0x0000 terminator".into());
    };
    let text = &body[..end * 2];
    let len = HEADER_BYTES + text.len() + 2;
    if len > max_frame_bytes {
        return Ok((Err(oversized(len, max_frame_bytes)), len));
    }
    let [service, r0, r1, r2, r3, s0, s1, s2, s3, d0, d1, d2, d3] = *header;
    let Some(service) = Service::from_byte(service) else {
        return Err(format!("unknown service type 0x{service:02X}"));
    };
    let message = Message {
        layout: Layout::Simplified,
        service,
        ack_wanted: matches!(service, Service::PrivateAck | Service::GroupAck),
        request_id: u32::from_be_bytes([r0, r1, r2, r3]),
        source_id: u32::from_be_bytes([s0, s1, s2, s3]),
        destination_id: u32::from_be_bytes([d0, d1, d2, d3]),
        text,
    };
    Ok((Ok(Frame::Message(message)), len))
}
