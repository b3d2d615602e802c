//! Which plugin files the gateway runs: one whose SHA-256 matches its pin, or
//! one signed with minisign by a key the config trusts.
//!
//! A force signs its plugins with the standard tool (`minisign -Sm plugin.wasm`
//! writes `plugin.wasm.minisig`) and lists its public keys in `[plugins]
//! trusted_keys`; a new version is then deployed by replacing the two files,
//! without editing a pin. With trusted keys configured, a plugin without a pin
//! must carry a signature one of them verifies, or it is refused.

use super::error::PluginError;
use minisign_verify::{PublicKey, Signature};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A public key plugins may be signed with.
#[derive(Clone)]
pub struct TrustedKey {
    /// As configured: the base64 line of a `minisign.pub` file.
    pub text: String,
    key: PublicKey,
}

impl std::fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TrustedKey").field(&self.text).finish()
    }
}

impl TrustedKey {
    /// Parses the base64 line of a `minisign.pub` file (`RWQ...`).
    pub fn parse(text: &str) -> Result<TrustedKey, String> {
        let text = text.trim();
        PublicKey::from_base64(text)
            .map(|key| TrustedKey {
                text: text.to_string(),
                key,
            })
            .map_err(|e| {
                format!(
                    "not a minisign public key ({e}): give the second line of a minisign.pub file"
                )
            })
    }
}

/// Who signed a plugin, as its signature says and a trusted key verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The trusted key that verified it.
    pub key: String,
    /// The signature's trusted comment (signed too: e.g. `timestamp:...\tfile:...`).
    pub comment: String,
}

/// What a plugin file must satisfy to be run.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// The SHA-256 it must have, if pinned.
    pub pin: Option<String>,
    /// Keys a signature may be verified with.
    pub keys: Arc<[TrustedKey]>,
}

/// Where minisign puts a file's signature: beside it, `.minisig` appended.
pub fn signature_path(plugin: &Path) -> PathBuf {
    let mut name = plugin.as_os_str().to_owned();
    name.push(".minisig");
    PathBuf::from(name)
}

/// The signature beside `plugin`, if there is one (decoded), for display.
pub fn read_signature(plugin: &Path) -> Option<Result<Signature, String>> {
    let path = signature_path(plugin);
    let text = std::fs::read_to_string(&path).ok()?;
    Some(Signature::decode(&text).map_err(|e| format!("{}: {e}", path.display())))
}

impl Trust {
    /// Only a pin (or nothing): how plugins were trusted before signatures.
    pub fn pinned(pin: Option<&str>) -> Trust {
        Trust {
            pin: pin.map(str::to_string),
            keys: Arc::from(Vec::new()),
        }
    }

    /// Checks `bytes` (read from `path`, digest `sha256`). Returns who signed it
    /// when a signature was what let it in.
    pub fn check(
        &self,
        path: &Path,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<Option<Signer>, PluginError> {
        if let Some(expected) = &self.pin {
            if !expected.trim().eq_ignore_ascii_case(sha256) {
                return Err(PluginError::ShaMismatch {
                    path: path.to_owned(),
                    expected: expected.trim().to_ascii_lowercase(),
                    actual: sha256.to_string(),
                });
            }
            return Ok(None);
        }
        if self.keys.is_empty() {
            return Ok(None);
        }
        let untrusted = |reason: String| PluginError::Untrusted {
            path: path.to_owned(),
            reason,
        };
        let signature = match read_signature(path) {
            None => {
                return Err(untrusted(format!(
                    "no signature ({} is missing) and no plugin_sha256 pin",
                    signature_path(path).display()
                )));
            }
            Some(Err(e)) => return Err(untrusted(format!("unreadable signature: {e}"))),
            Some(Ok(s)) => s,
        };
        for k in self.keys.iter() {
            if k.key.verify(bytes, &signature, false).is_ok() {
                return Ok(Some(Signer {
                    key: k.text.clone(),
                    comment: signature.trusted_comment().to_string(),
                }));
            }
        }
        Err(untrusted(
            "its signature does not verify with any key in plugins.trusted_keys (signed by another key, or the file changed after signing)".into(),
        ))
    }
}
