//! Logging helpers shared by every stage.
//!
//! Log lines carry ids (payload, record, outbox, incident), counts and error kinds —
//! never names, descriptions or narratives. Plugin output, which may contain
//! anything, is logged by size at debug level and by text only at trace level,
//! under the `bcgw::plugin_output` target.

/// An error and its causes on one line, e.g. `error sending request: connection refused`.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}
