//! Media types of bodies taken over HTTP (webhook requests, polled pages): which
//! format a `Content-Type` names, and the type stored with the payload.

use serde::Deserialize;

/// A body format the gateway takes over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyFormat {
    /// `application/json` (and `application/*+json`): one document.
    Json,
    /// `application/x-ndjson` or `application/jsonl`: one JSON document per line.
    Ndjson,
    /// `text/csv`.
    Csv,
    /// `application/xml`, `text/xml` (and `application/*+xml`).
    Xml,
}

impl BodyFormat {
    /// Every format.
    pub const ALL: [BodyFormat; 4] = [
        BodyFormat::Json,
        BodyFormat::Ndjson,
        BodyFormat::Csv,
        BodyFormat::Xml,
    ];

    /// The format's canonical media type.
    pub fn media_type(self) -> &'static str {
        match self {
            BodyFormat::Json => "application/json",
            BodyFormat::Ndjson => "application/x-ndjson",
            BodyFormat::Csv => "text/csv",
            BodyFormat::Xml => "application/xml",
        }
    }
}

/// Longest `Content-Type` kept with the payload.
const MAX_CONTENT_TYPE: usize = 200;

/// The format a `Content-Type` names, if any this gateway knows.
pub fn format_of(content_type: &str) -> Option<BodyFormat> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Some(BodyFormat::Json),
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/x-jsonlines" => Some(BodyFormat::Ndjson),
        "text/csv" => Some(BodyFormat::Csv),
        "application/xml" | "text/xml" => Some(BodyFormat::Xml),
        e if e.starts_with("application/") && e.ends_with("+json") => Some(BodyFormat::Json),
        e if e.starts_with("application/") && e.ends_with("+xml") => Some(BodyFormat::Xml),
        _ => None,
    }
}

/// The media type stored with the payload and handed to the adapter: the
/// format's canonical type, with the client's `charset` if it gave one.
pub fn stored_content_type(format: BodyFormat, content_type: &str) -> String {
    let canonical = format.media_type();
    let charset = content_type
        .split(';')
        .skip(1)
        .map(str::trim)
        .find(|p| p.to_ascii_lowercase().starts_with("charset="));
    let mut out = match charset {
        Some(c) => format!("{canonical}; {c}"),
        None => canonical.to_string(),
    };
    out.truncate(MAX_CONTENT_TYPE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_map_to_formats() {
        assert_eq!(
            format_of("application/json; charset=utf-8"),
            Some(BodyFormat::Json)
        );
        assert_eq!(
            format_of("application/vnd.disc+json"),
            Some(BodyFormat::Json)
        );
        assert_eq!(format_of("Application/X-NDJSON"), Some(BodyFormat::Ndjson));
        assert_eq!(format_of("text/csv"), Some(BodyFormat::Csv));
        assert_eq!(format_of("text/plain"), None);
        assert_eq!(
            stored_content_type(
                BodyFormat::Csv,
                "text/csv; charset=windows-1252; header=present"
            ),
            "text/csv; charset=windows-1252"
        );
    }
}
