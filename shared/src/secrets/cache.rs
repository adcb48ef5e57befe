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
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::secrets::{MarkerSecret, MemorySecrets, PushCredentials, PushSecret, Secret, SecretValue};

    struct Counting {
        value: Mutex<String>,
        calls: AtomicUsize,
    }

    impl SecretSource for Counting {
        async fn secret(&self, _name: &str) -> Result<Option<SecretValue>, SecretsError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(Some(SecretValue { string: Secret::new(self.value.lock().unwrap().clone()), version: None }))
        }
    }

    fn secret_json(token: &str) -> String {
        format!(r#"{{"token":"{token}","encoding_aes_key":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}}"#)
    }

    #[tokio::test]
    async fn hits_are_served_from_memory_and_refreshes_are_rate_limited() {
        let source = Counting { value: Mutex::new(secret_json("one")), calls: AtomicUsize::new(0) };
        let mut cache: SecretCache<&Counting, PushCredentials> =
            SecretCache::new::<PushSecret>(&source, Duration::from_secs(300));
        assert_eq!(cache.get("a").await.unwrap().token.expose(), "one");
        assert_eq!(cache.get("a").await.unwrap().token.expose(), "one");
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);

        *source.value.lock().unwrap() = secret_json("two");
        assert!(cache.refresh("a").await.unwrap().is_none(), "too soon after the fetch");
        cache.min_refresh = Duration::ZERO;
        assert_eq!(cache.refresh("a").await.unwrap().unwrap().token.expose(), "two");
        assert_eq!(cache.get("a").await.unwrap().token.expose(), "two");
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_missing_secret_is_an_error_not_a_default() {
        struct Empty;
        impl SecretSource for Empty {
            async fn secret(&self, _name: &str) -> Result<Option<SecretValue>, SecretsError> {
                Ok(None)
            }
        }
        let cache: SecretCache<Empty, PushCredentials> = SecretCache::new::<PushSecret>(Empty, Duration::from_secs(1));
        assert!(matches!(cache.get("x").await, Err(SecretsError::NotFound(name)) if name == "x"));
    }

    #[tokio::test]
    async fn an_optional_secret_found_missing_is_not_looked_for_again_before_the_ttl() {
        let secrets = MemorySecrets::new();
        let cache: SecretCache<&MemorySecrets, MarkerSecret> =
            SecretCache::new::<MarkerSecret>(&secrets, Duration::from_millis(100));
        assert!(cache.get_optional("m").await.unwrap().is_none());
        assert!(cache.get_optional("m").await.unwrap().is_none());
        assert_eq!(secrets.reads(), 1);
        secrets.put("m", r#"{"marker_key":"k-0123456789abcdef"}"#);
        tokio::time::sleep(Duration::from_millis(120)).await;
        let found = cache.get_optional("m").await.unwrap().expect("written since");
        assert_eq!(found.marker_key.expose(), "k-0123456789abcdef");
        assert!(cache.get_optional("m").await.unwrap().is_some());
        assert_eq!(secrets.reads(), 2);
    }
}
