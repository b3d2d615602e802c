//! The gateway's HTTP side: the API listener BCRP platforms talk to (`[http]`)
//! and the operators' admin listener (`[admin]`), one stack (axum on hyper,
//! rustls for TLS) for both.
//!
//! - `server.rs`: bind, accept, TLS, deadlines, graceful shutdown;
//! - `api.rs`: `POST /sources/<name>`, `GET /sources/<name>/receipts/<id>`,
//!   `GET /openapi.json`; the sources' own handlers are [`SourceEndpoint`]s
//!   registered in [`Endpoints`] when the sources are built;
//! - `admin.rs`, `metrics.rs`: `/metrics` and `/healthz`;
//! - `problem.rs`: RFC 9457 problem documents, the one error shape;
//! - `tls.rs`: certificate and key files.

pub mod admin;
pub mod api;
pub mod metrics;
pub mod problem;
pub mod server;
pub mod tls;

use axum::extract::Request;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// A source served over the shared API listener.
#[async_trait::async_trait]
pub trait SourceEndpoint: Send + Sync {
    /// `POST /sources/<name>`: takes a submission.
    async fn submit(&self, request: Request) -> Response;

    /// `GET /sources/<name>/receipts/<id>`: what became of a submission.
    async fn receipt(&self, request: Request, receipt: &str) -> Response;
}

/// The sources registered on the API listener, by name.
#[derive(Clone)]
pub struct Endpoints {
    sources: Arc<RwLock<BTreeMap<String, Arc<dyn SourceEndpoint>>>>,
    /// The default body limit (`http.max_body_bytes`).
    pub max_body_bytes: usize,
}

impl Endpoints {
    /// No sources yet.
    pub fn new(max_body_bytes: usize) -> Endpoints {
        Endpoints {
            sources: Arc::default(),
            max_body_bytes,
        }
    }

    /// Serves `endpoint` at `/sources/<name>`.
    pub fn register(&self, name: &str, endpoint: Arc<dyn SourceEndpoint>) {
        self.sources
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), endpoint);
    }

    /// The endpoint of a source, if one is registered.
    pub fn get(&self, name: &str) -> Option<Arc<dyn SourceEndpoint>> {
        self.sources
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }
}

/// One listener to bind: its config key (for errors), address, TLS and routes.
pub struct Listener {
    /// `http.listen` or `admin.listen` (or both, when they are the same address).
    pub key: &'static str,
    /// The address.
    pub addr: std::net::SocketAddr,
    /// TLS, if configured.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// The routes.
    pub router: axum::Router,
}

/// The listeners a config asks for: the API listener (`[http]`), the admin
/// listener (`[admin]`), or one serving both when their addresses are equal.
pub fn listeners(
    config: &crate::config::Config,
    endpoints: &Endpoints,
    admin: admin::AdminState,
) -> Result<Vec<Listener>, String> {
    let tls = match &config.http.tls {
        Some(t) => Some(t.acceptor().map_err(|e| format!("http.tls: {e}"))?),
        None => None,
    };
    let api = config
        .http
        .listen
        .map(|addr| (addr, api::routes(endpoints.clone())));
    let admin_addr = config.admin.listen;
    let mut out = Vec::new();
    match (api, admin_addr) {
        (Some((a, router)), Some(b)) if a == b => out.push(Listener {
            key: "http.listen",
            addr: a,
            tls,
            router: router.merge(admin::routes(admin)),
        }),
        (api, admin_addr) => {
            if let Some((addr, router)) = api {
                out.push(Listener {
                    key: "http.listen",
                    addr,
                    tls,
                    router,
                });
            }
            if let Some(addr) = admin_addr {
                out.push(Listener {
                    key: "admin.listen",
                    addr,
                    tls: None,
                    router: admin::routes(admin).fallback(admin::not_found),
                });
            }
        }
    }
    Ok(out)
}
