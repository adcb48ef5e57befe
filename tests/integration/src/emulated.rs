//! The platform emulator wired to whosent: every emulator account registered
//! as a whosent account (registry item, push, console and marker secrets), its
//! callback pointed at an in-process webhook, and the resolver run in-process
//! against the emulator's console.
//!
//! The store and secrets are moto's ([`Emulated::start`]) or their in-memory
//! twins ([`Emulated::in_memory`], for runs too long for moto's pace: the
//! twin answers as DynamoDB does, `tests/store_twin.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::{Body, Outgoing, Platform, PushOutcome};
use serde_json::json;
use whosent::batch::{Outcome, WorkKey};
use whosent::console::{Console, ConsoleConfig, HttpConsole};
use whosent::ingest::{Ingest, IngestConfig};
use whosent::profile::{ProfileConfig, Profiles};
use whosent::push::BodyMode;
use whosent::resolve::{Resolver, ResolverConfig, Stats};
use whosent::secrets::{MemorySecrets, SecretSource, SecretsManager};
use whosent::session::{SessionConfig, Sessions};
use whosent::store::{
    Account, AccountRegistry, DynamoStore, MemoryStore, ProfileStore, PushLedger, ResolveState, ResolverStore, Strategy,
};

use crate::webhook_server::WebhookServer;
use crate::{LocalAws, put_secret};

/// The marker key every emulated account gets.
pub const MARKER_KEY: &str = "marker-key-for-tests";

/// A platform emulator, whosent's store and secrets, and the webhook.
pub struct Emulated<St = DynamoStore, Se = SecretsManager> {
    pub platform: Platform,
    pub store: St,
    pub secrets: Se,
    pub webhook: WebhookServer,
    /// The whosent account of each emulator account, by index.
    pub accounts: Vec<Account>,
    /// moto's clients and the table, when on moto.
    moto: Option<(LocalAws, String)>,
}

/// Each emulator account as a whosent account, with its three secrets' JSON
/// (push: token and key; console: username and password; marker: marker key).
fn whosent_accounts(platform: &Platform, strategies: &[Strategy]) -> Vec<(Account, String, String, String)> {
    let prefix = format!("{:08x}", rand::random::<u32>());
    platform
        .accounts()
        .iter()
        .enumerate()
        .map(|(i, emulated)| {
            let id = format!("{prefix}-{}", emulated.id);
            let mut account = Account::new(&id, &emulated.appid, &emulated.gh_id, strategies[i % strategies.len()]);
            account.mode = match emulated.mode {
                platform::Mode::Plaintext => BodyMode::Plaintext,
                platform::Mode::Compatible => BodyMode::Compatible,
                platform::Mode::Safe => BodyMode::Safe,
            };
            let push = json!({"token": emulated.token, "encoding_aes_key": emulated.encoding_aes_key});
            let console = json!({"username": emulated.username, "password": emulated.password});
            let marker = json!({ "marker_key": MARKER_KEY });
            (account, push.to_string(), console.to_string(), marker.to_string())
        })
        .collect()
}

/// What one profile run did.
#[derive(Debug)]
pub struct ProfileRun {
    pub outcomes: Vec<Outcome>,
    pub stats: whosent::profile::Stats,
    pub logins: usize,
}

/// What one resolver run did.
#[derive(Debug)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    pub stats: Stats,
    pub logins: usize,
}

impl Emulated {
    /// Starts the emulator and registers its accounts, account `i` with
    /// `strategies[i % len]`.
    pub async fn start(config: platform::Config, strategies: &[Strategy]) -> Self {
        Self::start_with(config, strategies, IngestConfig::default()).await
    }

    /// Like [`Emulated::start`], with the webhook's settings.
    pub async fn start_with(config: platform::Config, strategies: &[Strategy], ingest: IngestConfig) -> Self {
        let platform = Platform::start(config).await.expect("start the platform emulator");
        let aws = LocalAws::connect().await;
        let table = aws.fresh_table("resolver").await;
        let store = DynamoStore::new(aws.dynamo(), &table);
        let secrets = SecretsManager::new(aws.secrets());
        let mut accounts = Vec::new();
        for (account, push, console, marker) in whosent_accounts(&platform, strategies) {
            store.put_account(&account).await.expect("register the account");
            put_secret(&aws, &account.push_secret, &push).await;
            put_secret(&aws, &account.console_secret, &console).await;
            put_secret(&aws, &account.marker_secret, &marker).await;
            accounts.push(account);
        }
        Self::wire(platform, store, secrets, accounts, ingest, Some((aws, table))).await
    }

    /// Resolver settings for tests: the reference's skew, shorter waits.
    pub fn quick_config() -> ResolverConfig {
        ResolverConfig {
            settle_secs: 3,
            round_wait: Duration::from_millis(700),
            rounds: 8,
            ..ResolverConfig::default()
        }
    }

    /// moto's clients.
    pub fn aws(&self) -> &LocalAws {
        &self.moto.as_ref().expect("on moto").0
    }

    /// The table's name on moto.
    pub fn table(&self) -> &str {
        &self.moto.as_ref().expect("on moto").1
    }
}

impl Emulated<MemoryStore, MemorySecrets> {
    /// The emulator with whosent's store and secrets in memory: no moto.
    pub async fn in_memory(config: platform::Config, strategies: &[Strategy], ingest: IngestConfig) -> Self {
        let (store, secrets) = (MemoryStore::new(), MemorySecrets::new());
        let (to, with) = (store.clone(), secrets.clone());
        Self::on(config, strategies, ingest, store, secrets, move |account, [push, console, marker]| {
            to.put_account(account.clone());
            with.put(&account.push_secret, push);
            with.put(&account.console_secret, console);
            with.put(&account.marker_secret, marker);
        })
        .await
    }
}

impl<St, Se> Emulated<St, Se>
where
    St: AccountRegistry + PushLedger + ResolverStore + Clone + 'static,
    Se: SecretSource + Clone + 'static,
{
    /// The emulator on a store and secrets of the caller's (in memory, say,
    /// counted): `register` stores each account and its push, console and
    /// marker secrets' JSON.
    pub async fn on(
        config: platform::Config,
        strategies: &[Strategy],
        ingest: IngestConfig,
        store: St,
        secrets: Se,
        register: impl Fn(&Account, [String; 3]),
    ) -> Self {
        let platform = Platform::start(config).await.expect("start the platform emulator");
        let mut accounts = Vec::new();
        for (account, push, console, marker) in whosent_accounts(&platform, strategies) {
            register(&account, [push, console, marker]);
            accounts.push(account);
        }
        Self::wire(platform, store, secrets, accounts, ingest, None).await
    }

    /// Starts the webhook on `store` and points each account's callback at it.
    async fn wire(
        platform: Platform,
        store: St,
        secrets: Se,
        accounts: Vec<Account>,
        ingest: IngestConfig,
        moto: Option<(LocalAws, String)>,
    ) -> Self {
        let ingest = Ingest::new(store.clone(), store.clone(), secrets.clone(), ingest);
        let webhook = WebhookServer::start(Arc::new(ingest)).await;
        for (emulated, account) in platform.accounts().iter().zip(&accounts) {
            platform.set_callback(emulated.index, Some(format!("{}/wechat/{}", webhook.url, account.id)));
        }
        Self { platform, store, secrets, webhook, accounts, moto }
    }

    /// The FakeIDs of the followers of emulator account `account`.
    pub fn follower_fakeids(&self, account: usize) -> Vec<u64> {
        let world = self.platform.world();
        self.platform.followers(account).iter().filter(|f| f.active).map(|f| world.people[f.person].fakeid).collect()
    }

    /// A text from a follower, pushed by the platform to the webhook.
    pub async fn text(&self, account: usize, fake_id: u64, content: &str) -> PushOutcome {
        self.send(Outgoing::new(account, fake_id, Body::text(content))).await
    }

    pub async fn send(&self, outgoing: Outgoing) -> PushOutcome {
        self.platform.send(outgoing).await.expect("the platform sends the push")
    }

    /// Every pending resolve request of every account.
    pub async fn pending(&self) -> Vec<WorkKey> {
        let mut keys = Vec::new();
        for account in &self.accounts {
            for request in self.store.requests_in(&account.id, ResolveState::Pending).await.expect("requests") {
                keys.push(WorkKey { account: request.account, open_id: request.open_id });
            }
        }
        keys
    }

    /// Every resolve request of every account, pending or resolved.
    pub async fn pending_or_resolved(&self) -> Vec<WorkKey> {
        let mut keys = Vec::new();
        for account in &self.accounts {
            for state in [ResolveState::Pending, ResolveState::Resolved] {
                for request in self.store.requests_in(&account.id, state).await.expect("requests") {
                    keys.push(WorkKey { account: request.account, open_id: request.open_id });
                }
            }
        }
        keys
    }

    /// Runs the resolver on `batch` as one invocation would.
    pub async fn resolve(&self, batch: &[WorkKey], config: &ResolverConfig) -> Run {
        self.resolve_at(batch, config, crate::unix_now()).await
    }

    /// Runs the resolver with `now` as the invocation's start (the platform's
    /// clock, when it runs virtual time).
    pub async fn resolve_at(&self, batch: &[WorkKey], config: &ResolverConfig, now: i64) -> Run {
        self.resolve_with(&self.console(), batch, config, now).await
    }

    /// Runs the resolver on `batch` through `console`.
    pub async fn resolve_with<C: Console>(
        &self,
        console: &C,
        batch: &[WorkKey],
        config: &ResolverConfig,
        now: i64,
    ) -> Run {
        self.resolve_reading(&self.secrets, console, batch, config, now).await
    }

    /// Runs the resolver on `batch` through `console`, reading its secrets
    /// from `secrets` (a role allowed fewer of them, say).
    pub async fn resolve_reading<S: SecretSource, C: Console>(
        &self,
        secrets: &S,
        console: &C,
        batch: &[WorkKey],
        config: &ResolverConfig,
        now: i64,
    ) -> Run {
        let deadline = Instant::now() + Duration::from_secs(60);
        let sessions = Sessions::new(&self.store, secrets, console, Self::session_config(), deadline);
        let resolver = Resolver::new(&self.store, secrets, sessions, config, deadline);
        let outcomes = resolver.run(batch, now).await;
        Run { outcomes, stats: resolver.stats(), logins: resolver.logins() }
    }

    /// The console client the functions would build.
    pub fn console(&self) -> HttpConsole {
        HttpConsole::new(&ConsoleConfig::new(self.platform.console_url())).expect("console client")
    }

    /// Runs the profile step on `batch` as one invocation would, through `console`.
    pub async fn profiles_with<C: Console>(&self, console: &C, batch: &[WorkKey]) -> ProfileRun
    where
        St: ProfileStore,
    {
        let deadline = Instant::now() + Duration::from_secs(60);
        let sessions = Sessions::new(&self.store, &self.secrets, console, Self::session_config(), deadline);
        let config = ProfileConfig::default();
        let profiles = Profiles::new(&self.store, sessions, &config);
        let outcomes = profiles.run(batch, crate::unix_now()).await;
        ProfileRun { outcomes, stats: profiles.stats(), logins: profiles.logins() }
    }

    /// Runs the profile step on `batch` against the emulator's console.
    pub async fn profiles(&self, batch: &[WorkKey]) -> ProfileRun
    where
        St: ProfileStore,
    {
        self.profiles_with(&self.console(), batch).await
    }

    fn session_config() -> SessionConfig {
        SessionConfig {
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            ..SessionConfig::default()
        }
    }

    /// The FakeID whosent mapped (account index, openID) to.
    pub async fn mapped(&self, account: usize, open_id: &str) -> Option<u64> {
        self.store.sender_record(&self.accounts[account].id, open_id).await.expect("sender").and_then(|s| s.fake_id)
    }

    /// Index of the emulator account behind a whosent account id.
    pub fn index_of(&self, account_id: &str) -> usize {
        self.accounts.iter().position(|a| a.id == account_id).expect("a registered account")
    }

    /// Checks every mapping of `keys` against the emulator's truth; returns
    /// how many were resolved. Panics on any misattribution.
    pub async fn check_against_truth(&self, keys: &[WorkKey]) -> usize {
        let mut resolved = 0;
        for key in keys {
            let index = self.index_of(&key.account);
            if let Some(fake_id) = self.mapped(index, &key.open_id).await {
                let truth = self.platform.fakeid_of(index, &key.open_id);
                assert_eq!(Some(fake_id), truth, "{} {} was attributed to the wrong person", key.account, key.open_id);
                resolved += 1;
            }
        }
        resolved
    }

    /// The request's state and reason.
    pub async fn request_state(&self, key: &WorkKey) -> (ResolveState, Option<String>) {
        let request = self.store.request(&key.account, &key.open_id).await.expect("request").expect("exists");
        (request.state, request.reason)
    }
}
