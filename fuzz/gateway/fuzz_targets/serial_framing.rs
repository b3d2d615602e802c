//! The serial framer on any byte stream, cut into pushes where the input says:
//! every framing and line end and several maxima. It must never panic, and no
//! frame, cut head or run of bytes outside frames may exceed the maximum (plus
//! the two length bytes a length-prefixed frame carries).
#![no_main]

use bcgw::sources::framing::{Framed, Framer, Framing, LineEnd};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let framing = [Framing::Line, Framing::StxEtx, Framing::LengthPrefix][usize::from(mode % 3)];
    let line_end = [LineEnd::Lf, LineEnd::Cr, LineEnd::Crlf][usize::from((mode / 3) % 3)];
    let max = 1 + usize::from(mode / 9) * 4;
    let mut framer = Framer::new(framing, line_end, max);
    let mut out = Vec::new();
    // Pushes of varying size, as a serial port delivers them.
    let mut at = 0;
    let mut step = 1;
    while at < rest.len() {
        let end = (at + step).min(rest.len());
        framer.push(&rest[at..end], &mut out);
        at = end;
        step = step % 7 + 1;
    }
    for f in &out {
        match f {
            Framed::Frame(b) => assert!(b.len() <= max + 2, "frame of {} past max {max}", b.len()),
            Framed::TooLong { head, .. } => assert!(head.len() <= max + 2),
            Framed::Outside(b) => assert!(b.len() <= max + 2),
        }
    }
});
