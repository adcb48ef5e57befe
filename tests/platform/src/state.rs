//! What changes while the platform runs: follows and groups, the console's
//! message records, callbacks, sessions, counters.

use std::collections::HashMap;

use bytes::Bytes;
use rand::RngExt;
use serde::Serialize;

use crate::knobs::Knobs;
use crate::rng::{self, Rng};
use crate::session::Sessions;
use crate::truth::Counters;
use crate::world::World;

/// A follow as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowState {
    pub account: usize,
    pub person: usize,
    pub openid: String,
    pub follow_time: i64,
    pub group_id: u32,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: u32,
    pub name: String,
}

/// The fixed groups every account has (docs/console.md, "Followers and groups").
pub const FIXED_GROUPS: [(u32, &str); 3] = [(0, "未分组"), (1, "黑名单"), (2, "星标组")];
/// Ids of groups an account creates start here.
pub const FIRST_CREATED_GROUP: u32 = 100;

/// One message as the console keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleRecord {
    /// The console's message id (`id` in the list).
    pub id: u64,
    pub account: usize,
    /// The follower the message is from or to.
    pub person: usize,
    pub fakeid: u64,
    /// Written by the account (a passive reply or a `singlesend`).
    pub from_biz: bool,
    /// `type` in the list: 1 text, 2 image, 3 voice, 4 video.
    pub type_code: u8,
    /// Unescaped text; the console escapes it when serving.
    pub content: String,
    /// The console's own clock.
    pub date_time: i64,
    /// The platform-clock instant (ms) from which the console shows it.
    pub visible_at_ms: i64,
    pub has_reply: bool,
    /// The push's `CreateTime`, for follower messages that were pushed.
    pub create_time: Option<i64>,
    /// The push's `MsgId`, likewise.
    pub msg_id: Option<u64>,
}

pub(crate) struct State {
    pub knobs: Knobs,
    pub follows: Vec<FollowState>,
    follow_index: HashMap<(usize, usize), usize>,
    /// (account, openID) → index in `follows`.
    openid_index: HashMap<(usize, String), usize>,
    /// Per account, follow indices, newest follow first.
    order: Vec<Vec<usize>>,
    pub groups: Vec<Vec<Group>>,
    /// Per account, in id order.
    pub messages: Vec<Vec<ConsoleRecord>>,
    /// (account, person) → positions in `messages[account]`.
    dialogs: HashMap<(usize, usize), Vec<usize>>,
    next_console_id: u64,
    next_msg_id: u64,
    last_msg_id: Option<(u64, usize)>,
    pub next_push_seq: u64,
    pub url_checks: u64,
    pub callbacks: Vec<Option<String>>,
    pub blocked: Vec<bool>,
    pub sessions: Sessions,
    /// The console's stream: tokens, cookies, captchas, latency, faults.
    pub rng: Rng,
    pub counters: Counters,
    pub avatars: HashMap<u64, Bytes>,
}

impl State {
    pub fn new(world: &World, knobs: Knobs) -> Self {
        let accounts = world.accounts.len();
        let mut rng_ids = rng::stream(world.config.seed, "ids", 0);
        let mut state = Self {
            knobs,
            follows: Vec::with_capacity(world.follows.len()),
            follow_index: HashMap::with_capacity(world.follows.len()),
            openid_index: HashMap::with_capacity(world.follows.len()),
            order: vec![Vec::new(); accounts],
            groups: (0..accounts)
                .map(|_| FIXED_GROUPS.iter().map(|&(id, name)| Group { id, name: name.to_owned() }).collect())
                .collect(),
            messages: vec![Vec::new(); accounts],
            dialogs: HashMap::new(),
            next_console_id: rng_ids.random_range(200_000_000..210_000_000),
            next_msg_id: rng_ids.random_range(6_000_000_000_000_000_000..6_100_000_000_000_000_000),
            last_msg_id: None,
            next_push_seq: 0,
            url_checks: 0,
            callbacks: vec![None; accounts],
            blocked: vec![false; accounts],
            sessions: Sessions::default(),
            rng: rng::stream(world.config.seed, "console", 0),
            counters: Counters::default(),
            avatars: HashMap::new(),
        };
        for follow in &world.follows {
            state.follow_index.insert((follow.account, follow.person), state.follows.len());
            state.openid_index.insert((follow.account, follow.openid.clone()), state.follows.len());
            state.follows.push(FollowState {
                account: follow.account,
                person: follow.person,
                openid: follow.openid.clone(),
                follow_time: follow.follow_time,
                group_id: follow.group_id,
                active: true,
            });
        }
        for (i, follow) in state.follows.iter().enumerate() {
            state.order[follow.account].push(i);
        }
        for account in 0..accounts {
            let follows = &state.follows;
            state.order[account].sort_by_key(|&i| std::cmp::Reverse((follows[i].follow_time, i)));
        }
        for message in &world.history {
            let record = ConsoleRecord {
                id: 0,
                account: message.account,
                person: message.person,
                fakeid: world.people[message.person].fakeid,
                from_biz: message.from_biz,
                type_code: 1,
                content: message.content.clone(),
                date_time: message.date_time,
                visible_at_ms: message.date_time * 1000,
                has_reply: false,
                create_time: None,
                msg_id: None,
            };
            state.record(record);
        }
        state
    }

    /// The follow of `person` under `account`, active or not.
    pub fn follow(&self, account: usize, person: usize) -> Option<&FollowState> {
        self.follow_index.get(&(account, person)).map(|&i| &self.follows[i])
    }

    /// The follow under `account` whose openID is `openid`, active or not.
    pub fn follow_by_openid(&self, account: usize, openid: &str) -> Option<&FollowState> {
        self.openid_index.get(&(account, openid.to_owned())).map(|&i| &self.follows[i])
    }

    /// The follow of `person` under `account`, if the person follows now.
    pub fn active_follow(&self, account: usize, person: usize) -> Option<&FollowState> {
        self.follow(account, person).filter(|f| f.active)
    }

    /// Current followers of `account`, newest follow first.
    pub fn followers(&self, account: usize) -> impl Iterator<Item = &FollowState> {
        self.order[account].iter().map(|&i| &self.follows[i]).filter(|f| f.active)
    }

    /// Makes `person` follow `account` from `time`, in group 0.
    pub fn subscribe(&mut self, account: usize, person: usize, openid: String, time: i64) {
        let index = match self.follow_index.get(&(account, person)) {
            Some(&i) => {
                let follow = &mut self.follows[i];
                follow.active = true;
                follow.follow_time = time;
                follow.group_id = 0;
                self.order[account].retain(|&j| j != i);
                i
            }
            None => {
                let i = self.follows.len();
                self.openid_index.insert((account, openid.clone()), i);
                self.follows.push(FollowState {
                    account,
                    person,
                    openid,
                    follow_time: time,
                    group_id: 0,
                    active: true,
                });
                self.follow_index.insert((account, person), i);
                i
            }
        };
        let follows = &self.follows;
        let at = self.order[account].partition_point(|&j| (follows[j].follow_time, j) > (time, index));
        self.order[account].insert(at, index);
    }

    /// Ends the follow; the person leaves the account's lists.
    pub fn unsubscribe(&mut self, account: usize, person: usize) {
        if let Some(&i) = self.follow_index.get(&(account, person)) {
            self.follows[i].active = false;
        }
    }

    /// Moves the followers with these persons into `group`.
    pub fn move_to_group(&mut self, account: usize, persons: &[usize], group: u32) {
        for person in persons {
            if let Some(&i) = self.follow_index.get(&(account, *person)) {
                self.follows[i].group_id = group;
            }
        }
    }

    pub fn add_group(&mut self, account: usize, name: &str) -> u32 {
        let groups = &mut self.groups[account];
        let id = groups.iter().map(|g| g.id + 1).max().unwrap_or(0).max(FIRST_CREATED_GROUP);
        groups.push(Group { id, name: name.to_owned() });
        id
    }

    /// The number of current followers in each group of `account`.
    pub fn group_sizes(&self, account: usize) -> HashMap<u32, usize> {
        let mut sizes = HashMap::new();
        for follow in self.followers(account) {
            *sizes.entry(follow.group_id).or_insert(0) += 1;
        }
        sizes
    }

    /// Stores a console record, giving it the next console id.
    pub fn record(&mut self, mut record: ConsoleRecord) -> u64 {
        record.id = self.next_console_id;
        self.next_console_id += 1;
        let list = &mut self.messages[record.account];
        self.dialogs.entry((record.account, record.person)).or_default().push(list.len());
        let id = record.id;
        list.push(record);
        id
    }

    /// The records between `account` and `person`, oldest first.
    pub fn dialog(&self, account: usize, person: usize) -> impl DoubleEndedIterator<Item = &ConsoleRecord> {
        let list = &self.messages[account];
        self.dialogs.get(&(account, person)).into_iter().flatten().map(move |&i| &list[i])
    }

    pub fn record_mut(&mut self, account: usize, id: u64) -> Option<&mut ConsoleRecord> {
        let list = &mut self.messages[account];
        let at = list.binary_search_by_key(&id, |r| r.id).ok()?;
        list.get_mut(at)
    }

    /// A new 64-bit `MsgId`; with the configured share, the previous one
    /// again (when it came from another sender).
    pub fn next_msg_id(&mut self, rng: &mut Rng, person: usize) -> u64 {
        if let Some((last, sender)) = self.last_msg_id
            && sender != person
            && rng.random_bool(self.knobs.msgid_collision_share.clamp(0.0, 1.0))
        {
            return last;
        }
        self.next_msg_id += rng.random_range(1..5_000_000_000);
        self.last_msg_id = Some((self.next_msg_id, person));
        self.next_msg_id
    }
}
