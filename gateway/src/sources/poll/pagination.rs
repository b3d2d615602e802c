//! Where the next page is. The source keeps one string per source in the store —
//! its *cursor* — and this file says what it means for each kind of pagination:
//! the platform's cursor (or `since` value), a page number, or the next URL.
//!
//! A page that ends the listing never advances the cursor: the last page is asked
//! for again each interval, so reports added to it later are not skipped.

use crate::config::problems::Problems;
use serde::Deserialize;

/// `pagination = { kind = "cursor", next = "/next_cursor" }` and the others.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Pagination {
    /// One request per interval; nothing to follow.
    #[default]
    None,
    /// The body says where the next page starts: a JSON Pointer (RFC 6901) to the
    /// next cursor (or `since` value). `{cursor}` in the URL is replaced with it.
    /// An absent, null or unchanged value means caught up.
    Cursor {
        /// JSON Pointer to the next cursor, e.g. `/next_cursor` or `/meta/next`.
        next: String,
        /// The cursor before the first page (default empty).
        #[serde(default)]
        initial: String,
    },
    /// Numbered pages of a fixed size. `{page}` in the URL is replaced with the
    /// number; a full page moves on to the next number, a short one is asked for
    /// again next interval (reports are appended to it).
    Page {
        /// JSON Pointer to the array of reports in a page, e.g. `/data`.
        items: String,
        /// Reports in a full page.
        page_size: u64,
        /// The first page's number (default 1).
        #[serde(default = "one")]
        first: u64,
    },
    /// RFC 8288 `Link: <...>; rel="next"` headers: the next page's URL.
    Link,
}

fn one() -> u64 {
    1
}

/// What a response says about where to go next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Another page follows; commit this cursor with the page.
    Advance(String),
    /// This was the last page for now; keep the cursor.
    CaughtUp,
}

impl Pagination {
    /// Checks the pagination against the URL template.
    pub fn check(&self, key: &str, url: &str, p: &mut Problems) {
        let pointer_ok = |ptr: &str| ptr.is_empty() || ptr.starts_with('/');
        match self {
            Pagination::None | Pagination::Link => {}
            Pagination::Cursor { next, .. } => {
                if !pointer_ok(next) || next.is_empty() {
                    p.error(
                        format!("{key}.next"),
                        "a JSON Pointer such as \"/next_cursor\"",
                    );
                }
                if !url.contains("{cursor}") {
                    p.error(
                        key.replace(".pagination", ".url"),
                        "cursor pagination needs {cursor} in the URL",
                    );
                }
            }
            Pagination::Page {
                items, page_size, ..
            } => {
                if !pointer_ok(items) {
                    p.error(
                        format!("{key}.items"),
                        "a JSON Pointer such as \"/data\" (\"\" for a top-level array)",
                    );
                }
                if *page_size == 0 {
                    p.error(format!("{key}.page_size"), "must be at least 1");
                }
                if !url.contains("{page}") {
                    p.error(
                        key.replace(".pagination", ".url"),
                        "page pagination needs {page} in the URL",
                    );
                }
            }
        }
    }

    /// The cursor of a source that has none stored yet.
    pub fn start(&self, url: &str) -> String {
        match self {
            Pagination::None => String::new(),
            Pagination::Cursor { initial, .. } => initial.clone(),
            Pagination::Page { first, .. } => first.to_string(),
            Pagination::Link => url.to_string(),
        }
    }

    /// The URL to ask at `cursor`.
    pub fn url(&self, template: &str, cursor: &str) -> String {
        match self {
            Pagination::None => template.to_string(),
            Pagination::Cursor { .. } => template.replace("{cursor}", &encode(cursor)),
            Pagination::Page { .. } => template.replace("{page}", &encode(cursor)),
            Pagination::Link => cursor.to_string(),
        }
    }

    /// Where the response at `cursor` (fetched from `url`) says to go next.
    pub fn next(
        &self,
        cursor: &str,
        url: &reqwest::Url,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<Next, String> {
        match self {
            Pagination::None => Ok(Next::CaughtUp),
            Pagination::Cursor { next, .. } => {
                let json = parse(body)?;
                let value = match json.pointer(next) {
                    None | Some(serde_json::Value::Null) => return Ok(Next::CaughtUp),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Number(n)) => n.to_string(),
                    Some(_) => {
                        return Err(format!("the value at {next} is not a string or number"));
                    }
                };
                Ok(if value.is_empty() || value == cursor {
                    Next::CaughtUp
                } else {
                    Next::Advance(value)
                })
            }
            Pagination::Page {
                items, page_size, ..
            } => {
                let json = parse(body)?;
                let n = match json.pointer(items) {
                    Some(serde_json::Value::Array(a)) => a.len() as u64,
                    None | Some(serde_json::Value::Null) => 0,
                    Some(_) => return Err(format!("the value at {items:?} is not an array")),
                };
                let page: u64 = cursor
                    .parse()
                    .map_err(|_| format!("stored page {cursor:?} is not a number"))?;
                Ok(if n >= *page_size {
                    Next::Advance((page + 1).to_string())
                } else {
                    Next::CaughtUp
                })
            }
            Pagination::Link => Ok(match next_link(headers, url) {
                Some(next) if next != cursor => Next::Advance(next),
                _ => Next::CaughtUp,
            }),
        }
    }
}

fn parse(body: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("the page is not JSON: {e}"))
}

/// Percent-encodes a cursor for a URL (everything but RFC 3986 unreserved bytes).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `rel="next"` target of the `Link` headers, resolved against `base`.
pub fn next_link(headers: &reqwest::header::HeaderMap, base: &reqwest::Url) -> Option<String> {
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(text) = value.to_str() else { continue };
        for link in text.split(',') {
            let mut parts = link.split(';');
            let target = parts.next()?.trim();
            let is_next = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("rel=")
                    .map(|r| {
                        r.trim_matches('"')
                            .split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                    })
                    .unwrap_or(false)
            });
            if is_next {
                let target = target.strip_prefix('<')?.strip_suffix('>')?;
                return base.join(target).ok().map(String::from);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, LINK};

    fn url() -> reqwest::Url {
        reqwest::Url::parse("https://api.example/v1/incidents?page=1").unwrap()
    }

    #[test]
    fn a_cursor_advances_until_it_stops_changing() {
        let p = Pagination::Cursor {
            next: "/next_cursor".into(),
            initial: String::new(),
        };
        let h = HeaderMap::new();
        assert_eq!(
            p.next("", &url(), &h, br#"{"data":[1],"next_cursor":"c2"}"#),
            Ok(Next::Advance("c2".into()))
        );
        assert_eq!(
            p.next("c2", &url(), &h, br#"{"data":[],"next_cursor":"c2"}"#),
            Ok(Next::CaughtUp)
        );
        assert_eq!(
            p.next("c2", &url(), &h, br#"{"data":[],"next_cursor":null}"#),
            Ok(Next::CaughtUp)
        );
        assert_eq!(
            p.url("https://x/?cursor={cursor}", "a b/c"),
            "https://x/?cursor=a%20b%2Fc"
        );
    }

    #[test]
    fn a_short_page_is_asked_for_again() {
        let p = Pagination::Page {
            items: "/data".into(),
            page_size: 2,
            first: 1,
        };
        let h = HeaderMap::new();
        assert_eq!(
            p.next("1", &url(), &h, br#"{"data":[1,2]}"#),
            Ok(Next::Advance("2".into()))
        );
        assert_eq!(
            p.next("2", &url(), &h, br#"{"data":[3]}"#),
            Ok(Next::CaughtUp)
        );
    }

    #[test]
    fn link_headers_are_followed_and_resolved() {
        let mut h = HeaderMap::new();
        h.insert(
            LINK,
            HeaderValue::from_static(
                r#"</v1/incidents?page=1>; rel="prev", </v1/incidents?page=3>; rel="next""#,
            ),
        );
        assert_eq!(
            Pagination::Link.next("x", &url(), &h, b""),
            Ok(Next::Advance(
                "https://api.example/v1/incidents?page=3".into()
            ))
        );
        assert_eq!(
            Pagination::Link.next("x", &url(), &HeaderMap::new(), b""),
            Ok(Next::CaughtUp)
        );
    }
}
