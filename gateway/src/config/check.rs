//! `bcgw check-config`: every problem in a config, each with its key path and what
//! to do — not just the first. The checks themselves are the daemon's own
//! ([`crate::assembly`]), so a config that checks clean is one `bcgw run` accepts.

use super::ConfigError;
pub use super::problems::{Level, Problem};
use std::path::Path;

/// Checks the config at `path` with these environment variables. Loads every plugin
/// to check its pin, its world and its own config.
pub fn check(path: &Path, vars: impl IntoIterator<Item = (String, String)>) -> Vec<Problem> {
    match super::parse(path, vars) {
        Ok((loaded, unknown)) => crate::assembly::assemble(loaded.config, unknown)
            .problems
            .into_vec(),
        Err(e) => {
            let key = match &e {
                ConfigError::Invalid { path, .. } => path.clone(),
                _ => path.display().to_string(),
            };
            let message = match e {
                ConfigError::Invalid { message, .. } => message,
                other => other.to_string(),
            };
            let mut p = super::Problems::default();
            p.error(key, message);
            p.into_vec()
        }
    }
}
