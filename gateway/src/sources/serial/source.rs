//! The read loop of a serial source, on a thread of its own: open (with
//! backoff), read with a short timeout (so shutdown is noticed), cut frames,
//! journal each batch of frames, and on an error drop the partial frame and
//! reopen.

use super::config::{FlowControl, Parity, SerialSourceConfig};
use crate::common::reconnect::Backoff;
use crate::events::{
    InternalEvent, JournalWriteFailed, SerialDisconnected, SerialFramingError, SerialOpenFailed,
    SerialOpened,
};
use crate::sources::SourceContext;
use crate::sources::framing::{Framed, Framer};
use crate::store::{Hold, NewPayload};
use bcgw_sdk::plugin::metadata_keys;
use chrono::Utc;
use std::io::{ErrorKind, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long one read waits for bytes: how quickly shutdown is noticed.
const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// Frames held while the store refuses writes before reading stops (the device's
/// own buffer and flow control take over).
const MAX_UNJOURNALED: usize = 10_000;

/// A running serial source.
pub struct SerialSource {
    /// Its settings.
    pub config: SerialSourceConfig,
    /// The source's context.
    pub cx: SourceContext,
    /// Frames read since start: part of each frame's journal identity, so two
    /// identical frames in one read stay two.
    pub seq: AtomicU64,
}

/// Why reading a port stopped.
enum Ended {
    Stopping,
    Lost,
}

impl SerialSource {
    /// Runs until shutdown. The port is read on its own thread: serial I/O blocks.
    pub async fn run(self) {
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let name = self.cx.name.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("bcgw-serial-{name}"))
            .spawn(move || {
                self.read_loop();
                let _ = done_tx.send(());
            });
        if let Err(e) = spawned {
            tracing::error!(source = %name, error = %e, "cannot start the serial reader thread");
            return;
        }
        let _ = done_rx.await;
        tracing::info!(source = %name, "serial source stopped");
    }

    fn stopping(&self) -> bool {
        *self.cx.shutdown.borrow()
    }

    /// Sleeps up to `wait`, waking early when the gateway stops.
    fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        while !self.stopping() && Instant::now() < until {
            std::thread::sleep(READ_TIMEOUT.min(until - Instant::now()));
        }
    }

    fn open(&self) -> serialport::Result<Box<dyn serialport::SerialPort>> {
        let c = &self.config;
        serialport::new(&c.port, c.baud_rate)
            .data_bits(match c.data_bits {
                5 => serialport::DataBits::Five,
                6 => serialport::DataBits::Six,
                7 => serialport::DataBits::Seven,
                _ => serialport::DataBits::Eight,
            })
            .parity(match c.parity {
                Parity::None => serialport::Parity::None,
                Parity::Odd => serialport::Parity::Odd,
                Parity::Even => serialport::Parity::Even,
            })
            .stop_bits(if c.stop_bits == 2 {
                serialport::StopBits::Two
            } else {
                serialport::StopBits::One
            })
            .flow_control(match c.flow_control {
                FlowControl::None => serialport::FlowControl::None,
                FlowControl::Software => serialport::FlowControl::Software,
                FlowControl::Hardware => serialport::FlowControl::Hardware,
            })
            .timeout(READ_TIMEOUT)
            .open()
    }

    fn read_loop(&self) {
        let c = &self.config;
        let mut backoff = Backoff::new(&c.reconnect);
        let mut framer = Framer::new(c.framing, c.line_terminator, c.max_frame_bytes);
        let mut unjournaled = Vec::new();
        while !self.stopping() {
            match self.open() {
                Ok(port) => {
                    backoff.succeeded();
                    SerialOpened {
                        source: &self.cx.name,
                        port: &c.port,
                    }
                    .emit();
                    match self.read_port(port, &mut framer, &mut unjournaled) {
                        Ended::Stopping => break,
                        Ended::Lost => {
                            let (_, wait) = backoff.failed();
                            self.pause(wait);
                        }
                    }
                }
                Err(e) => {
                    // Nothing is in hand while the port is absent.
                    self.cx
                        .idle
                        .store(unjournaled.is_empty(), Ordering::Relaxed);
                    let (attempt, wait) = backoff.failed();
                    SerialOpenFailed {
                        source: &self.cx.name,
                        port: &c.port,
                        error: &e.to_string(),
                        attempt,
                        retry_in_ms: wait.as_millis() as u64,
                    }
                    .emit();
                    self.pause(wait);
                    self.journal(&mut unjournaled);
                }
            }
        }
        self.journal(&mut unjournaled);
    }

    fn read_port(
        &self,
        mut port: Box<dyn serialport::SerialPort>,
        framer: &mut Framer,
        unjournaled: &mut Vec<NewPayload>,
    ) -> Ended {
        let mut buf = vec![0u8; 16 * 1024];
        let mut last_byte = Instant::now();
        let mut framed = Vec::new();
        let idle_after = Duration::from_millis(self.config.idle_after_ms);
        loop {
            if self.stopping() {
                return Ended::Stopping;
            }
            if unjournaled.len() < MAX_UNJOURNALED {
                match port.read(&mut buf) {
                    Ok(0) => return self.lost(framer, "end of stream"),
                    Ok(n) => {
                        last_byte = Instant::now();
                        framer.push(&buf[..n], &mut framed);
                        for f in framed.drain(..) {
                            unjournaled.push(self.payload(f));
                        }
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
                    Err(e) => {
                        self.journal(unjournaled);
                        return self.lost(framer, &e.to_string());
                    }
                }
            }
            if !unjournaled.is_empty() && !self.journal(unjournaled) {
                self.pause(Duration::from_millis(200));
            }
            let idle = unjournaled.is_empty()
                && framer.pending() == 0
                && last_byte.elapsed() >= idle_after;
            self.cx.idle.store(idle, Ordering::Relaxed);
        }
    }

    fn lost(&self, framer: &mut Framer, error: &str) -> Ended {
        let partial_bytes = framer.reset();
        SerialDisconnected {
            source: &self.cx.name,
            port: &self.config.port,
            error,
            partial_bytes,
        }
        .emit();
        Ended::Lost
    }

    /// Journals what is held; true when it is all committed.
    fn journal(&self, unjournaled: &mut Vec<NewPayload>) -> bool {
        if unjournaled.is_empty() {
            return true;
        }
        match self.cx.store.append_payloads(unjournaled.clone()) {
            Ok(_) => {
                unjournaled.clear();
                true
            }
            Err(e) => {
                JournalWriteFailed {
                    source: &self.cx.name,
                    kind: "serial",
                    payloads: unjournaled.len(),
                    error: &e.to_string(),
                }
                .emit();
                false
            }
        }
    }

    /// A frame (or unusable bytes) as a payload.
    fn payload(&self, framed: Framed) -> NewPayload {
        let c = &self.config;
        let received_at = Utc::now();
        let (bytes, hold) = match framed {
            Framed::Frame(b) => (b, None),
            Framed::TooLong { head, len } => {
                let reason = format!(
                    "serial frame of {len} bytes is longer than max_frame_bytes ({}); its first {} bytes are kept",
                    c.max_frame_bytes,
                    head.len()
                );
                (head, Some(("frame-too-long", reason)))
            }
            Framed::Outside(b) => {
                let reason = format!("{} byte(s) outside any frame", b.len());
                (b, Some(("bytes-outside-frame", reason)))
            }
        };
        if let Some((kind, _)) = &hold {
            SerialFramingError {
                source: &self.cx.name,
                port: &c.port,
                error_kind: kind,
                bytes: bytes.len(),
                quarantined: true,
            }
            .emit();
        }
        let stamp = received_at.timestamp_nanos_opt().unwrap_or_default();
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let framing = match c.framing {
            crate::sources::framing::Framing::Line => "line",
            crate::sources::framing::Framing::StxEtx => "stx-etx",
            crate::sources::framing::Framing::LengthPrefix => "length-prefix",
        };
        NewPayload {
            source: self.cx.name.clone(),
            received_at,
            content_type: c.content_type.clone(),
            metadata: vec![
                (metadata_keys::SERIAL_PORT.into(), c.port.clone()),
                (metadata_keys::SERIAL_FRAMING.into(), framing.into()),
            ],
            origin: format!("serial:{}@{}", c.port, received_at.to_rfc3339()),
            // A serial line never repeats a frame by itself: identical frames are
            // separate alerts (exact repeats are caught later, as records).
            identity_scope: Some(format!("serial:{}:{stamp}:{seq}", c.port)),
            bytes,
            hold: hold.map(|(kind, reason)| Hold {
                error_kind: kind.into(),
                reason,
            }),
        }
    }
}
