//! One run of the scenario: the seeded traffic pushed to the webhook, a stream
//! batch every few seconds of platform time, and the resolver (or the literal
//! walk) and the profile step run on each batch as Lambda would.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use platform::{Config, Knobs, Pace, Planned, Traffic};
use whosent::batch::WorkKey;
use whosent::ingest::IngestConfig;
use whosent::resolve::ResolverConfig;
use whosent::secrets::MemorySecrets;
use whosent::store::{MemoryStore, ResolverStore, Strategy};
use whosent_integration::emulated::Emulated;

use crate::counted::{Counted, CountedSecrets};
use crate::literal::Literal;
use crate::meter::{Meter, Phase, Tally};

/// The emulator wired to the counted in-memory store and secrets.
pub type Twin = Emulated<Counted<MemoryStore>, CountedSecrets<MemorySecrets>>;

#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub accounts: usize,
    /// Followers of all accounts together.
    pub followers: usize,
    pub pushes: usize,
    /// Pushes a second, all accounts together.
    pub rate: f64,
    pub same_second: f64,
    pub batch_secs: i64,
    /// Stop after this many batches (a bounded run).
    pub max_batches: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Way {
    Whosent(Strategy),
    Literal,
}

impl Way {
    pub fn name(self) -> &'static str {
        match self {
            Way::Whosent(Strategy::Time) => "whosent, by time",
            Way::Whosent(_) => "whosent, by user list",
            Way::Literal => "literal patent walk",
        }
    }
}

/// What a function did over the run.
#[derive(Default, Debug, Clone)]
pub struct Function {
    pub invocations: u64,
    pub console_requests: u64,
    /// Time spent in the handler on the twin (console emulator included).
    pub handler: Duration,
    pub store: Tally,
}

#[derive(Default, Debug)]
pub struct Figures {
    pub pushes: usize,
    /// Distinct senders who pushed.
    pub writers: usize,
    pub requests: usize,
    pub resolved: usize,
    pub misattributed: usize,
    pub logins: u64,
    pub list_reads: u64,
    pub dialog_reads: u64,
    pub followers_read: usize,
    pub console_requests: u64,
    pub seconds: f64,
    pub webhook: Function,
    pub resolver: Function,
    pub profile: Function,
    /// Requests not resolved, by state and reason.
    pub left: BTreeMap<String, usize>,
}

/// The counted twin, with `strategy` for every account.
async fn twin(scenario: Scenario, strategy: Strategy) -> (Twin, Meter) {
    let world =
        Config::small(2026, scenario.accounts, scenario.followers).knobs(Knobs::default()).frozen_at(1_795_000_000);
    // The platform's clock runs virtual time: no replay window.
    let ingest = IngestConfig { timestamp_window_secs: None, ..IngestConfig::default() };
    let meter = Meter::default();
    let (store, secrets) = (MemoryStore::new(), MemorySecrets::new());
    let (to, with) = (store.clone(), secrets.clone());
    let counted = Counted { inner: store, meter: meter.clone() };
    let counted_secrets = CountedSecrets { inner: secrets, meter: meter.clone() };
    let e = Emulated::on(world, &[strategy], ingest, counted, counted_secrets, move |account, [p, c, m]| {
        to.put_account(account.clone());
        with.put(&account.push_secret, p);
        with.put(&account.console_secret, c);
        with.put(&account.marker_secret, m);
    })
    .await;
    (e, meter)
}

/// The plan cut into the pushes of each batch window, with quiet batches at
/// the end for the last rows and replies to settle.
fn batches(plan: Vec<Planned>, scenario: Scenario) -> Vec<Vec<Planned>> {
    let batch_ms = scenario.batch_secs * 1000;
    let mut chunks: Vec<Vec<Planned>> = Vec::new();
    for planned in plan {
        let index = (planned.at_ms / batch_ms) as usize;
        while chunks.len() <= index {
            chunks.push(Vec::new());
        }
        chunks[index].push(planned);
    }
    chunks.extend([Vec::new(), Vec::new(), Vec::new()]);
    if let Some(max) = scenario.max_batches {
        chunks.truncate(max);
    }
    chunks
}

fn console_requests(e: &Twin) -> u64 {
    e.platform.counters().requests.values().sum()
}

pub async fn run(scenario: Scenario, way: Way) -> Figures {
    let strategy = match way {
        Way::Whosent(strategy) => strategy,
        Way::Literal => Strategy::UserList,
    };
    let (e, meter) = twin(scenario, strategy).await;
    let traffic = Traffic {
        count: scenario.pushes,
        rate: scenario.rate,
        zipf: 1.0,
        same_second_share: scenario.same_second,
        pace: Pace::Virtual,
        concurrency: 8,
        ..Traffic::default()
    };
    let plan = e.platform.plan(&traffic);
    let started = Instant::now();
    let mut figures = Figures { pushes: plan.len(), ..Figures::default() };
    let mut literal = Literal::default();
    let mut seen = HashSet::new();
    let mut profiled = HashSet::new();
    let mut writers = HashSet::new();
    let batch_ms = scenario.batch_secs * 1000;
    let base_ms = e.platform.clock().now_ms();
    for (index, chunk) in batches(plan, scenario).into_iter().enumerate() {
        let start_ms = index as i64 * batch_ms;
        writers.extend(chunk.iter().map(|p| (p.outgoing.account, p.outgoing.fakeid)));
        let pushed: Vec<_> = chunk.iter().map(|p| (p.outgoing.account, p.outgoing.fakeid)).collect();
        let rebased: Vec<Planned> =
            chunk.into_iter().map(|p| Planned { at_ms: p.at_ms - start_ms, outgoing: p.outgoing }).collect();
        meter.set(Phase::Webhook);
        e.platform.run_plan(rebased, Pace::Virtual, 8).await;
        meter.set(Phase::Off);
        e.platform.clock().advance_to_ms(base_ms + start_ms + batch_ms);
        // The batching window closes.
        let batch = e.pending().await;
        seen.extend(batch.iter().cloned());
        match way {
            Way::Whosent(_) => {
                resolve(&e, &meter, &batch, &mut figures.resolver).await;
                profile(&e, &meter, &batch, &mut profiled, &mut figures.profile).await;
            }
            Way::Literal => walk(&e, &meter, &mut literal, &pushed, &mut figures.resolver).await,
        }
    }
    figures.seconds = started.elapsed().as_secs_f64();
    figures.writers = writers.len();
    figures.webhook.invocations = figures.pushes as u64;
    for (function, phase) in [
        (&mut figures.webhook, Phase::Webhook),
        (&mut figures.resolver, Phase::Resolver),
        (&mut figures.profile, Phase::Profile),
    ] {
        function.store = meter.tally(phase);
    }
    tally(&e, way, &literal, &seen, &mut figures).await;
    figures
}

/// Runs the resolver on a batch as its invocations would (100 records each).
async fn resolve(e: &Twin, meter: &Meter, batch: &[WorkKey], function: &mut Function) {
    if batch.is_empty() {
        return;
    }
    let config = ResolverConfig { rounds: 1, ..ResolverConfig::default() };
    let before = (console_requests(e), Instant::now());
    meter.set(Phase::Resolver);
    e.resolve_at(batch, &config, e.platform.clock().now()).await;
    meter.set(Phase::Off);
    function.invocations += batch.len().div_ceil(100) as u64;
    function.console_requests += console_requests(e) - before.0;
    function.handler += before.1.elapsed();
}

/// Walks for the batch's pushes the literal way, each walk counted as one invocation.
async fn walk(e: &Twin, meter: &Meter, literal: &mut Literal, pushed: &[(usize, u64)], function: &mut Function) {
    let before = (console_requests(e), Instant::now());
    meter.set(Phase::Resolver);
    function.invocations += literal.walk(e, pushed).await;
    meter.set(Phase::Off);
    function.console_requests += console_requests(e) - before.0;
    function.handler += before.1.elapsed();
}

/// Runs the profile step on the senders the batch mapped (25 records an invocation).
async fn profile(e: &Twin, meter: &Meter, batch: &[WorkKey], profiled: &mut HashSet<WorkKey>, function: &mut Function) {
    let mut mapped = Vec::new();
    for key in batch {
        if !profiled.contains(key) && e.mapped(e.index_of(&key.account), &key.open_id).await.is_some() {
            profiled.insert(key.clone());
            mapped.push(key.clone());
        }
    }
    if mapped.is_empty() {
        return;
    }
    let before = (console_requests(e), Instant::now());
    meter.set(Phase::Profile);
    e.profiles(&mapped).await;
    meter.set(Phase::Off);
    function.invocations += mapped.len().div_ceil(25) as u64;
    function.console_requests += console_requests(e) - before.0;
    function.handler += before.1.elapsed();
}

/// What the run left: resolved, wrong, unresolved by reason, console counters.
async fn tally(e: &Twin, way: Way, literal: &Literal, seen: &HashSet<WorkKey>, figures: &mut Figures) {
    figures.requests = seen.len();
    for key in seen {
        let index = e.index_of(&key.account);
        if let Some(fake_id) = e.mapped(index, &key.open_id).await {
            figures.resolved += 1;
            if Some(fake_id) != e.platform.fakeid_of(index, &key.open_id) {
                figures.misattributed += 1;
            }
        } else {
            let (state, reason) = e.request_state(key).await;
            *figures.left.entry(format!("{state:?}: {}", reason.unwrap_or_default())).or_default() += 1;
        }
    }
    let counters = e.platform.counters();
    figures.logins = counters.logins;
    figures.list_reads = counters.requests_to("/cgi-bin/message");
    figures.dialog_reads = counters.requests_to("/cgi-bin/singlesendpage");
    figures.console_requests = counters.requests.values().sum();
    figures.followers_read = match way {
        Way::Literal => literal.read.len(),
        Way::Whosent(_) => {
            let mut read = 0;
            for account in &e.accounts {
                read += e.store.inner.walks(&account.id).await.unwrap_or_default().len();
            }
            read
        }
    };
}
