//! `whosent`, the operators' CLI: registers accounts with their two secrets,
//! lists and shows them, clears an account an operator has seen to, adds API
//! keys, and creates the table. Everything goes through the shared crate's
//! store and secrets types.

pub mod endpoints;
pub mod validate;

use whosent::secrets::{ConsoleSecret, PushSecret, Secret, SecretSource, SecretsError, SecretsManager};
use whosent::store::{
    Account, AccountRegistry, AccountState, DynamoStore, ResolveState, ResolverStore, SessionStore, StoreError,
    Strategy,
};

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

/// A new or updated account, as typed (checked by [`AccountInput::validate`]).
#[derive(Debug, Clone)]
pub struct AccountInput {
    pub id: String,
    pub appid: String,
    pub gh_id: String,
    pub token: Secret<String>,
    pub aes_key: Secret<String>,
    pub previous_aes_key: Option<Secret<String>>,
    pub username: String,
    pub password: Secret<String>,
    pub strategy: Strategy,
    pub marker_key: Option<Secret<String>>,
}

impl AccountInput {
    pub fn validate(&self) -> Result<(), AdminError> {
        validate::account_id(&self.id)?;
        validate::appid(&self.appid)?;
        validate::gh_id(&self.gh_id)?;
        validate::token(self.token.expose())?;
        validate::aes_key("aes-key", self.aes_key.expose())?;
        if let Some(previous) = &self.previous_aes_key {
            validate::aes_key("previous-aes-key", previous.expose())?;
        }
        validate::console_field("username", &self.username)?;
        validate::console_field("password", self.password.expose())?;
        if let Some(marker) = &self.marker_key {
            validate::marker_key(marker.expose())?;
        }
        Ok(())
    }
}

/// What `accounts add` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The registry item was new.
    pub created: bool,
    /// The push secret got a new version.
    pub push_written: bool,
    /// The console secret got a new version.
    pub console_written: bool,
    /// A marker key was generated (none given, none stored).
    pub marker_generated: bool,
    /// `credentials_rejected` was lifted by the new console secret.
    pub lifted_rejection: bool,
    pub account: Account,
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

    /// Creates or updates an account: its push and console secrets, then its
    /// registry item. A secret is written only when its content changes. An
    /// existing item keeps its state, unless the console secret changed while
    /// the console had refused the old one (then it is `active` again).
    pub async fn add_account(&self, input: &AccountInput) -> Result<Added, AdminError> {
        input.validate()?;
        let existing = self.store.account(&input.id).await?;
        let fresh = Account::new(&input.id, &input.appid, &input.gh_id, input.strategy);
        let (push_name, console_name) = match &existing {
            Some(account) => (account.push_secret.clone(), account.console_secret.clone()),
            None => (fresh.push_secret.clone(), fresh.console_secret.clone()),
        };

        // Push secret: the marker key is kept; a key rotation keeps the old key as the previous one.
        let stored_push: Option<PushSecret> = self.read(&push_name).await?;
        let kept_marker = stored_push.as_ref().and_then(|p| p.marker_key.clone());
        let marker_generated = input.marker_key.is_none() && kept_marker.is_none();
        let marker_key = input.marker_key.clone().or(kept_marker).unwrap_or_else(|| Secret::new(random_key()));
        let previous = match (&input.previous_aes_key, &stored_push) {
            (Some(previous), _) => Some(previous.clone()),
            (None, Some(stored)) if stored.encoding_aes_key != input.aes_key => Some(stored.encoding_aes_key.clone()),
            (None, Some(stored)) => stored.previous_encoding_aes_key.clone(),
            (None, None) => None,
        };
        let push = PushSecret {
            token: input.token.clone(),
            encoding_aes_key: input.aes_key.clone(),
            previous_encoding_aes_key: previous,
            marker_key: Some(marker_key),
        };
        let push_written = !stored_push.as_ref().is_some_and(|stored| same_push(stored, &push));
        if push_written {
            self.write(&push_name, &push).await?;
        }

        let console = ConsoleSecret { username: input.username.clone(), password: input.password.clone() };
        let stored_console: Option<ConsoleSecret> = self.read(&console_name).await?;
        let console_written = !stored_console
            .as_ref()
            .is_some_and(|stored| stored.username == console.username && stored.password == console.password);
        if console_written {
            self.write(&console_name, &console).await?;
        }

        let created = existing.is_none();
        let mut lifted_rejection = false;
        let account = match existing {
            None => fresh,
            Some(mut account) => {
                account.appid = input.appid.clone();
                account.gh_id = input.gh_id.clone();
                account.strategy = input.strategy;
                if console_written && account.state == AccountState::CredentialsRejected {
                    account.state = AccountState::Active;
                    account.state_reason = None;
                    account.rejected_secret_version = None;
                    account.state_changed_at = Some(unix_now());
                    lifted_rejection = true;
                }
                account
            }
        };
        self.store.put_account(&account).await?;
        Ok(Added { created, push_written, console_written, marker_generated, lifted_rejection, account })
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

    /// Sets the account `active` again, clears its reason, and sets its
    /// `waiting` resolve requests back to `pending` (the stream brings them
    /// to the resolver). Answers how many were resumed.
    pub async fn clear(&self, id: &str) -> Result<Cleared, AdminError> {
        if self.store.account_now(id).await?.is_none() {
            return Err(AdminError::NoAccount(id.to_owned()));
        }
        let now = unix_now();
        self.store.set_account_state(id, AccountState::Active, None, None, now).await?;
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

/// What `accounts clear` resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleared {
    /// Resolve requests set back from `waiting` to `pending`.
    pub requests: usize,
    /// Senders whose profile is asked for again.
    pub profiles: usize,
}

fn same_push(a: &PushSecret, b: &PushSecret) -> bool {
    a.token == b.token
        && a.encoding_aes_key == b.encoding_aes_key
        && a.previous_encoding_aes_key == b.previous_encoding_aes_key
        && a.marker_key == b.marker_key
}

/// The callback URL to paste into the platform's settings.
pub fn callback_url(webhook_base: &str, id: &str) -> String {
    format!("{}/wechat/{id}", webhook_base.trim_end_matches('/'))
}

/// `YYYY-MM-DD HH:MM:SS UTC` of Unix seconds.
pub fn utc(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Names as the store writes them (`user_list`, `credentials_rejected`).
pub fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// `accounts list`: one line per account.
pub fn format_list(accounts: &[Account]) -> String {
    let width = accounts.iter().map(|a| a.id.len()).max().unwrap_or(2).max(2);
    let mut out = format!("{:width$}  {:9}  STATE\n", "ID", "STRATEGY");
    for account in accounts {
        out.push_str(&format!(
            "{:width$}  {:9}  {}\n",
            account.id,
            name_of(&account.strategy),
            name_of(&account.state)
        ));
    }
    out
}

/// `accounts show`.
pub fn format_report(report: &AccountReport) -> String {
    let a = &report.account;
    let mut out = format!(
        "account      {}\nappid        {}\ngh id        {}\nstrategy     {}\nstate        {}\n",
        a.id,
        a.appid,
        a.gh_id,
        name_of(&a.strategy),
        name_of(&a.state)
    );
    if let Some(reason) = &a.state_reason {
        out.push_str(&format!("reason       {reason}\n"));
    }
    if let Some(at) = a.state_changed_at {
        out.push_str(&format!("state since  {}\n", utc(at)));
    }
    let counts: Vec<String> = report.requests.iter().map(|(state, n)| format!("{n} {state}")).collect();
    out.push_str(&format!("requests     {}\n", counts.join(", ")));
    let login = report.last_login.map_or_else(|| "never (no stored session)".to_owned(), utc);
    out.push_str(&format!("last login   {login}\n"));
    out.push_str(&format!("secrets      {} (push), {} (console)\n", a.push_secret, a.console_secret));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_409_735_669), "2014-09-03 09:14:29 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn lists_and_reports_name_states_as_stored() {
        let mut account = Account::new("acct-1", "wx0123456789abcdef", "gh_0123456789ab", Strategy::UserList);
        account.state = AccountState::CredentialsRejected;
        account.state_reason = Some("-23 wrong password".into());
        let list = format_list(std::slice::from_ref(&account));
        assert!(list.contains("acct-1  user_list  credentials_rejected"), "{list}");
        let report =
            AccountReport { account, requests: vec![("pending", 2), ("waiting", 1)], last_login: Some(1_409_735_669) };
        let text = format_report(&report);
        assert!(text.contains("reason       -23 wrong password"), "{text}");
        assert!(text.contains("requests     2 pending, 1 waiting"), "{text}");
        assert!(text.contains("last login   2014-09-03 09:14:29 UTC"), "{text}");
        assert_eq!(
            callback_url("http://127.0.0.1:9000/lambda-url/webhook/", "acct-1"),
            "http://127.0.0.1:9000/lambda-url/webhook/wechat/acct-1"
        );
    }
}
