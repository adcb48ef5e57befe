//! What the store keeps, as the rest of the crate sees it.

use serde::{Deserialize, Serialize};

use crate::push::BodyMode;

/// How an account's senders are matched to FakeIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Match the push's CreateTime to a row of the console's message list (claim 5).
    Time,
    /// Plant a marker in the passive reply and find it in dialog pages (claims 3 and 4).
    UserList,
    /// By user list first (a marker is proof once its reply shows), then by time.
    Auto,
}

impl Strategy {
    /// Whether replies to unresolved senders must carry the user-list marker.
    pub fn plants_markers(self) -> bool {
        matches!(self, Strategy::UserList | Strategy::Auto)
    }
}

/// Whether whosent may log into an account's console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    Active,
    /// The console refused the username or password; waits for a new secret version.
    CredentialsRejected,
    /// The console demands a captcha; waits for an operator.
    CaptchaRequired,
    /// The console restricted the account; waits for an operator.
    Restricted,
    /// Switched off by an operator: pushes are still recorded.
    Disabled,
}

/// A registered account (patent step 14: the account comes from the URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredAccount")]
pub struct Account {
    pub id: String,
    pub appid: String,
    /// The platform-side `gh_…` id, the `ToUserName` of every push.
    pub gh_id: String,
    pub strategy: Strategy,
    /// The body mode set on the platform. A safe or compatible account
    /// accepts only pushes whose `msg_signature` covers the body; a record
    /// without one is safe.
    #[serde(default)]
    pub mode: BodyMode,
    pub state: AccountState,
    /// Name of the Secrets Manager secret with the push token and keys.
    pub push_secret: String,
    /// Name of the Secrets Manager secret with the console username and password.
    pub console_secret: String,
    /// Name of the Secrets Manager secret with the user-list marker key
    /// (`whosent/{id}/marker` for a record written before it was named).
    pub marker_secret: String,
    /// Why the account left `active`, for operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_changed_at: Option<i64>,
    /// The console secret version the console refused; a new version lifts
    /// `credentials_rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_secret_version: Option<String>,
    /// The console group that holds resolved followers, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_group_id: Option<i64>,
}

impl Account {
    /// A new active account.
    pub fn new(id: &str, appid: &str, gh_id: &str, strategy: Strategy) -> Self {
        Self {
            id: id.to_owned(),
            appid: appid.to_owned(),
            gh_id: gh_id.to_owned(),
            strategy,
            mode: BodyMode::Safe,
            state: AccountState::Active,
            push_secret: format!("whosent/{id}/push"),
            console_secret: format!("whosent/{id}/console"),
            marker_secret: format!("whosent/{id}/marker"),
            state_reason: None,
            state_changed_at: None,
            rejected_secret_version: None,
            resolved_group_id: None,
        }
    }
}

/// An account as stored: a record written before the marker secret was
/// named gets the default name.
#[derive(Deserialize)]
struct StoredAccount {
    id: String,
    appid: String,
    gh_id: String,
    strategy: Strategy,
    #[serde(default)]
    mode: BodyMode,
    state: AccountState,
    push_secret: String,
    console_secret: String,
    #[serde(default)]
    marker_secret: Option<String>,
    #[serde(default)]
    state_reason: Option<String>,
    #[serde(default)]
    state_changed_at: Option<i64>,
    #[serde(default)]
    rejected_secret_version: Option<String>,
    #[serde(default)]
    resolved_group_id: Option<i64>,
}

impl From<StoredAccount> for Account {
    fn from(stored: StoredAccount) -> Self {
        Self {
            marker_secret: stored.marker_secret.unwrap_or_else(|| format!("whosent/{}/marker", stored.id)),
            id: stored.id,
            appid: stored.appid,
            gh_id: stored.gh_id,
            strategy: stored.strategy,
            mode: stored.mode,
            state: stored.state,
            push_secret: stored.push_secret,
            console_secret: stored.console_secret,
            state_reason: stored.state_reason,
            state_changed_at: stored.state_changed_at,
            rejected_secret_version: stored.rejected_secret_version,
            resolved_group_id: stored.resolved_group_id,
        }
    }
}

/// A person's public profile, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Profile {
    pub nickname: String,
    /// 0 unknown, 1 male, 2 female.
    pub gender: u8,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub signature: String,
}

/// Who sent a message, once known: the FakeID and a snapshot of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderSnapshot {
    pub fake_id: u64,
    pub profile: Profile,
}

/// Whether a follower follows the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowState {
    Following,
    Unfollowed,
}

/// One follower of one account, keyed by (account, openID).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sender {
    pub account: String,
    pub open_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fake_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_state: Option<FollowState>,
    /// CreateTime of the latest subscribe or unsubscribe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_changed_at: Option<i64>,
    /// How the FakeID was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// A different FakeID that a later resolution pointed to; never applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Resolution>,
    /// Whether the follower was moved into the console's resolved group.
    #[serde(default)]
    pub moved: bool,
    /// Where the profile stands (`wanted` starts the profile function).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_state: Option<ProfileState>,
    /// When the profile was last fetched (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_fetched_at: Option<i64>,
    /// When the profile was last asked for: a profile fetched earlier is not
    /// reused for this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_wanted_at: Option<i64>,
    /// Why the profile is not stored (`not_following`, `waiting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_reason: Option<String>,
    /// The account's own remark name for this follower, if it set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark_name: Option<String>,
    /// The console group the follower was in when the profile was fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
}

/// The matching methods of the patent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// By time (claim 5): a row of the console's message list.
    Time,
    /// By user list (claims 3 and 4): the marker in a dialog page.
    UserList,
}

/// How a FakeID was found for an openID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub fake_id: u64,
    pub method: Method,
    /// What was seen: the console message id and where it was.
    pub evidence: String,
    pub resolved_at: i64,
}

/// Where a sender's profile stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileState {
    /// To be fetched by the profile function.
    Wanted,
    Fetched,
    /// The FakeID no longer follows the account (console 200002).
    NotFollowing,
    /// The account cannot log in now; `whosent accounts clear` asks again.
    Waiting,
}

/// One person (one FakeID, the whole platform): the profile, shared by every
/// account the person follows (claim 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub fake_id: u64,
    pub profile: Profile,
    /// When the profile was fetched (Unix seconds), and through which account.
    pub fetched_at: i64,
    pub fetched_via: String,
    pub avatar: AvatarState,
    /// Size of the avatar the console served.
    #[serde(default)]
    pub avatar_bytes: u64,
}

/// Whether a person's avatar is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AvatarState {
    Stored,
    /// Larger than the configured limit (DynamoDB items hold 400 KB): not stored.
    TooLarge,
    /// The console served something that is not a JPEG.
    Unavailable,
}

impl Sender {
    /// The snapshot to stamp on a message, when FakeID and profile are both known (claim 2).
    pub fn snapshot(&self) -> Option<SenderSnapshot> {
        Some(SenderSnapshot { fake_id: self.fake_id?, profile: self.profile.clone()? })
    }

    /// What this item says of the sender of its messages written by
    /// reference or pending: the snapshot, the FakeID alone when no profile
    /// can be fetched (it no longer follows), or pending.
    pub fn as_message_sender(&self) -> SenderField {
        match (self.snapshot(), self.fake_id, self.profile_state) {
            (Some(snapshot), _, _) => SenderField::Known(snapshot),
            (None, Some(fake_id), Some(ProfileState::NotFollowing)) => SenderField::Identified { fake_id },
            _ => SenderField::Pending,
        }
    }
}

/// Where a stored message stands with its sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SenderField {
    /// The FakeID or the profile was not known when the message was
    /// written. Whoever shows the message reads the sender's item, which
    /// holds them once they are found: messages are never rewritten.
    Pending,
    Known(SenderSnapshot),
    /// Known (FakeID and profile) when the message was written, but not
    /// copied onto it: the webhook wrote the message on condition that the
    /// sender's item held both, without reading it. Whoever shows the
    /// message reads the sender's item for the snapshot.
    Reference,
    /// The FakeID is known but the profile cannot be fetched (the person
    /// stopped following before it was); the sender record says why. Not
    /// stored (messages are not rewritten): shown for a message whose
    /// sender's item holds a FakeID and `profile_state = not_following`.
    Identified {
        fake_id: u64,
    },
}

#[cfg(test)]
mod tests;
