//! Frames in the TMS layout real bridges send, built field by field by [`Pdu`].

use super::{ALERT, run, utf16};
use serde_json::json;

/// First-header bits and PDU types, as a bridge sets them.
const MORE_HEADERS: u8 = 0x80;
const ACK_WANTED: u8 = 0x40;
/// Set by bridges on every simple text message (a "reserved" bit in dmrlib's terms).
const TEXT_BIT: u8 = 0x20;
const ACKNOWLEDGEMENT: u8 = 0x1F;
const AVAILABILITY: u8 = 0x10;
const UCS2_LE: u8 = 0x04;

/// The fields of one TMS PDU; [`Pdu::bytes`] writes them in wire order.
#[derive(Debug, Clone)]
struct Pdu {
    /// First header without the "more headers" bit, which `bytes` sets itself.
    first: u8,
    address: Vec<u8>,
    sequence: Option<u8>,
    encoding: Option<u8>,
    /// Header bytes that follow the first one when `sequence` is `None`
    /// (a service-availability message's capability byte).
    other_header: Option<u8>,
    text: Vec<u8>,
}

impl Pdu {
    /// A simple text message as bridges send it: s/n and UCS-2 encoding headers.
    fn text(sequence: u8, text: Vec<u8>) -> Pdu {
        Pdu {
            first: TEXT_BIT,
            address: Vec::new(),
            sequence: Some(sequence),
            encoding: Some(UCS2_LE),
            other_header: None,
            text,
        }
    }

    /// An acknowledgement of text message `sequence`, or with no s/n at all.
    fn ack(sequence: Option<u8>) -> Pdu {
        Pdu {
            first: ACKNOWLEDGEMENT,
            sequence,
            encoding: None,
            ..Pdu::text(0, Vec::new())
        }
    }

    fn address(mut self, address: &[u8]) -> Pdu {
        self.address = address.to_vec();
        self
    }

    fn ack_wanted(mut self) -> Pdu {
        self.first |= ACK_WANTED;
        self
    }

    fn encoding(mut self, encoding: Option<u8>) -> Pdu {
        self.encoding = encoding;
        self
    }

    /// Length | first header | address length, address | s/n headers | text.
    fn bytes(&self) -> Vec<u8> {
        let mut headers = Vec::new();
        if let Some(sn) = self.sequence {
            // The second header carries the 2 high bits of a 7-bit s/n and the encoding.
            let second = match self.encoding {
                Some(encoding) => Some((sn & 0x60) | encoding),
                None => (sn > 0x1F).then_some(sn & 0x60),
            };
            let more = if second.is_some() { MORE_HEADERS } else { 0 };
            headers.push(more | (sn & 0x1F));
            headers.extend(second);
        }
        headers.extend(self.other_header);
        let more = if headers.is_empty() { 0 } else { MORE_HEADERS };
        let mut body = vec![self.first | more, self.address.len() as u8];
        body.extend(&self.address);
        body.extend(headers);
        body.extend(&self.text);
        let mut out = (body.len() as u16).to_be_bytes().to_vec();
        out.extend(body);
        out
    }
}

fn le(text: &str) -> Vec<u8> {
    utf16(text, false, false)
}

fn be(text: &str) -> Vec<u8> {
    utf16(text, true, false)
}

const GREGGS: &str = "\r\nALERT 14:10 GREGGS F 20S S/L";

#[test]
fn a_frame_as_bridges_send_it_decodes() {
    // `00 xx A0 00 8n 04 0D 00 0A 00`: text bit and more headers, no address,
    // s/n 3 with another header following, UCS-2 LE, then CR LF and the alert.
    let text = le(&format!("\r\n{ALERT}"));
    let mut bytes = ((text.len() + 4) as u16).to_be_bytes().to_vec();
    bytes.extend([0xA0, 0x00, 0x83, 0x04]);
    bytes.extend(&text);
    assert_eq!(
        Pdu::text(3, text).bytes(),
        bytes,
        "the helper writes this layout"
    );

    let out = run(json!({"town": "Bristol"}), &bytes);
    assert_eq!(out.rejects, vec![]);
    let r = &out.reports[0];
    assert_eq!(r.location.premises_name.as_deref(), Some("BOOTS BROADMEAD"));
    assert_eq!(r.persons[0].description.as_deref(), Some("BLUE hooded top"));
    assert_eq!(r.extension("tms-sequence"), Some("3"));
    assert_eq!(r.extension("mototrbo-ack-wanted"), Some("false"));
    assert_eq!(r.extension("utf16-byte-order"), Some("le"));
    assert_eq!(r.extension("radio-id"), None, "no address, no radio id");
    assert_eq!(r.extension("mototrbo-message-id"), None);
}

#[test]
fn frames_back_to_back_with_and_without_an_address_each_give_a_report() {
    let frames = [
        Pdu::text(1, le(&format!("\r\n{ALERT}"))),
        Pdu::text(2, le(GREGGS)).address(b"2001234").ack_wanted(),
        // A radio IP: network 12, then the 3-byte radio id 2001235.
        Pdu::text(3, le(GREGGS)).address(&[12, 0x1E, 0x89, 0x53]),
        // UCS-2 digits, as the text is written.
        Pdu::text(4, le(GREGGS)).address(&le("2001236")),
    ];
    let bytes: Vec<u8> = frames.iter().flat_map(Pdu::bytes).collect();
    let out = run(json!({}), &bytes);
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 4);
    let got = |key| -> Vec<_> { out.reports.iter().map(|r| r.extension(key)).collect() };
    assert_eq!(
        got("radio-id"),
        [None, Some("2001234"), Some("2001235"), Some("2001236")]
    );
    assert_eq!(
        got("tms-address"),
        [None, Some("2001234"), Some("0c1e8953"), Some("2001236")]
    );
    assert_eq!(
        got("tms-sequence"),
        [Some("1"), Some("2"), Some("3"), Some("4")]
    );
    assert_eq!(
        got("mototrbo-ack-wanted"),
        [Some("false"), Some("true"), Some("false"), Some("false")]
    );
    assert_eq!(
        out.reports[1].location.premises_name.as_deref(),
        Some("GREGGS")
    );
}

#[test]
fn acknowledgements_and_availability_messages_are_neither_reports_nor_rejects() {
    let availability = Pdu {
        first: AVAILABILITY,
        sequence: None,
        other_header: Some(0x03),
        ..Pdu::ack(None)
    };
    let frames = [
        Pdu::text(1, le(&format!("\r\n{ALERT}"))).ack_wanted(),
        Pdu::ack(Some(1)).address(b"2001234"),
        availability,
        Pdu::ack(None),
        Pdu::text(2, le(GREGGS)),
        Pdu::text(3, le(GREGGS)).encoding(Some(0x07)),
    ];
    let bytes: Vec<u8> = frames.iter().flat_map(Pdu::bytes).collect();
    let out = run(json!({}), &bytes);
    assert_eq!(out.reports.len(), 2);
    assert_eq!(out.reports[1].extension("tms-sequence"), Some("2"));
    // Only the frame with the unknown encoding is rejected, under its own index.
    assert_eq!(out.rejects.len(), 1, "{:?}", out.rejects);
    assert_eq!(out.rejects[0].index, 5);
}

#[test]
fn text_in_either_byte_order_starting_with_cr_lf_decodes() {
    for (text, order) in [(le(GREGGS), "le"), (be(GREGGS), "be")] {
        for config in [json!({}), json!({"byte_order": order})] {
            let out = run(config.clone(), &Pdu::text(9, text.clone()).bytes());
            assert_eq!(out.rejects, vec![], "{order} {config}");
            let r = &out.reports[0];
            assert_eq!(r.location.premises_name.as_deref(), Some("GREGGS"));
            assert_eq!(r.extension("utf16-byte-order"), Some(order));
        }
    }
}

#[test]
fn a_seven_bit_sequence_number_is_split_over_the_two_headers() {
    // s/n 101 = 0b110_0101: low 5 bits 0b0_0101 in the first header, the
    // high 2 bits (0x60) beside the encoding in the second.
    let bytes = Pdu::text(101, le(GREGGS)).bytes();
    assert_eq!(bytes[2..6], [0xA0, 0x00, 0x85, 0x64]);
    let out = run(json!({}), &bytes);
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports[0].extension("tms-sequence"), Some("101"));
    // Without an encoding stated the second header still carries the high bits.
    let bytes = Pdu::text(101, le(GREGGS)).encoding(None).bytes();
    assert_eq!(bytes[2..6], [0xA0, 0x00, 0x85, 0x60]);
    let out = run(json!({}), &bytes);
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports[0].extension("tms-sequence"), Some("101"));
}

#[test]
fn an_unknown_encoding_rejects_its_frame_and_the_next_still_reads() {
    let frames = [
        Pdu::text(1, le(GREGGS)).encoding(Some(0x07)),
        Pdu::text(2, le(GREGGS)),
    ];
    let bytes: Vec<u8> = frames.iter().flat_map(Pdu::bytes).collect();
    let out = run(json!({}), &bytes);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.reports[0].extension("tms-sequence"), Some("2"));
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].index, 0);
    let shown = out.rejects[0].error.to_string();
    assert!(shown.contains("encoding 0x07"), "{shown}");
}

#[test]
fn a_pdu_type_that_is_not_text_is_rejected_by_its_number() {
    let other = Pdu {
        first: TEXT_BIT | 0x03,
        ..Pdu::text(1, le(GREGGS))
    };
    let bytes: Vec<u8> = [other, Pdu::text(2, le(GREGGS))]
        .iter()
        .flat_map(Pdu::bytes)
        .collect();
    let out = run(json!({}), &bytes);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.rejects.len(), 1);
    let shown = out.rejects[0].error.to_string();
    assert!(shown.contains("PDU type 3"), "{shown}");
}

#[test]
fn simplified_and_bridge_frames_in_one_payload_both_read() {
    let mut bytes = super::frame(0xC0, 0x11, &le(ALERT));
    bytes.extend(Pdu::text(5, be(GREGGS)).address(b"2001234").bytes());
    bytes.extend(super::frame(0x00, 0x12, &utf16(GREGGS, true, true)));
    let out = run(json!({}), &bytes);
    assert_eq!(out.rejects, vec![]);
    let got: Vec<_> = out
        .reports
        .iter()
        .map(|r| {
            (
                r.extension("mototrbo-message-id"),
                r.extension("tms-sequence"),
                r.extension("radio-id"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("17"), None, None),
            (None, Some("5"), Some("2001234")),
            (Some("18"), None, None)
        ]
    );
}

#[test]
fn the_tms_sample_is_two_text_frames_around_an_acknowledgement() {
    let sample = include_bytes!("../../../../examples/radio/mototrbo-tms-frames.bin");
    let frames = [
        Pdu::text(
            3,
            le(
                "\r\nALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT :: took razors, made off twd Cabot Circus",
            ),
        ),
        Pdu::ack(Some(3)).address(b"2001234"),
        Pdu::text(4, be("\r\nALERT 14:10 GREGGS WINE ST F 20S GRY TRK S/L"))
            .address(b"2001234")
            .ack_wanted(),
    ];
    assert_eq!(
        sample[..],
        frames.iter().flat_map(Pdu::bytes).collect::<Vec<_>>()
    );
    let out = run(json!({"town": "Bristol"}), sample);
    assert_eq!(out.rejects, vec![]);
    let got: Vec<_> = out
        .reports
        .iter()
        .map(|r| {
            (
                r.location.premises_name.as_deref(),
                r.extension("tms-sequence"),
                r.extension("radio-id"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("BOOTS BROADMEAD"), Some("3"), None),
            (Some("GREGGS WINE ST"), Some("4"), Some("2001234"))
        ]
    );
}
