//! Patent step 17 and claim 6: who the FakeID is. For each newly mapped (or
//! stale) sender, fetch the contact info and the avatar through the console,
//! store them with the person (one per FakeID, shared by every account), copy
//! the profile onto the account's sender. Messages are not rewritten: each
//! names its sender by openID, and the lookup reads the sender's item as it
//! stands, so every message that waited shows the profile once it is stored.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use futures::future::join_all;
use futures::stream::{self, StreamExt};
use tokio::sync::OnceCell;

use crate::batch::{self, Hold, Outcome, WorkKey};
use crate::console::{Console, ConsoleError, ContactInfo, SessionState};
use crate::secrets::SecretSource;
use crate::session::{SessionError, Sessions};
use crate::store::{
    Account, AvatarState, FetchedProfile, Person, Profile, ProfileState, ProfileStore, Sender, StoreError,
};

/// Settings of the profile step.
#[derive(Debug, Clone)]
pub struct ProfileConfig {
    /// Largest avatar stored; DynamoDB items hold 400 KB in all.
    pub avatar_max_bytes: usize,
    /// Senders of one account handled at once.
    pub parallel: usize,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        Self { avatar_max_bytes: 256 * 1024, parallel: 8 }
    }
}

/// What an invocation did, for its log line and the figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Profiles fetched from the console.
    pub fetched: usize,
    /// Profiles taken from the person, fetched through another account since they were asked for.
    pub reused: usize,
    pub not_following: usize,
    pub avatars_refused: usize,
    /// Senders held with their account, by the account's state ([`Hold::name`]).
    pub held: BTreeMap<&'static str, usize>,
    /// For each sender's first profile stored: milliseconds since its FakeID
    /// was found (in whole seconds).
    pub mapping_to_profile_ms: Vec<u64>,
}

/// The profile step over its ports, for one invocation.
pub struct Profiles<'a, St, Se, C> {
    store: &'a St,
    sessions: Sessions<'a, St, Se, C>,
    config: &'a ProfileConfig,
    /// When the invocation began, for the latencies.
    started: Instant,
    stats: Mutex<Stats>,
}

/// Why one sender's profile could not be finished in this invocation.
#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<'a, St: ProfileStore, Se: SecretSource, C: Console> Profiles<'a, St, Se, C> {
    pub fn new(store: &'a St, sessions: Sessions<'a, St, Se, C>, config: &'a ProfileConfig) -> Self {
        Self { store, sessions, config, started: Instant::now(), stats: Mutex::default() }
    }

    pub fn stats(&self) -> Stats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn logins(&self) -> usize {
        self.sessions.logins()
    }

    fn count(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Handles a batch; one outcome per key, in order. Accounts side by
    /// side; the keys of one account share one session.
    pub async fn run(&self, batch: &[WorkKey], now: i64) -> Vec<Outcome> {
        batch::per_account(batch, |account, keys| async move { self.account(account, &keys, now).await }).await
    }

    async fn account(&self, account_id: &str, keys: &[&WorkKey], now: i64) -> Vec<Outcome> {
        // Senders whose profile is wanted (the others are redeliveries), and
        // the account beside them.
        let (found, account) = futures::join!(
            join_all(keys.iter().map(|key| self.wanted(key))),
            self.sessions.usable_account(account_id, now)
        );
        let mut wanted = Vec::new();
        let mut outcomes = vec![Outcome::Done; keys.len()];
        for (i, found) in found.into_iter().enumerate() {
            match found {
                Ok(Some(sender)) => wanted.push((i, sender)),
                Ok(None) => {}
                Err(err) => outcomes[i] = retry(keys[i], err),
            }
        }
        if wanted.is_empty() {
            return outcomes;
        }
        let done = match account {
            Ok(account) => self.senders(&account, keys, wanted, now).await,
            Err(err) => match Hold::of(&err) {
                Some(hold) => self.wait(account_id, &hold, keys, wanted).await,
                None => wanted.into_iter().map(|(i, _)| (i, Outcome::Retry(err.to_string()))).collect(),
            },
        };
        for (i, outcome) in done {
            outcomes[i] = outcome;
        }
        outcomes
    }

    /// The account is held: its wanted senders wait, stored with the reason.
    /// Never dropped: `whosent accounts clear` asks for them again.
    async fn wait(
        &self,
        account_id: &str,
        hold: &Hold,
        keys: &[&WorkKey],
        wanted: Vec<(usize, Sender)>,
    ) -> Vec<(usize, Outcome)> {
        let reason = hold.reason();
        self.count(|s| *s.held.entry(hold.name()).or_default() += wanted.len());
        let mut done = Vec::with_capacity(wanted.len());
        for (i, sender) in wanted {
            let set = self.store.set_profile_state(account_id, &sender.open_id, ProfileState::Waiting, Some(&reason));
            let outcome = match set.await {
                Ok(()) => Outcome::Done,
                Err(err) => retry(keys[i], err.into()),
            };
            done.push((i, outcome));
        }
        done
    }

    /// The wanted senders of a usable account, by their positions in `keys`.
    /// One session for the account, asked for by the first sender that needs
    /// the console; senders side by side, a few at a time. When a login puts
    /// the account on hold (a refused password), the senders it stopped wait.
    async fn senders(
        &self,
        account: &Account,
        keys: &[&WorkKey],
        wanted: Vec<(usize, Sender)>,
        now: i64,
    ) -> Vec<(usize, Outcome)> {
        let session = OnceCell::new();
        let runs = wanted.into_iter().map(|(i, sender)| {
            let session = &session;
            async move { (i, self.one(account, session, &sender, now).await, sender) }
        });
        let results: Vec<_> = stream::iter(runs).buffer_unordered(self.config.parallel.max(1)).collect().await;
        let mut done = Vec::with_capacity(results.len());
        let mut held = Vec::new();
        for (i, result, sender) in results {
            match result {
                Ok(()) => done.push((i, Outcome::Done)),
                Err(StepError::Session(err)) => match Hold::of(&err) {
                    Some(hold) => held.push((hold, i, sender)),
                    None => done.push((i, retry(keys[i], err.into()))),
                },
                Err(err) => done.push((i, retry(keys[i], err))),
            }
        }
        for (hold, i, sender) in held {
            done.extend(self.wait(&account.id, &hold, keys, vec![(i, sender)]).await);
        }
        done
    }

    /// The sender, if its profile is still wanted.
    async fn wanted(&self, key: &WorkKey) -> Result<Option<Sender>, StepError> {
        let Some(sender) = self.store.sender_now(&key.account, &key.open_id).await? else {
            tracing::warn!(account = %key.account, "profile wanted for a sender that is not stored");
            return Ok(None);
        };
        if sender.fake_id.is_none() {
            return Ok(None);
        }
        Ok((sender.profile_state == Some(ProfileState::Wanted)).then_some(sender))
    }

    async fn one(
        &self,
        account: &Account,
        session: &OnceCell<SessionState>,
        sender: &Sender,
        now: i64,
    ) -> Result<(), StepError> {
        let Some(fake_id) = sender.fake_id else { return Ok(()) };
        let asked_at = sender.profile_wanted_at.unwrap_or(0);
        // The session beside the person: it is needed unless another account
        // fetched this person since, which is rare. A failure to get it is
        // met again, and reported, by `fetch`, which asks the same cell.
        let (person, _) =
            futures::join!(self.store.person(fake_id), session.get_or_try_init(|| self.sessions.session(account, now)));
        let fetched = match person? {
            // Fetched through another account since this one asked: reuse it.
            Some(person) if person.fetched_at >= asked_at => {
                self.count(|s| s.reused += 1);
                FetchedProfile {
                    fake_id,
                    profile: person.profile,
                    remark_name: sender.remark_name.clone().unwrap_or_default(),
                    group_id: sender.group_id.unwrap_or_default(),
                    fetched_at: person.fetched_at,
                }
            }
            _ => match self.fetch(account, session, fake_id, now).await? {
                Some(fetched) => fetched,
                None => {
                    // 200002: the person no longer follows this account.
                    self.count(|s| s.not_following += 1);
                    self.store
                        .set_profile_state(
                            &account.id,
                            &sender.open_id,
                            ProfileState::NotFollowing,
                            Some("the console says this FakeID does not follow the account (200002)"),
                        )
                        .await?;
                    return Ok(());
                }
            },
        };
        if !self.store.save_sender_profile(&account.id, &sender.open_id, &fetched).await? {
            tracing::warn!(account = %account.id, fake_id, "sender remapped while its profile was fetched; not stored");
            return Ok(());
        }
        // The first profile of a new mapping: how long after the FakeID was found.
        if let (None, Some(resolution)) = (sender.profile_fetched_at, &sender.resolution) {
            let stored_at = now.saturating_mul(1000).saturating_add(self.started.elapsed().as_millis() as i64);
            let latency = crate::metrics::since_ms(resolution.resolved_at, stored_at);
            self.count(|s| s.mapping_to_profile_ms.push(latency));
        }
        Ok(())
    }

    /// Contact info and avatar from the console, stored with the person;
    /// `None` when the FakeID does not follow the account.
    async fn fetch(
        &self,
        account: &Account,
        session: &OnceCell<SessionState>,
        fake_id: u64,
        now: i64,
    ) -> Result<Option<FetchedProfile>, StepError> {
        let current = session.get_or_try_init(|| self.sessions.session(account, now)).await?.clone();
        let console = self.sessions.console();
        // Both at once, each with its own copy of the session: a renewal
        // (200003) is shared through the store.
        let (mut for_contact, mut for_avatar) = (current.clone(), current);
        let (contact, avatar) =
            futures::join!(
                self.sessions
                    .call(account, &mut for_contact, now, |s| async move { console.contact_info(&s, fake_id).await }),
                self.sessions.call(account, &mut for_avatar, now, |s| async move { console.avatar(&s, fake_id).await }),
            );
        let contact = match contact {
            Ok(contact) => contact,
            Err(SessionError::Console(ConsoleError::InvalidArgument)) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let (avatar_state, avatar_bytes, jpeg) = match avatar {
            Ok(jpeg) if !is_jpeg(&jpeg) => (AvatarState::Unavailable, jpeg.len(), None),
            Ok(jpeg) if jpeg.len() > self.config.avatar_max_bytes => (AvatarState::TooLarge, jpeg.len(), None),
            Ok(jpeg) => (AvatarState::Stored, jpeg.len(), Some(jpeg)),
            // The avatar alone is refused or malformed: keep the profile without it.
            Err(SessionError::Console(err @ (ConsoleError::InvalidArgument | ConsoleError::Malformed(_)))) => {
                tracing::warn!(account = %account.id, fake_id, error = %err, "avatar not available");
                (AvatarState::Unavailable, 0, None)
            }
            Err(err) => return Err(err.into()),
        };
        if avatar_state != AvatarState::Stored {
            self.count(|s| s.avatars_refused += 1);
        }
        let profile = profile_of(&contact);
        let person = Person {
            fake_id,
            profile: profile.clone(),
            fetched_at: now,
            fetched_via: account.id.clone(),
            avatar: avatar_state,
            avatar_bytes: avatar_bytes as u64,
        };
        self.store.save_person(&person, jpeg.as_deref()).await?;
        self.count(|s| s.fetched += 1);
        Ok(Some(FetchedProfile {
            fake_id,
            profile,
            remark_name: contact.remark_name,
            group_id: contact.group_id,
            fetched_at: now,
        }))
    }
}

fn retry(key: &WorkKey, err: StepError) -> Outcome {
    let retryable = match &err {
        StepError::Session(e) => e.is_retryable(),
        StepError::Store(_) => true,
    };
    if !retryable {
        tracing::error!(account = %key.account, error = %err, "profile not fetched: to the dead-letter queue after its retries");
    }
    Outcome::Retry(err.to_string())
}

/// The profile as whosent keeps it.
pub fn profile_of(contact: &ContactInfo) -> Profile {
    Profile {
        nickname: contact.nick_name.clone(),
        gender: u8::try_from(contact.gender).ok().filter(|g| *g <= 2).unwrap_or(0),
        country: contact.country.clone(),
        province: contact.province.clone(),
        city: contact.city.clone(),
        signature: contact.signature.clone(),
    }
}

/// Whether the bytes start like a JPEG (SOI marker).
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

#[cfg(test)]
mod tests;
