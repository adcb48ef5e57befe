//! The seeded world: accounts, people, who follows whom, and what was said
//! before the platform started.
//!
//! [`World::build`] depends only on its [`WorldConfig`] and the start time:
//! the same seed gives the same accounts, keys, people, FakeIDs, openIDs and
//! follows, with every time counted back from `start`.

pub mod hostile;
mod names;

use std::collections::{HashMap, HashSet};

use rand::RngExt;
use serde::{Deserialize, Serialize};
use whosent::push::AesKey;

use crate::rng::{self, ALNUM, HEX, Rng, URL_SAFE};
pub(crate) use names::{
    COMMON_TEXTS, LABELS, LINK_TITLES, MENU_KEYS, NUMBERED_TEXTS, REPLIES, TRICKY_TEXTS, VIEW_URLS,
};

/// How an account's pushes are sent (docs/push.md, "Body modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Plaintext,
    Compatible,
    Safe,
}

impl Mode {
    pub fn is_encrypted(self) -> bool {
        self != Mode::Plaintext
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "plaintext" | "plain" => Ok(Mode::Plaintext),
            "compatible" | "compat" => Ok(Mode::Compatible),
            "safe" => Ok(Mode::Safe),
            _ => Err(format!("unknown body mode {s:?} (plaintext, compatible, safe)")),
        }
    }
}

/// What the world is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorldConfig {
    pub seed: u64,
    pub accounts: usize,
    /// People who follow at least one account at the start.
    pub followers: usize,
    /// People who follow no account at the start (they can subscribe later).
    pub bystanders: usize,
    /// Chance that a follower also follows each other account.
    pub overlap: f64,
    /// Body modes, given to the accounts in turn.
    pub modes: Vec<Mode>,
    /// Follower messages (some with the account's answer) already in the
    /// console at the start, spread over its retention window.
    pub history: usize,
    /// Shares of followers initially in group 2 (starred) and 1 (blacklist).
    pub starred_share: f64,
    pub blacklisted_share: f64,
    /// Follow times spread over this many days before the start.
    pub follow_span_days: i64,
    /// Hostile people (`hostile.rs`), added after the followers and the
    /// bystanders: the first follows every account, each other one account.
    pub hostile: usize,
}

impl Default for WorldConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            accounts: 3,
            followers: 2000,
            bystanders: 200,
            overlap: 0.15,
            modes: vec![Mode::Safe, Mode::Compatible, Mode::Plaintext],
            history: 0,
            starred_share: 0.0,
            blacklisted_share: 0.0,
            follow_span_days: 730,
            hostile: hostile::count(),
        }
    }
}

/// An Official Account: push credentials, console credentials, its own FakeID.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub index: usize,
    /// The product-side id, used in callback paths (`/wechat/{id}`).
    pub id: String,
    pub gh_id: String,
    pub appid: String,
    pub token: String,
    pub encoding_aes_key: String,
    pub mode: Mode,
    pub username: String,
    pub password: String,
    /// The account's own FakeID, shown as `uin` on the console home page.
    pub uin: u64,
    pub nick_name: String,
    #[serde(skip)]
    pub(crate) aes_key: AesKey,
    #[serde(skip)]
    openid_prefix: String,
}

/// A person on the platform, with one FakeID across every account.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub index: usize,
    pub fakeid: u64,
    pub nick_name: String,
    /// The person's own chosen ID; usually empty.
    pub user_name: String,
    pub remark_name: String,
    /// 0 unknown, 1 male, 2 female.
    pub gender: u8,
    pub country: String,
    pub province: String,
    pub city: String,
    pub signature: String,
    /// One of the hostile people: what they write is made to break a page.
    pub hostile: bool,
}

/// A person following an account at the start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Follow {
    pub account: usize,
    pub person: usize,
    pub openid: String,
    pub follow_time: i64,
    pub group_id: u32,
}

/// A console message from before the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryMessage {
    pub account: usize,
    pub person: usize,
    pub date_time: i64,
    pub content: String,
    /// Written by the account (a reply) rather than by the follower.
    pub from_biz: bool,
}

/// The world at the start.
#[derive(Debug, Clone)]
pub struct World {
    pub config: WorldConfig,
    /// Unix seconds; every generated time is counted back from it.
    pub start: i64,
    pub accounts: Vec<Account>,
    pub people: Vec<Person>,
    pub follows: Vec<Follow>,
    pub history: Vec<HistoryMessage>,
    by_fakeid: HashMap<u64, usize>,
}

impl World {
    /// Builds the world of `config.seed` as it stands at `start`.
    pub fn build(config: &WorldConfig, start: i64) -> Self {
        let mut rng = rng::stream(config.seed, "world", 0);
        let mut used = HashSet::new();
        let accounts: Vec<Account> =
            (0..config.accounts).map(|i| make_account(&mut rng, config, i, &mut used)).collect();
        let total = config.followers + config.bystanders;
        let mut people: Vec<Person> = (0..total).map(|i| make_person(&mut rng, i, &mut used)).collect();
        people.extend(hostile::people(config, total, &mut used));
        let by_fakeid = people.iter().map(|p| (p.fakeid, p.index)).collect();

        let mut follows = Vec::new();
        let span = (config.follow_span_days.max(1) * 86_400).max(120);
        if !accounts.is_empty() {
            for person in people.iter().take(config.followers) {
                let primary = rng.random_range(0..accounts.len());
                for account in &accounts {
                    if account.index != primary && !rng.random_bool(config.overlap.clamp(0.0, 1.0)) {
                        continue;
                    }
                    let x: f64 = rng.random();
                    let group_id = if x < config.blacklisted_share {
                        1
                    } else if x < config.blacklisted_share + config.starred_share {
                        2
                    } else {
                        0
                    };
                    follows.push(Follow {
                        account: account.index,
                        person: person.index,
                        openid: openid(config.seed, account, person),
                        follow_time: start - rng.random_range(60..span),
                        group_id,
                    });
                }
            }
        }
        let history = make_history(&mut rng, config, start, &follows);
        follows.extend(hostile::follows(config, &accounts, &people, start));
        Self { config: config.clone(), start, accounts, people, follows, history, by_fakeid }
    }

    /// The person with this FakeID.
    pub fn person_by_fakeid(&self, fakeid: u64) -> Option<&Person> {
        self.by_fakeid.get(&fakeid).map(|&i| &self.people[i])
    }

    /// The openID `person` has (or would have) under `account`.
    pub fn openid(&self, account: usize, person: usize) -> String {
        openid(self.config.seed, &self.accounts[account], &self.people[person])
    }

    /// The account called `id` (its product id, `gh_…` id or username).
    pub fn account_by_name(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == name || a.gh_id == name || a.username == name)
    }
}

/// openIDs are 28 characters with a prefix shared by the account's followers,
/// like the real ones (`oyORnuP8q7ou2gfYjqLzSIWZf0rs`). They are derived from
/// the seed, the account and the person, so a later subscriber gets the same
/// one every time.
fn openid(seed: u64, account: &Account, person: &Person) -> String {
    let mut rng = rng::stream(seed, "openid", (account.index as u64) << 40 ^ person.fakeid);
    format!("{}{}", account.openid_prefix, rng::string_from(&mut rng, URL_SAFE, 22))
}

fn unique_id(rng: &mut Rng, used: &mut HashSet<u64>) -> u64 {
    loop {
        let id = rng.random_range(100_000_000..4_000_000_000u64);
        if used.insert(id) {
            return id;
        }
    }
}

fn make_account(rng: &mut Rng, config: &WorldConfig, index: usize, used: &mut HashSet<u64>) -> Account {
    let id = format!("acct-{}", index + 1);
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // 43 base64 characters; the last one's low bits are whatever was drawn,
    // as on the real platform.
    let encoding_aes_key = rng::string_from(rng, b64, 43);
    let aes_key = AesKey::from_encoding_aes_key(&encoding_aes_key).expect("43 base64 characters always decode");
    let token_len = rng.random_range(8..=32);
    let nick = names::ACCOUNT_NAMES[index % names::ACCOUNT_NAMES.len()];
    let nick_name = if index < names::ACCOUNT_NAMES.len() { nick.to_owned() } else { format!("{nick} {}", index + 1) };
    Account {
        index,
        gh_id: format!("gh_{}", rng::string_from(rng, HEX, 12)),
        appid: format!("wx{}", rng::string_from(rng, HEX, 16)),
        token: rng::string_from(rng, ALNUM, token_len),
        encoding_aes_key,
        mode: if config.modes.is_empty() { Mode::Safe } else { config.modes[index % config.modes.len()] },
        username: format!("{id}@example.com"),
        password: rng::string_from(rng, ALNUM, 12),
        uin: unique_id(rng, used),
        nick_name,
        aes_key,
        openid_prefix: format!("o{}", rng::string_from(rng, URL_SAFE, 5)),
        id,
    }
}

fn pick<'a>(rng: &mut Rng, table: &[&'a str]) -> &'a str {
    table[rng.random_range(0..table.len())]
}

fn make_person(rng: &mut Rng, index: usize, used: &mut HashSet<u64>) -> Person {
    let fakeid = unique_id(rng, used);
    let style: f64 = rng.random();
    let nick_name = if style < 0.35 {
        format!("{}{}", pick(rng, names::SURNAMES), pick(rng, names::GIVEN))
    } else if style < 0.50 {
        pick(rng, names::CHINESE_HANDLES).to_owned()
    } else if style < 0.75 {
        pick(rng, names::LATIN).to_owned()
    } else if style < 0.85 {
        format!("{}{}", pick(rng, names::EMOJI), pick(rng, names::CHINESE_HANDLES))
    } else if style < 0.95 {
        format!("{} {}", pick(rng, names::LATIN), pick(rng, names::EMOJI))
    } else {
        pick(rng, names::EMOJI).repeat(rng.random_range(1..=3))
    };
    let gender = match rng.random_range(0..20) {
        0..=8 => 1,
        9..=17 => 2,
        _ => 0,
    };
    let (country, province, city) = names::PLACES[rng.random_range(0..names::PLACES.len())];
    let signature = if rng.random_bool(0.6) { String::new() } else { pick(rng, names::SIGNATURES).to_owned() };
    let user_name = if rng.random_bool(0.8) { String::new() } else { pick(rng, names::USER_NAMES).to_owned() };
    Person {
        index,
        fakeid,
        nick_name,
        user_name,
        remark_name: String::new(),
        gender,
        country: country.to_owned(),
        province: province.to_owned(),
        city: city.to_owned(),
        signature,
        hostile: false,
    }
}

fn make_history(rng: &mut Rng, config: &WorldConfig, start: i64, follows: &[Follow]) -> Vec<HistoryMessage> {
    let mut history = Vec::new();
    if follows.is_empty() {
        return history;
    }
    let window = 5 * 86_400 - 600;
    for _ in 0..config.history {
        let follow = &follows[rng.random_range(0..follows.len())];
        let date_time = (start - rng.random_range(300..window)).max(follow.follow_time + 1);
        let content = text(rng);
        history.push(HistoryMessage {
            account: follow.account,
            person: follow.person,
            date_time,
            content,
            from_biz: false,
        });
        if rng.random_bool(0.3) {
            history.push(HistoryMessage {
                account: follow.account,
                person: follow.person,
                date_time: (date_time + rng.random_range(1..120)).min(start - 1),
                content: pick(rng, REPLIES).to_owned(),
                from_biz: true,
            });
        }
    }
    history.sort_by_key(|m| m.date_time);
    history
}

/// A text a follower might write: often a common one (two followers may send
/// the same), sometimes one that needs escaping, otherwise a numbered one.
pub(crate) fn text(rng: &mut Rng) -> String {
    let x: f64 = rng.random();
    if x < 0.35 {
        pick(rng, COMMON_TEXTS).to_owned()
    } else if x < 0.5 {
        pick(rng, TRICKY_TEXTS).to_owned()
    } else {
        let n = rng.random_range(1..100_000).to_string();
        pick(rng, NUMBERED_TEXTS).replace("{n}", &n)
    }
}

#[cfg(test)]
mod tests;
