//! Internal events: what happens to a component that never reaches the store
//! (a broker connection lost, a serial port gone, a frame that could not be cut,
//! a failed acknowledgement, a translation or delivery task that panicked). One
//! struct per event; its `emit` writes one log line with fixed fields and counts
//! `bcgw_component_errors_total{component,kind,stage}` for `/metrics`. Events carry ids, names of configured components, counts and
//! error kinds — never payload content — so this folder is the one place to review
//! for what reaches the logs from the sources and sinks.

mod csv_folder;
mod mqtt;
mod poll;
mod serial;
mod stages;
mod store;
mod supervise;
mod webhook;

pub use csv_folder::*;
pub use mqtt::*;
pub use poll::*;
pub use serial::*;
pub use stages::*;
pub use store::*;
pub use supervise::*;
pub use webhook::*;

use std::collections::BTreeMap;
use std::sync::Mutex;

/// An event that logs and counts itself.
pub trait InternalEvent {
    /// Logs the event and counts it.
    fn emit(self);
}

/// `(component, kind, stage)`: the labels of `bcgw_component_errors_total`.
pub type ErrorLabels = (String, &'static str, &'static str);

static COMPONENT_ERRORS: Mutex<BTreeMap<ErrorLabels, u64>> = Mutex::new(BTreeMap::new());

/// Counts one error of a component: `component` is the configured source or sink
/// name, `kind` its kind (`mqtt`, `serial`...), `stage` where it went wrong
/// (`connect`, `subscribe`, `journal`, `ack`, `open`, `read`, `framing`...).
pub fn count_error(component: &str, kind: &'static str, stage: &'static str) {
    let mut counts = COMPONENT_ERRORS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *counts
        .entry((component.to_string(), kind, stage))
        .or_insert(0) += 1;
}

/// The counts so far, in label order. In-process: they restart at zero with the
/// daemon, as Prometheus counters may.
pub fn component_errors() -> Vec<(ErrorLabels, u64)> {
    let counts = COMPONENT_ERRORS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    counts.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_labels() {
        count_error("events-test-a", "mqtt", "connect");
        count_error("events-test-a", "mqtt", "connect");
        count_error("events-test-a", "mqtt", "ack");
        let counts = component_errors();
        let get = |stage| {
            counts
                .iter()
                .find(|((c, k, s), _)| c == "events-test-a" && *k == "mqtt" && *s == stage)
                .map(|(_, n)| *n)
        };
        assert_eq!(get("connect"), Some(2));
        assert_eq!(get("ack"), Some(1));
    }
}
