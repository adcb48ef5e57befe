//! Every port of the store, and the data that crosses it: what each function
//! may read and write, with no DynamoDB in sight. [`super::DynamoStore`] and
//! [`super::MemoryStore`] implement them all.
//!
//! | port | used by |
//! |---|---|
//! | [`AccountRegistry`], [`PushLedger`] | the webhook |
//! | [`SessionStore`] | whoever logs into the console: resolver, profile function, admin CLI |
//! | [`ResolverStore`] | the resolver |
//! | [`ProfileStore`] | the profile function |
//! | [`LookupStore`], [`AccountOverview`] | the lookup API |

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::{
    Account, AccountState, MessageRecord, Person, Profile, ProfileState, PushEntry, Recorded, Resolution, ResolveHint,
    Sender,
};
use crate::console::SessionState;
use crate::push::Features;

/// Where the webhook finds the account named in the URL.
pub trait AccountRegistry: Send + Sync {
    fn account(&self, id: &str) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;
}

/// What the webhook writes for each push. It reads no sender: the write
/// assumes what it needs of the sender's item, and a refusal hands the
/// item back.
pub trait PushLedger: Send + Sync {
    /// Writes everything in `entry` at once, or nothing when the push was
    /// already recorded; then the first answer is returned.
    fn record(&self, entry: &PushEntry) -> impl Future<Output = Result<Recorded, StoreError>> + Send;
}

impl<T: AccountRegistry> AccountRegistry for &T {
    fn account(&self, id: &str) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send {
        (**self).account(id)
    }
}

impl<T: PushLedger> PushLedger for &T {
    fn record(&self, entry: &PushEntry) -> impl Future<Output = Result<Recorded, StoreError>> + Send {
        (**self).record(entry)
    }
}

/// A stored resolve request: one per (account, openID) whose sender is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveRequest {
    pub account: String,
    pub open_id: String,
    pub state: ResolveState,
    /// How many pushes arrived while it was open.
    pub message_count: u64,
    pub first_hint: ResolveHint,
    pub last_hint: ResolveHint,
    pub first_seen_at: i64,
    pub updated_at: i64,
    /// Why the request is waiting or unresolved, or how it was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fake_id: Option<u64>,
}

/// Where a resolve request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolveState {
    Pending,
    /// The account cannot log in now (its state says why); resumed when it can.
    Waiting,
    Resolved,
    /// Given up, with a reason; a new push from the sender reopens it.
    Unresolved,
}

/// The stored console session of an account, and who holds the login lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<i64>,
}

/// Console sessions and the states that allow logging in.
///
/// A session opens the account's console for hours, so it is kept apart
/// from everything else the store holds (`docs/storage.md`).
pub trait SessionStore: Send + Sync {
    /// The account, read consistently.
    fn account_now(&self, id: &str) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;
    fn session(&self, account: &str) -> impl Future<Output = Result<Option<SessionRecord>, StoreError>> + Send;
    /// Takes the login lease until `until`, unless someone else holds it.
    fn try_lease(
        &self,
        account: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Stores a new session and lets go of the lease; notes the session's
    /// `created_at` on the account, if registered, as its last login.
    fn save_session(
        &self,
        account: &str,
        session: &SessionState,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn release_lease(&self, account: &str, owner: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Drops the stored session if it still has `token`.
    fn forget_session(&self, account: &str, token: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn set_account_state(
        &self,
        account: &str,
        state: AccountState,
        reason: Option<&str>,
        rejected_secret_version: Option<&str>,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What recording a mapping did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingOutcome {
    /// The mapping is new.
    Created,
    /// The same FakeID was already mapped: nothing changed.
    Unchanged,
    /// Another FakeID is mapped; it was kept and the new one flagged.
    Conflict { existing: u64 },
}

/// A marker found in a dialog page, whichever openID it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerRecord {
    pub marker: String,
    pub fake_id: u64,
    /// The console message that carried it.
    pub message_id: u64,
    pub found_at: i64,
}

/// A dialog page read: when, and the newest follower message it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkRecord {
    pub fake_id: u64,
    pub read_at: i64,
    /// `date_time` of the follower's newest message on the page (0: none).
    pub newest_message_at: i64,
    /// The follower's marker, when the page showed one: the follower is
    /// then known, and its page is worth reading only for that openID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// A resolve request and its sender item, either of which may be missing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestAndSender {
    pub request: Option<ResolveRequest>,
    pub sender: Option<Sender>,
}

/// What the resolver reads and writes besides sessions: requests, mappings,
/// markers seen and dialog pages read.
pub trait ResolverStore: SessionStore {
    fn sender_record(
        &self,
        account: &str,
        open_id: &str,
    ) -> impl Future<Output = Result<Option<Sender>, StoreError>> + Send;
    /// The resolve request and the sender item of each openID, read together.
    fn requests_and_senders(
        &self,
        account: &str,
        open_ids: &[&str],
    ) -> impl Future<Output = Result<HashMap<String, RequestAndSender>, StoreError>> + Send;
    fn request(
        &self,
        account: &str,
        open_id: &str,
    ) -> impl Future<Output = Result<Option<ResolveRequest>, StoreError>> + Send;
    /// What the account's pushes with `from <= CreateTime <= to` were, in
    /// time order (their features only).
    fn pushes_between(
        &self,
        account: &str,
        from: i64,
        to: i64,
    ) -> impl Future<Output = Result<Vec<Features>, StoreError>> + Send;
    /// Every resolve request of the account in `state`.
    fn requests_in(
        &self,
        account: &str,
        state: ResolveState,
    ) -> impl Future<Output = Result<Vec<ResolveRequest>, StoreError>> + Send;
    /// The (account, openID) pairs mapped to a FakeID.
    fn mapped_to(&self, fake_id: u64) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;
    /// Maps (account, openID) to a FakeID unless another is mapped already.
    fn record_mapping(
        &self,
        account: &str,
        open_id: &str,
        resolution: &Resolution,
    ) -> impl Future<Output = Result<MappingOutcome, StoreError>> + Send;
    fn mark_moved(&self, account: &str, open_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Sets a request's state, with a reason and the FakeID when resolved.
    fn set_request_state(
        &self,
        account: &str,
        open_id: &str,
        state: ResolveState,
        reason: Option<&str>,
        fake_id: Option<u64>,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn set_resolved_group(&self, account: &str, group_id: i64) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every marker seen on the account's pages (for reports: it grows with the followers).
    fn markers(&self, account: &str) -> impl Future<Output = Result<Vec<MarkerRecord>, StoreError>> + Send;
    /// The records of these markers, where seen.
    fn markers_named(
        &self,
        account: &str,
        markers: &[String],
    ) -> impl Future<Output = Result<Vec<MarkerRecord>, StoreError>> + Send;
    fn record_marker(
        &self,
        account: &str,
        marker: &MarkerRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every page read on the account (for reports: it grows with the followers).
    fn walks(&self, account: &str) -> impl Future<Output = Result<Vec<WalkRecord>, StoreError>> + Send;
    /// The last read of these followers' pages, where read.
    fn walks_of(
        &self,
        account: &str,
        fake_ids: &[u64],
    ) -> impl Future<Output = Result<Vec<WalkRecord>, StoreError>> + Send;
    fn record_walk(&self, account: &str, walk: &WalkRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The profile as fetched for one (account, openID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedProfile {
    pub fake_id: u64,
    pub profile: Profile,
    /// The account's own remark name for the follower (empty: none).
    pub remark_name: String,
    pub group_id: i64,
    pub fetched_at: i64,
}

/// What the profile function keeps (patent step 17, claim 6): the person
/// behind a FakeID with their avatar, the profile copied onto the account's
/// sender. Messages are not touched: the lookup reads their sender's item.
pub trait ProfileStore: SessionStore {
    /// The sender, read consistently.
    fn sender_now(
        &self,
        account: &str,
        open_id: &str,
    ) -> impl Future<Output = Result<Option<Sender>, StoreError>> + Send;
    fn person(&self, fake_id: u64) -> impl Future<Output = Result<Option<Person>, StoreError>> + Send;
    /// Stores the person, then its avatar when there is one: unless a newer
    /// fetch is stored already, which is kept whole.
    fn save_person(
        &self,
        person: &Person,
        avatar: Option<&[u8]>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Copies the profile onto the sender, if it is still mapped to the same FakeID.
    fn save_sender_profile(
        &self,
        account: &str,
        open_id: &str,
        fetched: &FetchedProfile,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn set_profile_state(
        &self,
        account: &str,
        open_id: &str,
        state: ProfileState,
        reason: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A sender as the account sees it, and its resolve request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderRecords {
    pub sender: Option<Sender>,
    pub request: Option<ResolveRequest>,
}

/// A page of an account's messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagePage {
    pub messages: Vec<MessageRecord>,
    /// The sort key to continue after, when more may follow.
    pub last_key: Option<String>,
}

/// Which messages to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQuery {
    /// Only messages with `CreateTime >= since`.
    pub since: Option<i64>,
    pub limit: i32,
    /// Continue after this sort key.
    pub after: Option<String>,
}

/// What the lookup API reads: who sent a message, one person across
/// accounts, an account's messages a page at a time. Read-only.
pub trait LookupStore: AccountRegistry + AccountOverview {
    fn sender_records(
        &self,
        account: &str,
        open_id: &str,
    ) -> impl Future<Output = Result<SenderRecords, StoreError>> + Send;
    fn person(&self, fake_id: u64) -> impl Future<Output = Result<Option<Person>, StoreError>> + Send;
    fn avatar(&self, fake_id: u64) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
    fn messages(
        &self,
        account: &str,
        query: &MessageQuery,
    ) -> impl Future<Output = Result<MessagePage, StoreError>> + Send;
    /// Every (account, openID) mapped to the FakeID.
    fn senders_of(&self, fake_id: u64) -> impl Future<Output = Result<Vec<Sender>, StoreError>> + Send;
    /// The account's senders of these openIDs that exist, each once, in no
    /// particular order (one batch read per 100).
    fn senders_named(
        &self,
        account: &str,
        open_ids: &[&str],
    ) -> impl Future<Output = Result<Vec<Sender>, StoreError>> + Send;
}

/// A registered account and when its console was last logged into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredAccount {
    pub account: Account,
    /// When the latest console session was made (Unix seconds).
    pub last_login_at: Option<i64>,
}

/// An account's resolve requests counted by state, the unresolved ones by
/// reason (an empty reason: none recorded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestCounts {
    pub pending: u64,
    pub waiting: u64,
    pub resolved: u64,
    pub unresolved: BTreeMap<String, u64>,
}

impl RequestCounts {
    /// Counts one request.
    pub fn add(&mut self, state: ResolveState, reason: Option<String>) {
        match state {
            ResolveState::Pending => self.pending += 1,
            ResolveState::Waiting => self.waiting += 1,
            ResolveState::Resolved => self.resolved += 1,
            ResolveState::Unresolved => *self.unresolved.entry(reason.unwrap_or_default()).or_default() += 1,
        }
    }
}

/// What the lookup API reads about the accounts themselves. Read-only.
pub trait AccountOverview: Send + Sync {
    /// Every registered account, by id.
    fn registered(&self) -> impl Future<Output = Result<Vec<RegisteredAccount>, StoreError>> + Send;
    fn registered_one(&self, id: &str) -> impl Future<Output = Result<Option<RegisteredAccount>, StoreError>> + Send;
    /// Every resolve request of the account, counted.
    fn request_counts(&self, account: &str) -> impl Future<Output = Result<RequestCounts, StoreError>> + Send;
}
