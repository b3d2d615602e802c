//! Cutting a payload into Hytera text-message frames, which follow each other with
//! nothing in between, each in one of two layouts:
//!
//! - the **TMP layout** publicly described (see [`crate::tmp`]): a flags byte, the
//!   service type, a 2-byte length of the rest, request id, radio IPs, text;
//! - the **simplified layout** an earlier DESIGN.md gave (see [`simplified`]): the
//!   service type first, then request id, source and destination ids, text.
//!
//! A frame whose first byte is a service type (`A1`, `A2`, `B1`, `B2`) is read in the
//! simplified layout: as TMP flags those bytes would set reserved bits. Any other
//! first byte is read as TMP flags when its reserved bits are clear or the next byte
//! is a service type. Otherwise the frame boundaries are lost.

use crate::{simplified, tmp};

/// What a service type byte says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `0xA1`: a message to one radio.
    Private,
    /// `0xA2`: TMP: the acknowledgement of a private message; simplified layout:
    /// a private message wanting one.
    PrivateAck,
    /// `0xB1`: a message to a talk group.
    Group,
    /// `0xB2`: TMP: the acknowledgement of a group message; simplified layout:
    /// a group message wanting one.
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

/// Which description a frame was read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The publicly described text message protocol.
    Tmp,
    /// The layout an earlier DESIGN.md gave, kept for the senders built to it.
    Simplified,
}

/// A text message, its text still encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    /// The layout the frame was read in.
    pub layout: Layout,
    /// The service type.
    pub service: Service,
    /// Whether the sender asked for an acknowledgement.
    pub ack_wanted: bool,
    /// The sender's request id.
    pub request_id: u32,
    /// The sending radio's id (TMP: the 3-byte id of its radio IP).
    pub source_id: u32,
    /// The receiving radio's or talk group's id (TMP: from its radio IP).
    pub destination_id: u32,
    /// The UTF-16LE text bytes, without the terminator.
    pub text: &'a [u8],
}

/// One frame cut from a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A private or group text message.
    Message(Message<'a>),
    /// A TMP acknowledgement: protocol traffic, with no text.
    Acknowledgement,
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

/// What a layout makes of the bytes at a frame's start: the frame (or why it cannot
/// be used) and how many bytes it takes, or why the frame boundaries are lost.
pub(crate) type Cut<'a> = Result<(Result<Frame<'a>, String>, usize), String>;

/// The reason a frame longer than `max_frame_bytes` gives.
pub(crate) fn oversized(len: usize, max_frame_bytes: usize) -> String {
    format!("oversized frame: {len} bytes, more than max_frame_bytes ({max_frame_bytes})")
}

/// The layout of the frame starting at `rest`, or `None` when it follows neither.
fn layout(rest: &[u8]) -> Option<Layout> {
    match rest {
        [first, ..] if Service::from_byte(*first).is_some() => Some(Layout::Simplified),
        [flags, ..] if flags & tmp::RESERVED == 0 => Some(Layout::Tmp),
        [_, service, ..] if Service::from_byte(*service).is_some() => Some(Layout::Tmp),
        _ => None,
    }
}

/// Cuts back-to-back frames from `bytes`. A malformed frame is an error and the
/// next one is read; only where the frame boundaries are lost (an unknown first
/// byte, a TMP length past the end, a missing terminator in the simplified layout)
/// does one error, naming the byte where it happened, end the list. A frame longer
/// than `max_frame_bytes` (all its bytes counted) is an error, and skipped. Each frame
/// costs work in proportion to its length and takes at least four bytes.
pub fn frames(bytes: &[u8], max_frame_bytes: usize) -> Vec<Result<Frame<'_>, FrameError>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(rest) = bytes.get(at..).filter(|r| !r.is_empty()) {
        let cut = match layout(rest) {
            Some(Layout::Simplified) => simplified::cut(rest, max_frame_bytes),
            Some(Layout::Tmp) => tmp::cut(rest, max_frame_bytes),
            None => Err(format!(
                "unknown service type 0x{:02X} (neither byte 0 nor byte 1 of the frame is A1, A2, B1 or B2)",
                rest[0]
            )),
        };
        match cut {
            Ok((frame, len)) => {
                out.push(frame.map_err(|reason| FrameError {
                    reason,
                    stops: false,
                }));
                at += len;
            }
            Err(why) => {
                out.push(Err(FrameError {
                    reason: format!(
                        "{why}; the frame boundaries are lost at byte {at}, so the {} byte(s) from there are not read",
                        rest.len()
                    ),
                    stops: true,
                }));
                break;
            }
        }
    }
    out
}
