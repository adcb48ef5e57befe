//! The names of the attributes the adapter writes or reads in expressions
//! and item maps. Key attributes (`pk`, `sk`, `kind`, the index keys,
//! `expires_at`) are in [`super::super::keys`].
//!
//! Items are written from the model types with serde, so most of these names
//! are also field names there; the tests below keep the two in step.

// Shared by several items.
pub const ACCOUNT: &str = "account";
pub const OPEN_ID: &str = "open_id";
pub const FAKE_ID: &str = "fake_id";
/// A resolve request's state, or an account's.
pub const STATE: &str = "state";
pub const FETCHED_AT: &str = "fetched_at";

// Replay guard, and the answer a message keeps for its copies.
pub const MESSAGE_DIGEST: &str = "message_digest";
pub const ANSWER: &str = "answer";

// Resolve request.
pub const FIRST_SEEN_AT: &str = "first_seen_at";
pub const UPDATED_AT: &str = "updated_at";
pub const FIRST_HINT: &str = "first_hint";
pub const LAST_HINT: &str = "last_hint";
pub const MESSAGE_COUNT: &str = "message_count";
pub const REASON: &str = "reason";

// Sender.
pub const FOLLOW_STATE: &str = "follow_state";
pub const FOLLOW_CHANGED_AT: &str = "follow_changed_at";
/// When the follower last subscribed or unsubscribed (written, for operators).
pub const SUBSCRIBED_AT: &str = "subscribed_at";
pub const UNSUBSCRIBED_AT: &str = "unsubscribed_at";
pub const RESOLUTION: &str = "resolution";
pub const CONFLICT: &str = "conflict";
pub const MOVED: &str = "moved";
pub const PROFILE: &str = "profile";
pub const PROFILE_STATE: &str = "profile_state";
pub const PROFILE_WANTED_AT: &str = "profile_wanted_at";
pub const PROFILE_FETCHED_AT: &str = "profile_fetched_at";
pub const PROFILE_REASON: &str = "profile_reason";
pub const REMARK_NAME: &str = "remark_name";
pub const GROUP_ID: &str = "group_id";

// Message.
pub const CREATE_TIME: &str = "create_time";
pub const MSG_TYPE: &str = "msg_type";
pub const MSG_ID: &str = "msg_id";
pub const CONTENT: &str = "content";
pub const EVENT: &str = "event";
pub const EVENT_KEY: &str = "event_key";

// Account.
pub const STATE_CHANGED_AT: &str = "state_changed_at";
pub const STATE_REASON: &str = "state_reason";
pub const REJECTED_SECRET_VERSION: &str = "rejected_secret_version";
pub const RESOLVED_GROUP_ID: &str = "resolved_group_id";
/// When the latest console session was made, noted beside the session.
pub const LAST_LOGIN_AT: &str = "last_login_at";

// Avatar.
pub const JPEG: &str = "jpeg";

// Sessions table.
pub const SESSION: &str = "session";
/// The session's token, inside [`SESSION`].
pub const SESSION_TOKEN: &str = "session.token";
pub const LEASE_OWNER: &str = "lease_owner";
pub const LEASE_UNTIL: &str = "lease_until";

#[cfg(test)]
mod tests;
