//! Traffic: a seeded plan of what followers send (Zipf over senders,
//! followers writing in the same second, a follower repeating a text), and
//! running a plan against the callbacks in real or virtual time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rand::RngExt;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

mod mix;

use super::{Body, Outgoing, PushOutcome, deliver, prepare};
use crate::Inner;
use crate::rng::{self, ALNUM, Rng, URL_SAFE, Zipf};
use crate::world::{self, LABELS, LINK_TITLES, MENU_KEYS, VIEW_URLS, World, hostile};
use mix::Kind;
pub use mix::Mix;

/// How a plan is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Pushes go out at their planned instants, in real time.
    RealTime,
    /// No waiting: the platform clock is moved to each planned instant.
    Virtual,
}

/// A traffic scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Traffic {
    /// The plan's seed; the world's when `None`.
    pub seed: Option<u64>,
    /// Number of pushes.
    pub count: usize,
    /// Mean pushes per second (Poisson arrivals).
    pub rate: f64,
    /// Zipf exponent over each account's senders.
    pub zipf: f64,
    /// Chance that a message is joined, in the same second, by one from a
    /// different follower of the same account (half of the time with the
    /// same text).
    pub same_second_share: f64,
    /// Chance that a text is sent again, identical, by the same follower
    /// within three seconds.
    pub repeat_share: f64,
    /// Chance that a text comes from one of the account's hostile followers
    /// (`world::hostile`), whatever the Zipf ranks say. Hostile people always
    /// write hostile texts.
    pub hostile_share: f64,
    /// Account numbers to write to; all when empty.
    pub accounts: Vec<usize>,
    pub mix: Mix,
    pub pace: Pace,
    /// Pushes in flight at once.
    pub concurrency: usize,
}

impl Default for Traffic {
    fn default() -> Self {
        Self {
            seed: None,
            count: 100,
            rate: 5.0,
            zipf: 1.0,
            same_second_share: 0.05,
            repeat_share: 0.02,
            hostile_share: 0.02,
            accounts: Vec::new(),
            mix: Mix::default(),
            pace: Pace::RealTime,
            concurrency: 32,
        }
    }
}

/// One planned push, `at_ms` after the start of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    pub at_ms: i64,
    pub outgoing: Outgoing,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub planned: usize,
    pub acknowledged: usize,
    pub replied: usize,
    pub unavailable: usize,
    pub unanswered: usize,
    pub no_callback: usize,
    /// Planned pushes the world refused (see `SendError`).
    pub refused: Vec<String>,
    pub outcomes: Vec<PushOutcome>,
}

/// Plans `traffic` over the world as it stands (`following[account][person]`).
pub(crate) fn plan(world: &World, following: Vec<Vec<bool>>, traffic: &Traffic) -> Vec<Planned> {
    let seed = traffic.seed.unwrap_or(world.config.seed);
    let mut sim = Sim::new(world, following, traffic, rng::stream(seed, "traffic", 0));
    let weights = traffic.mix.weights();
    let total: f64 = weights.iter().map(|(_, w)| w.max(0.0)).sum();
    let mut plan = Vec::with_capacity(traffic.count + 8);
    let mut t = 0.0f64;
    if total <= 0.0 || traffic.rate <= 0.0 {
        return plan;
    }
    let mut misses = 0;
    while plan.len() < traffic.count && misses < 1000 {
        t += -(1.0 - sim.rng.random::<f64>()).ln() / traffic.rate * 1000.0;
        let at = t as i64;
        let Some(account) = sim.pick_account() else { break };
        let mut x = sim.rng.random::<f64>() * total;
        let kind = weights.iter().find(|(_, w)| {
            x -= w.max(0.0);
            x < 0.0
        });
        let kind = kind.map_or(Kind::Text, |(k, _)| *k);
        let Some(push) = sim.push(account, kind, at) else {
            misses += 1;
            continue;
        };
        let sender = push.outgoing.fakeid;
        let text = match &push.outgoing.body {
            Body::Text { content } => Some(content.clone()),
            _ => None,
        };
        plan.push(push);
        if kind.is_message() && sim.rng.random_bool(traffic.same_second_share.clamp(0.0, 1.0)) {
            plan.extend(sim.same_second(account, sender, text.as_deref(), at));
        }
        if let Some(text) = text.filter(|_| sim.rng.random_bool(traffic.repeat_share.clamp(0.0, 1.0))) {
            let later = at + sim.rng.random_range(0..=3000);
            sim.note_busy(account, sender, later);
            plan.push(Planned { at_ms: later, outgoing: Outgoing::new(account, sender, Body::text(text)) });
        }
    }
    plan.sort_by_key(|p| p.at_ms);
    plan.truncate(traffic.count);
    plan
}

/// The follow state as the plan goes, so that only followers write and
/// unsubscribes never strand a later message.
struct Sim<'w> {
    world: &'w World,
    rng: Rng,
    accounts: Vec<usize>,
    active: Vec<Vec<bool>>,
    /// Per account, how many are active: kept with `active`, so that
    /// picking an account does not count every person each push.
    active_count: Vec<usize>,
    /// The hostile people of the world, by index.
    hostile: Vec<usize>,
    ranking: Vec<Vec<usize>>,
    ranked: Vec<Vec<bool>>,
    zipf: Vec<Zipf>,
    busy_until: HashMap<(usize, usize), i64>,
    hostile_share: f64,
}

impl<'w> Sim<'w> {
    fn new(world: &'w World, active: Vec<Vec<bool>>, traffic: &Traffic, mut rng: Rng) -> Self {
        let n = world.accounts.len();
        let accounts = if traffic.accounts.is_empty() {
            (0..n).collect()
        } else {
            traffic.accounts.iter().copied().filter(|&a| a < n).collect()
        };
        let mut ranking = Vec::with_capacity(n);
        let mut ranked = Vec::with_capacity(n);
        let mut zipf = Vec::with_capacity(n);
        for followers in &active {
            let mut order: Vec<usize> = (0..followers.len()).filter(|&p| followers[p]).collect();
            order.shuffle(&mut rng);
            let mut mark = vec![false; followers.len()];
            for &p in &order {
                mark[p] = true;
            }
            zipf.push(Zipf::new(order.len(), traffic.zipf));
            ranking.push(order);
            ranked.push(mark);
        }
        let hostile_share = traffic.hostile_share.clamp(0.0, 1.0);
        let active_count = active.iter().map(|a| a.iter().filter(|&&f| f).count()).collect();
        let hostile = world.people.iter().filter(|p| p.hostile).map(|p| p.index).collect();
        Self {
            world,
            rng,
            accounts,
            active,
            active_count,
            hostile,
            ranking,
            ranked,
            zipf,
            busy_until: HashMap::new(),
            hostile_share,
        }
    }

    fn pick_account(&mut self) -> Option<usize> {
        let sizes: Vec<usize> = self.accounts.iter().map(|&a| self.active_count[a] + 1).collect();
        let total: usize = sizes.iter().sum();
        if total == 0 {
            return None;
        }
        let mut x = self.rng.random_range(0..total);
        for (i, size) in sizes.iter().enumerate() {
            if x < *size {
                return Some(self.accounts[i]);
            }
            x -= size;
        }
        self.accounts.last().copied()
    }

    fn note_busy(&mut self, account: usize, fakeid: u64, at: i64) {
        if let Some(person) = self.world.person_by_fakeid(fakeid) {
            let until = self.busy_until.entry((account, person.index)).or_insert(at);
            *until = (*until).max(at);
        }
    }

    /// A sender by Zipf rank among the current followers.
    fn sender(&mut self, account: usize, not: Option<usize>) -> Option<usize> {
        for _ in 0..64 {
            let rank = self.zipf[account].sample(&mut self.rng)?;
            let person = self.ranking[account][rank];
            if self.active[account][person] && Some(person) != not {
                return Some(person);
            }
        }
        let candidates: Vec<usize> =
            (0..self.active[account].len()).filter(|&p| self.active[account][p] && Some(p) != not).collect();
        (!candidates.is_empty()).then(|| candidates[self.rng.random_range(0..candidates.len())])
    }

    fn push(&mut self, account: usize, kind: Kind, at: i64) -> Option<Planned> {
        let person = match kind {
            Kind::Subscribe => {
                let people = self.world.people.len();
                let person = (0..64).map(|_| self.rng.random_range(0..people)).find(|&p| !self.active[account][p])?;
                self.active[account][person] = true;
                self.active_count[account] += 1;
                if !self.ranked[account][person] {
                    self.ranked[account][person] = true;
                    self.ranking[account].push(person);
                    self.zipf[account].grow();
                }
                person
            }
            Kind::Unsubscribe => {
                // Every follower is ranked: the active ones, in index order.
                let mut candidates: Vec<usize> = self.ranking[account]
                    .iter()
                    .copied()
                    .filter(|&p| self.active[account][p] && self.busy_until.get(&(account, p)).is_none_or(|&b| b < at))
                    .collect();
                candidates.sort_unstable();
                if candidates.is_empty() {
                    return None;
                }
                let person = candidates[self.rng.random_range(0..candidates.len())];
                self.active[account][person] = false;
                self.active_count[account] -= 1;
                person
            }
            Kind::Text => match self.hostile_sender(account) {
                Some(person) => person,
                None => self.sender(account, None)?,
            },
            _ => self.sender(account, None)?,
        };
        let fakeid = self.world.people[person].fakeid;
        self.note_busy(account, fakeid, at);
        let body = if kind == Kind::Text && self.world.people[person].hostile {
            Body::text(hostile::text(&mut self.rng))
        } else {
            self.body(kind)
        };
        Some(Planned { at_ms: at, outgoing: Outgoing::new(account, fakeid, body) })
    }

    /// Now and then (`hostile_share`), one of the account's hostile followers.
    fn hostile_sender(&mut self, account: usize) -> Option<usize> {
        if self.hostile_share <= 0.0 || !self.rng.random_bool(self.hostile_share) {
            return None;
        }
        let active = &self.active[account];
        let hostile: Vec<usize> = self.hostile.iter().copied().filter(|&p| active[p]).collect();
        (!hostile.is_empty()).then(|| hostile[self.rng.random_range(0..hostile.len())])
    }

    /// Another follower writing in the same second: half of the time the same text.
    fn same_second(&mut self, account: usize, sender: u64, text: Option<&str>, at: i64) -> Option<Planned> {
        let not = self.world.person_by_fakeid(sender).map(|p| p.index);
        let other = self.sender(account, not)?;
        let fakeid = self.world.people[other].fakeid;
        self.note_busy(account, fakeid, at);
        let body = match text {
            Some(text) if self.rng.random_bool(0.5) => Body::text(text),
            _ => Body::text(world::text(&mut self.rng)),
        };
        Some(Planned { at_ms: at, outgoing: Outgoing::new(account, fakeid, body) })
    }

    fn body(&mut self, kind: Kind) -> Body {
        let rng = &mut self.rng;
        let pick = |rng: &mut Rng, table: &[&str]| table[rng.random_range(0..table.len())].to_owned();
        match kind {
            Kind::Text => Body::text(world::text(rng)),
            Kind::Image => Body::Image {
                pic_url: format!("http://mmbiz.qpic.cn/mmbiz/{}/0", rng::string_from(rng, ALNUM, 60)),
                media_id: rng::string_from(rng, URL_SAFE, 64),
            },
            Kind::Voice => Body::Voice {
                media_id: rng::string_from(rng, URL_SAFE, 64),
                format: "amr".to_owned(),
                recognition: rng.random_bool(0.3).then(|| world::text(rng)),
            },
            Kind::Video => Body::Video {
                media_id: rng::string_from(rng, URL_SAFE, 64),
                thumb_media_id: rng::string_from(rng, URL_SAFE, 64),
            },
            Kind::ShortVideo => Body::ShortVideo {
                media_id: rng::string_from(rng, URL_SAFE, 64),
                thumb_media_id: rng::string_from(rng, URL_SAFE, 64),
            },
            Kind::Location => Body::Location {
                x: format!("{:.6}", rng.random_range(22.0..41.0)),
                y: format!("{:.6}", rng.random_range(103.0..122.0)),
                scale: rng.random_range(10..=20).to_string(),
                label: pick(rng, LABELS),
            },
            Kind::Link => {
                let title = pick(rng, LINK_TITLES);
                let url = format!(
                    "http://mp.weixin.qq.com/s?__biz={}==&mid={}&idx=1&sn={}#rd",
                    rng::string_from(rng, ALNUM, 14),
                    rng.random_range(100_000_000..500_000_000),
                    rng::string_from(rng, rng::HEX, 32)
                );
                Body::Link { title: title.clone(), description: title, url }
            }
            Kind::Subscribe => {
                if rng.random_bool(0.5) {
                    Body::Subscribe {
                        scene: Some(rng.random_range(1..100_000).to_string()),
                        ticket: Some(rng::string_from(rng, ALNUM, 96)),
                    }
                } else {
                    Body::Subscribe { scene: None, ticket: None }
                }
            }
            Kind::Unsubscribe => Body::Unsubscribe,
            Kind::Scan => Body::Scan {
                scene: rng.random_range(1..100_000).to_string(),
                ticket: Some(rng::string_from(rng, ALNUM, 96)),
            },
            Kind::LocationEvent => Body::LocationEvent {
                latitude: format!("{:.6}", rng.random_range(22.0..41.0)),
                longitude: format!("{:.6}", rng.random_range(103.0..122.0)),
                precision: format!("{:.6}", rng.random_range(10.0..3000.0)),
            },
            Kind::Click => Body::Click { key: pick(rng, MENU_KEYS) },
            Kind::View => Body::View {
                url: pick(rng, VIEW_URLS),
                menu_id: rng.random_bool(0.5).then(|| rng.random_range(100_000_000..999_999_999).to_string()),
            },
        }
    }
}

/// Plays `plan`: each push at its instant, at most `concurrency` in flight.
pub(crate) async fn run(inner: Arc<Inner>, plan: Vec<Planned>, pace: Pace, concurrency: usize) -> Report {
    let start_ms = inner.clock.now_ms();
    let started = tokio::time::Instant::now();
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut report = Report { planned: plan.len(), ..Report::default() };
    let mut tasks = Vec::with_capacity(plan.len());
    for planned in plan {
        let instant_ms = start_ms + planned.at_ms;
        match pace {
            Pace::RealTime => {
                let offset = Duration::from_millis(u64::try_from(planned.at_ms).unwrap_or(0));
                tokio::time::sleep_until(started + offset).await;
            }
            Pace::Virtual => inner.clock.advance_to_ms(instant_ms),
        }
        let Ok(slot) = slots.clone().acquire_owned().await else { break };
        let outgoing = planned.outgoing.at(instant_ms.div_euclid(1000));
        match prepare(&inner, &outgoing) {
            Ok(prepared) => {
                let inner = inner.clone();
                tasks.push(tokio::spawn(async move {
                    let outcome = deliver(&inner, prepared).await;
                    drop(slot);
                    outcome
                }));
            }
            Err(refused) => report.refused.push(refused.to_string()),
        }
    }
    for task in tasks {
        let Ok(outcome) = task.await else { continue };
        match &outcome.delivery {
            super::Delivery::NoCallback => report.no_callback += 1,
            super::Delivery::Acknowledged => report.acknowledged += 1,
            super::Delivery::Replied { .. } => report.replied += 1,
            super::Delivery::Unavailable { .. } => report.unavailable += 1,
            super::Delivery::Unanswered => report.unanswered += 1,
        }
        report.outcomes.push(outcome);
    }
    report
}
