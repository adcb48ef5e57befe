//! The in-memory store and secrets, counted by a [`Meter`] as the DynamoDB
//! adapter and Secrets Manager would bill them (the mapping is in `meter.rs`).

use std::collections::HashMap;

use whosent::console::SessionState;
use whosent::push::Features;
use whosent::secrets::{SecretSource, SecretValue, SecretsError};
use whosent::store::{
    Account, AccountRegistry, AccountState, FetchedProfile, MappingOutcome, MarkerRecord, Person, ProfileState,
    ProfileStore, PushEntry, PushLedger, Recorded, RequestAndSender, Resolution, ResolveRequest, ResolveState,
    ResolverStore, Sender, SenderField, SessionRecord, SessionStore, StoreError, WalkRecord,
};

use crate::meter::{Meter, kb_units, query_units};

/// Bytes an item holds besides its JSON body (keys, kind, index keys).
const KEY_BYTES: usize = 150;

/// A store whose calls are counted.
#[derive(Clone)]
pub struct Counted<S> {
    pub inner: S,
    pub meter: Meter,
}

impl<S> Counted<S> {
    fn get(&self) {
        self.meter.read("GetItem", 1, 0.5);
    }

    fn get_consistent(&self) {
        self.meter.read("GetItem", 1, 1.0);
    }

    fn batch_get(&self, keys: usize) {
        self.meter.read("BatchGetItem", keys.div_ceil(100).max(1) as u64, 0.5 * keys as f64);
    }

    fn update(&self, records: u64) {
        self.meter.write("UpdateItem", 1.0, records);
    }
}

/// The request, WRU and stream records of the webhook's write of `entry`:
/// the replay guard (plaintext accounts), the message with its answer, the
/// resolve request, the sender's update or check, in one transaction; the
/// message alone is a conditional PutItem. A refused write is billed as a
/// written one.
fn push_write(entry: &PushEntry, recorded: &Recorded) -> (&'static str, f64, u64) {
    let pending = matches!(entry.message.sender, SenderField::Pending);
    let message = kb_units(json_len(&entry.message) + json_len(&entry.answer) + KEY_BYTES);
    let sender_write = entry.follow.is_some() || entry.refresh_profile;
    let sender_item = sender_write || pending || entry.check.is_some();
    let small = usize::from(entry.guard.is_some()) + usize::from(entry.resolve.is_some()) + usize::from(sender_item);
    let records = match recorded {
        Recorded::New => {
            u64::from(entry.guard.is_some()) + 1 + u64::from(entry.resolve.is_some()) + u64::from(sender_write)
        }
        _ => 0,
    };
    if small == 0 {
        return ("PutItem", message, records);
    }
    ("TransactWriteItems", 2.0 * (small as f64 + message), records)
}

fn json_len<T: serde::Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map(|b| b.len()).unwrap_or(0)
}

impl<S: AccountRegistry> AccountRegistry for Counted<S> {
    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.get();
        self.inner.account(id).await
    }
}

impl<S: PushLedger> PushLedger for Counted<S> {
    async fn record(&self, entry: &PushEntry) -> Result<Recorded, StoreError> {
        let recorded = self.inner.record(entry).await?;
        let (op, units, records) = push_write(entry, &recorded);
        self.meter.write(op, units, records);
        Ok(recorded)
    }
}

impl<S: SessionStore> SessionStore for Counted<S> {
    async fn account_now(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.get_consistent();
        self.inner.account_now(id).await
    }

    async fn session(&self, account: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.get();
        self.inner.session(account).await
    }

    async fn try_lease(&self, account: &str, owner: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        self.update(0);
        self.inner.try_lease(account, owner, now, until).await
    }

    async fn save_session(&self, account: &str, session: &SessionState, expires_at: i64) -> Result<(), StoreError> {
        self.update(0);
        self.inner.save_session(account, session, expires_at).await
    }

    async fn release_lease(&self, account: &str, owner: &str) -> Result<(), StoreError> {
        self.update(0);
        self.inner.release_lease(account, owner).await
    }

    async fn forget_session(&self, account: &str, token: &str) -> Result<(), StoreError> {
        self.update(0);
        self.inner.forget_session(account, token).await
    }

    async fn set_account_state(
        &self,
        account: &str,
        state: AccountState,
        reason: Option<&str>,
        rejected_secret_version: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.update(1);
        self.inner.set_account_state(account, state, reason, rejected_secret_version, now).await
    }
}

impl<S: ResolverStore> ResolverStore for Counted<S> {
    async fn sender_record(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        self.get();
        self.inner.sender_record(account, open_id).await
    }

    async fn requests_and_senders(
        &self,
        account: &str,
        open_ids: &[&str],
    ) -> Result<HashMap<String, RequestAndSender>, StoreError> {
        self.batch_get(2 * open_ids.len());
        self.inner.requests_and_senders(account, open_ids).await
    }

    async fn request(&self, account: &str, open_id: &str) -> Result<Option<ResolveRequest>, StoreError> {
        self.get();
        self.inner.request(account, open_id).await
    }

    async fn pushes_between(&self, account: &str, from: i64, to: i64) -> Result<Vec<Features>, StoreError> {
        let pushes = self.inner.pushes_between(account, from, to).await?;
        let bytes: usize = pushes.iter().map(|f| serde_json::to_vec(f).map(|b| b.len()).unwrap_or(0)).sum();
        self.meter.read("Query", 1, query_units(bytes));
        Ok(pushes)
    }

    async fn requests_in(&self, account: &str, state: ResolveState) -> Result<Vec<ResolveRequest>, StoreError> {
        let requests = self.inner.requests_in(account, state).await?;
        self.meter.read("Query", 1, query_units(requests.len() * 400));
        Ok(requests)
    }

    async fn mapped_to(&self, fake_id: u64) -> Result<Vec<(String, String)>, StoreError> {
        self.meter.read("Query", 1, 0.5);
        self.inner.mapped_to(fake_id).await
    }

    async fn record_mapping(
        &self,
        account: &str,
        open_id: &str,
        resolution: &Resolution,
    ) -> Result<MappingOutcome, StoreError> {
        let outcome = self.inner.record_mapping(account, open_id, resolution).await?;
        self.meter.write("UpdateItem", 2.0, u64::from(outcome == MappingOutcome::Created));
        if matches!(outcome, MappingOutcome::Conflict { .. }) {
            self.update(1);
        }
        Ok(outcome)
    }

    async fn mark_moved(&self, account: &str, open_id: &str) -> Result<(), StoreError> {
        self.update(1);
        self.inner.mark_moved(account, open_id).await
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
        self.update(1);
        self.inner.set_request_state(account, open_id, state, reason, fake_id, now).await
    }

    async fn set_resolved_group(&self, account: &str, group_id: i64) -> Result<(), StoreError> {
        self.update(1);
        self.inner.set_resolved_group(account, group_id).await
    }

    async fn markers(&self, account: &str) -> Result<Vec<MarkerRecord>, StoreError> {
        let markers = self.inner.markers(account).await?;
        self.meter.read("Query", 1, query_units(markers.len() * 200));
        Ok(markers)
    }

    async fn markers_named(&self, account: &str, markers: &[String]) -> Result<Vec<MarkerRecord>, StoreError> {
        self.batch_get(markers.len());
        self.inner.markers_named(account, markers).await
    }

    async fn record_marker(&self, account: &str, marker: &MarkerRecord) -> Result<(), StoreError> {
        self.meter.write("PutItem", 1.0, 1);
        self.inner.record_marker(account, marker).await
    }

    async fn walks(&self, account: &str) -> Result<Vec<WalkRecord>, StoreError> {
        let walks = self.inner.walks(account).await?;
        self.meter.read("Query", 1, query_units(walks.len() * 200));
        Ok(walks)
    }

    async fn walks_of(&self, account: &str, fake_ids: &[u64]) -> Result<Vec<WalkRecord>, StoreError> {
        self.batch_get(fake_ids.len());
        self.inner.walks_of(account, fake_ids).await
    }

    async fn record_walk(&self, account: &str, walk: &WalkRecord) -> Result<(), StoreError> {
        self.meter.write("PutItem", 1.0, 1);
        self.inner.record_walk(account, walk).await
    }
}

impl<S: ProfileStore> ProfileStore for Counted<S> {
    async fn sender_now(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        self.get_consistent();
        self.inner.sender_now(account, open_id).await
    }

    async fn person(&self, fake_id: u64) -> Result<Option<Person>, StoreError> {
        self.get_consistent();
        self.inner.person(fake_id).await
    }

    async fn save_person(&self, person: &Person, avatar: Option<&[u8]>) -> Result<(), StoreError> {
        let person_kb = kb_units(serde_json::to_vec(person).map(|b| b.len()).unwrap_or(0) + KEY_BYTES);
        let avatar_kb = avatar.map_or(0.0, |a| kb_units(a.len() + KEY_BYTES));
        // Two puts: the person, then the avatar.
        self.meter.write("PutItem", person_kb, 1);
        if avatar.is_some() {
            self.meter.write("PutItem", avatar_kb, 1);
        }
        self.inner.save_person(person, avatar).await
    }

    async fn save_sender_profile(
        &self,
        account: &str,
        open_id: &str,
        fetched: &FetchedProfile,
    ) -> Result<bool, StoreError> {
        self.update(1);
        self.inner.save_sender_profile(account, open_id, fetched).await
    }

    async fn set_profile_state(
        &self,
        account: &str,
        open_id: &str,
        state: ProfileState,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        self.update(1);
        self.inner.set_profile_state(account, open_id, state, reason).await
    }
}

/// Secrets whose reads are counted as Secrets Manager API calls.
#[derive(Clone)]
pub struct CountedSecrets<S> {
    pub inner: S,
    pub meter: Meter,
}

impl<S: SecretSource> SecretSource for CountedSecrets<S> {
    async fn secret(&self, name: &str) -> Result<Option<SecretValue>, SecretsError> {
        self.meter.secret();
        self.inner.secret(name).await
    }
}
