//! RFC 6901 JSON Pointers, as the config writes them (`/occurrence/started`), checked
//! once and split into reference tokens so each lookup is a plain walk.

use bcgw_mapping::bad_config;
use bcgw_sdk::prelude::AdapterError;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// A checked JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    text: String,
    tokens: Vec<String>,
}

impl Pointer {
    /// Checks `text` as the value of config key `key`. `""` (the whole value) is
    /// accepted only where `whole` says so.
    pub fn parse(text: &str, key: &str, whole: bool) -> Result<Pointer, AdapterError> {
        if text.is_empty() && whole {
            return Ok(Pointer {
                text: String::new(),
                tokens: Vec::new(),
            });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(bad_config(format!(
                "{key}: '{text}' is not a JSON Pointer: it must start with '/' (e.g. \"{}\")",
                suggestion(text)
            )));
        };
        let mut tokens = Vec::new();
        for raw in rest.split('/') {
            tokens.push(unescape(raw).ok_or_else(|| {
                bad_config(format!(
                    "{key}: '{text}' is not a JSON Pointer: write '~' as ~0 and a '/' inside a key as ~1"
                ))
            })?);
        }
        Ok(Pointer {
            text: text.to_string(),
            tokens,
        })
    }

    /// The pointer as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value this pointer leads to in `root`, if any.
    pub fn get<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.tokens.iter().try_fold(root, |at, token| match at {
            Value::Object(map) => map.get(token),
            Value::Array(items) => array_index(token).and_then(|i| items.get(i)),
            _ => None,
        })
    }

    /// Whether `leaf` (a pointer as text) is this pointer or lies under it.
    pub fn covers(&self, leaf: &str) -> bool {
        leaf.strip_prefix(self.text.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A pointer for what was probably meant: `$.data.items` and `data/items` both
/// become `/data/items`.
fn suggestion(text: &str) -> String {
    let rest = text.trim_start_matches(['#', '$', '.']);
    let rest = if rest.contains('/') {
        rest.to_string()
    } else {
        rest.replace('.', "/")
    };
    format!("/{}", rest.trim_start_matches('/'))
}

/// RFC 6901 array indexes: digits without a leading zero (`-`, past the end, is never
/// a value).
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    (digits && (token == "0" || !token.starts_with('0')))
        .then(|| token.parse().ok())
        .flatten()
}

fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// Escapes an object key as a pointer token.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// One pointer or a list of them, as a config value may give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawPointers(pub Vec<String>);

impl RawPointers {
    /// Checks every pointer, as the value of config key `key`.
    pub fn check(&self, key: &str) -> Result<Vec<Pointer>, AdapterError> {
        if self.0.is_empty() {
            return Err(bad_config(format!(
                "{key}: give a JSON Pointer such as \"/site/name\""
            )));
        }
        self.0
            .iter()
            .map(|p| Pointer::parse(p, key, false))
            .collect()
    }
}

impl<'de> Deserialize<'de> for RawPointers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawPointers, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = RawPointers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON Pointer such as \"/site/name\", or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawPointers, E> {
                Ok(RawPointers(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPointers, A::Error> {
                let mut all = Vec::new();
                while let Some(p) = seq.next_element::<String>()? {
                    all.push(p);
                }
                Ok(RawPointers(all))
            }
        }
        d.deserialize_any(OneOrMany)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_follow_rfc_6901() {
        let doc = json!({"a/b": {"m~n": [10, 20]}, "": 1, "list": [{"x": "y"}]});
        let p = Pointer::parse("/a~1b/m~0n/1", "k", false).unwrap();
        assert_eq!(p.get(&doc), Some(&json!(20)));
        assert_eq!(
            Pointer::parse("/", "k", false).unwrap().get(&doc),
            Some(&json!(1))
        );
        let whole = Pointer::parse("", "k", true).unwrap();
        assert_eq!(whole.get(&doc), Some(&doc));
        assert_eq!(
            Pointer::parse("/list/01/x", "k", false).unwrap().get(&doc),
            None
        );
        assert_eq!(
            Pointer::parse("/list/-", "k", false).unwrap().get(&doc),
            None
        );
        assert_eq!(
            Pointer::parse("/list/0/x", "k", false).unwrap().get(&doc),
            Some(&json!("y"))
        );
    }

    #[test]
    fn bad_pointers_are_refused_by_key() {
        let e = Pointer::parse("occurrence/started", "fields.\"occurred_at\"", false).unwrap_err();
        assert!(e.to_string().contains("fields.\"occurred_at\": 'occurrence/started' is not a JSON Pointer: it must start with '/'"), "{e}");
        let e = Pointer::parse("$.data.incidents", "reports", true).unwrap_err();
        assert!(e.to_string().contains("(e.g. \"/data/incidents\")"), "{e}");
        assert!(Pointer::parse("", "k", false).is_err());
        assert!(Pointer::parse("/a~2", "k", false).is_err());
    }

    #[test]
    fn covers_whole_tokens_only() {
        let p = Pointer::parse("/site", "k", false).unwrap();
        assert!(p.covers("/site") && p.covers("/site/name"));
        assert!(!p.covers("/sites"));
        assert_eq!(escape("a/b~c"), "a~1b~0c");
    }
}
