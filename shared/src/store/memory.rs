//! The in-memory twin of [`super::DynamoStore`], with the same semantics,
//! for tests of the logic above the store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use super::model::{Account, Answer, MessageRecord, PushEntry, Recorded, Sender};
use super::{AccountRegistry, PushLedger, ResolveRequest, ResolveState, StoreError, keys};

#[derive(Default)]
struct Tables {
    accounts: HashMap<String, Account>,
    senders: HashMap<(String, String), Sender>,
    dedupe: HashMap<(String, String), Answer>,
    /// By (account, message sort key), so iteration is in time order.
    messages: BTreeMap<(String, String), MessageRecord>,
    resolve: HashMap<(String, String), ResolveRequest>,
}

/// A store in memory. Every operation is atomic under one lock.
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn put_account(&self, account: Account) {
        self.lock().accounts.insert(account.id.clone(), account);
    }

    /// Every registered account, by id.
    pub fn accounts(&self) -> Vec<Account> {
        let mut accounts: Vec<Account> = self.lock().accounts.values().cloned().collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        accounts
    }

    pub fn put_sender(&self, sender: Sender) {
        self.lock().senders.insert((sender.account.clone(), sender.open_id.clone()), sender);
    }

    /// The account's messages, newest first.
    pub fn messages(&self, account: &str) -> Vec<MessageRecord> {
        let tables = self.lock();
        tables.messages.iter().rev().filter(|((a, _), _)| a == account).map(|(_, m)| m.clone()).collect()
    }

    pub fn resolve_requests(&self) -> Vec<ResolveRequest> {
        self.lock().resolve.values().cloned().collect()
    }

    pub fn dedupe_records(&self) -> usize {
        self.lock().dedupe.len()
    }

    pub fn sender_record(&self, account: &str, open_id: &str) -> Option<Sender> {
        self.lock().senders.get(&(account.to_owned(), open_id.to_owned())).cloned()
    }
}

impl AccountRegistry for MemoryStore {
    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().accounts.get(id).cloned())
    }
}

impl PushLedger for MemoryStore {
    async fn sender(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        Ok(self.sender_record(account, open_id))
    }

    async fn record(&self, entry: &PushEntry) -> Result<Recorded, StoreError> {
        let message = &entry.message;
        let account = message.account.clone();
        let open_id = message.features.open_id.clone();
        let dedupe_id = (account.clone(), message.dedupe_key.clone());
        let message_id = (account.clone(), keys::message_sk(message.features.create_time, &message.dedupe_key));
        let mut tables = self.lock();
        if let Some(answer) = tables.dedupe.get(&dedupe_id) {
            return Ok(Recorded::Duplicate(answer.clone()));
        }
        if tables.messages.contains_key(&message_id) {
            return Ok(Recorded::Duplicate(Answer::Success));
        }
        tables.dedupe.insert(dedupe_id, entry.answer.clone());
        tables.messages.insert(message_id, message.clone());
        if let Some(hint) = &entry.resolve {
            let now = message.received_at;
            tables
                .resolve
                .entry((account.clone(), open_id.clone()))
                .and_modify(|r| {
                    r.state = ResolveState::Pending;
                    r.message_count += 1;
                    r.last_hint = hint.clone();
                    r.updated_at = now;
                })
                .or_insert_with(|| ResolveRequest {
                    account: account.clone(),
                    open_id: open_id.clone(),
                    state: ResolveState::Pending,
                    message_count: 1,
                    first_hint: hint.clone(),
                    last_hint: hint.clone(),
                    first_seen_at: now,
                    updated_at: now,
                    reason: None,
                    fake_id: None,
                });
        }
        if let Some(follow) = entry.follow {
            let sender = tables.senders.entry((account.clone(), open_id.clone())).or_insert_with(|| Sender {
                account: account.clone(),
                open_id: open_id.clone(),
                ..Sender::default()
            });
            sender.follow_state = Some(follow.state);
            sender.follow_changed_at = Some(follow.at);
        }
        Ok(Recorded::New)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Strategy;

    #[test]
    fn accounts_are_listed_by_id() {
        let store = MemoryStore::new();
        for id in ["b", "a", "c"] {
            store.put_account(Account::new(id, "wx0123456789abcdef", "gh_0123456789ab", Strategy::Time));
        }
        store.put_account(Account::new("a", "wx0123456789abcdef", "gh_0123456789ab", Strategy::Auto));
        let ids: Vec<_> = store.accounts().into_iter().map(|a| (a.id, a.strategy)).collect();
        assert_eq!(ids, [("a".into(), Strategy::Auto), ("b".into(), Strategy::Time), ("c".into(), Strategy::Time)]);
    }
}
