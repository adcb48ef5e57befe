//! `accounts add`: an account's secrets and registry item, created or updated.

use whosent::push::BodyMode;
use whosent::secrets::{ConsoleSecret, PushSecret, Secret};
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
    /// The waiting work resumed when the rejection was lifted.
    pub resumed: Option<Cleared>,
    pub account: Account,
}

impl Admin {
    /// Creates or updates an account: its push and console secrets, then its
    /// registry item. A secret is written only when its content changes. An
    /// existing item keeps its body mode unless one is given, and its state, unless the console secret changed while
    /// the console had refused the old one: then it is `active` again and its
    /// waiting requests and profiles resume, as after `accounts clear`.
    pub async fn add_account(&self, input: &AccountInput) -> Result<Added, AdminError> {
        input.validate()?;
        let existing = self.store.account(&input.id).await?;
        let mut fresh = Account::new(&input.id, &input.appid, &input.gh_id, input.strategy);
        fresh.mode = input.mode.unwrap_or_default();
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
        Ok(Added { created, push_written, console_written, marker_generated, lifted_rejection, resumed, account })
    }
}

fn same_push(a: &PushSecret, b: &PushSecret) -> bool {
    a.token == b.token
        && a.encoding_aes_key == b.encoding_aes_key
        && a.previous_encoding_aes_key == b.previous_encoding_aes_key
        && a.marker_key == b.marker_key
}
