//! [`SessionStore`] in memory.

use super::MemoryStore;
use crate::console::SessionState;
use crate::store::StoreError;
use crate::store::ports::{SessionRecord, SessionStore};
use crate::store::{Account, AccountState};

impl SessionStore for MemoryStore {
    async fn account_now(&self, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().accounts.get(id).cloned())
    }

    async fn session(&self, account: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.lock().sessions.get(account).cloned())
    }

    async fn try_lease(&self, account: &str, owner: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let mut tables = self.lock();
        let record = tables.sessions.entry(account.to_owned()).or_insert_with(|| SessionRecord {
            session: None,
            lease_owner: None,
            lease_until: None,
        });
        let free = record.lease_until.is_none_or(|until| until < now) || record.lease_owner.as_deref() == Some(owner);
        if free {
            record.lease_owner = Some(owner.to_owned());
            record.lease_until = Some(until);
        }
        Ok(free)
    }

    async fn save_session(&self, account: &str, session: &SessionState, _expires_at: i64) -> Result<(), StoreError> {
        let record = SessionRecord { session: Some(session.clone()), lease_owner: None, lease_until: None };
        let mut tables = self.lock();
        tables.sessions.insert(account.to_owned(), record);
        if tables.accounts.contains_key(account) {
            tables.last_logins.insert(account.to_owned(), session.created_at);
        }
        Ok(())
    }

    async fn release_lease(&self, account: &str, owner: &str) -> Result<(), StoreError> {
        if let Some(record) = self.lock().sessions.get_mut(account)
            && record.lease_owner.as_deref() == Some(owner)
        {
            record.lease_owner = None;
            record.lease_until = None;
        }
        Ok(())
    }

    async fn forget_session(&self, account: &str, token: &str) -> Result<(), StoreError> {
        if let Some(record) = self.lock().sessions.get_mut(account)
            && record.session.as_ref().is_some_and(|s| s.token == token)
        {
            record.session = None;
        }
        Ok(())
    }

    async fn set_account_state(
        &self,
        account: &str,
        state: AccountState,
        reason: Option<&str>,
        rejected_secret_version: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        if let Some(account) = self.lock().accounts.get_mut(account) {
            account.state = state;
            account.state_changed_at = Some(now);
            account.state_reason = reason.map(str::to_owned);
            account.rejected_secret_version = rejected_secret_version.map(str::to_owned);
        }
        Ok(())
    }
}
