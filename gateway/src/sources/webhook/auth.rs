//! Who may post to a webhook source: a bearer token, or an HMAC-SHA256 signature
//! over the timestamp and the body, within a clock-skew window, never twice.
//!
//! Both are compared in constant time (a bearer token through its SHA-256, so not
//! even its length leaks). A signature is remembered from the moment it verifies;
//! if the journal then refuses the request (503) it is forgotten again, so the
//! platform may retry the very same request.

use super::config::AuthConfig;
use super::replay::ReplayCache;
use crate::config::secret::Secret;
use axum::http::{HeaderMap, header};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// Why a request was not let in. `Missing` is 401 (say who you are); the others
/// are 403 (you said, and it is not good enough).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No credentials, or not in the expected form.
    Missing(String),
    /// The token or signature is wrong.
    Wrong(String),
    /// The timestamp is outside the skew window.
    Expired(String),
    /// The signature was already used.
    Replayed,
}

/// A request that passed: what to forget if it is not accepted after all.
#[derive(Debug)]
pub struct Pass {
    signature: Option<[u8; 32]>,
}

/// Checks requests for one source.
pub struct Authenticator {
    scheme: Scheme,
}

enum Scheme {
    Bearer {
        digests: Vec<[u8; 32]>,
    },
    Hmac {
        secrets: Vec<Secret>,
        signature_header: String,
        timestamp_header: String,
        max_skew_secs: u64,
        replays: Mutex<ReplayCache>,
    },
}

impl Authenticator {
    /// From the source's `auth` table and its resolved secrets (the current one,
    /// and the one being rotated out, if any: either is accepted).
    pub fn new(config: &AuthConfig, secrets: Vec<Secret>) -> Authenticator {
        let scheme = match config {
            AuthConfig::Bearer { .. } => Scheme::Bearer {
                digests: secrets
                    .iter()
                    .map(|s| Sha256::digest(s.expose().as_bytes()).into())
                    .collect(),
            },
            AuthConfig::Hmac {
                signature_header,
                timestamp_header,
                max_skew_secs,
                replay_cache_entries,
                ..
            } => Scheme::Hmac {
                secrets,
                signature_header: signature_header.to_ascii_lowercase(),
                timestamp_header: timestamp_header.to_ascii_lowercase(),
                max_skew_secs: *max_skew_secs,
                replays: Mutex::new(ReplayCache::new(*replay_cache_entries)),
            },
        };
        Authenticator { scheme }
    }

    /// The `WWW-Authenticate` challenge for a 401.
    pub fn challenge(&self) -> &'static str {
        match self.scheme {
            Scheme::Bearer { .. } => "Bearer",
            Scheme::Hmac { .. } => "HMAC-SHA256",
        }
    }

    /// Whether the credentials are there at all, before the body is read.
    pub fn present(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        match &self.scheme {
            Scheme::Bearer { .. } => bearer(headers).map(|_| ()),
            Scheme::Hmac {
                signature_header,
                timestamp_header,
                ..
            } => {
                for h in [signature_header, timestamp_header] {
                    if headers.get(h.as_str()).is_none() {
                        return Err(Refusal::Missing(format!("the {h} header is missing")));
                    }
                }
                Ok(())
            }
        }
    }

    /// Verifies a request. `signed` is what an HMAC covers after the timestamp:
    /// the body of a POST, the path of a GET. `remember`: refuse this signature
    /// from now on (POSTs; reads may repeat).
    pub fn verify(
        &self,
        headers: &HeaderMap,
        signed: &[u8],
        now_secs: i64,
        remember: bool,
    ) -> Result<Pass, Refusal> {
        match &self.scheme {
            Scheme::Bearer { digests } => {
                let token = bearer(headers)?;
                let given: [u8; 32] = Sha256::digest(token.as_bytes()).into();
                // Every digest is compared, whichever matches: the time taken says nothing.
                let matched = digests
                    .iter()
                    .fold(subtle::Choice::from(0), |any, d| any | given.ct_eq(d));
                if bool::from(matched) {
                    Ok(Pass { signature: None })
                } else {
                    Err(Refusal::Wrong(
                        "the bearer token is not this source's".into(),
                    ))
                }
            }
            Scheme::Hmac {
                secrets,
                signature_header,
                timestamp_header,
                max_skew_secs,
                replays,
            } => {
                let ts_text = header_text(headers, timestamp_header)?;
                let raw: i64 = ts_text.trim().parse().map_err(|_| {
                    Refusal::Missing(format!(
                        "the {timestamp_header} header is not a Unix time in seconds"
                    ))
                })?;
                // Some platforms send milliseconds: a value past the year 5138 in
                // seconds is read as milliseconds. The signature still covers the
                // text exactly as sent.
                let ts = if raw.abs() >= 100_000_000_000 {
                    raw / 1000
                } else {
                    raw
                };
                let given = parse_signature(header_text(headers, signature_header)?)
                    .ok_or_else(|| {
                        Refusal::Missing(format!(
                            "the {signature_header} header is not a hex HMAC-SHA256 (64 hex digits, optionally after sha256=)"
                        ))
                    })?;
                let skew = now_secs.abs_diff(ts);
                if skew > *max_skew_secs {
                    return Err(Refusal::Expired(format!(
                        "signed {skew} s away from the gateway's clock; the window is {max_skew_secs} s (sign each attempt afresh; check the clocks)"
                    )));
                }
                let matched = secrets.iter().fold(subtle::Choice::from(0), |any, s| {
                    any | given.ct_eq(&sign(s.expose().as_bytes(), ts_text.trim(), signed))
                });
                if !bool::from(matched) {
                    return Err(Refusal::Wrong(
                        "the signature does not match the timestamp and body".into(),
                    ));
                }
                if !remember {
                    return Ok(Pass { signature: None });
                }
                let mut cache = replays.lock().unwrap_or_else(|e| e.into_inner());
                if !cache.insert(given, ts, now_secs - *max_skew_secs as i64) {
                    return Err(Refusal::Replayed);
                }
                Ok(Pass {
                    signature: Some(given),
                })
            }
        }
    }

    /// Forgets a pass's signature: its request was not accepted (503), so the
    /// platform may send it again as it was.
    pub fn forget(&self, pass: Pass) {
        if let (Some(sig), Scheme::Hmac { replays, .. }) = (pass.signature, &self.scheme) {
            replays
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&sig);
        }
    }
}

/// HMAC-SHA256 of `"<timestamp>.<signed>"`: the documented signing scheme.
pub fn sign(secret: &[u8], timestamp: &str, signed: &[u8]) -> [u8; 32] {
    // An HMAC key may be any length: new_from_slice cannot fail for HMAC.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(signed);
    mac.finalize().into_bytes().into()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, Refusal> {
    headers
        .get(name)
        .ok_or_else(|| Refusal::Missing(format!("the {name} header is missing")))?
        .to_str()
        .map_err(|_| Refusal::Missing(format!("the {name} header is not text")))
}

fn bearer(headers: &HeaderMap) -> Result<&str, Refusal> {
    let value = header_text(headers, header::AUTHORIZATION.as_str())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(Refusal::Missing(
            "the Authorization header is not `Bearer <token>`".into(),
        )),
    }
}

fn parse_signature(text: &str) -> Option<[u8; 32]> {
    let hex_text = text.trim();
    let hex_text = hex_text.strip_prefix("sha256=").unwrap_or(hex_text);
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::secret::SecretSource;

    fn hmac_auth() -> Authenticator {
        let config: AuthConfig =
            toml::from_str("kind = \"hmac\"\nsecret = { env = \"X\" }\nmax_skew_secs = 300")
                .unwrap();
        let secret = SecretSource::Literal("0123456789abcdef".into())
            .resolve()
            .unwrap();
        Authenticator::new(&config, vec![secret])
    }

    fn signed(ts: i64, body: &[u8]) -> HeaderMap {
        let sig = sign(b"0123456789abcdef", &ts.to_string(), body);
        let mut h = HeaderMap::new();
        h.insert("x-bcgw-timestamp", ts.to_string().parse().unwrap());
        h.insert(
            "x-bcgw-signature",
            format!("sha256={}", hex::encode(sig)).parse().unwrap(),
        );
        h
    }

    #[test]
    fn a_signature_passes_once_and_an_old_one_never() {
        let auth = hmac_auth();
        let now = 1_800_000_000;
        assert!(auth.verify(&signed(now, b"{}"), b"{}", now, true).is_ok());
        assert_eq!(
            auth.verify(&signed(now, b"{}"), b"{}", now + 1, true)
                .unwrap_err(),
            Refusal::Replayed
        );
        assert!(matches!(
            auth.verify(&signed(now - 301, b"{}"), b"{}", now, true),
            Err(Refusal::Expired(_))
        ));
        assert!(matches!(
            auth.verify(&signed(now, b"{}"), b"{ }", now, true),
            Err(Refusal::Wrong(_))
        ));
    }

    #[test]
    fn a_forgotten_signature_may_be_sent_again() {
        let auth = hmac_auth();
        let now = 1_800_000_000;
        let pass = auth.verify(&signed(now, b"a"), b"a", now, true).unwrap();
        auth.forget(pass);
        assert!(auth.verify(&signed(now, b"a"), b"a", now, true).is_ok());
    }

    #[test]
    fn while_rotating_both_tokens_pass_and_no_other() {
        let config: AuthConfig = toml::from_str(
            "kind = \"bearer\"\ntoken = { env = \"NEW\" }\nprevious_token = { env = \"OLD\" }",
        )
        .unwrap();
        assert_eq!(config.secrets().len(), 2);
        let resolve = |t: &str| SecretSource::Literal(t.into()).resolve().unwrap();
        let auth = Authenticator::new(
            &config,
            vec![
                resolve("new-token-0123456789"),
                resolve("old-token-0123456789"),
            ],
        );
        let with = |t: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::AUTHORIZATION,
                format!("Bearer {t}").parse().unwrap(),
            );
            auth.verify(&h, b"", 0, true).is_ok()
        };
        assert!(with("new-token-0123456789"));
        assert!(with("old-token-0123456789"));
        assert!(!with("any-token-0123456789"));
    }

    #[test]
    fn a_timestamp_in_milliseconds_is_read_as_such() {
        let auth = hmac_auth();
        let now = 1_800_000_000;
        let ms = (now * 1000).to_string();
        let sig = sign(b"0123456789abcdef", &ms, b"x");
        let mut h = HeaderMap::new();
        h.insert("x-bcgw-timestamp", ms.parse().unwrap());
        h.insert("x-bcgw-signature", hex::encode(sig).parse().unwrap());
        assert!(auth.verify(&h, b"x", now + 5, true).is_ok());
        assert!(matches!(
            auth.verify(&h, b"x", now + 400, true),
            Err(Refusal::Expired(_))
        ));
    }
}
