//! What the webhook does with each request (patent steps 12–14, claim 2):
//! find the account named in the URL, verify and open the push, record it
//! exactly once, stamp a known sender on it at once or ask for the sender to
//! be resolved, and choose the answer.

use std::sync::Arc;
use std::time::Duration;

use sha1::{Digest, Sha1};

use self::senders::{Remembered, SenderView};
use crate::cache::TtlCache;
use crate::marker;
use crate::push::{self, BodyMode, Event, Freshness, Kind, Push, PushError, PushKeys, PushQuery, Reply, Verified};
use crate::secrets::{MarkerSecret, PushCredentials, SecretCache, SecretSource, SecretsError};
use crate::store::{
    Account, AccountRegistry, Answer, FollowChange, FollowState, MessageRecord, PushEntry, PushLedger, Recorded,
    ReplayGuard, ResolveHint, StoreError,
};

mod senders;

/// Largest push body accepted (the platform's are a few KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Writes of one push, before giving up: the first assumes a known sender,
/// and each refusal hands back the sender as it stands for the next.
const SENDER_TRIES: usize = 3;

/// Settings of the webhook, read once per container.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// Replay window for signed requests; `None` turns the check off.
    pub timestamp_window_secs: Option<u64>,
    /// How long a replay guard lives when the freshness check is off (with
    /// it, twice the window).
    pub dedupe_ttl_secs: i64,
    /// Cache lifetime of account records and of push and marker secrets.
    pub cache_ttl: Duration,
    /// How long a sender is stamped as remembered after a push of theirs
    /// was written: a known one with no condition on their item, a pending
    /// one with the pending condition only (measured on the pushes' clock,
    /// and by the container's).
    pub sender_cache_ttl: Duration,
    /// A stored profile older than this is fetched again when its person writes.
    pub profile_max_age_secs: i64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            timestamp_window_secs: Some(300),
            dedupe_ttl_secs: 2 * 24 * 3600,
            cache_ttl: Duration::from_secs(300),
            sender_cache_ttl: Duration::from_secs(60),
            profile_max_age_secs: 7 * 24 * 3600,
        }
    }
}

/// Why a request was not handled.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("unknown account")]
    UnknownAccount,
    #[error("body larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error(transparent)]
    Push(#[from] PushError),
    #[error("this signed query was already used for another message")]
    Replayed,
    #[error("account credentials unavailable: {0}")]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The body of a successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Text(String),
    Xml(String),
}

/// Where the sender of a recorded push stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderStatus {
    /// FakeID and profile known: stamped on the message, or referred to
    /// from it (claim 2).
    Known,
    /// FakeID known, profile not yet.
    AwaitingProfile,
    /// FakeID unknown: a resolve request exists.
    Unresolved,
}

/// What became of a push, for the answer and the log line.
#[derive(Debug, Clone)]
pub struct PushOutcome {
    pub body: Body,
    pub duplicate: bool,
    pub mode: BodyMode,
    pub msg_type: String,
    pub sender: SenderStatus,
}

/// The webhook's logic over its three ports: the account registry, the
/// push ledger and the secret store.
pub struct Ingest<R, L, S> {
    registry: R,
    ledger: L,
    secrets: SecretCache<S, PushCredentials>,
    markers: SecretCache<S, MarkerSecret>,
    accounts: TtlCache<String, Account>,
    senders: TtlCache<(String, String), Remembered>,
    config: IngestConfig,
}

impl<R: AccountRegistry, L: PushLedger, S: SecretSource> Ingest<R, L, S> {
    pub fn new(registry: R, ledger: L, secrets: S, config: IngestConfig) -> Self
    where
        S: Clone,
    {
        Self {
            registry,
            ledger,
            markers: SecretCache::new::<MarkerSecret>(secrets.clone(), config.cache_ttl),
            secrets: SecretCache::new::<crate::secrets::PushSecret>(secrets, config.cache_ttl),
            accounts: TtlCache::new(config.cache_ttl, 10_000),
            senders: TtlCache::new(config.sender_cache_ttl, 100_000),
            config,
        }
    }

    /// The platform's URL check: `echostr` when the signature matches.
    pub async fn url_check(&self, account_id: &str, query: &PushQuery, now: i64) -> Result<String, IngestError> {
        let account = self.account(account_id).await?;
        let creds = self.secrets.get(&account.push_secret).await?;
        match push::check_url(query, creds.token.expose(), self.freshness(now)) {
            Ok(echo) => Ok(echo.to_owned()),
            Err(err) if err.may_be_stale_credentials() => match self.secrets.refresh(&account.push_secret).await? {
                Some(fresh) => Ok(push::check_url(query, fresh.token.expose(), self.freshness(now))?.to_owned()),
                None => Err(err.into()),
            },
            Err(err) => Err(err.into()),
        }
    }

    /// Handles one push and returns what to answer.
    pub async fn push(
        &self,
        account_id: &str,
        query: &PushQuery,
        body: &[u8],
        now: i64,
    ) -> Result<PushOutcome, IngestError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(IngestError::TooLarge);
        }
        let account = self.account(account_id).await?;
        // The marker key is read beside the push secret: one wait on a cache miss.
        let (opened, marker) = futures::join!(self.open(&account, query, body, now), self.marker_key(&account));
        let (verified, creds) = opened?;
        let keys = push_keys(&account, &creds);
        let push = &verified.push;

        let (answer, duplicate, status) = self.record(&account, marker.as_deref(), query, &verified, now).await?;
        let body = match answer {
            Answer::Success => Body::Text("success".to_owned()),
            Answer::Reply { xml } => Body::Xml(push::seal_reply(&verified, &keys, &xml, now)),
        };
        Ok(PushOutcome { body, duplicate, mode: verified.mode, msg_type: push.msg_type.clone(), sender: status })
    }

    /// Records the push once, stamped with its sender when known: the first
    /// answer, whether this was a copy, and where the sender stood (for a
    /// copy, as assumed). The first write assumes a known sender and costs
    /// one request; when the store refuses it because the sender is not as
    /// assumed, it hands the sender's item back and the push is judged
    /// again from it, with no read.
    async fn record(
        &self,
        account: &Account,
        marker: Option<&MarkerSecret>,
        query: &PushQuery,
        verified: &Verified,
        now: i64,
    ) -> Result<(Answer, bool, SenderStatus), IngestError> {
        let push = &verified.push;
        let key = (account.id.clone(), push.from_user.clone());
        let follow = follow_change(push);
        let mut sender = self.assumed(&key, follow, now);
        for _ in 0..SENDER_TRIES {
            let entry = self.entry(account, marker, query, verified, &sender, now);
            match self.ledger.record(&entry).await? {
                Recorded::New => {
                    self.recorded(key, &sender, follow, now, account.strategy.plants_markers());
                    return Ok((entry.answer, false, sender.status));
                }
                Recorded::Duplicate(first) => return Ok((first, true, sender.status)),
                Recorded::Replayed => return Err(IngestError::Replayed),
                Recorded::SenderChanged(current) => {
                    self.senders.remove(&key);
                    sender = self.judge(current.map(|stored| *stored), follow, now);
                }
            }
        }
        Err(StoreError::Contention.into())
    }

    fn freshness(&self, now: i64) -> Freshness {
        Freshness { now, window_secs: self.config.timestamp_window_secs }
    }

    async fn account(&self, id: &str) -> Result<Arc<Account>, IngestError> {
        if let Some(account) = self.accounts.get(id) {
            return Ok(account);
        }
        let account = self.registry.account(id).await?.ok_or(IngestError::UnknownAccount)?;
        Ok(self.accounts.insert(id.to_owned(), account))
    }

    /// The account's marker key, when its strategy plants markers. Without
    /// it the push is still recorded; its reply carries no marker.
    async fn marker_key(&self, account: &Account) -> Option<Arc<MarkerSecret>> {
        if !account.strategy.plants_markers() {
            return None;
        }
        let found = self.markers.get_optional(&account.marker_secret).await;
        if !matches!(found, Ok(Some(_))) {
            let error = found.as_ref().err().map(ToString::to_string);
            tracing::warn!(account = %account.id, ?error, "no marker key: replies carry no user-list marker");
        }
        found.ok().flatten()
    }

    /// Opens the push with the cached credentials, and once more with fresh
    /// ones when the failure could come from a rotated token or key.
    async fn open(
        &self,
        account: &Account,
        query: &PushQuery,
        body: &[u8],
        now: i64,
    ) -> Result<(Verified, Arc<PushCredentials>), IngestError> {
        let creds = self.secrets.get(&account.push_secret).await?;
        match push::open(query, body, &push_keys(account, &creds), self.freshness(now)) {
            Ok(verified) => Ok((verified, creds)),
            Err(err) if err.may_be_stale_credentials() => match self.secrets.refresh(&account.push_secret).await? {
                Some(fresh) => {
                    let verified = push::open(query, body, &push_keys(account, &fresh), self.freshness(now))?;
                    Ok((verified, fresh))
                }
                None => Err(err.into()),
            },
            Err(err) => Err(err.into()),
        }
    }

    /// What one push writes: the message with its sender or pending, the
    /// answer (with the user-list marker for an unresolved sender), the
    /// resolve request, the follow change and a profile refresh.
    fn entry(
        &self,
        account: &Account,
        marker_key: Option<&MarkerSecret>,
        query: &PushQuery,
        verified: &Verified,
        sender: &SenderView,
        now: i64,
    ) -> PushEntry {
        let push = &verified.push;
        let unresolved = sender.status == SenderStatus::Unresolved;
        let marker = match marker_key {
            Some(key) if unresolved && account.strategy.plants_markers() && repliable(&push.kind) => {
                Some(marker::marker(key.marker_key.expose().as_bytes(), &push.from_user))
            }
            _ => None,
        };
        let features = push.features();
        // An unfollow cannot be answered or resolved: the follower has left the list.
        let resolve = (unresolved && !matches!(push.event(), Some(Event::Unsubscribe))).then(|| ResolveHint {
            create_time: push.create_time,
            msg_type: push.msg_type.clone(),
            msg_id: push.msg_id.map(|id| id.to_string()),
            content: features.content.clone(),
            marker_planted: marker.is_some(),
            event: features.event.clone(),
        });
        let answer = match &marker {
            Some(marker) => Answer::Reply {
                xml: Reply::Text { content: marker::reply_text(marker) }.to_xml(&push.from_user, &push.to_user, now),
            },
            None => Answer::Success,
        };
        PushEntry {
            // Only a plaintext account accepts a body its signature does not cover.
            guard: (!account.mode.is_encrypted()).then(|| self.replay_guard(query, verified, now)),
            message: MessageRecord {
                account: account.id.clone(),
                features,
                dedupe_key: push.dedupe_key().0,
                raw_xml: verified.xml().to_owned(),
                received_at: now,
                sender: sender.field.clone(),
            },
            answer,
            resolve,
            follow: follow_change(push),
            refresh_profile: sender.refresh_profile,
            check: sender.check,
        }
    }

    /// The push's `(timestamp, nonce)` and its message, remembered for as
    /// long as the pair passes the freshness check. Written for every push
    /// to a plaintext account, encrypted ones included: such an account
    /// accepts a plaintext body under any query it signed, so the query of
    /// an encrypted push, once seen, must not carry another body.
    fn replay_guard(&self, query: &PushQuery, verified: &Verified, now: i64) -> ReplayGuard {
        let digest = |parts: &[&str]| {
            let mut hasher = Sha1::new();
            for part in parts {
                hasher.update((part.len() as u64).to_be_bytes());
                hasher.update(part.as_bytes());
            }
            hex::encode(hasher.finalize())
        };
        let (timestamp, nonce) =
            (query.timestamp.as_deref().unwrap_or_default(), query.nonce.as_deref().unwrap_or_default());
        let lifetime = self.config.timestamp_window_secs.map_or(self.config.dedupe_ttl_secs, |w| 2 * w as i64);
        ReplayGuard {
            query_digest: digest(&[timestamp, nonce]),
            message_digest: digest(&[verified.xml()]),
            expires_at: now + lifetime,
        }
    }
}

fn push_keys<'a>(account: &'a Account, creds: &'a PushCredentials) -> PushKeys<'a> {
    PushKeys {
        token: creds.token.expose(),
        appid: &account.appid,
        gh_id: &account.gh_id,
        mode: account.mode,
        current: &creds.current,
        previous: creds.previous.as_ref(),
    }
}

/// The follow or unfollow a push reports, if it is one.
fn follow_change(push: &Push) -> Option<FollowChange> {
    let state = match push.event()? {
        Event::Subscribe { .. } => FollowState::Following,
        Event::Unsubscribe => FollowState::Unfollowed,
        _ => return None,
    };
    Some(FollowChange { state, at: push.create_time })
}

/// Whether a passive reply to this push reaches the follower's dialog:
/// messages, follows, scans and menu clicks; not the periodic location report,
/// a link opened from the menu, or an unfollow.
fn repliable(kind: &Kind) -> bool {
    match kind {
        Kind::Event(event) => {
            matches!(event, Event::Subscribe { .. } | Event::Scan { .. } | Event::Click { .. })
        }
        _ => true,
    }
}
