//! The platform emulator wired to whosent on moto: every emulator account
//! registered as a whosent account (registry item, push and console
//! secrets), its callback pointed at an in-process webhook, and the resolver
//! run in-process against the emulator's console.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::{Body, Outgoing, Platform, PushOutcome};
use serde_json::json;
use whosent::console::{Console, ConsoleConfig, HttpConsole};
use whosent::ingest::{Ingest, IngestConfig};
use whosent::profile::{ProfileConfig, ProfileKey, Profiles};
use whosent::resolve::{Outcome, RequestKey, Resolver, ResolverConfig, Stats};
use whosent::secrets::SecretsManager;
use whosent::session::{SessionConfig, Sessions};
use whosent::store::{Account, DynamoStore, ResolveState, ResolverStore, Strategy};

use crate::webhook_server::WebhookServer;
use crate::{LocalAws, put_secret};

/// The marker key every emulated account gets.
pub const MARKER_KEY: &str = "marker-key-for-tests";

/// A platform emulator, whosent's table and secrets on moto, and the webhook.
pub struct Emulated {
    pub platform: Platform,
    pub aws: LocalAws,
    pub table: String,
    pub store: DynamoStore,
    pub secrets: SecretsManager,
    pub webhook: WebhookServer,
    /// The whosent account of each emulator account, by index.
    pub accounts: Vec<Account>,
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
        let ingest = Ingest::new(store.clone(), store.clone(), secrets.clone(), ingest);
        let webhook = WebhookServer::start(Arc::new(ingest)).await;
        let prefix = format!("{:08x}", rand::random::<u32>());
        let mut accounts = Vec::new();
        for (i, emulated) in platform.accounts().iter().enumerate() {
            let id = format!("{prefix}-{}", emulated.id);
            let account = Account::new(&id, &emulated.appid, &emulated.gh_id, strategies[i % strategies.len()]);
            store.put_account(&account).await.expect("register the account");
            let push = json!({"token": emulated.token, "encoding_aes_key": emulated.encoding_aes_key, "marker_key": MARKER_KEY});
            put_secret(&aws, &account.push_secret, &push.to_string()).await;
            let console = json!({"username": emulated.username, "password": emulated.password});
            put_secret(&aws, &account.console_secret, &console.to_string()).await;
            platform.set_callback(emulated.index, Some(format!("{}/wechat/{id}", webhook.url)));
            accounts.push(account);
        }
        Self { platform, aws, table, store, secrets, webhook, accounts }
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
    pub async fn pending(&self) -> Vec<RequestKey> {
        let mut keys = Vec::new();
        for account in &self.accounts {
            for request in self.store.requests_in(&account.id, ResolveState::Pending).await.expect("requests") {
                keys.push(RequestKey { account: request.account, open_id: request.open_id });
            }
        }
        keys
    }

    /// Runs the resolver on `batch` as one invocation would.
    pub async fn resolve(&self, batch: &[RequestKey], config: &ResolverConfig) -> Run {
        self.resolve_at(batch, config, crate::unix_now()).await
    }

    /// Runs the resolver with `now` as the invocation's start (the platform's
    /// clock, when it runs virtual time).
    pub async fn resolve_at(&self, batch: &[RequestKey], config: &ResolverConfig, now: i64) -> Run {
        let console = self.console();
        let deadline = Instant::now() + Duration::from_secs(60);
        let sessions = Sessions::new(&self.store, &self.secrets, &console, Self::session_config(), deadline);
        let resolver = Resolver::new(&self.store, &self.secrets, sessions, config, deadline);
        let outcomes = resolver.run(batch, now).await;
        Run { outcomes, stats: resolver.stats(), logins: resolver.logins() }
    }

    /// The console client the functions would build.
    pub fn console(&self) -> HttpConsole {
        HttpConsole::new(&ConsoleConfig::new(self.platform.console_url())).expect("console client")
    }

    /// Runs the profile step on `batch` as one invocation would, through `console`.
    pub async fn profiles_with<C: Console>(&self, console: &C, batch: &[ProfileKey]) -> ProfileRun {
        let deadline = Instant::now() + Duration::from_secs(60);
        let sessions = Sessions::new(&self.store, &self.secrets, console, Self::session_config(), deadline);
        let config = ProfileConfig::default();
        let profiles = Profiles::new(&self.store, sessions, &config, deadline);
        let outcomes = profiles.run(batch, crate::unix_now()).await;
        ProfileRun { outcomes, stats: profiles.stats(), logins: profiles.logins() }
    }

    /// Runs the profile step on `batch` against the emulator's console.
    pub async fn profiles(&self, batch: &[ProfileKey]) -> ProfileRun {
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
    pub async fn check_against_truth(&self, keys: &[RequestKey]) -> usize {
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
    pub async fn request_state(&self, key: &RequestKey) -> (ResolveState, Option<String>) {
        let request = self.store.request(&key.account, &key.open_id).await.expect("request").expect("exists");
        (request.state, request.reason)
    }
}
