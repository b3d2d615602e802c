//! MOTOTRBO text-message frames, as DESIGN.md describes them (not a vendor spec):
//!
//! | bytes | field |
//! |---|---|
//! | 2 | length of the rest of the frame, big-endian |
//! | 1 | header: `0x80` extension header follows, `0x40` ack wanted, low 6 bits ignored |
//! | 0+ | extension header bytes, only when the header has `0x80`: each byte's own `0x80` says another follows; all are skipped |
//! | 1 | message id |
//! | rest | UTF-16 text, either byte order, optional byte-order mark |

/// Header bit: extension header bytes follow.
pub const EXTENSION: u8 = 0x80;
/// Header bit: the sender wants an acknowledgement.
pub const ACK_WANTED: u8 = 0x40;

/// One frame cut from a payload, its text still encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The header byte.
    pub header: u8,
    /// The message id byte.
    pub message_id: u8,
    /// The UTF-16 text bytes.
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

fn skip(reason: impl Into<String>) -> FrameError {
    FrameError {
        reason: reason.into(),
        stops: false,
    }
}

/// Cuts back-to-back frames from `bytes`. A frame whose length field exceeds
/// `max_frame_bytes` is an error, and skipped; a truncated frame ends the list.
pub fn frames(bytes: &[u8], max_frame_bytes: usize) -> Vec<Result<Frame<'_>, FrameError>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let Some((len, after)) = rest.split_first_chunk::<2>() else {
            out.push(Err(FrameError {
                reason: "truncated frame: one byte left where a 2-byte length was expected".into(),
                stops: true,
            }));
            break;
        };
        let len = usize::from(u16::from_be_bytes(*len));
        if len > after.len() {
            out.push(Err(FrameError {
                reason: format!(
                    "truncated frame: its length field says {len} bytes but only {} remain",
                    after.len()
                ),
                stops: true,
            }));
            break;
        }
        let (body, next) = after.split_at(len);
        rest = next;
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

fn body_of(body: &[u8]) -> Result<Frame<'_>, FrameError> {
    let (&header, mut rest) = body
        .split_first()
        .ok_or_else(|| skip("empty frame: no header byte"))?;
    if header & EXTENSION != 0 {
        loop {
            let (&ext, after) = rest
                .split_first()
                .ok_or_else(|| skip("the extension header runs past the end of the frame"))?;
            rest = after;
            if ext & EXTENSION == 0 {
                break;
            }
        }
    }
    let (&message_id, text) = rest
        .split_first()
        .ok_or_else(|| skip("the frame ends before its message id"))?;
    Ok(Frame {
        header,
        message_id,
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
            (0xC0, 0x2A, &[0x41, 0x00][..])
        );
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
        assert_eq!(got[2].as_ref().unwrap().message_id, 7);
        let got = frames(&[0x00, 0x05, 0x00], 1024);
        assert!(got[0].as_ref().is_err_and(|e| e.stops));
        let got = frames(&[0x00], 1024);
        assert!(got[0].as_ref().is_err_and(|e| e.stops));
    }
}
