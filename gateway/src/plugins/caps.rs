//! Caps on what a plugin says about itself and its errors.
//!
//! Reports are capped by `limits.max_records` and `limits.max_output_bytes`; the
//! rest of what a plugin returns is text the gateway prints, logs by kind and
//! stores in the quarantine: a reject's reason, an error's message, the fields of
//! `describe`. A plugin could make any of them megabytes long. Each is cut to a
//! size a person reads, at a character boundary, with a note saying how long it
//! was, so a cut is never mistaken for the whole message.

use bcgw_sdk::plugin::{AdapterError, ConfigKey, PluginInfo, RejectedItem};

/// Most bytes kept of a message: an error's text, a reject's reason, a
/// description.
pub const MAX_MESSAGE_BYTES: usize = 1024;
/// Most bytes kept of a short label: a name, a version, a field or config key, a
/// content type.
pub const MAX_LABEL_BYTES: usize = 128;
/// Most entries kept of each list in `describe` (systems, content types, config
/// keys).
pub const MAX_LIST_ITEMS: usize = 64;

/// Cuts `text` to at most `max` bytes plus a note of its full length, at a
/// character boundary. Text within `max` is left as it is.
pub fn cap_text(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let full = text.len();
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(&format!(" [cut by bcgw: {full} bytes in all]"));
}

/// Caps every string an adapter error carries.
pub fn cap_error(error: &mut AdapterError) {
    match error {
        AdapterError::Malformed(m)
        | AdapterError::MissingField(m)
        | AdapterError::BadConfig(m)
        | AdapterError::Other(m) => cap_text(m, MAX_MESSAGE_BYTES),
        AdapterError::UnsupportedContentType(m) => cap_text(m, MAX_LABEL_BYTES),
        AdapterError::InvalidField(f) => {
            cap_text(&mut f.field, MAX_LABEL_BYTES);
            cap_text(&mut f.reason, MAX_MESSAGE_BYTES);
        }
    }
}

/// Caps the error of every reject.
pub fn cap_rejects(rejects: &mut [RejectedItem]) {
    for r in rejects {
        cap_error(&mut r.error);
    }
}

/// Caps what `describe` returned: each field, and each list to
/// [`MAX_LIST_ITEMS`] entries. Returns how many list entries were dropped.
pub fn cap_info(info: &mut PluginInfo) -> usize {
    cap_text(&mut info.name, MAX_LABEL_BYTES);
    cap_text(&mut info.version, MAX_LABEL_BYTES);
    cap_text(&mut info.description, MAX_MESSAGE_BYTES);
    let mut dropped = 0;
    for list in [&mut info.systems, &mut info.content_types] {
        dropped += list.len().saturating_sub(MAX_LIST_ITEMS);
        list.truncate(MAX_LIST_ITEMS);
        for item in list.iter_mut() {
            cap_text(item, MAX_LABEL_BYTES);
        }
    }
    dropped += info.config_keys.len().saturating_sub(MAX_LIST_ITEMS);
    info.config_keys.truncate(MAX_LIST_ITEMS);
    for ConfigKey {
        name, description, ..
    } in &mut info.config_keys
    {
        cap_text(name, MAX_LABEL_BYTES);
        cap_text(description, MAX_MESSAGE_BYTES);
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use bcgw_sdk::plugin::FieldError;

    #[test]
    fn a_long_text_is_cut_at_a_character_boundary_with_its_length() {
        let mut text = "é".repeat(1000); // 2,000 bytes
        cap_text(&mut text, 101);
        let (kept, note) = text.split_once(" [cut by bcgw").unwrap();
        assert_eq!(kept, "é".repeat(50));
        assert_eq!(note, ": 2000 bytes in all]");
        let mut short = "fine".to_string();
        cap_text(&mut short, 4);
        assert_eq!(short, "fine");
    }

    #[test]
    fn every_string_of_an_error_is_capped() {
        let big = "x".repeat(1 << 20);
        let mut e = AdapterError::InvalidField(FieldError {
            field: big.clone(),
            reason: big.clone(),
        });
        cap_error(&mut e);
        let AdapterError::InvalidField(f) = &e else {
            unreachable!()
        };
        assert!(f.field.len() < MAX_LABEL_BYTES + 64, "{}", f.field.len());
        assert!(f.reason.len() < MAX_MESSAGE_BYTES + 64);
        for mut e in [
            AdapterError::Malformed(big.clone()),
            AdapterError::MissingField(big.clone()),
            AdapterError::BadConfig(big.clone()),
            AdapterError::Other(big.clone()),
            AdapterError::UnsupportedContentType(big.clone()),
        ] {
            cap_error(&mut e);
            assert!(
                e.to_string().len() < MAX_MESSAGE_BYTES + 100,
                "{}",
                e.kind()
            );
            assert!(e.to_string().contains("bytes in all]"));
        }
    }

    #[test]
    fn describe_is_capped_field_by_field_and_list_by_list() {
        let big = "n".repeat(1 << 20);
        let mut info = PluginInfo {
            name: big.clone(),
            version: big.clone(),
            description: big.clone(),
            systems: vec!["s".into(); 1000],
            content_types: vec![big.clone()],
            config_keys: vec![
                ConfigKey {
                    name: "k".repeat(1000),
                    description: "d".repeat(10_000),
                    required: true,
                };
                100
            ],
        };
        let dropped = cap_info(&mut info);
        assert_eq!(dropped, (1000 - MAX_LIST_ITEMS) + (100 - MAX_LIST_ITEMS));
        let size = serde_json::to_vec(&info).unwrap().len();
        // Every field and list within its cap: some tens of KiB, not megabytes.
        assert!(size < 200 << 10, "{size} bytes");
        assert_eq!(info.systems.len(), MAX_LIST_ITEMS);
        assert!(info.name.starts_with("nnn") && info.name.len() < MAX_LABEL_BYTES + 64);
    }
}
