//! `accounts add`: an account's secrets and registry item, created or updated.

use whosent::push::BodyMode;
use whosent::secrets::{ConsoleSecret, MarkerSecret, PushSecret, Secret};
use whosent::store::{Account, AccountRegistry, AccountState, Strategy};

use crate::{Admin, AdminError, Cleared, random_key, unix_now, validate};

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
    /// The body mode set on the platform; `None` keeps the stored one (safe
    /// for a new account).
    pub mode: Option<BodyMode>,
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

/// Where the marker key written by `accounts add` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerOrigin {
    /// `--marker-key`.
    Given,
    /// The account's marker secret.
    Kept,
    /// A push secret written before the marker secret existed.
    CarriedOver,
    /// None given or stored: a random one.
    Generated,
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
    /// The marker secret got a new version.
    pub marker_written: bool,
    /// Where the marker key came from.
    pub marker: MarkerOrigin,
    /// `credentials_rejected` was lifted by the new console secret.
    pub lifted_rejection: bool,
    /// The waiting work resumed when the rejection was lifted.
    pub resumed: Option<Cleared>,
    pub account: Account,
}

impl Admin {
    /// Creates or updates an account: its marker, push and console secrets,
    /// then its registry item. A secret is written only when its content
    /// changes. An existing item keeps its body mode unless one is given, and
    /// its state, unless the console secret changed while the console had
    /// refused the old one: then it is `active` again and its waiting requests
    /// and profiles resume, as after `accounts clear`.
    pub async fn add_account(&self, input: &AccountInput) -> Result<Added, AdminError> {
        input.validate()?;
        let existing = self.store.account(&input.id).await?;
        let mut fresh = Account::new(&input.id, &input.appid, &input.gh_id, input.strategy);
        fresh.mode = input.mode.unwrap_or_default();
        let named = existing.as_ref().unwrap_or(&fresh);
        let (push_name, console_name, marker_name) =
            (named.push_secret.clone(), named.console_secret.clone(), named.marker_secret.clone());

        // Marker secret: the key given, else the stored one, else one still in
        // an older push secret (carried over once), else a new one. Written
        // before the push secret drops the older copy.
        let stored_push: Option<StoredPush> = self.read(&push_name).await?;
        let stored_marker: Option<MarkerSecret> = self.read(&marker_name).await?;
        let in_push = stored_push.as_ref().and_then(|p| p.marker_key.clone());
        let (marker_key, origin) = match (&input.marker_key, &stored_marker, in_push) {
            (Some(given), _, _) => (given.clone(), MarkerOrigin::Given),
            (None, Some(stored), _) => (stored.marker_key.clone(), MarkerOrigin::Kept),
            (None, None, Some(older)) => (older, MarkerOrigin::CarriedOver),
            (None, None, None) => (Secret::new(random_key()), MarkerOrigin::Generated),
        };
        let marker = MarkerSecret { marker_key };
        let marker_written = stored_marker.as_ref() != Some(&marker);
        if marker_written {
            self.write(&marker_name, &marker).await?;
        }

        // Push secret: a key rotation keeps the old key as the previous one.
        let previous = match (&input.previous_aes_key, &stored_push) {
            (Some(previous), _) => Some(previous.clone()),
            (None, Some(stored)) if stored.push.encoding_aes_key != input.aes_key => {
                Some(stored.push.encoding_aes_key.clone())
            }
            (None, Some(stored)) => stored.push.previous_encoding_aes_key.clone(),
            (None, None) => None,
        };
        let push = PushSecret {
            token: input.token.clone(),
            encoding_aes_key: input.aes_key.clone(),
            previous_encoding_aes_key: previous,
        };
        let push_written =
            !stored_push.as_ref().is_some_and(|stored| stored.marker_key.is_none() && same_push(&stored.push, &push));
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
                account.mode = input.mode.unwrap_or(account.mode);
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
        // What the rejection held up resumes as after `accounts clear`.
        let resumed = if lifted_rejection { Some(self.resume(&account.id, unix_now()).await?) } else { None };
        Ok(Added {
            created,
            push_written,
            console_written,
            marker_written,
            marker: origin,
            lifted_rejection,
            resumed,
            account,
        })
    }
}

/// A push secret as stored: one written before the marker secret existed
/// also holds the marker key.
#[derive(serde::Deserialize)]
struct StoredPush {
    #[serde(flatten)]
    push: PushSecret,
    #[serde(default)]
    marker_key: Option<Secret<String>>,
}

fn same_push(a: &PushSecret, b: &PushSecret) -> bool {
    a.token == b.token
        && a.encoding_aes_key == b.encoding_aes_key
        && a.previous_encoding_aes_key == b.previous_encoding_aes_key
}
