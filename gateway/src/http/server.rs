//! The HTTP server under the API and admin listeners: an accept loop over hyper's
//! HTTP/1.1 connection driver, optionally behind rustls.
//!
//! Written out rather than `axum::serve` for what a public listener needs and that
//! one lacks: a deadline on the request head (a client trickling headers holds a
//! connection, not a task forever), a TLS handshake off the accept loop and under
//! a deadline, a cap on open connections, and a shutdown that lets in-flight
//! requests (waiting for their journal commit) finish before the daemon exits.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

/// How long a client has to send a request head (and to finish a TLS handshake).
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long shutdown waits for in-flight requests before closing connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Open connections per listener; the next one waits in the kernel's backlog.
const MAX_CONNECTIONS: usize = 4_096;

/// A bound listener, ready to serve a router.
pub struct HttpServer {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
}

impl HttpServer {
    /// Binds `addr`. Fails with the config `key` and address in the message when the
    /// port is taken, so a misconfigured daemon stops at start-up.
    pub async fn bind(
        key: &str,
        addr: SocketAddr,
        tls: Option<TlsAcceptor>,
        router: Router,
    ) -> anyhow::Result<HttpServer> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            anyhow::anyhow!(
                "{key}: cannot listen on {addr}: {e} (is another process using the port?)"
            )
        })?;
        Ok(HttpServer {
            listener,
            tls,
            router,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` turns true, then lets open requests finish (up to
    /// [`DRAIN_TIMEOUT`]).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let accepted = tokio::select! {
                _ = shutdown.changed() => break,
                accepted = self.listener.accept() => accepted,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let tls = self.tls.clone();
            let router = self.router.clone();
            let stop = shutdown.clone();
            connections.spawn(async move {
                serve_connection(stream, tls, router, stop).await;
                drop(permit);
            });
            // Reap finished connections so the set does not grow with the total served.
            while connections.try_join_next().is_some() {}
        }
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
    }
}

async fn serve_connection(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    router: Router,
    shutdown: watch::Receiver<bool>,
) {
    match tls {
        None => drive(stream, router, shutdown).await,
        Some(acceptor) => {
            // A failed or slow handshake is the client's problem; nothing to log
            // per connection (a scanner would fill the log).
            if let Ok(Ok(tls_stream)) =
                tokio::time::timeout(HEAD_TIMEOUT, acceptor.accept(stream)).await
            {
                drive(tls_stream, router, shutdown).await;
            }
        }
    }
}

async fn drive<S>(io: S, router: Router, mut shutdown: watch::Receiver<bool>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(router));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = shutdown.changed() => {}
    }
    // Finish the request in progress (a journal commit may be under way), then close.
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}
