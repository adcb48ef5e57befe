//! Account credentials kept in AWS Secrets Manager.
//!
//! Each account has three secrets, so that each function can be granted only
//! what it needs: the **push** secret (token, current and previous
//! EncodingAESKey) read by the webhook, the **marker** secret (the user-list
//! marker key) read by the webhook and the resolver, and the **console**
//! secret (username and password) read by the resolver and the profile
//! function.
//! Every secret value lives in a [`Secret`], which never prints its content.

mod cache;
mod manager;
mod memory;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::push::{AesKey, CryptoError};

pub use cache::SecretCache;
pub use manager::SecretsManager;
pub use memory::{MemorySecrets, RoleView};

/// A value that must never reach a log line: `Debug` and `Display` print
/// `<redacted>`; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secret {0} does not exist")]
    NotFound(String),
    #[error("secret {name} is not valid: {reason}")]
    Invalid { name: String, reason: String },
    #[error("secrets service failed: {0}")]
    Service(String),
}

/// The current value of a secret and its version id.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue {
    pub string: Secret<String>,
    /// Changes whenever the value is replaced.
    pub version: Option<String>,
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValue").field("version", &self.version).finish_non_exhaustive()
    }
}

/// The one port to a secret store: the current value of a named secret.
pub trait SecretSource: Send + Sync {
    fn secret(&self, name: &str) -> impl Future<Output = Result<Option<SecretValue>, SecretsError>> + Send;
}

/// The push secret of an account, as stored (JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushSecret {
    pub token: Secret<String>,
    pub encoding_aes_key: Secret<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_encoding_aes_key: Option<Secret<String>>,
}

/// The marker secret of an account, as stored (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerSecret {
    /// Key of the user-list marker (an HMAC of the openID).
    pub marker_key: Secret<String>,
}

/// The console secret of an account, as stored (JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsoleSecret {
    pub username: String,
    pub password: Secret<String>,
}

/// A push secret with its keys decoded once, ready for every request.
#[derive(Clone, Debug)]
pub struct PushCredentials {
    pub token: Secret<String>,
    pub current: AesKey,
    pub previous: Option<AesKey>,
}

impl TryFrom<PushSecret> for PushCredentials {
    type Error = CryptoError;

    fn try_from(secret: PushSecret) -> Result<Self, CryptoError> {
        Ok(Self {
            current: AesKey::from_encoding_aes_key(secret.encoding_aes_key.expose())?,
            previous: secret
                .previous_encoding_aes_key
                .as_ref()
                .map(|k| AesKey::from_encoding_aes_key(k.expose()))
                .transpose()?,
            token: secret.token,
        })
    }
}

/// The lookup API's keys, as stored (JSON `{"keys": ["…"]}`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiKeysSecret {
    pub keys: Vec<Secret<String>>,
}

/// The lookup API's keys, kept as digests and compared in constant time.
#[derive(Clone)]
pub struct ApiKeys {
    digests: Vec<[u8; 20]>,
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeys").field("count", &self.digests.len()).finish()
    }
}

impl ApiKeys {
    /// Whether `presented` is one of the keys. Every key is compared, each
    /// in constant time over fixed-length digests, so that neither the
    /// position of a mismatch nor a key's length shows in the timing.
    pub fn accepts(&self, presented: &str) -> bool {
        use sha1::Digest;
        use subtle::ConstantTimeEq;
        let digest: [u8; 20] = sha1::Sha1::digest(presented.as_bytes()).into();
        let mut found = subtle::Choice::from(0);
        for key in &self.digests {
            found |= key.ct_eq(&digest);
        }
        bool::from(found) && !presented.is_empty()
    }
}

impl TryFrom<ApiKeysSecret> for ApiKeys {
    type Error = &'static str;

    fn try_from(secret: ApiKeysSecret) -> Result<Self, Self::Error> {
        use sha1::Digest;
        if secret.keys.iter().any(|k| k.expose().len() < 16) {
            return Err("every API key must have at least 16 characters");
        }
        Ok(Self { digests: secret.keys.iter().map(|k| sha1::Sha1::digest(k.expose().as_bytes()).into()).collect() })
    }
}

/// Parses a stored secret value of type `T`.
pub fn parse<T: for<'de> Deserialize<'de>>(name: &str, value: &str) -> Result<T, SecretsError> {
    serde_json::from_str(value).map_err(|e| SecretsError::Invalid {
        name: name.to_owned(),
        // serde_json's message names the field, never its value.
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
