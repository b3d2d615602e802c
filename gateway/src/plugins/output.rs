//! Capturing a plugin's stdout and stderr.
//!
//! A plugin gets no inherited stdio. What it prints is kept in memory up to a cap
//! and the rest is silently discarded: a chatty plugin must neither fill the
//! gateway's memory nor fail (Rust's `println!` panics when a write errors, so
//! refusing writes would turn logging into a trap).

use bytes::Bytes;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// An in-memory sink for one plugin stream that keeps the first `cap` bytes.
#[derive(Clone)]
pub struct CapturedOutput {
    cap: usize,
    inner: Arc<Mutex<Captured>>,
}

#[derive(Default)]
struct Captured {
    bytes: Vec<u8>,
    discarded: u64,
}

impl CapturedOutput {
    /// A sink keeping at most `cap` bytes.
    pub fn new(cap: usize) -> CapturedOutput {
        CapturedOutput {
            cap,
            inner: Arc::new(Mutex::new(Captured::default())),
        }
    }

    fn push(&self, data: &[u8]) {
        // A poisoned lock only means another writer panicked mid-push; the bytes
        // are still a valid prefix, so keep using them.
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let room = self.cap.saturating_sub(c.bytes.len());
        let kept = room.min(data.len());
        c.bytes.extend_from_slice(&data[..kept]);
        c.discarded += (data.len() - kept) as u64;
    }

    /// What was kept, lossily decoded, and how many bytes were discarded.
    pub fn contents(&self) -> (String, u64) {
        let c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (String::from_utf8_lossy(&c.bytes).into_owned(), c.discarded)
    }
}

impl IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Pollable for CapturedOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for CapturedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always accept: excess is discarded in `push`, never refused.
        Ok(64 * 1024)
    }
}

impl AsyncWrite for CapturedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
