//! A per-container cache of decoded secrets.
//!
//! Entries live for a TTL of minutes. A caller that suspects its cached copy
//! is stale (a signature or decryption failed) asks for a refresh, which goes
//! to the store at most once per `min_refresh` per secret, so that forged
//! requests cannot turn into a stream of Secrets Manager calls. A secret that
//! may be absent is read with [`SecretCache::get_optional`], which remembers
//! its absence for the TTL too.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::{SecretSource, SecretsError, parse};
use crate::cache::TtlCache;

/// Caches secrets of one type `T`, parsed from their JSON form.
pub struct SecretCache<S, T> {
    source: S,
    min_refresh: Duration,
    entries: TtlCache<String, T>,
    /// Secrets found missing by `get_optional`.
    missing: TtlCache<String, ()>,
    decode: fn(&str, &str) -> Result<T, SecretsError>,
}

impl<S: SecretSource, T: Send + Sync> SecretCache<S, T> {
    /// A cache of secrets whose JSON parses as `J` and converts into `T`.
    pub fn new<J>(source: S, ttl: Duration) -> Self
    where
        J: for<'de> Deserialize<'de> + TryInto<T>,
        <J as TryInto<T>>::Error: std::fmt::Display,
    {
        Self {
            source,
            min_refresh: Duration::from_secs(10),
            entries: TtlCache::new(ttl, 10_000),
            missing: TtlCache::new(ttl, 10_000),
            decode: |name, value| {
                parse::<J>(name, value)?
                    .try_into()
                    .map_err(|e| SecretsError::Invalid { name: name.to_owned(), reason: e.to_string() })
            },
        }
    }

    /// The cached value, fetched when missing or older than the TTL.
    pub async fn get(&self, name: &str) -> Result<Arc<T>, SecretsError> {
        match self.entries.get(name) {
            Some(value) => Ok(value),
            None => self.fetch(name).await,
        }
    }

    /// Like [`SecretCache::get`], but a secret that does not exist is `None`,
    /// and is not looked for again before the TTL.
    pub async fn get_optional(&self, name: &str) -> Result<Option<Arc<T>>, SecretsError> {
        if let Some(value) = self.entries.get(name) {
            return Ok(Some(value));
        }
        if self.missing.get(name).is_some() {
            return Ok(None);
        }
        match self.fetch(name).await {
            Ok(value) => Ok(Some(value)),
            Err(SecretsError::NotFound(_)) => {
                self.missing.insert(name.to_owned(), ());
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }

    /// Fetches again unless the cached copy is younger than `min_refresh`.
    /// Returns `None` when no fresher copy can be had now.
    pub async fn refresh(&self, name: &str) -> Result<Option<Arc<T>>, SecretsError> {
        if self.entries.get_younger_than(name, self.min_refresh).is_some() {
            return Ok(None);
        }
        self.fetch(name).await.map(Some)
    }

    async fn fetch(&self, name: &str) -> Result<Arc<T>, SecretsError> {
        let raw = self.source.secret(name).await?.ok_or_else(|| SecretsError::NotFound(name.to_owned()))?;
        let value = (self.decode)(name, raw.string.expose())?;
        Ok(self.entries.insert(name.to_owned(), value))
    }
}

#[cfg(test)]
mod tests;
