//! `whosent`, the operators' CLI: registers accounts with their secrets,
//! lists and shows them, clears an account an operator has seen to, adds API
//! keys, and creates the table. Everything goes through the shared crate's
//! store and secrets types.

mod add;
pub mod endpoints;
mod format;
pub mod validate;

use whosent::secrets::{Secret, SecretSource, SecretsError, SecretsManager};
use whosent::store::{Account, AccountState, DynamoStore, ResolveState, ResolverStore, SessionStore, StoreError};

pub use add::{AccountInput, Added, MarkerOrigin};
pub use format::{callback_url, format_list, format_report, name_of, utc};

/// Everything that can go wrong, with a message for the operator.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("--{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{0}")]
    Config(String),
    #[error("{path}: {reason}")]
    EndpointsFile { path: String, reason: String },
    #[error("no account {0}")]
    NoAccount(String),
    #[error("cannot read the input: {0}")]
    Input(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
}

impl AdminError {
    /// 2 for what the operator typed, 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            AdminError::Invalid { .. } | AdminError::Input(_) => 2,
            _ => 1,
        }
    }
}

/// What `accounts show` tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountReport {
    pub account: Account,
    /// Resolve requests by state: pending, waiting, unresolved, resolved.
    pub requests: Vec<(&'static str, usize)>,
    /// When the stored console session was made (Unix seconds).
    pub last_login: Option<i64>,
}

/// The tool's view of the table and the secrets.
#[derive(Clone, Debug)]
pub struct Admin {
    pub store: DynamoStore,
    pub secrets: SecretsManager,
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// 32 random bytes in hex.
pub fn random_key() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

impl Admin {
    pub fn new(config: &aws_config::SdkConfig, table: &str) -> Self {
        Self {
            store: DynamoStore::new(aws_sdk_dynamodb::Client::new(config), table),
            secrets: SecretsManager::new(aws_sdk_secretsmanager::Client::new(config)),
        }
    }

    /// Creates the table with its indexes, stream and TTL, and its sessions
    /// table, unless they exist.
    pub async fn create_table(&self) -> Result<(), AdminError> {
        whosent::store::schema::create_table(self.store.client(), self.store.table()).await?;
        Ok(())
    }

    async fn read<T: for<'de> serde::Deserialize<'de>>(&self, name: &str) -> Result<Option<T>, AdminError> {
        match self.secrets.secret(name).await? {
            Some(value) => Ok(Some(whosent::secrets::parse(name, value.string.expose())?)),
            None => Ok(None),
        }
    }

    async fn write<T: serde::Serialize>(&self, name: &str, value: &T) -> Result<(), AdminError> {
        let json = serde_json::to_string(value)
            .map_err(|e| SecretsError::Invalid { name: name.to_owned(), reason: e.to_string() })?;
        self.secrets.put(name, &Secret::new(json)).await?;
        Ok(())
    }

    /// Every account, by id.
    pub async fn accounts(&self) -> Result<Vec<Account>, AdminError> {
        Ok(self.store.accounts().await?)
    }

    /// An account's state, its resolve requests by state, and its last login.
    pub async fn show(&self, id: &str) -> Result<AccountReport, AdminError> {
        let account = self.store.account_now(id).await?.ok_or_else(|| AdminError::NoAccount(id.to_owned()))?;
        let mut requests = Vec::new();
        for (name, state) in [
            ("pending", ResolveState::Pending),
            ("waiting", ResolveState::Waiting),
            ("unresolved", ResolveState::Unresolved),
            ("resolved", ResolveState::Resolved),
        ] {
            requests.push((name, self.store.requests_in(id, state).await?.len()));
        }
        let last_login = self.store.session(id).await?.and_then(|s| s.session).map(|s| s.created_at);
        Ok(AccountReport { account, requests, last_login })
    }

    /// Sets the account `active` again, clears its reason, and resumes its
    /// waiting work ([`Admin::resume`]).
    pub async fn clear(&self, id: &str) -> Result<Cleared, AdminError> {
        if self.store.account_now(id).await?.is_none() {
            return Err(AdminError::NoAccount(id.to_owned()));
        }
        let now = unix_now();
        self.store.set_account_state(id, AccountState::Active, None, None, now).await?;
        self.resume(id, now).await
    }

    /// Resumes the work an account's state held up, once it is `active`
    /// again: its `waiting` resolve requests back to `pending`, and its
    /// senders whose profile waits asked for again (the stream brings both to
    /// their function). Answers how many.
    pub async fn resume(&self, id: &str, now: i64) -> Result<Cleared, AdminError> {
        let waiting = self.store.requests_in(id, ResolveState::Waiting).await?;
        for request in &waiting {
            self.store.set_request_state(id, &request.open_id, ResolveState::Pending, None, None, now).await?;
        }
        let mut profiles = 0;
        for sender in self.store.senders_waiting_for_profile(id).await? {
            profiles += usize::from(self.store.ask_profile_again(id, &sender.open_id, now).await?);
        }
        Ok(Cleared { requests: waiting.len(), profiles })
    }

    /// Adds an API key (a random one unless given) to the secret
    /// `{"keys": […]}`, creating it when missing. Answers the key.
    pub async fn add_api_key(&self, secret: &str, key: Option<String>) -> Result<String, AdminError> {
        #[derive(serde::Serialize, serde::Deserialize, Default)]
        struct ApiKeys {
            keys: Vec<Secret<String>>,
        }
        let key = key.unwrap_or_else(random_key);
        if key.len() < 16 || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(AdminError::Invalid { field: "key", reason: "at least 16 printable ASCII characters".into() });
        }
        let mut keys: ApiKeys = self.read(secret).await?.unwrap_or_default();
        if !keys.keys.iter().any(|k| k.expose() == &key) {
            keys.keys.push(Secret::new(key.clone()));
            self.write(secret, &keys).await?;
        }
        Ok(key)
    }
}

/// What `accounts clear`, or a new console password for a rejected
/// account, resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleared {
    /// Resolve requests set back from `waiting` to `pending`.
    pub requests: usize,
    /// Senders whose profile is asked for again.
    pub profiles: usize,
}
