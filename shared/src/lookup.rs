//! The third party's questions (claim 12): who sent this message, who is
//! this person across accounts, and what did an account receive. Every
//! answer needs an API key; ids, limits and cursors are checked before any
//! read. The accounts themselves are in `accounts.rs`, avatars' content
//! types in `avatar.rs`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

pub use self::accounts::{AccountView, AccountsView};
pub use self::avatar::{Avatar, image_type};
pub use self::details::Details;
use crate::cache::TtlCache;
use crate::push::Features;
use crate::secrets::{ApiKeys, ApiKeysSecret, SecretCache, SecretSource, SecretsError};
use crate::store::{
    Account, AvatarState, FollowState, LookupStore, MessageQuery, Profile, ProfileState, Resolution, ResolveState,
    SenderField, StoreError,
};

mod accounts;
mod avatar;
mod details;
pub(crate) mod join;

/// Messages per page when the caller does not say, and at most.
pub const DEFAULT_LIMIT: i32 = 20;
pub const MAX_LIMIT: i32 = 100;

/// Why a lookup was not answered.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("missing or wrong API key")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("API keys unavailable: {0}")]
    Secrets(#[from] SecretsError),
}

/// Settings of the lookup API.
#[derive(Debug, Clone)]
pub struct LookupConfig {
    /// Name of the Secrets Manager secret with the API keys.
    pub api_keys_secret: String,
    /// How long keys and account records are remembered.
    pub cache_ttl: Duration,
}

/// The answer about one sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SenderView {
    pub account: String,
    pub open_id: String,
    /// `resolved`, `pending` or `unresolved`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fake_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_state: Option<ProfileState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_fetched_at: Option<i64>,
    /// How the FakeID was found: method, evidence, time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_state: Option<FollowState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<AvatarState>,
    /// Pushes received while the sender was unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages_before_resolution: Option<u64>,
}

/// One message in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageView {
    #[serde(flatten)]
    pub features: Features,
    pub received_at: i64,
    pub sender: SenderField,
    /// The push type's own fields and any other element, from the stored XML.
    #[serde(skip_serializing_if = "Details::is_empty")]
    pub details: Details,
}

/// A page of an account's messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessagesView {
    pub account: String,
    pub messages: Vec<MessageView>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One (account, openID) of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowView {
    pub account: String,
    pub open_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_state: Option<FollowState>,
}

/// One person across accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonView {
    pub fake_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<AvatarState>,
    pub accounts: Vec<FollowView>,
}

/// The raw query parameters of a message listing.
#[derive(Debug, Clone, Default)]
pub struct ListParams<'a> {
    pub since: Option<&'a str>,
    pub limit: Option<&'a str>,
    pub cursor: Option<&'a str>,
}

/// The lookup API's logic over its store and the secret with its keys.
pub struct Lookup<St, Se> {
    store: St,
    keys: SecretCache<Se, ApiKeys>,
    accounts: TtlCache<String, Account>,
    config: LookupConfig,
}

impl<St: LookupStore, Se: SecretSource> Lookup<St, Se> {
    pub fn new(store: St, secrets: Se, config: LookupConfig) -> Self {
        Self {
            store,
            keys: SecretCache::new::<ApiKeysSecret>(secrets, config.cache_ttl),
            accounts: TtlCache::new(config.cache_ttl, 10_000),
            config,
        }
    }

    /// Checks the caller's key; a rotated secret is read again before saying no.
    pub async fn authorize(&self, presented: Option<&str>) -> Result<(), LookupError> {
        let presented = presented.ok_or(LookupError::Unauthorized)?;
        let name = &self.config.api_keys_secret;
        if self.keys.get(name).await?.accepts(presented) {
            return Ok(());
        }
        match self.keys.refresh(name).await? {
            Some(fresh) if fresh.accepts(presented) => Ok(()),
            _ => Err(LookupError::Unauthorized),
        }
    }

    /// `GET /accounts/{account}/senders/{openid}`.
    pub async fn sender(&self, account: &str, open_id: &str) -> Result<SenderView, LookupError> {
        self.account(account).await?;
        check_id("openid", open_id)?;
        let records = self.store.sender_records(account, open_id).await?;
        let (sender, request) = (records.sender.unwrap_or_default(), records.request);
        if sender.open_id.is_empty() && request.is_none() {
            return Err(LookupError::NotFound(format!("no sender {open_id} on account {account}")));
        }
        let (state, reason) = match (&sender.fake_id, &request) {
            (Some(_), _) => ("resolved", None),
            (None, Some(r)) => match r.state {
                ResolveState::Pending => ("pending", None),
                ResolveState::Waiting => ("pending", r.reason.clone()),
                ResolveState::Unresolved | ResolveState::Resolved => ("unresolved", r.reason.clone()),
            },
            (None, None) => ("unresolved", Some("the follower has not written yet".to_owned())),
        };
        let person = match sender.fake_id {
            Some(fake_id) => self.store.person(fake_id).await?,
            None => None,
        };
        Ok(SenderView {
            account: account.to_owned(),
            open_id: open_id.to_owned(),
            state,
            reason,
            fake_id: sender.fake_id,
            profile: sender.profile,
            remark_name: sender.remark_name,
            profile_state: sender.profile_state,
            profile_fetched_at: sender.profile_fetched_at,
            resolution: sender.resolution,
            follow_state: sender.follow_state,
            avatar: person.map(|p| p.avatar),
            messages_before_resolution: request.map(|r| r.message_count),
        })
    }

    /// `GET /accounts/{account}/senders/{openid}/avatar`: the image, if it is one.
    pub async fn avatar(&self, account: &str, open_id: &str) -> Result<Avatar, LookupError> {
        self.account(account).await?;
        check_id("openid", open_id)?;
        let records = self.store.sender_records(account, open_id).await?;
        let fake_id = records
            .sender
            .and_then(|s| s.fake_id)
            .ok_or_else(|| LookupError::NotFound(format!("sender {open_id} has no known FakeID")))?;
        let bytes = self.store.avatar(fake_id).await?;
        let bytes = bytes.ok_or_else(|| LookupError::NotFound(format!("no avatar stored for FakeID {fake_id}")))?;
        Avatar::of(bytes).ok_or_else(|| LookupError::NotFound(format!("the avatar of FakeID {fake_id} is no image")))
    }

    /// `GET /accounts/{account}/messages?since=&limit=&cursor=`.
    pub async fn messages(&self, account: &str, params: &ListParams<'_>) -> Result<MessagesView, LookupError> {
        self.account(account).await?;
        let since = params
            .since
            .map(|v| v.parse::<i64>().ok().filter(|t| (0..=9_999_999_999).contains(t)))
            .map(|v| v.ok_or_else(|| bad("since must be a Unix time in seconds")))
            .transpose()?;
        let limit = match params.limit {
            None => DEFAULT_LIMIT,
            Some(v) => v
                .parse::<i32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| bad(&format!("limit must be a whole number from 1 to {MAX_LIMIT}")))?,
        };
        let after = params.cursor.map(|c| decode_cursor(account, c)).transpose()?;
        let page = self.store.messages(account, &MessageQuery { since, limit, after }).await?;
        let messages = join::with_senders(&self.store, account, page.messages).await?;
        Ok(MessagesView {
            account: account.to_owned(),
            messages: messages
                .into_iter()
                .map(|m| MessageView {
                    details: Details::from_xml(&m.raw_xml),
                    features: m.features,
                    received_at: m.received_at,
                    sender: m.sender,
                })
                .collect(),
            next_cursor: page.last_key.map(|sk| encode_cursor(account, &sk)),
        })
    }

    /// `GET /people/{fakeid}`.
    pub async fn person(&self, fake_id: &str) -> Result<PersonView, LookupError> {
        let fake_id: u64 =
            fake_id.parse().ok().filter(|id| *id > 0).ok_or_else(|| bad("a FakeID is a positive whole number"))?;
        let (person, senders) = futures::try_join!(self.store.person(fake_id), self.store.senders_of(fake_id))?;
        if person.is_none() && senders.is_empty() {
            return Err(LookupError::NotFound(format!("no person with FakeID {fake_id}")));
        }
        Ok(PersonView {
            fake_id,
            fetched_at: person.as_ref().map(|p| p.fetched_at),
            avatar: person.as_ref().map(|p| p.avatar),
            profile: person.map(|p| p.profile),
            accounts: senders
                .into_iter()
                .map(|s| FollowView {
                    account: s.account,
                    open_id: s.open_id,
                    resolution: s.resolution,
                    follow_state: s.follow_state,
                })
                .collect(),
        })
    }

    async fn account(&self, id: &str) -> Result<Arc<Account>, LookupError> {
        check_id("account", id)?;
        if let Some(account) = self.accounts.get(id) {
            return Ok(account);
        }
        let account = self.store.account(id).await?.ok_or_else(|| LookupError::NotFound(format!("no account {id}")))?;
        Ok(self.accounts.insert(id.to_owned(), account))
    }
}

fn bad(reason: &str) -> LookupError {
    LookupError::BadRequest(reason.to_owned())
}

/// Account ids and openIDs: 1 to 64 letters, digits, `-` or `_`.
fn check_id(what: &str, id: &str) -> Result<(), LookupError> {
    let ok =
        !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { Err(bad(&format!("{what} must be 1 to 64 letters, digits, '-' or '_'"))) }
}

/// A cursor names the account and the last message of the page.
fn encode_cursor(account: &str, sort_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{account}\n{sort_key}"))
}

fn decode_cursor(account: &str, cursor: &str) -> Result<String, LookupError> {
    let invalid = || bad("cursor is not one this API gave");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (owner, sort_key) = text.split_once('\n').ok_or_else(invalid)?;
    if owner != account {
        return Err(bad("cursor belongs to another account's listing"));
    }
    // `{create_time:010}#{dedupe:16}`, as the store writes it.
    let (time, digest) = sort_key.split_once('#').ok_or_else(invalid)?;
    let well_formed = time.len() == 10
        && time.bytes().all(|b| b.is_ascii_digit())
        && (1..=16).contains(&digest.len())
        && digest.bytes().all(|b| b.is_ascii_hexdigit());
    if well_formed { Ok(sort_key.to_owned()) } else { Err(invalid()) }
}

#[cfg(test)]
mod tests;
