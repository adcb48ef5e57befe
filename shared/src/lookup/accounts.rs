//! The accounts as the lookup API shows them: each one's strategy, state,
//! body mode, last login, and its resolve requests counted.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use super::{Lookup, LookupError, check_id};
use crate::push::BodyMode;
use crate::secrets::SecretSource;
use crate::store::{AccountState, LookupStore, RegisteredAccount, Strategy};

/// Accounts whose requests are counted at once.
const COUNTED_AT_ONCE: usize = 8;

/// One account: `GET /accounts/{account}`, and each item of `GET /accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub account: String,
    pub strategy: Strategy,
    /// `active`, `credentials_rejected`, `captcha_required`, `restricted`, `disabled`.
    pub state: AccountState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_changed_at: Option<i64>,
    pub mode: BodyMode,
    /// When the console was last logged into (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login_at: Option<i64>,
    /// Resolve requests not settled yet, the waiting ones included.
    pub pending: u64,
    /// Of those, the ones held until the account can log in again.
    pub waiting: u64,
    pub resolved: u64,
    /// Requests left unresolved, by reason.
    pub unresolved: BTreeMap<String, u64>,
}

/// `GET /accounts`: every account, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountsView {
    pub accounts: Vec<AccountView>,
}

impl<St: LookupStore, Se: SecretSource> Lookup<St, Se> {
    /// `GET /accounts`.
    pub async fn accounts(&self) -> Result<AccountsView, LookupError> {
        let registered = self.store.registered().await?;
        let accounts = futures::stream::iter(registered)
            .map(|r| self.account_view(r))
            .buffered(COUNTED_AT_ONCE)
            .try_collect()
            .await?;
        Ok(AccountsView { accounts })
    }

    /// `GET /accounts/{account}`.
    pub async fn account_status(&self, id: &str) -> Result<AccountView, LookupError> {
        check_id("account", id)?;
        let registered =
            self.store.registered_one(id).await?.ok_or_else(|| LookupError::NotFound(format!("no account {id}")))?;
        self.account_view(registered).await
    }

    async fn account_view(&self, registered: RegisteredAccount) -> Result<AccountView, LookupError> {
        let RegisteredAccount { account, last_login_at } = registered;
        let counts = self.store.request_counts(&account.id).await?;
        let mut unresolved = BTreeMap::new();
        for (reason, n) in counts.unresolved {
            let reason = if reason.is_empty() { "no reason recorded".to_owned() } else { reason };
            *unresolved.entry(reason).or_default() += n;
        }
        Ok(AccountView {
            account: account.id,
            strategy: account.strategy,
            state: account.state,
            state_reason: account.state_reason,
            state_changed_at: account.state_changed_at,
            mode: account.mode,
            last_login_at,
            pending: counts.pending + counts.waiting,
            waiting: counts.waiting,
            resolved: counts.resolved,
            unresolved,
        })
    }
}

#[cfg(test)]
mod tests;
