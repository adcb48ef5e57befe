//! The in-memory twin of [`super::DynamoStore`], with the same semantics,
//! for tests of the logic above the store.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use super::lookup::{LookupStore, MessagePage, MessageQuery, SenderRecords};
use super::model::{
    Account, AccountState, Answer, MessageRecord, Person, ProfileState, PushEntry, Recorded, Resolution, Sender,
    SenderField,
};
use super::resolving::{MappingOutcome, MarkerRecord, RequestAndSender, ResolverStore, WalkRecord};
use super::sessions::{SessionRecord, SessionStore};
use super::{AccountRegistry, PushLedger, ResolveRequest, ResolveState, StoreError, keys};
use crate::console::SessionState;
use crate::push::Features;

#[derive(Default)]
struct Tables {
    accounts: HashMap<String, Account>,
    senders: HashMap<(String, String), Sender>,
    dedupe: HashMap<(String, String), Answer>,
    /// Replay guards: (account, query digest) → message digest.
    nonces: HashMap<(String, String), String>,
    /// By (account, message sort key), so iteration is in time order.
    messages: BTreeMap<(String, String), MessageRecord>,
    resolve: HashMap<(String, String), ResolveRequest>,
    persons: HashMap<u64, Person>,
    avatars: HashMap<u64, Vec<u8>>,
    sessions: HashMap<String, SessionRecord>,
    /// By (account, sort key), in the table's order.
    markers: BTreeMap<(String, String), MarkerRecord>,
    walks: BTreeMap<(String, String), WalkRecord>,
}

impl Tables {
    /// The sender item, created as an update on DynamoDB would create it.
    fn sender_mut(&mut self, account: &str, open_id: &str) -> &mut Sender {
        self.senders.entry((account.to_owned(), open_id.to_owned())).or_insert_with(|| Sender {
            account: account.to_owned(),
            open_id: open_id.to_owned(),
            ..Sender::default()
        })
    }
}

/// The records of an account's collection, in sort-key order.
fn collection<V: Clone>(items: &BTreeMap<(String, String), V>, account: &str) -> Vec<V> {
    items.iter().filter(|((a, _), _)| a == account).map(|(_, v)| v.clone()).collect()
}

/// The records of an account under these sort keys, each once, in sort-key
/// order (a batch read's order is not part of its answer).
fn named<V: Clone>(items: &BTreeMap<(String, String), V>, account: &str, sort_keys: Vec<String>) -> Vec<V> {
    let sort_keys: std::collections::BTreeSet<String> = sort_keys.into_iter().collect();
    sort_keys.into_iter().filter_map(|sk| items.get(&(account.to_owned(), sk)).cloned()).collect()
}

/// A store in memory. Every operation is atomic under one lock; clones share
/// the same tables, as clones of a [`super::DynamoStore`] share its table.
#[derive(Default, Clone)]
pub struct MemoryStore {
    tables: Arc<Mutex<Tables>>,
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

    pub fn put_person(&self, person: Person) {
        self.lock().persons.insert(person.fake_id, person);
    }

    pub fn put_avatar(&self, fake_id: u64, jpeg: Vec<u8>) {
        self.lock().avatars.insert(fake_id, jpeg);
    }

    pub fn put_message(&self, message: MessageRecord) {
        let sk = keys::message_sk(message.features.create_time, &message.dedupe_key);
        self.lock().messages.insert((message.account.clone(), sk), message);
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
        let sender_id = (account.clone(), open_id.clone());
        let guard_id = (account.clone(), entry.guard.query_digest.clone());
        super::limits::check_entry(entry)?;
        let mut tables = self.lock();
        if tables.nonces.get(&guard_id).is_some_and(|digest| *digest != entry.guard.message_digest) {
            return Ok(Recorded::Replayed);
        }
        if let Some(answer) = tables.dedupe.get(&dedupe_id) {
            return Ok(Recorded::Duplicate(answer.clone()));
        }
        if tables.messages.contains_key(&message_id) {
            return Ok(Recorded::Duplicate(Answer::Success));
        }
        let pending = matches!(message.sender, SenderField::Pending);
        if pending && tables.senders.get(&sender_id).is_some_and(|s| s.profile.is_some()) {
            return Ok(Recorded::SenderChanged);
        }
        tables.nonces.insert(guard_id, entry.guard.message_digest.clone());
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
        if entry.follow.is_some() || entry.refresh_profile {
            let sender = tables.sender_mut(&account, &open_id);
            if let Some(follow) = entry.follow {
                sender.follow_state = Some(follow.state);
                sender.follow_changed_at = Some(follow.at);
            }
            if entry.refresh_profile {
                sender.profile_state = Some(ProfileState::Wanted);
                sender.profile_wanted_at = Some(message.received_at);
            }
        }
        Ok(Recorded::New)
    }
}

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
        for ((a, sk), message) in tables.messages.iter().rev() {
            let before_cursor = query.after.as_ref().is_none_or(|after| sk < after);
            let in_window = since.as_ref().is_none_or(|since| sk >= since);
            if a != account || !before_cursor || !in_window {
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
        let mut senders: Vec<Sender> =
            tables.senders.values().filter(|s| s.fake_id == Some(fake_id)).cloned().collect();
        senders.sort_by(|a, b| (&a.account, &a.open_id).cmp(&(&b.account, &b.open_id)));
        Ok(senders)
    }
}

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
        self.lock().sessions.insert(account.to_owned(), record);
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
        let mut requests: Vec<ResolveRequest> =
            tables.resolve.values().filter(|r| r.account == account && r.state == state).cloned().collect();
        requests.sort_by(|a, b| a.open_id.cmp(&b.open_id));
        Ok(requests)
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
