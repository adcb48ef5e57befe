//! The crate's core tested without services: the webhook's logic, the
//! resolver, the profile step and the session layer on the in-memory
//! store, secrets and console. Pushes go through [`Ingest`] as the webhook
//! takes them; the console records each follower message and each passive
//! reply as the platform would. Time is the console's clock, moved by the
//! tests, and tokio's paused clock for the waits and backoffs in between.
//!
//! The end-to-end layer (moto and the platform emulator) is in
//! `tests/integration`.

mod accounts;
mod by_time;
mod by_user_list;
mod console;
mod faults;
mod metrics;
mod profile;
mod redelivery;
mod sessions;
mod vectors;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::batch::{Outcome, WorkKey};
use crate::console::memory::{ConsoleAccount, Row};
use crate::console::{Console, ContactInfo, MemoryConsole};
use crate::ingest::{Body as Answered, Ingest, IngestConfig};
use crate::profile::{ProfileConfig, Profiles, Stats as ProfileStats};
use crate::push::signature::sign;
use crate::push::{BodyMode, PushQuery};
use crate::resolve::{Resolver, ResolverConfig, Stats};
use crate::secrets::{MemorySecrets, SecretSource};
use crate::session::{SessionConfig, Sessions};
use crate::store::{Account, MemoryStore, ResolveState, ResolverStore, Strategy};

/// 2014-08-22 09:44:52 +08:00.
pub const T0: i64 = 1_408_671_892;
/// The marker key of every account.
pub const MARKER_KEY: &str = "marker-key-for-core-tests";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// FakeIDs of people: `FIRST_FAKE_ID + n`.
const FIRST_FAKE_ID: u64 = 2_431_798_000;

/// What a follower sends.
#[derive(Debug, Clone)]
pub enum Body {
    Text(String),
    /// A picture, numbered: listed with type 2 and no text.
    Image(u32),
    Subscribe,
    Unsubscribe,
    /// A location report: an event, with no row and no reply.
    Location,
}

impl Body {
    pub fn text(content: &str) -> Self {
        Body::Text(content.to_owned())
    }

    /// The push's XML fields after `MsgType`, and its row in the list.
    fn fields(&self, msg_id: u64) -> (&'static str, String, Option<(i64, String)>) {
        match self {
            Body::Text(content) => {
                ("text", format!("<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>"), Some((1, content.clone())))
            }
            Body::Image(n) => (
                "image",
                format!("<PicUrl><![CDATA[http://mmbiz.example/pic{n}]]></PicUrl><MediaId><![CDATA[media{n}]]></MediaId><MsgId>{msg_id}</MsgId>"),
                Some((2, String::new())),
            ),
            Body::Subscribe => ("event", "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey>".into(), None),
            Body::Unsubscribe => ("event", "<Event><![CDATA[unsubscribe]]></Event><EventKey><![CDATA[]]></EventKey>".into(), None),
            Body::Location => (
                "event",
                "<Event><![CDATA[LOCATION]]></Event><Latitude>23.1</Latitude><Longitude>113.3</Longitude><Precision>65</Precision>".into(),
                None,
            ),
        }
    }
}

/// What one resolver run did.
#[derive(Debug)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    pub stats: Stats,
    pub logins: usize,
}

/// What one run of the profile step did.
#[derive(Debug)]
pub struct ProfileRun {
    pub outcomes: Vec<Outcome>,
    pub stats: ProfileStats,
    pub logins: usize,
}

/// Accounts registered in whosent, their console, and their followers.
pub struct World {
    pub store: MemoryStore,
    pub secrets: MemorySecrets,
    pub console: MemoryConsole,
    pub ingest: Ingest<MemoryStore, MemoryStore, MemorySecrets>,
    pub accounts: Vec<Account>,
    /// The console accounts' passwords, by index.
    pub passwords: Vec<String>,
    nonce: AtomicU64,
    /// Seconds after which the console shows a new row or reply.
    delay: AtomicI64,
}

/// The openID person `fake_id` has under account `account`.
pub fn open_id(account: usize, fake_id: u64) -> String {
    format!("o{account}x{fake_id:x}")
}

impl World {
    /// `strategies.len()` accounts (account `i` with `strategies[i]`), each
    /// followed by `followers` people, the last of them newest.
    pub fn new(strategies: &[Strategy], followers: usize) -> Self {
        let (store, secrets, console) = (MemoryStore::new(), MemorySecrets::new(), MemoryConsole::new(T0));
        let mut accounts = Vec::new();
        let mut passwords = Vec::new();
        for (i, strategy) in strategies.iter().enumerate() {
            let id = format!("acct{i}");
            let mut account = Account::new(&id, &format!("wx{i:016x}"), &format!("gh_{i:012x}"), *strategy);
            account.mode = BodyMode::Plaintext;
            let username = format!("{id}@example.com");
            let password = format!("password-{i}");
            let token = format!("token{i}");
            secrets.put(
                &account.push_secret,
                serde_json::json!({"token": token, "encoding_aes_key": AES_KEY}).to_string(),
            );
            secrets.put(&account.console_secret, console_secret(&username, &password));
            secrets.put(&account.marker_secret, serde_json::json!({ "marker_key": MARKER_KEY }).to_string());
            store.put_account(account.clone());
            let uin = 3_000_000_000 + i as u64;
            let nick_name = format!("Account {i}");
            let index = console.add_account(ConsoleAccount {
                username,
                password: password.clone(),
                uin,
                user_name: account.gh_id.clone(),
                nick_name,
            });
            for n in 0..followers as u64 {
                let fake_id = FIRST_FAKE_ID + n;
                console.add_person(person(fake_id));
                console.follow(index, fake_id);
            }
            accounts.push(account);
            passwords.push(password);
        }
        let config = IngestConfig { timestamp_window_secs: None, ..IngestConfig::default() };
        let ingest = Ingest::new(store.clone(), store.clone(), secrets.clone(), config);
        Self {
            store,
            secrets,
            console,
            ingest,
            accounts,
            passwords,
            nonce: AtomicU64::new(1),
            delay: AtomicI64::new(0),
        }
    }

    /// The FakeIDs following account `account`, newest first.
    pub fn fans(&self, account: usize) -> Vec<u64> {
        self.console.follows(account).into_iter().map(|(fake_id, _)| fake_id).collect()
    }

    /// From now on the console shows rows and replies `secs` after they come.
    pub fn set_console_delay(&self, secs: i64) {
        self.delay.store(secs, Ordering::SeqCst);
    }

    /// A text from a follower now, pushed and listed at once.
    pub async fn text(&self, account: usize, fake_id: u64, content: &str) -> Option<String> {
        self.push(account, fake_id, Body::text(content), self.console.now(), 0).await
    }

    /// A push from `fake_id`, created at `create_time`, listed by the
    /// console `skew` seconds off. The console records the follower's row
    /// and the account's reply, as the platform does; the reply's text is
    /// returned.
    pub async fn push(&self, account: usize, fake_id: u64, body: Body, create_time: i64, skew: i64) -> Option<String> {
        let nonce = self.nonce.fetch_add(1, Ordering::SeqCst);
        let (msg_type, fields, row) = body.fields(1_000_000 + nonce);
        match body {
            Body::Subscribe => self.console.follow(account, fake_id),
            Body::Unsubscribe => self.console.unfollow(account, fake_id),
            _ => {}
        }
        if let Some((kind, content)) = row {
            let date_time = create_time + skew;
            let mut row = Row::new(fake_id, false, kind, &content, date_time);
            row.visible_at = self.console.now() + self.delay.load(Ordering::SeqCst);
            self.console.add_row(account, row);
        }
        let whosent = &self.accounts[account];
        let xml = format!(
            "<xml><ToUserName><![CDATA[{}]]></ToUserName><FromUserName><![CDATA[{}]]></FromUserName><CreateTime>{create_time}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{fields}</xml>",
            whosent.gh_id,
            open_id(account, fake_id)
        );
        let (timestamp, nonce) = (create_time.to_string(), nonce.to_string());
        let token = format!("token{account}");
        let query = PushQuery {
            signature: Some(sign(&[&token, &timestamp, &nonce])),
            timestamp: Some(timestamp),
            nonce: Some(nonce),
            ..PushQuery::default()
        };
        let outcome =
            self.ingest.push(&whosent.id, &query, xml.as_bytes(), self.console.now()).await.expect("the push");
        let Answered::Xml(reply) = outcome.body else { return None };
        let content = reply.split("<Content><![CDATA[").nth(1)?.split("]]>").next()?.to_owned();
        let now = self.console.now();
        let mut row = Row::new(fake_id, true, 1, &content, now);
        row.visible_at = now + self.delay.load(Ordering::SeqCst);
        self.console.add_row(account, row);
        Some(content)
    }

    /// Every pending resolve request, by account then openID.
    pub async fn pending(&self) -> Vec<WorkKey> {
        self.in_state(ResolveState::Pending).await
    }

    pub async fn in_state(&self, state: ResolveState) -> Vec<WorkKey> {
        let mut keys = Vec::new();
        for account in &self.accounts {
            let mut requests = self.store.requests_in(&account.id, state).await.expect("requests");
            requests.sort_by(|a, b| a.open_id.cmp(&b.open_id));
            keys.extend(requests.into_iter().map(|r| WorkKey { account: r.account, open_id: r.open_id }));
        }
        keys
    }

    /// Resolver settings for tests: one look per invocation; the tests move
    /// the clock between invocations.
    pub fn config() -> ResolverConfig {
        ResolverConfig { settle_secs: 3, rounds: 1, ..ResolverConfig::default() }
    }

    /// Runs the resolver on `batch` as one invocation at the console's now.
    pub async fn resolve(&self, batch: &[WorkKey]) -> Run {
        self.resolve_with(&self.console, batch, &Self::config()).await
    }

    /// Runs the resolver on `batch` through `console`, with `config`.
    pub async fn resolve_with<C: Console>(&self, console: &C, batch: &[WorkKey], config: &ResolverConfig) -> Run {
        self.resolve_reading(&self.secrets, console, batch, config).await
    }

    /// Like [`World::resolve_with`], reading secrets from `secrets`.
    pub async fn resolve_reading<S: SecretSource, C: Console>(
        &self,
        secrets: &S,
        console: &C,
        batch: &[WorkKey],
        config: &ResolverConfig,
    ) -> Run {
        self.invoke(secrets, console, batch, config, session_config()).await
    }

    /// One invocation with a minute to run. Its deadline is on the
    /// monotonic clock, which paused tokio time does not move: a wait that
    /// never ends runs until backoffs grow past that minute.
    pub async fn invoke<S: SecretSource, C: Console>(
        &self,
        secrets: &S,
        console: &C,
        batch: &[WorkKey],
        config: &ResolverConfig,
        session: SessionConfig,
    ) -> Run {
        let deadline = Instant::now() + Duration::from_secs(60);
        let sessions = Sessions::new(&self.store, secrets, console, session, deadline);
        let resolver = Resolver::new(&self.store, secrets, sessions, config, deadline);
        let outcomes = resolver.run(batch, self.console.now()).await;
        Run { outcomes, stats: resolver.stats(), logins: resolver.logins() }
    }

    /// Runs the profile step on `batch` through `console`, as one
    /// invocation at the console's now with a minute to run.
    pub async fn profiles_with<C: Console>(&self, console: &C, batch: &[WorkKey]) -> ProfileRun {
        let deadline = Instant::now() + Duration::from_secs(60);
        let sessions = Sessions::new(&self.store, &self.secrets, console, session_config(), deadline);
        let config = ProfileConfig::default();
        let profiles = Profiles::new(&self.store, sessions, &config);
        let outcomes = profiles.run(batch, self.console.now()).await;
        ProfileRun { outcomes, stats: profiles.stats(), logins: profiles.logins() }
    }

    /// Runs the profile step on `batch`.
    pub async fn profiles(&self, batch: &[WorkKey]) -> ProfileRun {
        self.profiles_with(&self.console, batch).await
    }

    /// The FakeID whosent mapped (account index, openID) to.
    pub async fn mapped(&self, account: usize, open_id: &str) -> Option<u64> {
        self.store.sender_record(&self.accounts[account].id, open_id).and_then(|s| s.fake_id)
    }

    /// Checks every mapping of `keys` against the truth; how many were
    /// resolved. Panics on any misattribution.
    pub async fn check_against_truth(&self, keys: &[WorkKey]) -> usize {
        let mut resolved = 0;
        for key in keys {
            let account = self.accounts.iter().position(|a| a.id == key.account).expect("an account");
            if let Some(fake_id) = self.mapped(account, &key.open_id).await {
                assert_eq!(open_id(account, fake_id), key.open_id, "{key:?} attributed to the wrong person");
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

/// Session settings for tests: short backoffs.
pub fn session_config() -> SessionConfig {
    SessionConfig {
        backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(800),
        ..SessionConfig::default()
    }
}

pub fn console_secret(username: &str, password: &str) -> String {
    serde_json::json!({"username": username, "password": password}).to_string()
}

fn person(fake_id: u64) -> ContactInfo {
    ContactInfo {
        fake_id,
        nick_name: format!("fan {fake_id}"),
        user_name: String::new(),
        remark_name: String::new(),
        signature: String::new(),
        country: "中国".into(),
        province: "湖北".into(),
        city: "武汉".into(),
        gender: 1,
        group_id: 0,
    }
}
