//! Logging into the console (patent step 15), shared by the resolver and the
//! profile function.
//!
//! One session per account lives in the store, so concurrent and later
//! invocations reuse it. At most one login per account runs at a time: the
//! others wait for it under a lease (a conditional write), or give up and
//! leave their records for a retry. Wrong credentials, captchas and
//! restrictions change the account's state and stop further logins until the
//! secret changes or an operator clears the account. The password never
//! reaches a log line.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::console::{Console, ConsoleError, SessionState};
use crate::secrets::{ConsoleSecret, SecretSource, SecretsError};
use crate::store::{Account, AccountState, SessionStore, StoreError};

/// Timing of sessions and logins.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// A stored session older than this is not used. The console gives no
    /// maximum age (the emulator's is 6 hours, `docs/console.md`); a session
    /// may end sooner, which 200003 reveals.
    pub max_age_secs: i64,
    /// How long one login may hold the lease.
    pub lease_secs: i64,
    /// How long to wait for another invocation's login.
    pub wait_for_login: Duration,
    /// First backoff after a transient console failure; doubles, with jitter.
    pub backoff: Duration,
    /// Longest single backoff.
    pub max_backoff: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            max_age_secs: 5 * 3600 + 1800,
            lease_secs: 30,
            wait_for_login: Duration::from_secs(10),
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// Why console work could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("unknown account")]
    UnknownAccount,
    /// The account may not log in now; its records wait for the state to change.
    #[error("account cannot log in: {0:?}")]
    Blocked(AccountState),
    /// Another invocation is logging in and did not finish in time.
    #[error("another login is in progress")]
    LoginInProgress,
    /// The console kept failing (after backoff within the time left), or
    /// refused the call itself.
    #[error("console: {0}")]
    Console(#[from] ConsoleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
}

impl SessionError {
    /// Whether a later try may succeed without anyone's help.
    pub fn is_retryable(&self) -> bool {
        match self {
            SessionError::LoginInProgress | SessionError::Store(_) | SessionError::Secrets(_) => true,
            SessionError::Console(e) => e.is_transient() || e.is_session_expired(),
            SessionError::UnknownAccount | SessionError::Blocked(_) => false,
        }
    }
}

/// How many times one console call may find its session ended and renew it.
const MAX_RENEWALS_PER_CALL: u32 = 3;

/// Logins one invocation may make.
const MAX_LOGINS_PER_INVOCATION: usize = 6;

/// Sessions of the accounts, for one invocation.
pub struct Sessions<'a, St, Se, C> {
    store: &'a St,
    secrets: &'a Se,
    console: &'a C,
    config: SessionConfig,
    /// Who holds the lease: unique per invocation.
    owner: String,
    deadline: Instant,
    logins: std::sync::atomic::AtomicUsize,
    /// Calls of one invocation run side by side and share its lease owner:
    /// they take turns here, so that one login serves them all.
    acquiring: tokio::sync::Mutex<()>,
    /// Accounts whose login this invocation saw refused: not tried again,
    /// since every refused try brings the console's captcha closer.
    refused: std::sync::Mutex<HashMap<String, AccountState>>,
}

impl<'a, St: SessionStore, Se: SecretSource, C: Console> Sessions<'a, St, Se, C> {
    /// `deadline` bounds every wait and backoff (the invocation's time).
    pub fn new(store: &'a St, secrets: &'a Se, console: &'a C, config: SessionConfig, deadline: Instant) -> Self {
        Self {
            store,
            secrets,
            console,
            config,
            owner: format!("{:016x}", rand::random::<u64>()),
            deadline,
            logins: Default::default(),
            acquiring: tokio::sync::Mutex::new(()),
            refused: Default::default(),
        }
    }

    pub fn console(&self) -> &C {
        self.console
    }

    /// Logins this invocation performed.
    pub fn logins(&self) -> usize {
        self.logins.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The account, read consistently, if it may log in now. An account whose
    /// password was refused may again once its console secret has a new version.
    pub async fn usable_account(&self, id: &str, now: i64) -> Result<Account, SessionError> {
        let mut account = self.store.account_now(id).await?.ok_or(SessionError::UnknownAccount)?;
        match account.state {
            AccountState::Active => Ok(account),
            AccountState::CredentialsRejected => {
                let version = self.secrets.secret(&account.console_secret).await?.and_then(|s| s.version);
                if version.is_some() && version != account.rejected_secret_version {
                    self.store.set_account_state(id, AccountState::Active, None, None, now).await?;
                    account.state = AccountState::Active;
                    tracing::info!(account = id, "console secret changed: logins resume");
                    Ok(account)
                } else {
                    Err(SessionError::Blocked(account.state))
                }
            }
            state => Err(SessionError::Blocked(state)),
        }
    }

    /// A session for the account: the stored one while it is young enough,
    /// else a new login.
    pub async fn session(&self, account: &Account, now: i64) -> Result<SessionState, SessionError> {
        self.acquire(account, None, now).await
    }

    /// After 200003: drops the stale session and logs in again.
    pub async fn renew(&self, account: &Account, stale: &SessionState, now: i64) -> Result<SessionState, SessionError> {
        // Sessions that end as soon as they start: stop before the console
        // takes the logins for an attack.
        if self.logins() >= MAX_LOGINS_PER_INVOCATION {
            return Err(ConsoleError::SessionExpired.into());
        }
        self.store.forget_session(&account.id, &stale.token).await?;
        self.acquire(account, Some(&stale.token), now).await
    }

    /// Runs one console call with the session: on 200003 it logs in again
    /// (or takes the session another call logged in with) and repeats the
    /// call, once per session that ended; transient failures (frequency control,
    /// system busy, 5xx, timeouts) are retried with jittered backoff while
    /// the invocation has time.
    pub async fn call<T, F, Fut>(
        &self,
        account: &Account,
        session: &mut SessionState,
        now: i64,
        op: F,
    ) -> Result<T, SessionError>
    where
        F: Fn(SessionState) -> Fut,
        Fut: Future<Output = Result<T, ConsoleError>>,
    {
        // One renewal per session that ended; a few at most, should they
        // keep ending (calls side by side all see the same end).
        let mut renewals = 0;
        let mut backoff = self.config.backoff;
        loop {
            match op(session.clone()).await {
                Ok(value) => return Ok(value),
                Err(ConsoleError::SessionExpired) if renewals < MAX_RENEWALS_PER_CALL => {
                    renewals += 1;
                    *session = self.renew(account, session, now).await?;
                }
                Err(err) if err.is_transient() && self.sleep_within_deadline(backoff).await => {
                    tracing::debug!(account = %account.id, error = %err, "console busy: backing off");
                    backoff = (backoff * 2).min(self.config.max_backoff);
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    async fn acquire(
        &self,
        account: &Account,
        not_token: Option<&str>,
        now: i64,
    ) -> Result<SessionState, SessionError> {
        let waited_until = Instant::now() + self.config.wait_for_login;
        let _turn = self.acquiring.lock().await;
        if let Some(state) = self.refused_state(&account.id) {
            return Err(SessionError::Blocked(state));
        }
        loop {
            let stored = self.store.session(&account.id).await?.and_then(|record| record.session);
            if let Some(session) =
                stored.filter(|s| now - s.created_at < self.config.max_age_secs && Some(s.token.as_str()) != not_token)
            {
                return Ok(session);
            }
            let until = now + self.config.lease_secs;
            if self.store.try_lease(&account.id, &self.owner, now, until).await? {
                return self.login(account, now).await;
            }
            if Instant::now() >= waited_until || !self.sleep_within_deadline(Duration::from_millis(250)).await {
                return Err(SessionError::LoginInProgress);
            }
        }
    }

    fn refused_state(&self, account: &str) -> Option<AccountState> {
        self.refused.lock().unwrap_or_else(|e| e.into_inner()).get(account).copied()
    }

    /// Logs in under the lease, which is released whatever happens.
    async fn login(&self, account: &Account, now: i64) -> Result<SessionState, SessionError> {
        let result = self.login_inner(account, now).await;
        if let Err(SessionError::Blocked(state)) = &result {
            self.refused.lock().unwrap_or_else(|e| e.into_inner()).insert(account.id.clone(), *state);
        }
        if result.is_err() {
            // The lease also expires by itself; failing to release it only delays others.
            let _ = self.store.release_lease(&account.id, &self.owner).await;
        }
        result
    }

    async fn login_inner(&self, account: &Account, now: i64) -> Result<SessionState, SessionError> {
        let value = self
            .secrets
            .secret(&account.console_secret)
            .await?
            .ok_or_else(|| SecretsError::NotFound(account.console_secret.clone()))?;
        let secret: ConsoleSecret = crate::secrets::parse(&account.console_secret, value.string.expose())?;
        let mut backoff = self.config.backoff;
        // A session that ends before its first page is logged in again, once.
        let mut relogin = true;
        loop {
            self.logins.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let attempt = match self.console.login(&secret.username, &secret.password, None, now).await {
                Ok(session) => self.with_uin(session).await,
                Err(err) => Err(err),
            };
            let err = match attempt {
                Ok(session) => {
                    tracing::info!(account = %account.id, "logged into the console");
                    self.store.save_session(&account.id, &session, now + self.config.max_age_secs).await?;
                    return Ok(session);
                }
                Err(err) => err,
            };
            let blocked = match err {
                ConsoleError::WrongPassword | ConsoleError::NoSuchAccount => Some(AccountState::CredentialsRejected),
                ConsoleError::CaptchaRequired | ConsoleError::WrongCaptcha => Some(AccountState::CaptchaRequired),
                ConsoleError::Restricted => Some(AccountState::Restricted),
                _ => None,
            };
            if let Some(state) = blocked {
                let version =
                    (state == AccountState::CredentialsRejected).then_some(value.version.as_deref()).flatten();
                self.store.set_account_state(&account.id, state, Some(&err.to_string()), version, now).await?;
                tracing::warn!(account = %account.id, state = ?state, reason = %err, "console login refused");
                return Err(SessionError::Blocked(state));
            }
            if err.is_session_expired() && relogin {
                relogin = false;
                continue;
            }
            if err.is_transient() && self.sleep_within_deadline(backoff).await {
                backoff = (backoff * 2).min(self.config.max_backoff);
                continue;
            }
            return Err(err.into());
        }
    }

    /// Reads the account's own FakeID from the home page into the session.
    async fn with_uin(&self, mut session: SessionState) -> Result<SessionState, ConsoleError> {
        let mut backoff = self.config.backoff;
        loop {
            match self.console.home(&session).await {
                Ok(home) => {
                    session.uin = Some(home.uin);
                    return Ok(session);
                }
                Err(err) if err.is_transient() && self.sleep_within_deadline(backoff).await => {
                    backoff = (backoff * 2).min(self.config.max_backoff);
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Sleeps `base` with jitter unless that would pass the deadline.
    async fn sleep_within_deadline(&self, base: Duration) -> bool {
        let jittered = base.mul_f64(0.5 + rand::random::<f64>());
        if Instant::now() + jittered >= self.deadline {
            return false;
        }
        tokio::time::sleep(jittered).await;
        true
    }
}
