//! The in-memory twin of [`super::SecretsManager`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{Secret, SecretSource, SecretValue, SecretsError};

/// Secrets held in memory; counts reads, so tests can check caching. Clones
/// share the same secrets.
#[derive(Default, Clone)]
pub struct MemorySecrets {
    values: Arc<Mutex<HashMap<String, (String, u64)>>>,
    reads: Arc<AtomicUsize>,
}

impl MemorySecrets {
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates the secret or gives it a new version.
    pub fn put(&self, name: impl Into<String>, value: impl Into<String>) {
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        let entry = values.entry(name.into()).or_insert((String::new(), 0));
        *entry = (value.into(), entry.1 + 1);
    }

    /// How many times a secret was read.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl SecretSource for MemorySecrets {
    async fn secret(&self, name: &str) -> Result<Option<SecretValue>, SecretsError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        Ok(values.get(name).map(|(value, version)| SecretValue {
            string: Secret::new(value.clone()),
            version: Some(version.to_string()),
        }))
    }
}

impl<T: SecretSource> SecretSource for &T {
    fn secret(&self, name: &str) -> impl Future<Output = Result<Option<SecretValue>, SecretsError>> + Send {
        (**self).secret(name)
    }
}

/// The twin as one function's IAM role sees it: the named secrets, and an
/// access denial for any other, as Secrets Manager answers a role that may
/// not read them.
pub struct RoleView<'a> {
    secrets: &'a MemorySecrets,
    allowed: Vec<String>,
}

impl MemorySecrets {
    /// A view of these secrets that may read only `allowed`.
    pub fn as_role(&self, allowed: Vec<String>) -> RoleView<'_> {
        RoleView { secrets: self, allowed }
    }
}

impl SecretSource for RoleView<'_> {
    async fn secret(&self, name: &str) -> Result<Option<SecretValue>, SecretsError> {
        if self.allowed.iter().any(|allowed| allowed == name) {
            self.secrets.secret(name).await
        } else {
            Err(SecretsError::Service(format!("AccessDeniedException: the role may not read {name}")))
        }
    }
}
