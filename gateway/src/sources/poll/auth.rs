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
        /// How the client id and secret reach the token endpoint: `"body"`
        /// (form fields, the default) or `"basic"` (an `Authorization: Basic`
        /// header, which some token endpoints require).
        #[serde(default)]
        client_auth: ClientAuth,
    },
}

/// Where OAuth2 client credentials go (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuth {
    /// `client_id` and `client_secret` form fields.
    #[default]
    Body,
    /// `Authorization: Basic` with the form-encoded id and secret.
    Basic,
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
        client_auth: ClientAuth,
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
                client_auth,
            }) => Kind::Oauth2 {
                token_url: token_url.clone(),
                client_id: client_id.clone(),
                secret: client_secret.resolve()?,
                scope: scope.clone(),
                client_auth: *client_auth,
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
            client_auth,
            ..
        } = &self.kind
        else {
            return Err("not OAuth2".into());
        };
        let mut form = vec![("grant_type", "client_credentials")];
        if *client_auth == ClientAuth::Body {
            form.push(("client_id", client_id.as_str()));
            form.push(("client_secret", secret.expose()));
        }
        if let Some(s) = scope {
            form.push(("scope", s.as_str()));
        }
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = self.client.post(token_url).header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
        if *client_auth == ClientAuth::Basic {
            let pair = format!(
                "{}:{}",
                form_encode(client_id),
                form_encode(secret.expose())
            );
            request = request.header(
                reqwest::header::AUTHORIZATION,
                sensitive(format!("Basic {}", base64_engine::encode(pair.as_bytes())))?,
            );
        }
        let response =
            request.body(body).send().await.map_err(|e| {
                format!("token endpoint: {}", crate::observability::error_chain(&e))
            })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    /// A token endpoint that wants the client's credentials where `mode` says.
    async fn token_endpoint(mode: ClientAuth) -> String {
        let app = axum::Router::new().route(
            "/token",
            axum::routing::post(move |headers: HeaderMap, body: String| async move {
                let basic = headers.get("authorization").and_then(|v| v.to_str().ok())
                    == Some("Basic YmNndythdm9uOnMlMjZjcmV0JTNE");
                let form = body.contains("client_id=bcgw+avon")
                    && body.contains("client_secret=s%26cret%3D");
                let ok = match mode {
                    ClientAuth::Basic => basic && !form,
                    ClientAuth::Body => form && !basic,
                };
                if ok && body.contains("grant_type=client_credentials") {
                    (
                        axum::http::StatusCode::OK,
                        r#"{"access_token":"tok-1","expires_in":600}"#,
                    )
                } else {
                    (axum::http::StatusCode::UNAUTHORIZED, "{}")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/token")
    }

    #[tokio::test]
    async fn client_credentials_go_in_the_body_or_a_basic_header() {
        for mode in [ClientAuth::Body, ClientAuth::Basic] {
            let auth = PollAuth::Oauth2 {
                token_url: token_endpoint(mode).await,
                client_id: "bcgw avon".into(),
                client_secret: SecretSource::Literal("s&cret=".into()),
                scope: None,
                client_auth: mode,
            };
            let tokens = TokenSource::new(Some(&auth), reqwest::Client::new()).unwrap();
            let header = tokens.header().await.unwrap().unwrap();
            assert_eq!(header.to_str().unwrap(), "Bearer tok-1", "{mode:?}");
            // Cached until asked to forget it.
            assert!(tokens.invalidate().await);
            assert!(!tokens.invalidate().await);
        }
    }
}
