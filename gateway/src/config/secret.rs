//! Secrets in config: read from an environment variable or a file, never written
//! in the config itself (unless an operator insists), never printed or logged.

use serde::Deserialize;
use std::path::PathBuf;

/// Where a secret comes from.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum SecretSource {
    /// `{ env = "NICHE_TOKEN" }`: the value of an environment variable.
    Env {
        /// The variable's name.
        env: String,
    },
    /// `{ file = "/run/secrets/niche-token" }`: the file's contents, trimmed.
    File {
        /// The file (relative paths are resolved against the config file's directory).
        file: PathBuf,
    },
    /// A literal value in the config file. Discouraged: config files get copied around.
    Literal(String),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Env { env } => write!(f, "Secret(env {env})"),
            SecretSource::File { file } => write!(f, "Secret(file {})", file.display()),
            SecretSource::Literal(_) => f.write_str("Secret(literal ***)"),
        }
    }
}

/// A resolved secret. Its `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret's value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl SecretSource {
    /// Reads the secret. Errors say where it was looked for, never what it is.
    pub fn resolve(&self) -> Result<Secret, String> {
        match self {
            SecretSource::Env { env } => match std::env::var(env) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
                Ok(_) => Err(format!("environment variable {env} is empty")),
                Err(_) => Err(format!("environment variable {env} is not set")),
            },
            SecretSource::File { file } => match std::fs::read_to_string(file) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
                Ok(_) => Err(format!("secret file {} is empty", file.display())),
                Err(e) => Err(format!("cannot read secret file {}: {e}", file.display())),
            },
            SecretSource::Literal(v) => Ok(Secret(v.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = SecretSource::Literal("hunter2".into()).resolve().unwrap();
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert!(!format!("{:?}", SecretSource::Literal("hunter2".into())).contains("hunter2"));
    }

    #[test]
    fn file_secrets_are_trimmed_and_missing_ones_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "abc123\n").unwrap();
        let s = SecretSource::File { file: path.clone() }.resolve().unwrap();
        assert_eq!(s.expose(), "abc123");
        let err = SecretSource::Env {
            env: "BCGW_TEST_SURELY_UNSET_VAR".into(),
        }
        .resolve()
        .unwrap_err();
        assert_eq!(
            err,
            "environment variable BCGW_TEST_SURELY_UNSET_VAR is not set"
        );
    }
}
