//! [`ResolverStore`] in memory.

use std::collections::HashMap;

use super::{MemoryStore, collection, named};
use crate::push::Features;
use crate::store::StoreError;
use crate::store::keys;
use crate::store::ports::{
    LookupStore, MappingOutcome, MarkerRecord, RequestAndSender, ResolveRequest, ResolveState, ResolverStore,
    WalkRecord,
};
use crate::store::{ProfileState, Resolution, Sender};

impl ResolverStore for MemoryStore {
    async fn sender_record(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        Ok(MemoryStore::sender_record(self, account, open_id))
    }

    async fn request(&self, account: &str, open_id: &str) -> Result<Option<ResolveRequest>, StoreError> {
        Ok(self.lock().resolve.get(&(account.to_owned(), open_id.to_owned())).cloned())
    }

    async fn requests_and_senders(
        &self,
        account: &str,
        open_ids: &[&str],
    ) -> Result<HashMap<String, RequestAndSender>, StoreError> {
        let tables = self.lock();
        let mut out = HashMap::new();
        for &open_id in open_ids {
            let key = (account.to_owned(), open_id.to_owned());
            let found = RequestAndSender {
                request: tables.resolve.get(&key).cloned(),
                sender: tables.senders.get(&key).cloned(),
            };
            if found.request.is_some() || found.sender.is_some() {
                out.insert(open_id.to_owned(), found);
            }
        }
        Ok(out)
    }

    async fn pushes_between(&self, account: &str, from: i64, to: i64) -> Result<Vec<Features>, StoreError> {
        let tables = self.lock();
        let range = (account.to_owned(), format!("{:010}", from.max(0)))
            ..(account.to_owned(), format!("{:010}", to.max(0) + 1));
        Ok(tables.messages.range(range).map(|(_, m)| m.features.clone()).collect())
    }

    async fn requests_in(&self, account: &str, state: ResolveState) -> Result<Vec<ResolveRequest>, StoreError> {
        let tables = self.lock();
        // In openID order, as the map is.
        Ok(super::of_account(&tables.resolve, account).map(|(_, r)| r).filter(|r| r.state == state).cloned().collect())
    }

    async fn mapped_to(&self, fake_id: u64) -> Result<Vec<(String, String)>, StoreError> {
        let senders = LookupStore::senders_of(self, fake_id).await?;
        Ok(senders.into_iter().map(|s| (s.account, s.open_id)).collect())
    }

    async fn record_mapping(
        &self,
        account: &str,
        open_id: &str,
        resolution: &Resolution,
    ) -> Result<MappingOutcome, StoreError> {
        let mut tables = self.lock();
        let sender = tables.sender_mut(account, open_id);
        match sender.fake_id {
            Some(existing) if existing == resolution.fake_id => Ok(MappingOutcome::Unchanged),
            Some(existing) => {
                sender.conflict = Some(resolution.clone());
                Ok(MappingOutcome::Conflict { existing })
            }
            None => {
                sender.fake_id = Some(resolution.fake_id);
                sender.resolution = Some(resolution.clone());
                sender.profile_state = Some(ProfileState::Wanted);
                sender.profile_wanted_at = Some(resolution.resolved_at);
                let key = (account.to_owned(), open_id.to_owned());
                tables.mapped.entry(resolution.fake_id).or_default().insert(key);
                Ok(MappingOutcome::Created)
            }
        }
    }

    async fn mark_moved(&self, account: &str, open_id: &str) -> Result<(), StoreError> {
        let mut tables = self.lock();
        let sender = tables.sender_mut(account, open_id);
        sender.moved = true;
        Ok(())
    }

    async fn set_request_state(
        &self,
        account: &str,
        open_id: &str,
        state: ResolveState,
        reason: Option<&str>,
        fake_id: Option<u64>,
        now: i64,
    ) -> Result<(), StoreError> {
        if let Some(request) = self.lock().resolve.get_mut(&(account.to_owned(), open_id.to_owned())) {
            request.state = state;
            request.updated_at = now;
            request.reason = reason.map(str::to_owned);
            if fake_id.is_some() {
                request.fake_id = fake_id;
            }
        }
        Ok(())
    }

    async fn set_resolved_group(&self, account: &str, group_id: i64) -> Result<(), StoreError> {
        if let Some(account) = self.lock().accounts.get_mut(account) {
            account.resolved_group_id = Some(group_id);
        }
        Ok(())
    }

    async fn markers(&self, account: &str) -> Result<Vec<MarkerRecord>, StoreError> {
        Ok(collection(&self.lock().markers, account))
    }

    async fn markers_named(&self, account: &str, markers: &[String]) -> Result<Vec<MarkerRecord>, StoreError> {
        Ok(named(&self.lock().markers, account, markers.iter().map(|m| keys::marker_sk(m)).collect()))
    }

    async fn record_marker(&self, account: &str, marker: &MarkerRecord) -> Result<(), StoreError> {
        let key = (account.to_owned(), keys::marker_sk(&marker.marker));
        self.lock().markers.insert(key, marker.clone());
        Ok(())
    }

    async fn walks(&self, account: &str) -> Result<Vec<WalkRecord>, StoreError> {
        Ok(collection(&self.lock().walks, account))
    }

    async fn walks_of(&self, account: &str, fake_ids: &[u64]) -> Result<Vec<WalkRecord>, StoreError> {
        Ok(named(&self.lock().walks, account, fake_ids.iter().map(|f| keys::walked_sk(*f)).collect()))
    }

    async fn record_walk(&self, account: &str, walk: &WalkRecord) -> Result<(), StoreError> {
        let key = (account.to_owned(), keys::walked_sk(walk.fake_id));
        self.lock().walks.insert(key, walk.clone());
        Ok(())
    }
}
