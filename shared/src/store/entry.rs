//! What one push writes: the entry the webhook hands to the store's
//! ledger (the message, its dedupe record, the replay guard, a follow change
//! or a resolve hint) and what the ledger answers.

use serde::{Deserialize, Serialize};

use super::{FollowState, Sender, SenderField};
use crate::push::Features;

/// A recorded push (message or event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub account: String,
    #[serde(flatten)]
    pub features: Features,
    /// The dedupe key digest (docs/push.md), unique per account.
    pub dedupe_key: String,
    /// The message XML as the platform sent it (decrypted).
    pub raw_xml: String,
    /// When whosent received it (Unix seconds).
    pub received_at: i64,
    pub sender: SenderField,
}

/// What the webhook answered to a push; a duplicate gets the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answer {
    /// Plain `success`.
    Success,
    /// A passive reply; `xml` is the plaintext reply, sealed again for each answer.
    Reply { xml: String },
}

/// A follow or unfollow to apply to the sender's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowChange {
    pub state: FollowState,
    pub at: i64,
}

/// The message features a resolver needs to look for one push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveHint {
    pub create_time: i64,
    pub msg_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Whether the push got the user-list marker in its reply.
    #[serde(default)]
    pub marker_planted: bool,
    /// The event's name (`subscribe`, `CLICK`…), for an event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

/// The signed query a push came with, remembered for the replay window: a
/// `(timestamp, nonce)` pair is accepted again only with the same message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayGuard {
    /// Hex SHA-1 of the pair: fixed length, whatever the query held.
    pub query_digest: String,
    /// Hex SHA-1 of the message XML the pair was first accepted with.
    pub message_digest: String,
    /// When the pair can no longer pass the freshness check (Unix seconds).
    pub expires_at: i64,
}

/// Everything one new push writes, atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEntry {
    /// Written first: refuses the entry when its signed query was already
    /// used for another message.
    pub guard: ReplayGuard,
    pub message: MessageRecord,
    pub answer: Answer,
    /// Expiry of the dedupe record (Unix seconds).
    pub dedupe_expires_at: i64,
    /// Ensure one resolve request for the sender, with this push as a hint.
    pub resolve: Option<ResolveHint>,
    pub follow: Option<FollowChange>,
    /// Ask for the sender's profile again (it is stale, or the follower came back).
    pub refresh_profile: bool,
    /// Set when the message is stamped with a sender remembered from an
    /// earlier push rather than read for this one: the entry is written only
    /// if the sender still holds it.
    pub proof: Option<SenderProof>,
}

/// What a message stamped from memory assumes of its sender: mapped to
/// this FakeID, with a profile fetched at this time. A profile is only ever
/// stored with the time it was fetched, so the time stands for the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderProof {
    pub fake_id: u64,
    pub profile_fetched_at: Option<i64>,
}

/// The outcome of recording a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// First time: everything in the entry was written.
    New,
    /// Seen before: nothing was written; answer as the first time.
    Duplicate(Answer),
    /// The signed query was already used for another message: nothing was
    /// written; the request is a replay.
    Replayed,
    /// The sender is not as the entry assumed: a message left pending whose
    /// sender has a profile by now, or a remembered sender that changed.
    /// Nothing was written. Carries the sender as it stands when the store
    /// handed it back with the refusal: judge the push again from it, or
    /// read the sender again when it is `None`.
    SenderChanged(Option<Box<Sender>>),
}
