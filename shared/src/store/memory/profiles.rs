//! [`ProfileStore`] in memory, with DynamoDB's conditions: a person is kept
//! unless a newer fetch is stored, a profile lands only on a sender still
//! mapped to the same FakeID.

use super::MemoryStore;
use crate::store::StoreError;
use crate::store::ports::{FetchedProfile, ProfileStore};
use crate::store::{Person, ProfileState, Sender};

impl ProfileStore for MemoryStore {
    async fn sender_now(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        Ok(self.sender_record(account, open_id))
    }

    async fn person(&self, fake_id: u64) -> Result<Option<Person>, StoreError> {
        Ok(self.lock().persons.get(&fake_id).cloned())
    }

    async fn save_person(&self, person: &Person, avatar: Option<&[u8]>) -> Result<(), StoreError> {
        let mut tables = self.lock();
        if tables.persons.get(&person.fake_id).is_some_and(|stored| stored.fetched_at > person.fetched_at) {
            // A newer fetch of the same person is stored, with its avatar: keep both.
            return Ok(());
        }
        tables.persons.insert(person.fake_id, person.clone());
        if let Some(jpeg) = avatar {
            tables.avatars.insert(person.fake_id, jpeg.to_vec());
        }
        Ok(())
    }

    async fn save_sender_profile(
        &self,
        account: &str,
        open_id: &str,
        fetched: &FetchedProfile,
    ) -> Result<bool, StoreError> {
        let mut tables = self.lock();
        let Some(sender) = tables.senders.get_mut(&(account.to_owned(), open_id.to_owned())) else {
            return Ok(false);
        };
        if sender.fake_id != Some(fetched.fake_id) {
            return Ok(false);
        }
        sender.profile = Some(fetched.profile.clone());
        sender.profile_state = Some(ProfileState::Fetched);
        sender.profile_fetched_at = Some(fetched.fetched_at);
        sender.group_id = Some(fetched.group_id);
        sender.profile_reason = None;
        sender.remark_name = (!fetched.remark_name.is_empty()).then(|| fetched.remark_name.clone());
        Ok(true)
    }

    async fn set_profile_state(
        &self,
        account: &str,
        open_id: &str,
        state: ProfileState,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tables = self.lock();
        if let Some(sender) = tables.senders.get_mut(&(account.to_owned(), open_id.to_owned()))
            && sender.fake_id.is_some()
        {
            sender.profile_state = Some(state);
            sender.profile_reason = reason.map(str::to_owned);
        }
        Ok(())
    }
}
