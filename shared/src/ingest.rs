//! What the webhook does with each request (patent steps 12–14, claim 2):
//! find the account named in the URL, verify and open the push, record it
//! exactly once, stamp a known sender on it at once or ask for the sender to
//! be resolved, and choose the answer.

use std::sync::Arc;
use std::time::Duration;

use crate::cache::TtlCache;
use crate::matching::marker;
use crate::push::{self, BodyMode, Event, Freshness, Kind, PushError, PushKeys, PushQuery, Reply, Verified};
use crate::secrets::{PushCredentials, SecretCache, SecretSource, SecretsError};
use crate::store::{
    Account, AccountRegistry, Answer, FollowChange, FollowState, MessageRecord, PushEntry, PushLedger, Recorded,
    ResolveHint, SenderField, SenderSnapshot, StoreError,
};

/// Largest push body accepted (the platform's are a few KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Settings of the webhook, read once per container.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// Replay window for signed requests; `None` turns the check off.
    pub timestamp_window_secs: Option<u64>,
    /// How long a dedupe record outlives its push.
    pub dedupe_ttl_secs: i64,
    /// Cache lifetime of account records and push secrets.
    pub cache_ttl: Duration,
    /// Cache lifetime of known senders' snapshots.
    pub sender_cache_ttl: Duration,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            timestamp_window_secs: Some(300),
            dedupe_ttl_secs: 2 * 24 * 3600,
            cache_ttl: Duration::from_secs(300),
            sender_cache_ttl: Duration::from_secs(60),
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
    /// FakeID and profile known: stamped on the message (claim 2).
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
    accounts: TtlCache<String, Account>,
    senders: TtlCache<(String, String), SenderSnapshot>,
    config: IngestConfig,
}

impl<R: AccountRegistry, L: PushLedger, S: SecretSource> Ingest<R, L, S> {
    pub fn new(registry: R, ledger: L, secrets: S, config: IngestConfig) -> Self {
        Self {
            registry,
            ledger,
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
        let (verified, creds) = self.open(&account, query, body, now).await?;
        let keys = push_keys(&account, &creds);
        let push = &verified.push;

        let (status, snapshot) = self.sender(&account.id, &push.from_user).await?;
        let follow = match push.event() {
            Some(Event::Subscribe { .. }) => Some(FollowChange { state: FollowState::Following, at: push.create_time }),
            Some(Event::Unsubscribe) => Some(FollowChange { state: FollowState::Unfollowed, at: push.create_time }),
            _ => None,
        };
        let marker = match (status, creds.marker_key.as_ref()) {
            (SenderStatus::Unresolved, Some(key)) if account.strategy.plants_markers() && repliable(&push.kind) => {
                Some(marker::marker(key.expose().as_bytes(), &push.from_user))
            }
            _ => None,
        };
        // An unfollow cannot be answered or resolved: the follower has left the list.
        let resolve =
            (status == SenderStatus::Unresolved && !matches!(push.event(), Some(Event::Unsubscribe))).then(|| {
                ResolveHint {
                    create_time: push.create_time,
                    msg_type: push.msg_type.clone(),
                    msg_id: push.msg_id.map(|id| id.to_string()),
                    content: push.features().content,
                    marker_planted: marker.is_some(),
                }
            });
        let answer = match &marker {
            Some(marker) => Answer::Reply {
                xml: Reply::Text { content: marker::reply_text(marker) }.to_xml(&push.from_user, &push.to_user, now),
            },
            None => Answer::Success,
        };
        let entry = PushEntry {
            message: MessageRecord {
                account: account.id.clone(),
                features: push.features(),
                dedupe_key: push.dedupe_key().0,
                raw_xml: verified.xml.clone(),
                received_at: now,
                sender: snapshot.map_or(SenderField::Pending, SenderField::Known),
            },
            answer,
            dedupe_expires_at: now + self.config.dedupe_ttl_secs,
            resolve,
            follow,
        };
        let (answer, duplicate) = match self.ledger.record(&entry).await? {
            Recorded::New => (entry.answer, false),
            Recorded::Duplicate(first) => (first, true),
        };
        if follow.is_some() {
            self.senders.remove(&(account.id.clone(), push.from_user.clone()));
        }
        let body = match answer {
            Answer::Success => Body::Text("success".to_owned()),
            Answer::Reply { xml } => Body::Xml(push::seal_reply(&verified, &keys, &xml, now)),
        };
        Ok(PushOutcome { body, duplicate, mode: verified.mode, msg_type: push.msg_type.clone(), sender: status })
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

    /// Where the sender stands, with the snapshot to stamp when known. Known
    /// senders are remembered for a short while, so that a busy follower
    /// costs one DynamoDB request per push.
    async fn sender(
        &self,
        account: &str,
        open_id: &str,
    ) -> Result<(SenderStatus, Option<SenderSnapshot>), IngestError> {
        let key = (account.to_owned(), open_id.to_owned());
        if let Some(snapshot) = self.senders.get(&key) {
            return Ok((SenderStatus::Known, Some((*snapshot).clone())));
        }
        let sender = self.ledger.sender(account, open_id).await?;
        Ok(match sender.as_ref().map(|s| (s.snapshot(), s.fake_id)) {
            Some((Some(snapshot), _)) => {
                self.senders.insert(key, snapshot.clone());
                (SenderStatus::Known, Some(snapshot))
            }
            Some((None, Some(_))) => (SenderStatus::AwaitingProfile, None),
            _ => (SenderStatus::Unresolved, None),
        })
    }
}

fn push_keys<'a>(account: &'a Account, creds: &'a PushCredentials) -> PushKeys<'a> {
    PushKeys {
        token: creds.token.expose(),
        appid: &account.appid,
        gh_id: &account.gh_id,
        current: &creds.current,
        previous: creds.previous.as_ref(),
    }
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
