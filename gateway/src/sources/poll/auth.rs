//! How a poll source logs in to the platform's API: a bearer token, basic auth,
//! or OAuth2 client credentials (the token is cached until shortly before it
//! expires, and fetched again at once when the API answers 401).

use crate::config::secret::{Secret, SecretSource};
use reqwest::header::HeaderValue;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// `auth = { kind = "bearer" | "basic" | "oauth2", ... }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PollAuth {
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token, from env or file.
        token: SecretSource,
    },
    /// `Authorization: Basic ...`.
    Basic {
        /// The user name.
        username: String,
        /// The password, from env or file.
        password: SecretSource,
    },
    /// OAuth2 client credentials (RFC 6749 §4.4).
    Oauth2 {
        /// The token endpoint.
        token_url: String,
        /// The client id.
        client_id: String,
        /// The client secret, from env or file.
        client_secret: SecretSource,
        /// The scope asked for, if the platform wants one.
        #[serde(default)]
        scope: Option<String>,
    },
}

/// Tokens are renewed this long before the platform says they expire.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// Gives each request its `Authorization` header.
pub struct TokenSource {
    kind: Kind,
    client: reqwest::Client,
}

enum Kind {
    None,
    Fixed(HeaderValue),
    Oauth2 {
        token_url: String,
        client_id: String,
        secret: Secret,
        scope: Option<String>,
        cached: Mutex<Option<(HeaderValue, Instant)>>,
    },
}

fn sensitive(value: String) -> Result<HeaderValue, String> {
    let mut v = HeaderValue::from_str(&value)
        .map_err(|_| "contains characters not allowed in a header".to_string())?;
    v.set_sensitive(true);
    Ok(v)
}

impl TokenSource {
    /// Resolves the secrets. The error says which, never what.
    pub fn new(auth: Option<&PollAuth>, client: reqwest::Client) -> Result<TokenSource, String> {
        use base64_engine::encode;
        let kind = match auth {
            None => Kind::None,
            Some(PollAuth::Bearer { token }) => {
                Kind::Fixed(sensitive(format!("Bearer {}", token.resolve()?.expose()))?)
            }
            Some(PollAuth::Basic { username, password }) => {
                let pair = format!("{username}:{}", password.resolve()?.expose());
                Kind::Fixed(sensitive(format!("Basic {}", encode(pair.as_bytes())))?)
            }
            Some(PollAuth::Oauth2 {
                token_url,
                client_id,
                client_secret,
                scope,
            }) => Kind::Oauth2 {
                token_url: token_url.clone(),
                client_id: client_id.clone(),
                secret: client_secret.resolve()?,
                scope: scope.clone(),
                cached: Mutex::new(None),
            },
        };
        Ok(TokenSource { kind, client })
    }

    /// The header for the next request, fetching a token if there is none valid.
    pub async fn header(&self) -> Result<Option<HeaderValue>, String> {
        match &self.kind {
            Kind::None => Ok(None),
            Kind::Fixed(v) => Ok(Some(v.clone())),
            Kind::Oauth2 { cached, .. } => {
                let mut cached = cached.lock().await;
                if let Some((v, until)) = &*cached
                    && Instant::now() < *until
                {
                    return Ok(Some(v.clone()));
                }
                let fresh = self.fetch().await?;
                *cached = Some(fresh.clone());
                Ok(Some(fresh.0))
            }
        }
    }

    /// Forgets the cached token (the API answered 401). `true` if there was one
    /// to forget, so asking again may help.
    pub async fn invalidate(&self) -> bool {
        match &self.kind {
            Kind::Oauth2 { cached, .. } => cached.lock().await.take().is_some(),
            _ => false,
        }
    }

    async fn fetch(&self) -> Result<(HeaderValue, Instant), String> {
        let Kind::Oauth2 {
            token_url,
            client_id,
            secret,
            scope,
            ..
        } = &self.kind
        else {
            return Err("not OAuth2".into());
        };
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.expose()),
        ];
        if let Some(s) = scope {
            form.push(("scope", s.as_str()));
        }
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .client
            .post(token_url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| format!("token endpoint: {}", crate::observability::error_chain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("token endpoint answered HTTP {status}"));
        }
        #[derive(Deserialize)]
        struct Token {
            access_token: String,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("token endpoint: {}", crate::observability::error_chain(&e)))?;
        let token: Token = serde_json::from_slice(&body)
            .map_err(|e| format!("token endpoint: not a token response: {e}"))?;
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(300));
        let until = Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN);
        Ok((sensitive(format!("Bearer {}", token.access_token))?, until))
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-._*".contains(&b) => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Standard base64, for basic auth (too small a need for a dependency).
mod base64_engine {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// Encodes with padding.
    pub fn encode(input: &[u8]) -> String {
        let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
        for chunk in input.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn rfc4648_vectors() {
            for (i, o) in [
                ("", ""),
                ("f", "Zg=="),
                ("fo", "Zm8="),
                ("foo", "Zm9v"),
                ("foob", "Zm9vYg=="),
            ] {
                assert_eq!(super::encode(i.as_bytes()), o);
            }
        }
    }
}
