//! The in-memory twin of [`super::SecretsManager`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{SecretSource, SecretsError};

/// Secrets held in memory; counts reads, so tests can check caching.
#[derive(Default)]
pub struct MemorySecrets {
    values: Mutex<HashMap<String, String>>,
    reads: AtomicUsize,
}

impl MemorySecrets {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(&self, name: impl Into<String>, value: impl Into<String>) {
        self.values.lock().unwrap_or_else(|e| e.into_inner()).insert(name.into(), value.into());
    }

    /// How many times a secret was read.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl SecretSource for MemorySecrets {
    async fn secret_string(&self, name: &str) -> Result<Option<String>, SecretsError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.values.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned())
    }
}

impl<T: SecretSource> SecretSource for &T {
    fn secret_string(&self, name: &str) -> impl Future<Output = Result<Option<String>, SecretsError>> + Send {
        (**self).secret_string(name)
    }
}
