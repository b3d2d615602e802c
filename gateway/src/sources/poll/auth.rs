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

/// Gives each request its credentials.
pub struct TokenSource {
    kind: Kind,
    client: reqwest::Client,
}

enum Kind {
    None,
    Bearer(HeaderValue),
    Basic {
        username: String,
        password: Secret,
    },
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
        let kind = match auth {
            None => Kind::None,
            Some(PollAuth::Bearer { token }) => {
                Kind::Bearer(sensitive(format!("Bearer {}", token.resolve()?.expose()))?)
            }
            Some(PollAuth::Basic { username, password }) => Kind::Basic {
                username: username.clone(),
                password: password.resolve()?,
            },
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

    /// Adds the credentials to a request, fetching an OAuth2 token if there is
    /// none valid.
    pub async fn authorize(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, String> {
        Ok(match &self.kind {
            Kind::None => request,
            Kind::Bearer(v) => request.header(reqwest::header::AUTHORIZATION, v.clone()),
            Kind::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose()))
            }
            Kind::Oauth2 { cached, .. } => {
                let mut cached = cached.lock().await;
                let token = match &*cached {
                    Some((v, until)) if Instant::now() < *until => v.clone(),
                    _ => {
                        let fresh = self.fetch().await?;
                        *cached = Some(fresh.clone());
                        fresh.0
                    }
                };
                request.header(reqwest::header::AUTHORIZATION, token)
            }
        })
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
            // RFC 6749 §2.3.1: the id and secret are form-encoded first.
            request =
                request.basic_auth(form_encode(client_id), Some(form_encode(secret.expose())));
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
            let client = reqwest::Client::new();
            let tokens = TokenSource::new(Some(&auth), client.clone()).unwrap();
            let request = tokens
                .authorize(client.get("http://127.0.0.1:9/"))
                .await
                .unwrap()
                .build()
                .unwrap();
            assert_eq!(
                request.headers()["authorization"],
                "Bearer tok-1",
                "{mode:?}"
            );
            // Cached until asked to forget it.
            assert!(tokens.invalidate().await);
            assert!(!tokens.invalidate().await);
        }
    }
}
