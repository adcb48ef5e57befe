//! [`LookupStore`] in memory.

use std::collections::BTreeSet;

use super::MemoryStore;
use crate::store::StoreError;
use crate::store::ports::{LookupStore, MessagePage, MessageQuery, SenderRecords};
use crate::store::{Person, Sender};

impl LookupStore for MemoryStore {
    async fn sender_records(&self, account: &str, open_id: &str) -> Result<SenderRecords, StoreError> {
        let tables = self.lock();
        let key = (account.to_owned(), open_id.to_owned());
        Ok(SenderRecords { sender: tables.senders.get(&key).cloned(), request: tables.resolve.get(&key).cloned() })
    }

    async fn person(&self, fake_id: u64) -> Result<Option<Person>, StoreError> {
        Ok(self.lock().persons.get(&fake_id).cloned())
    }

    async fn avatar(&self, fake_id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().avatars.get(&fake_id).cloned())
    }

    async fn messages(&self, account: &str, query: &MessageQuery) -> Result<MessagePage, StoreError> {
        let tables = self.lock();
        let since = query.since.map(|t| format!("{t:010}"));
        let limit = usize::try_from(query.limit).unwrap_or(0);
        let mut page = MessagePage::default();
        for ((_, sk), message) in super::of_account(&tables.messages, account).rev() {
            let before_cursor = query.after.as_ref().is_none_or(|after| sk < after);
            let in_window = since.as_ref().is_none_or(|since| sk >= since);
            if !before_cursor || !in_window {
                continue;
            }
            if page.messages.len() == limit {
                break;
            }
            page.messages.push(message.clone());
            page.last_key = Some(sk.clone());
        }
        // As DynamoDB: a key to continue after whenever the limit was reached.
        if page.messages.len() < limit {
            page.last_key = None;
        }
        Ok(page)
    }

    async fn senders_of(&self, fake_id: u64) -> Result<Vec<Sender>, StoreError> {
        let tables = self.lock();
        // In (account, openID) order, as the index is.
        let keys = tables.mapped.get(&fake_id).into_iter().flatten();
        Ok(keys.filter_map(|key| tables.senders.get(key)).filter(|s| s.fake_id == Some(fake_id)).cloned().collect())
    }

    async fn senders_named(&self, account: &str, open_ids: &[&str]) -> Result<Vec<Sender>, StoreError> {
        let tables = self.lock();
        let distinct: BTreeSet<&str> = open_ids.iter().copied().collect();
        let key = |open_id: &str| (account.to_owned(), open_id.to_owned());
        Ok(distinct.into_iter().filter_map(|open_id| tables.senders.get(&key(open_id)).cloned()).collect())
    }
}
