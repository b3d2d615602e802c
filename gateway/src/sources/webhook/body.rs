//! A syntax check at the door for JSON, so a client hears "400, not JSON" now
//! rather than finding a quarantine entry later. Everything past syntax (fields,
//! dates, the schema) is the adapter's job, after the 202. What format a body is
//! (its `Content-Type`) is `crate::common::media`.

use crate::common::media::BodyFormat;

/// The result of checking a body's syntax.
#[derive(Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Usable as a whole.
    Ok,
    /// NDJSON with some lines that are not JSON (1-based line numbers): the body is
    /// taken, and the adapter quarantines those lines.
    SomeLinesBad(Vec<usize>),
    /// Not usable at all; the reason names a position, never the content.
    Bad(String),
}

/// Checks JSON and NDJSON syntax; other formats pass. A leading UTF-8 byte order
/// mark (Windows tools write one) is allowed: the adapters skip it too.
pub fn check(format: BodyFormat, body: &[u8]) -> Syntax {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match format {
        BodyFormat::Json => match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => Syntax::Ok,
            Err(e) => Syntax::Bad(format!("the body is not JSON: {e}")),
        },
        BodyFormat::Ndjson => ndjson(body),
        BodyFormat::Csv | BodyFormat::Xml => {
            if body.iter().all(u8::is_ascii_whitespace) {
                Syntax::Bad("the body is empty".into())
            } else {
                Syntax::Ok
            }
        }
    }
}

fn ndjson(body: &[u8]) -> Syntax {
    let mut good = 0;
    let mut bad = Vec::new();
    for (n, line) in body.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<serde::de::IgnoredAny>(line) {
            Ok(_) => good += 1,
            Err(_) => bad.push(n + 1),
        }
    }
    match (good, bad.is_empty()) {
        (0, true) => Syntax::Bad("the body has no JSON lines".into()),
        (0, false) => Syntax::Bad(format!(
            "no line of the body is JSON (lines {})",
            summary(&bad)
        )),
        (_, true) => Syntax::Ok,
        (_, false) => Syntax::SomeLinesBad(bad),
    }
}

fn summary(lines: &[usize]) -> String {
    let mut s: Vec<String> = lines.iter().take(10).map(usize::to_string).collect();
    if lines.len() > 10 {
        s.push(format!("and {} more", lines.len() - 10));
    }
    s.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_with_a_bad_line_is_taken_and_the_line_named() {
        assert_eq!(
            check(BodyFormat::Ndjson, b"{\"a\":1}\n{oops\n\n{\"b\":2}\n"),
            Syntax::SomeLinesBad(vec![2])
        );
        assert!(matches!(
            check(BodyFormat::Ndjson, b"oops\n"),
            Syntax::Bad(_)
        ));
        assert!(matches!(
            check(BodyFormat::Json, b"{\"a\":"),
            Syntax::Bad(_)
        ));
    }
}
