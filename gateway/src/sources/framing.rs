//! Cutting a byte stream into frames: by line terminator, between STX and ETX, or
//! by a 2-byte big-endian length prefix. Pure and incremental: bytes go in as they
//! arrive (a frame may be split across reads, or several arrive in one), frames
//! come out. Memory is bounded by `max_frame` whatever the stream holds.
//!
//! Used by the serial source; nothing here knows about ports.

use serde::Deserialize;

/// How frames are delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Framing {
    /// One frame per line (see [`LineEnd`]). Empty lines are skipped.
    #[default]
    Line,
    /// A frame is the bytes between STX (0x02) and ETX (0x03).
    StxEtx,
    /// A 2-byte big-endian length, then that many bytes. The frame handed on
    /// includes the length bytes (MOTOTRBO frames carry their own length).
    LengthPrefix,
}

/// The line terminator for [`Framing::Line`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LineEnd {
    /// LF; a CR before it is dropped too (so CRLF works).
    #[default]
    Lf,
    /// CR; an LF after it is dropped too.
    Cr,
    /// CR LF exactly; a lone CR or LF is part of the line.
    Crlf,
}

const STX: u8 = 0x02;
const ETX: u8 = 0x03;

/// What came out of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framed {
    /// A complete frame.
    Frame(Vec<u8>),
    /// A frame longer than the maximum: its first `max_frame` bytes, and how long
    /// it really was (as far as known when it was cut).
    TooLong {
        /// The first bytes of the frame.
        head: Vec<u8>,
        /// Its length in all (at least).
        len: usize,
    },
    /// Bytes outside any frame (STX/ETX framing): the first `max_frame` of them.
    Outside(Vec<u8>),
}

/// An incremental framer.
#[derive(Debug)]
pub struct Framer {
    framing: Framing,
    line_end: LineEnd,
    max_frame: usize,
    buf: Vec<u8>,
    /// Bytes of the current frame not kept (it is over the maximum).
    overflow: usize,
    /// STX/ETX: inside a frame.
    inside: bool,
    /// Line/CR: the previous byte ended a line with CR, so a following LF is eaten.
    after_cr: bool,
    /// Length prefix: bytes still to skip of an oversized frame.
    skip: usize,
}

impl Framer {
    /// A framer; `max_frame` bounds every frame (and the memory held).
    pub fn new(framing: Framing, line_end: LineEnd, max_frame: usize) -> Framer {
        Framer {
            framing,
            line_end,
            max_frame: max_frame.max(1),
            buf: Vec::new(),
            overflow: 0,
            inside: false,
            after_cr: false,
            skip: 0,
        }
    }

    /// Bytes held of an unfinished frame.
    pub fn pending(&self) -> usize {
        self.buf.len() + self.overflow + self.skip
    }

    /// Forgets an unfinished frame (the device went away: it is never glued to the
    /// next one). Returns how many bytes were dropped.
    pub fn reset(&mut self) -> usize {
        let dropped = self.pending();
        self.buf.clear();
        self.overflow = 0;
        self.inside = false;
        self.after_cr = false;
        self.skip = 0;
        dropped
    }

    /// Feeds bytes; frames completed by them are appended to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Framed>) {
        match self.framing {
            Framing::Line => bytes.iter().for_each(|&b| self.line_byte(b, out)),
            Framing::StxEtx => bytes.iter().for_each(|&b| self.stx_byte(b, out)),
            Framing::LengthPrefix => self.length_bytes(bytes, out),
        }
    }

    fn keep(&mut self, b: u8) {
        if self.buf.len() < self.max_frame {
            self.buf.push(b);
        } else {
            self.overflow += 1;
        }
    }

    fn finish(&mut self, out: &mut Vec<Framed>) {
        let frame = std::mem::take(&mut self.buf);
        if self.overflow > 0 {
            let len = frame.len() + self.overflow;
            out.push(Framed::TooLong { head: frame, len });
        } else if !frame.is_empty() {
            out.push(Framed::Frame(frame));
        }
        self.overflow = 0;
    }

    fn line_byte(&mut self, b: u8, out: &mut Vec<Framed>) {
        match self.line_end {
            LineEnd::Lf => {
                if b == b'\n' {
                    if self.buf.last() == Some(&b'\r') && self.overflow == 0 {
                        self.buf.pop();
                    }
                    self.finish(out);
                } else {
                    self.keep(b);
                }
            }
            LineEnd::Cr => {
                let eat_lf = std::mem::take(&mut self.after_cr) && b == b'\n';
                if b == b'\r' {
                    self.finish(out);
                    self.after_cr = true;
                } else if !eat_lf {
                    self.keep(b);
                }
            }
            LineEnd::Crlf => {
                if b == b'\n' && self.buf.last() == Some(&b'\r') {
                    self.buf.pop();
                    self.finish(out);
                } else {
                    self.keep(b);
                }
            }
        }
    }

    fn stx_byte(&mut self, b: u8, out: &mut Vec<Framed>) {
        match (self.inside, b) {
            (false, STX) => {
                self.flush_outside(out);
                self.inside = true;
            }
            (false, _) => self.keep(b),
            (true, ETX) => {
                self.finish(out);
                self.inside = false;
            }
            (true, STX) => {
                // A new frame starts before the last one ended: the unfinished one
                // is malformed. Hand it on as too long or as bytes outside a frame.
                let head = std::mem::take(&mut self.buf);
                let len = head.len() + self.overflow;
                self.overflow = 0;
                if !head.is_empty() {
                    out.push(Framed::Outside(head));
                } else if len > 0 {
                    out.push(Framed::TooLong { head, len });
                }
            }
            (true, _) => self.keep(b),
        }
    }

    fn flush_outside(&mut self, out: &mut Vec<Framed>) {
        let noise = std::mem::take(&mut self.buf);
        self.overflow = 0;
        // Line noise between frames (a stray CR/LF) is not worth a quarantine entry.
        if noise.iter().any(|b| !b.is_ascii_whitespace() && *b != 0) {
            out.push(Framed::Outside(noise));
        }
    }

    fn length_bytes(&mut self, mut bytes: &[u8], out: &mut Vec<Framed>) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            if self.buf.len() < 2 {
                self.buf.push(bytes[0]);
                bytes = &bytes[1..];
                continue;
            }
            let want = 2 + usize::from(u16::from_be_bytes([self.buf[0], self.buf[1]]));
            if want > self.max_frame {
                // Keep the head for the quarantine, skip the rest of the frame: the
                // length says where the next one starts.
                // Saturating: a maximum below the two length bytes (config refuses
                // it; the framer must not underflow on it either, found by fuzzing).
                let take = self
                    .max_frame
                    .saturating_sub(self.buf.len())
                    .min(bytes.len());
                self.buf.extend_from_slice(&bytes[..take]);
                bytes = &bytes[take..];
                if self.buf.len() >= self.max_frame {
                    let head = std::mem::take(&mut self.buf);
                    self.skip = want - head.len();
                    out.push(Framed::TooLong { head, len: want });
                }
                continue;
            }
            let take = (want - self.buf.len()).min(bytes.len());
            self.buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buf.len() == want {
                out.push(Framed::Frame(std::mem::take(&mut self.buf)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// Found by `fuzz/gateway` `serial_framing`: a maximum of 1 byte with length
    /// prefixes subtracted past zero. Every frame is now too long, and the
    /// stream stays in step.
    #[test]
    fn a_maximum_below_the_length_bytes_cuts_every_frame_without_underflow() {
        let mut f = Framer::new(Framing::LengthPrefix, LineEnd::Lf, 1);
        let mut out = Vec::new();
        f.push(b"\x00\x05hello\x00\x02hi", &mut out);
        assert_eq!(
            out,
            vec![
                Framed::TooLong {
                    head: vec![0, 5],
                    len: 7
                },
                Framed::TooLong {
                    head: vec![0, 2],
                    len: 4
                },
            ]
        );
    }

    use super::*;

    fn run(f: &mut Framer, chunks: &[&[u8]]) -> Vec<Framed> {
        let mut out = Vec::new();
        for c in chunks {
            f.push(c, &mut out);
        }
        out
    }

    fn frame(s: &[u8]) -> Framed {
        Framed::Frame(s.to_vec())
    }

    #[test]
    fn lines_split_across_reads_and_many_per_read() {
        let mut f = Framer::new(Framing::Line, LineEnd::Lf, 64);
        let out = run(
            &mut f,
            &[b"ALERT 1", b"4:03 A\r\nALERT 2\nALERT 3\r", b"\n\n"],
        );
        assert_eq!(
            out,
            vec![
                frame(b"ALERT 14:03 A"),
                frame(b"ALERT 2"),
                frame(b"ALERT 3")
            ]
        );
        let mut f = Framer::new(Framing::Line, LineEnd::Cr, 64);
        assert_eq!(
            run(&mut f, &[b"A\r\nB\r", b"C\r"]),
            vec![frame(b"A"), frame(b"B"), frame(b"C")]
        );
        let mut f = Framer::new(Framing::Line, LineEnd::Crlf, 64);
        assert_eq!(
            run(&mut f, &[b"A\nB\r", b"\nC\r\n"]),
            vec![frame(b"A\nB"), frame(b"C")]
        );
    }

    #[test]
    fn an_oversized_line_is_cut_and_the_stream_goes_on() {
        let mut f = Framer::new(Framing::Line, LineEnd::Lf, 4);
        let out = run(&mut f, &[b"ABCDEFGH\nOK\n"]);
        assert_eq!(
            out,
            vec![
                Framed::TooLong {
                    head: b"ABCD".to_vec(),
                    len: 8
                },
                frame(b"OK")
            ]
        );
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn stx_etx_with_noise_and_a_broken_frame() {
        let mut f = Framer::new(Framing::StxEtx, LineEnd::Lf, 16);
        let out = run(
            &mut f,
            &[b"\r\n\x02ONE\x03zz\x02TW", b"O\x03\x02BRO\x02THREE\x03"],
        );
        assert_eq!(
            out,
            vec![
                frame(b"ONE"),
                Framed::Outside(b"zz".to_vec()),
                frame(b"TWO"),
                Framed::Outside(b"BRO".to_vec()),
                frame(b"THREE"),
            ]
        );
    }

    #[test]
    fn length_prefix_split_joined_and_oversized() {
        let mut f = Framer::new(Framing::LengthPrefix, LineEnd::Lf, 8);
        let out = run(
            &mut f,
            &[
                &[0, 3, b'a'],
                &[b'b', b'c', 0, 1, b'z', 0, 10],
                b"0123456789",
                &[0, 2, b'o', b'k'],
            ],
        );
        assert_eq!(
            out,
            vec![
                frame(&[0, 3, b'a', b'b', b'c']),
                frame(&[0, 1, b'z']),
                Framed::TooLong {
                    head: vec![0, 10, b'0', b'1', b'2', b'3', b'4', b'5'],
                    len: 12
                },
                frame(&[0, 2, b'o', b'k']),
            ]
        );
    }

    #[test]
    fn reset_drops_a_partial_frame() {
        let mut f = Framer::new(Framing::Line, LineEnd::Lf, 64);
        let out = run(&mut f, &[b"ALERT 14:0"]);
        assert!(out.is_empty());
        assert_eq!(f.reset(), 10);
        assert_eq!(run(&mut f, &[b"3 B\n"]), vec![frame(b"3 B")]);
    }
}
