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
