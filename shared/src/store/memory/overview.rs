//! [`AccountOverview`] in memory.

use super::MemoryStore;
use crate::store::StoreError;
use crate::store::ports::{AccountOverview, RegisteredAccount, RequestCounts};

impl AccountOverview for MemoryStore {
    async fn registered(&self) -> Result<Vec<RegisteredAccount>, StoreError> {
        let tables = self.lock();
        let mut accounts: Vec<RegisteredAccount> = tables
            .accounts
            .values()
            .map(|a| RegisteredAccount { account: a.clone(), last_login_at: tables.last_logins.get(&a.id).copied() })
            .collect();
        accounts.sort_by(|a, b| a.account.id.cmp(&b.account.id));
        Ok(accounts)
    }

    async fn registered_one(&self, id: &str) -> Result<Option<RegisteredAccount>, StoreError> {
        let tables = self.lock();
        Ok(tables
            .accounts
            .get(id)
            .map(|a| RegisteredAccount { account: a.clone(), last_login_at: tables.last_logins.get(id).copied() }))
    }

    async fn request_counts(&self, account: &str) -> Result<RequestCounts, StoreError> {
        let mut counts = RequestCounts::default();
        for (_, request) in super::of_account(&self.lock().resolve, account) {
            counts.add(request.state, request.reason.clone());
        }
        Ok(counts)
    }
}
