//! Frames in the public Hytera text message protocol (TMP) layout, built field by
//! field by [`Tmp`].

use super::run;
use serde_json::json;

const PRIVATE: u8 = 0xA1;
const PRIVATE_ACK: u8 = 0xA2;
const GROUP: u8 = 0xB1;
const GROUP_ACK: u8 = 0xB2;

/// A radio IP: the subnet byte, then the 3-byte radio id.
fn ip(subnet: u8, radio_id: u32) -> [u8; 4] {
    let [_, a, b, c] = radio_id.to_be_bytes();
    [subnet, a, b, c]
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The fields of one TMP message; [`Tmp::bytes`] writes them in wire order.
#[derive(Debug, Clone)]
struct Tmp {
    ack_wanted: bool,
    service: u8,
    request_id: u32,
    destination: [u8; 4],
    /// `None` on a group acknowledgement, which names no source.
    source: Option<[u8; 4]>,
    /// Only on acknowledgements.
    result: Option<u8>,
    /// The text bytes as written, terminator included.
    text: Vec<u8>,
    /// The option field; its length goes before the request id.
    option: Option<Vec<u8>>,
}

impl Tmp {
    /// A private or group message from radio `from` to `to` on subnet 10.
    fn message(service: u8, request_id: u32, from: u32, to: u32, text: &str) -> Tmp {
        let mut bytes = utf16le(text);
        bytes.extend([0, 0]);
        Tmp {
            ack_wanted: false,
            service,
            request_id,
            destination: ip(10, to),
            source: Some(ip(10, from)),
            result: None,
            text: bytes,
            option: None,
        }
    }

    /// An acknowledgement of request `request_id`: result 0 (ok), no text.
    fn ack(service: u8, request_id: u32, from: Option<u32>, to: u32) -> Tmp {
        Tmp {
            source: from.map(|id| ip(10, id)),
            result: Some(0),
            text: Vec::new(),
            ..Tmp::message(service, request_id, 0, to, "")
        }
    }

    fn ack_wanted(mut self) -> Tmp {
        self.ack_wanted = true;
        self
    }

    /// Flags | service type | length of the rest | option length | request id |
    /// destination | source | result | text | option field.
    fn bytes(&self) -> Vec<u8> {
        let mut flags = if self.ack_wanted { 0x00 } else { 0x80 };
        let mut body = Vec::new();
        if let Some(option) = &self.option {
            flags |= 0x40;
            body.extend((option.len() as u16).to_be_bytes());
        }
        body.extend(self.request_id.to_be_bytes());
        body.extend(self.destination);
        body.extend(self.source.iter().flatten());
        body.extend(self.result);
        body.extend(&self.text);
        body.extend(self.option.iter().flatten());
        let mut out = vec![flags, self.service];
        out.extend((body.len() as u16).to_be_bytes());
        out.extend(body);
        out
    }
}

fn payload<'a>(frames: impl IntoIterator<Item = &'a Tmp>) -> Vec<u8> {
    frames.into_iter().flat_map(Tmp::bytes).collect()
}

const GREGGS: &str = "ALERT 14:10 GREGGS F 20S S/L";

#[test]
fn a_group_message_decodes_with_the_radio_ids_of_its_ips() {
    let text = utf16le(GREGGS);
    let mut bytes = vec![0x80, GROUP];
    bytes.extend(((4 + 4 + 4 + text.len() + 2) as u16).to_be_bytes());
    bytes.extend([0x00, 0x00, 0x00, 0x2A]); // request id 42
    bytes.extend([0x0A, 0x89, 0x54, 0x41]); // to 10 / 9000001
    bytes.extend([0x0A, 0x1E, 0x89, 0x52]); // from 10 / 2001234
    bytes.extend(&text);
    bytes.extend([0x00, 0x00]);
    assert_eq!(
        Tmp::message(GROUP, 42, 2_001_234, 9_000_001, GREGGS).bytes(),
        bytes,
        "the helper writes this layout"
    );

    let out = run(json!({"town": "Bristol"}), &bytes);
    assert_eq!(out.rejects, vec![]);
    let r = &out.reports[0];
    assert_eq!(r.location.premises_name.as_deref(), Some("GREGGS"));
    assert_eq!(r.extension("radio-id"), Some("2001234"));
    assert_eq!(r.extension("radio-source-id"), Some("2001234"));
    assert_eq!(r.extension("radio-destination-id"), Some("9000001"));
    assert_eq!(r.extension("radio-request-id"), Some("42"));
    assert_eq!(r.extension("hytera-service-type"), Some("group"));
    assert_eq!(r.extension("hytera-ack-wanted"), Some("false"));
}

#[test]
fn private_and_group_messages_back_to_back_each_give_a_report() {
    let frames = [
        Tmp::message(PRIVATE, 1, 2_001_234, 2_001_999, GREGGS).ack_wanted(),
        Tmp::message(GROUP, 2, 2_001_235, 9_000_001, GREGGS),
        Tmp::message(PRIVATE, 3, 16_776_415, 2_001_999, GREGGS),
    ];
    let out = run(json!({}), &payload(&frames));
    assert_eq!(out.rejects, vec![]);
    let got: Vec<_> = out
        .reports
        .iter()
        .map(|r| {
            (
                r.extension("radio-id"),
                r.extension("radio-destination-id"),
                r.extension("hytera-service-type"),
                r.extension("hytera-ack-wanted"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                Some("2001234"),
                Some("2001999"),
                Some("private"),
                Some("true")
            ),
            (
                Some("2001235"),
                Some("9000001"),
                Some("group"),
                Some("false")
            ),
            (
                Some("16776415"),
                Some("2001999"),
                Some("private"),
                Some("false")
            ),
        ]
    );
}

#[test]
fn acknowledgements_are_neither_reports_nor_rejects() {
    let frames = [
        Tmp::message(PRIVATE, 1, 2_001_234, 2_001_999, GREGGS).ack_wanted(),
        Tmp::ack(PRIVATE_ACK, 1, Some(2_001_999), 2_001_234),
        Tmp::ack(GROUP_ACK, 7, None, 9_000_001),
        Tmp::message(GROUP, 2, 2_001_235, 9_000_001, GREGGS),
        Tmp::message(GROUP, 3, 2_001_236, 9_000_001, "no alert here"),
    ];
    let out = run(json!({}), &payload(&frames));
    assert_eq!(out.reports.len(), 2);
    assert_eq!(out.reports[1].extension("radio-id"), Some("2001235"));
    // The one reject keeps its frame's index, acknowledgements counted.
    assert_eq!(out.rejects.len(), 1, "{:?}", out.rejects);
    assert_eq!(out.rejects[0].index, 4);
}

#[test]
fn the_option_field_and_its_length_are_skipped() {
    let mut frame = Tmp::message(PRIVATE, 1, 2_001_234, 2_001_999, GREGGS);
    frame.option = Some(utf16le(" ZZ 99"));
    let mut unterminated = Tmp::message(PRIVATE, 2, 2_001_234, 2_001_999, GREGGS);
    unterminated.text.truncate(unterminated.text.len() - 2);
    unterminated.option = Some(utf16le("ZZ"));
    let out = run(json!({}), &payload([&frame, &unterminated]));
    assert_eq!(out.rejects, vec![]);
    assert_eq!(out.reports.len(), 2);
    for r in &out.reports {
        // Read into the text, the option field would change the offence word.
        assert_eq!(r.event.category_raw.as_deref(), Some("S/L"));
        assert_eq!(r.persons[0].description, None);
    }
}

#[test]
fn a_malformed_frame_rejects_only_itself() {
    let good = Tmp::message(GROUP, 1, 2_001_234, 9_000_001, GREGGS);
    // The length leaves no room for both radio IPs.
    let mut short = good.bytes();
    short.truncate(4 + 8);
    short[3] = 8;
    let mut odd = good.clone();
    odd.text = vec![0x41, 0x00, 0x42];
    let mut unknown = good.bytes();
    unknown[1] = 0xC3;
    let oversized = Tmp::message(GROUP, 1, 2_001_234, 9_000_001, &"X".repeat(60));
    let mut bytes = good.bytes();
    for frame in [short, odd.bytes(), unknown, oversized.bytes(), good.bytes()] {
        bytes.extend(frame);
    }
    let out = run(json!({"max_frame_bytes": 100}), &bytes);
    assert_eq!(out.reports.len(), 2);
    let got: Vec<_> = out
        .rejects
        .iter()
        .map(|r| (r.index, r.error.to_string()))
        .collect();
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(got[0].1.contains("radio IP"), "{}", got[0].1);
    assert!(got[1].1.contains("odd number of bytes"), "{}", got[1].1);
    assert!(got[2].1.contains("service type 0xC3"), "{}", got[2].1);
    assert!(got[3].1.contains("oversized frame"), "{}", got[3].1);
}

#[test]
fn lost_frame_boundaries_are_one_reject_naming_the_byte() {
    let good = Tmp::message(GROUP, 1, 2_001_234, 9_000_001, GREGGS).bytes();
    let mut bytes = good.clone();
    bytes.extend([0x17, 0x2A, 0x00, 0x10]);
    bytes.extend(&good);
    let out = run(json!({}), &bytes);
    assert_eq!(out.reports.len(), 1);
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0].index, 1);
    let shown = out.rejects[0].error.to_string();
    assert!(shown.contains(&format!("byte {}", good.len())), "{shown}");

    // A length that runs past the end of the payload.
    let mut bytes = good.clone();
    bytes.extend(&good[..good.len() - 1]);
    let out = run(json!({}), &bytes);
    assert_eq!((out.reports.len(), out.rejects.len()), (1, 1));
    let shown = out.rejects[0].error.to_string();
    assert!(
        shown.contains("truncated frame") && shown.contains(&format!("byte {}", good.len())),
        "{shown}"
    );
}

#[test]
fn simplified_and_public_frames_in_one_payload_both_read_with_a_radio_id() {
    let mut bytes = super::frame(0xB2, 42, 2_001_234, 9_000_001, GREGGS);
    bytes.extend(Tmp::message(PRIVATE, 43, 2_001_235, 2_001_999, GREGGS).bytes());
    let out = run(json!({}), &bytes);
    assert_eq!(out.rejects, vec![]);
    let got: Vec<_> = out
        .reports
        .iter()
        .map(|r| (r.extension("radio-id"), r.extension("radio-source-id")))
        .collect();
    assert_eq!(
        got,
        [
            (Some("2001234"), Some("2001234")),
            (Some("2001235"), Some("2001235"))
        ]
    );
}

#[test]
fn the_tmp_sample_is_two_messages_around_an_acknowledgement() {
    let sample = include_bytes!("../../../../examples/radio/hytera-tmp-frames.bin");
    let frames = [
        Tmp::message(
            GROUP,
            42,
            2_001_234,
            9_000_001,
            "ALERT 16:40 CO-OP GLOUCESTER RD ASB :: grp of youths abusive to staff",
        )
        .ack_wanted(),
        Tmp::ack(GROUP_ACK, 42, None, 9_000_001),
        Tmp::message(
            PRIVATE,
            43,
            2_001_234,
            2_001_999,
            "ALERT 16:45 CO-OP GLOUCESTER RD M 40S BLK JKT ASSLT :: pushed the manager",
        ),
    ];
    assert_eq!(sample[..], payload(&frames));
    let out = run(json!({}), sample);
    assert_eq!(out.rejects, vec![]);
    let got: Vec<_> = out
        .reports
        .iter()
        .map(|r| {
            (
                r.extension("hytera-service-type"),
                r.extension("radio-id"),
                r.extension("radio-destination-id"),
                r.extension("hytera-ack-wanted"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                Some("group"),
                Some("2001234"),
                Some("9000001"),
                Some("true")
            ),
            (
                Some("private"),
                Some("2001234"),
                Some("2001999"),
                Some("false")
            )
        ]
    );
}
