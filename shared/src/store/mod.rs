//! The store: accounts, senders, messages, dedupe records and resolve
//! requests in one DynamoDB table (single-table design, `docs/storage.md`);
//! console sessions in a second table, out of reach of the webhook and the
//! lookup API and off the main table's stream.
//!
//! Each function sees the store through a small port trait; [`DynamoStore`]
//! is the real adapter and [`MemoryStore`] its in-memory twin for tests.

mod dynamo;
mod expr;
pub mod keys;
pub mod limits;
mod lookup;
mod memory;
mod model;
mod profiles;
mod resolving;
pub mod schema;
mod sessions;

pub use dynamo::DynamoStore;
pub use lookup::{LookupStore, MessagePage, MessageQuery, SenderRecords};
pub use memory::MemoryStore;
pub use model::*;
pub use profiles::{FetchedProfile, PendingPage, ProfileStore};
pub use resolving::{MappingOutcome, MarkerRecord, RequestAndSender, ResolverStore, WalkRecord};
pub use sessions::{SessionRecord, SessionStore};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB request failed: {0}")]
    Dynamo(String),
    #[error("stored item is not valid: {0}")]
    Corrupt(String),
    #[error("write kept conflicting with a concurrent one")]
    Contention,
}

/// Where the webhook finds the account named in the URL.
pub trait AccountRegistry: Send + Sync {
    fn account(&self, id: &str) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;
}

/// What the webhook reads and writes for each push.
pub trait PushLedger: Send + Sync {
    /// The stored follower (account, openID), if any.
    fn sender(&self, account: &str, open_id: &str) -> impl Future<Output = Result<Option<Sender>, StoreError>> + Send;

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
    fn sender(&self, account: &str, open_id: &str) -> impl Future<Output = Result<Option<Sender>, StoreError>> + Send {
        (**self).sender(account, open_id)
    }

    fn record(&self, entry: &PushEntry) -> impl Future<Output = Result<Recorded, StoreError>> + Send {
        (**self).record(entry)
    }
}

/// A stored resolve request: one per (account, openID) whose sender is unknown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolveState {
    Pending,
    /// The account cannot log in now (its state says why); resumed when it can.
    Waiting,
    Resolved,
    /// Given up, with a reason; a new push from the sender reopens it.
    Unresolved,
}
