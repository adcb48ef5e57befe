//! The platform emulator: a stand-in for the 2013 IM platform that whosent
//! talks to, faithful to `docs/push.md` and `docs/console.md`.
//!
//! [`Platform::start`] builds a seeded [`World`] and serves, on loopback,
//! the web console (one port) and the truth and control API (another port,
//! for tests only). Pushes go out to each account's callback URL with
//! [`Platform::send`] (one message) or [`Platform::run`] (a [`Traffic`]
//! scenario). Tests read the true openID → FakeID mapping and the counters,
//! and move the platform [`Clock`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use platform::{Body, Config, Outgoing, Platform};
//! let platform = Platform::start(Config::seeded(7)).await?;
//! platform.set_callback_base("http://127.0.0.1:9000");
//! let follower = platform.followers(0)[0].clone();
//! let fakeid = platform.world().people[follower.person].fakeid;
//! let outcome = platform.send(Outgoing::new(0, fakeid, Body::text("你好"))).await.unwrap();
//! println!("{:?} after {} tries", outcome.delivery, outcome.tries.len());
//! # Ok(()) }
//! ```

pub mod clock;
mod console;
pub mod http;
mod image;
pub mod knobs;
pub mod push;
mod rng;
mod session;
mod state;
pub mod truth;
pub mod world;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use clock::Clock;
pub use knobs::{Dist, Faults, FrequencyLimit, Knobs};
pub use push::traffic::{Mix, Pace, Planned, Report, Traffic};
pub use push::{Body, Delivery, Outgoing, PushOutcome, SendError, Try, UrlCheck};
pub use session::{CAPTCHA_COOKIE, COOKIE_NAMES};
pub use state::{ConsoleRecord, FIRST_CREATED_GROUP, FIXED_GROUPS, FollowState, Group};
pub use truth::{Counters, TruthRow};
pub use world::{Account, Mode, Person, World, WorldConfig, hostile};

use state::State;

/// How to start a platform.
#[derive(Debug, Clone)]
pub struct Config {
    pub world: WorldConfig,
    pub knobs: Knobs,
    /// `None`: the clock follows real time. `Some(t)`: frozen at Unix `t`.
    pub frozen_at: Option<i64>,
    pub host: IpAddr,
    /// 0 picks a free port.
    pub console_port: u16,
    pub truth_port: u16,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            world: WorldConfig::default(),
            knobs: Knobs::default(),
            frozen_at: None,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            console_port: 0,
            truth_port: 0,
        }
    }
}

impl Config {
    /// The default world (3 accounts, 2,000 followers) of `seed`.
    pub fn seeded(seed: u64) -> Self {
        let mut config = Self::default();
        config.world.seed = seed;
        config
    }

    /// A small world: `accounts` accounts, `followers` followers.
    pub fn small(seed: u64, accounts: usize, followers: usize) -> Self {
        let mut config = Self::seeded(seed);
        config.world.accounts = accounts;
        config.world.followers = followers;
        config.world.bystanders = followers / 10 + 1;
        config
    }

    pub fn frozen_at(mut self, unix_secs: i64) -> Self {
        self.frozen_at = Some(unix_secs);
        self
    }

    pub fn knobs(mut self, knobs: Knobs) -> Self {
        self.knobs = knobs;
        self
    }
}

pub(crate) struct Inner {
    pub world: World,
    pub clock: Clock,
    state: Mutex<State>,
}

impl Inner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running platform. Dropping it stops its servers.
pub struct Platform {
    inner: Arc<Inner>,
    console_addr: SocketAddr,
    truth_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl Platform {
    /// Builds the world and serves the console and the truth API.
    pub async fn start(config: Config) -> std::io::Result<Self> {
        let clock = match config.frozen_at {
            Some(at) => Clock::frozen_at(at),
            None => Clock::real(),
        };
        let world = World::build(&config.world, clock.now());
        let state = State::new(&world, config.knobs.clone());
        let inner = Arc::new(Inner { world, clock, state: Mutex::new(state) });
        let console = TcpListener::bind((config.host, config.console_port)).await?;
        let truth = TcpListener::bind((config.host, config.truth_port)).await?;
        let (console_addr, truth_addr) = (console.local_addr()?, truth.local_addr()?);
        let (shutdown, watch) = watch::channel(false);
        let for_console = inner.clone();
        http::serve(console, Arc::new(move |req| Box::pin(console::serve(for_console.clone(), req))), watch.clone());
        let for_truth = inner.clone();
        http::serve(truth, Arc::new(move |req| Box::pin(truth::serve(for_truth.clone(), req))), watch);
        Ok(Self { inner, console_addr, truth_addr, shutdown })
    }

    /// The console's base URL, e.g. `http://127.0.0.1:40123`.
    pub fn console_url(&self) -> String {
        format!("http://{}", self.console_addr)
    }

    pub fn console_addr(&self) -> SocketAddr {
        self.console_addr
    }

    /// The truth and control API's base URL (paths under `/truth/`).
    pub fn truth_url(&self) -> String {
        format!("http://{}", self.truth_addr)
    }

    pub fn world(&self) -> &World {
        &self.inner.world
    }

    pub fn accounts(&self) -> &[Account] {
        &self.inner.world.accounts
    }

    /// The account with this product id, `gh_…` id or username.
    pub fn account(&self, name: &str) -> Option<&Account> {
        self.inner.world.account_by_name(name)
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Sets (or with `None` clears) account number `account`'s callback URL.
    pub fn set_callback(&self, account: usize, url: Option<String>) {
        if let Some(slot) = self.inner.lock().callbacks.get_mut(account) {
            *slot = url;
        }
    }

    /// Points every account at `base` + `/wechat/{account id}`.
    pub fn set_callback_base(&self, base: &str) {
        let mut state = self.inner.lock();
        for account in &self.inner.world.accounts {
            state.callbacks[account.index] = Some(callback_for(base, account));
        }
    }

    pub fn callback(&self, account: usize) -> Option<String> {
        self.inner.lock().callbacks.get(account).cloned().flatten()
    }

    pub fn knobs(&self) -> Knobs {
        self.inner.lock().knobs.clone()
    }

    pub fn set_knobs(&self, knobs: Knobs) {
        self.inner.lock().knobs = knobs;
    }

    pub fn update_knobs(&self, change: impl FnOnce(&mut Knobs)) {
        change(&mut self.inner.lock().knobs);
    }

    /// Blocks (or unblocks) an account: its logins get `-7`.
    pub fn set_blocked(&self, account: usize, blocked: bool) {
        if let Some(slot) = self.inner.lock().blocked.get_mut(account) {
            *slot = blocked;
        }
    }

    /// Ends every console session of an account; how many there were.
    pub fn end_sessions(&self, account: usize) -> usize {
        self.inner.lock().sessions.end_all(account)
    }

    /// Live console sessions, all accounts together.
    pub fn session_count(&self) -> usize {
        self.inner.lock().sessions.len()
    }

    /// The text of the captcha last issued for `username` (what a person
    /// would read off the image).
    pub fn captcha_text(&self, username: &str) -> Option<String> {
        self.inner.lock().sessions.guards.get(username).and_then(|g| g.captcha.as_ref().map(|c| c.text.clone()))
    }

    /// Makes one push and waits for its outcome (every try included).
    pub async fn send(&self, outgoing: Outgoing) -> Result<PushOutcome, SendError> {
        push::send(&self.inner, outgoing).await
    }

    /// The platform's URL check (a signed GET with `echostr`) against the
    /// account's callback; `None` when it has none.
    pub async fn check_url(&self, account: usize) -> Option<UrlCheck> {
        push::check_url(&self.inner, account).await
    }

    /// The plan `traffic` would play now.
    pub fn plan(&self, traffic: &Traffic) -> Vec<Planned> {
        plan_traffic(&self.inner, traffic)
    }

    /// Plans and plays `traffic`.
    pub async fn run(&self, traffic: &Traffic) -> Report {
        run_traffic(self.inner.clone(), traffic).await
    }

    /// Plays a plan made earlier.
    pub async fn run_plan(&self, plan: Vec<Planned>, pace: Pace, concurrency: usize) -> Report {
        push::traffic::run(self.inner.clone(), plan, pace, concurrency).await
    }

    /// Truth: every follow (past ones too) with its openID and FakeID.
    pub fn truth(&self) -> Vec<TruthRow> {
        truth_rows(&self.inner, None)
    }

    /// Truth: the FakeID behind `openid` under account number `account`.
    pub fn fakeid_of(&self, account: usize, openid: &str) -> Option<u64> {
        let state = self.inner.lock();
        let follow = state.follow_by_openid(account, openid)?;
        Some(self.inner.world.people[follow.person].fakeid)
    }

    /// Truth: the avatar (JPEG) the console serves for `fakeid`.
    pub fn avatar_of(&self, fakeid: u64) -> Option<Vec<u8>> {
        self.inner.world.person_by_fakeid(fakeid)?;
        Some(image::avatar(self.inner.world.config.seed, fakeid))
    }

    /// Truth: the openID `fakeid` has under account number `account`.
    pub fn openid_of(&self, account: usize, fakeid: u64) -> Option<String> {
        let person = self.inner.world.person_by_fakeid(fakeid)?;
        (account < self.inner.world.accounts.len()).then(|| self.inner.world.openid(account, person.index))
    }

    /// Current followers of an account, newest follow first.
    pub fn followers(&self, account: usize) -> Vec<FollowState> {
        self.inner.lock().followers(account).cloned().collect()
    }

    /// Everything the console holds for an account, in id order.
    pub fn console_records(&self, account: usize) -> Vec<ConsoleRecord> {
        self.inner.lock().messages.get(account).cloned().unwrap_or_default()
    }

    pub fn counters(&self) -> Counters {
        self.inner.lock().counters.clone()
    }

    pub fn reset_counters(&self) {
        self.inner.lock().counters = Counters::default();
    }

    /// Stops the servers (also done on drop).
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn callback_for(base: &str, account: &Account) -> String {
    format!("{}/wechat/{}", base.trim_end_matches('/'), account.id)
}

pub(crate) fn truth_rows(inner: &Inner, account: Option<usize>) -> Vec<TruthRow> {
    let state = inner.lock();
    let world = &inner.world;
    state
        .follows
        .iter()
        .filter(|f| account.is_none_or(|a| a == f.account))
        .map(|f| TruthRow {
            account: f.account,
            account_id: world.accounts[f.account].id.clone(),
            gh_id: world.accounts[f.account].gh_id.clone(),
            openid: f.openid.clone(),
            fakeid: world.people[f.person].fakeid,
            following: f.active,
            follow_time: f.follow_time,
            group_id: f.group_id,
        })
        .collect()
}

fn plan_traffic(inner: &Inner, traffic: &Traffic) -> Vec<Planned> {
    let following = {
        let state = inner.lock();
        let people = inner.world.people.len();
        (0..inner.world.accounts.len())
            .map(|a| {
                let mut row = vec![false; people];
                for follow in state.followers(a) {
                    row[follow.person] = true;
                }
                row
            })
            .collect()
    };
    push::traffic::plan(&inner.world, following, traffic)
}

pub(crate) async fn run_traffic(inner: Arc<Inner>, traffic: &Traffic) -> Report {
    let plan = plan_traffic(&inner, traffic);
    push::traffic::run(inner, plan, traffic.pace, traffic.concurrency).await
}
