//! A small per-container cache with a time to live, for values that change
//! rarely and are read on every request (accounts, secrets, known senders).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries expire after `ttl`; when `capacity` is reached the cache starts over,
/// which bounds memory without bookkeeping on the hot path.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Arc<V>, Instant)>>,
}

impl<K: Eq + Hash, V> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self { ttl, capacity: capacity.max(1), entries: Mutex::new(HashMap::new()) }
    }

    /// The value, if it is younger than the TTL.
    pub fn get<Q>(&self, key: &Q) -> Option<Arc<V>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_younger_than(key, self.ttl)
    }

    /// The value, if it is younger than `max_age`.
    pub fn get_younger_than<Q>(&self, key: &Q, max_age: Duration) -> Option<Arc<V>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entries = self.lock();
        entries.get(key).filter(|(_, at)| at.elapsed() < max_age).map(|(value, _)| value.clone())
    }

    pub fn insert(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let mut entries = self.lock();
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (value.clone(), Instant::now()));
        value
    }

    pub fn remove<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Arc<V>, Instant)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests;
