//! What one push writes: the entry the webhook hands to the store's
//! ledger (the message with its answer, the replay guard, a follow change
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
    /// The dedupe key digest (docs/push.md), unique per account: the
    /// message's key, so a push is stored once.
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
    /// Written first, for an account that accepts plaintext bodies: refuses
    /// the entry when its signed query was already used for another message.
    /// `None` for a safe or compatible account, whose `msg_signature`
    /// covers the body: another body cannot pass it, and the same body is a
    /// duplicate.
    pub guard: Option<ReplayGuard>,
    pub message: MessageRecord,
    /// Kept with the message: a copy of the push gets it again.
    pub answer: Answer,
    /// Ensure one resolve request for the sender, with this push as a hint.
    pub resolve: Option<ResolveHint>,
    pub follow: Option<FollowChange>,
    /// Ask for the sender's profile again (it is stale, or the follower came back).
    pub refresh_profile: bool,
    /// Set when the message assumes a known sender it did not read (a
    /// [`SenderField::Reference`]): the entry is written only if the
    /// sender's item still shows a known sender with nothing to ask for.
    pub check: Option<SenderCheck>,
}

/// What a push written without reading its sender assumes of the sender's
/// item: a FakeID and a profile, the profile fetched at or after
/// `fetched_since` (or at an unrecorded time), not asked for again, and
/// the follower not gone. A sender that passes is one the webhook would
/// stamp as known with nothing more to write; any other is handed back
/// with the refusal and the push judged from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderCheck {
    pub fetched_since: i64,
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
    /// sender has a profile by now, or a sender assumed known that is not
    /// (unknown, without a profile, with a stale profile or one asked for,
    /// unfollowed). Nothing was written. Carries the sender's item as it
    /// stands, handed back with the refusal, or `None` when there is no
    /// item: judge the push again from it.
    SenderChanged(Option<Box<Sender>>),
}
