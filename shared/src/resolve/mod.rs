//! The resolver's work (patent steps 14–16): for a batch of resolve requests,
//! log into each account's console and find every sender's FakeID, by time,
//! by user list, or both, then record the mapping, move the follower to the
//! resolved group and close the request.
//!
//! Everything here is safe to repeat: a request already resolved costs no
//! console call, a mapping is never overwritten by a different FakeID, and a
//! follower already moved is not moved again.

pub mod by_time;
pub mod by_user_list;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::future::join_all;

use crate::console::{Console, ConsoleError, Contact, Dialog, MessageItem, MessageQuery, SessionState};
use crate::secrets::{MarkerSecret, SecretSource};
use crate::session::{SessionError, Sessions};
use crate::store::Strategy;
use crate::store::{
    Account, MappingOutcome, MarkerRecord, Method, Resolution, ResolveHint, ResolveRequest, ResolveState,
    ResolverStore, StoreError, WalkRecord,
};
use by_time::Verdict;

/// Tuning of the two methods.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// The console group of not yet resolved followers (the "unresolved list").
    pub unresolved_group: i64,
    /// The console group resolved followers are moved into (created when missing).
    pub resolved_group_name: String,
    /// Largest accepted distance between a push's CreateTime and the row's `date_time`.
    pub skew_secs: i64,
    /// How long after a push its row (or the reply with its marker) surely shows
    /// in the console; until then, no decision is final.
    pub settle_secs: i64,
    /// A later row this far past a push's window shows the list has moved on.
    pub progress_margin_secs: i64,
    /// How long after a follower's message the account's reply (with its
    /// marker) usually shows on the dialog page; a page is not read sooner,
    /// unless the message fits a pending push by time.
    pub reply_grace_secs: i64,
    /// Looks at the console per invocation while something is undecided.
    pub rounds: u32,
    /// Pause between those looks.
    pub round_wait: Duration,
    /// Message-list and follower page size (at most 100).
    pub page_size: u32,
    /// Pages of the message list read back at most in one look.
    pub max_list_pages: u32,
    /// Pages of the unresolved list (from the newest followers) walked for
    /// senders of events, which have no row in the message list.
    pub event_walk_pages: u32,
    /// Dialog pages read at once.
    pub parallel_reads: usize,
}

impl Default for ResolverConfig {
    fn default() -> Self {
        Self {
            unresolved_group: 0,
            resolved_group_name: "whosent resolved".to_owned(),
            skew_secs: 3,
            settle_secs: 8,
            progress_margin_secs: 2,
            reply_grace_secs: 2,
            rounds: 24,
            round_wait: Duration::from_millis(500),
            page_size: 100,
            max_list_pages: 20,
            event_walk_pages: 1,
            parallel_reads: 8,
        }
    }
}

/// One resolve request of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestKey {
    pub account: String,
    pub open_id: String,
}

/// What became of one request of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Finished for now (resolved, unresolved with a reason, or waiting for the account).
    Done,
    /// To be retried: the reason is logged.
    Retry(String),
}

/// Console reads of an invocation, for the figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub list_reads: usize,
    pub dialog_reads: usize,
    pub follower_pages: usize,
    pub moves: usize,
    pub resolved: usize,
    /// Time spent waiting for rows and replies to show.
    pub paused: Duration,
    /// Time spent in console reads (lists, pages), overlapping ones counted once.
    pub console: Duration,
}

/// The resolver of one invocation.
pub struct Resolver<'a, St, Se, C> {
    store: &'a St,
    secrets: &'a Se,
    sessions: Sessions<'a, St, Se, C>,
    config: &'a ResolverConfig,
    deadline: Instant,
    stats: std::sync::Mutex<Stats>,
    /// The invocation's start, on the Unix clock and on the monotonic one:
    /// the resolver's "now" is the first plus what has elapsed since.
    clock: std::sync::Mutex<(i64, Instant)>,
}

/// The last read of followers' pages, by FakeID (`None`: never read).
type Walks = HashMap<u64, Option<WalkRecord>>;

/// A dialog page and the session it was read with.
type DialogRead = (Dialog, SessionState);

/// The work on one account: who is pending, what was found.
struct Work {
    account: Account,
    session: SessionState,
    /// Pending requests of this batch by openID.
    pending: BTreeMap<String, ResolveRequest>,
    /// Matched in this invocation: openID → FakeID.
    matched: BTreeMap<String, u64>,
    /// Rows of the message list read so far, by id.
    rows: BTreeMap<u64, MessageItem>,
    /// FakeIDs mapped to an openID of this account (looked up lazily).
    mapped: HashMap<u64, Option<String>>,
    /// Pending openIDs whose pushes others' alike pushes came too close to.
    crowded: HashSet<String>,
    /// The openIDs of the batch: only they get an outcome. Requests taken in
    /// while the invocation waits are resolved if they can be, else left as
    /// they are for their own records.
    batch: HashSet<String>,
    /// OpenIDs whose requests were looked at for taking in, with their
    /// newest push then (its time, and how many pushes that second): a later
    /// push may have made a request findable, so it is looked at again.
    looked_at: HashMap<String, (i64, usize)>,
}

impl Work {
    fn rows(&self) -> Vec<MessageItem> {
        self.rows.values().rev().cloned().collect()
    }

    fn newest_row_id(&self) -> u64 {
        self.rows.keys().next_back().copied().unwrap_or(0)
    }

    fn newest_row_time(&self) -> i64 {
        self.rows.values().map(|r| r.date_time).max().unwrap_or(0)
    }
}

/// On a list that did not move since the last look, the pause before the
/// next (seconds past the soonest a push could settle by the list).
const QUIET_LIST_SECS: i64 = 2;

/// When the undecided pushes of a look can settle, in Unix seconds.
#[derive(Debug, Default)]
struct Undecided {
    /// The soonest one can by the list (a later row can show then).
    by_list: Option<i64>,
    /// The soonest and the last one by the clock.
    by_clock: Option<i64>,
    by_clock_last: Option<i64>,
}

impl Undecided {
    fn add(&mut self, by_list: i64, by_clock: i64) {
        self.by_list = Some(self.by_list.map_or(by_list, |t| t.min(by_list)));
        self.by_clock = Some(self.by_clock.map_or(by_clock, |t| t.min(by_clock)));
        self.by_clock_last = Some(self.by_clock_last.map_or(by_clock, |t| t.max(by_clock)));
    }
}

fn hints(request: &ResolveRequest) -> Vec<ResolveHint> {
    let mut hints = vec![request.first_hint.clone()];
    if request.last_hint != request.first_hint {
        hints.push(request.last_hint.clone());
    }
    hints
}

impl<'a, St: ResolverStore, Se: SecretSource, C: Console> Resolver<'a, St, Se, C> {
    pub fn new(
        store: &'a St,
        secrets: &'a Se,
        sessions: Sessions<'a, St, Se, C>,
        config: &'a ResolverConfig,
        deadline: Instant,
    ) -> Self {
        Self {
            store,
            secrets,
            sessions,
            config,
            deadline,
            stats: Default::default(),
            clock: std::sync::Mutex::new((0, Instant::now())),
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn logins(&self) -> usize {
        self.sessions.logins()
    }

    fn count(&self, f: impl FnOnce(&mut Stats)) {
        if let Ok(mut stats) = self.stats.lock() {
            f(&mut stats);
        }
    }

    /// Now, in Unix seconds: the `now` given to [`Resolver::run`] plus the time since.
    fn unix_now(&self) -> i64 {
        let (at, since) = self.clock.lock().map(|c| *c).unwrap_or((0, Instant::now()));
        at + since.elapsed().as_secs() as i64
    }

    /// Resolves a batch; returns one outcome per request, in order.
    pub async fn run(&self, batch: &[RequestKey], now: i64) -> Vec<Outcome> {
        if let Ok(mut clock) = self.clock.lock() {
            *clock = (now, Instant::now());
        }
        let mut by_account: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for key in batch {
            by_account.entry(&key.account).or_default().push(&key.open_id);
        }
        // Accounts side by side: one waiting for its message list to settle
        // does not hold up another whose markers are already readable.
        let runs = by_account.into_iter().map(|(account, open_ids)| async move {
            let results = match self.account(account, &open_ids, now).await {
                Ok(results) => results,
                Err(err) => {
                    tracing::warn!(account, error = %err, "resolving failed; the records will be retried");
                    open_ids.iter().map(|o| (o.to_string(), Outcome::Retry(err.to_string()))).collect()
                }
            };
            (account, results)
        });
        let mut outcomes: HashMap<RequestKey, Outcome> = HashMap::new();
        for (account, results) in join_all(runs).await {
            for (open_id, outcome) in results {
                outcomes.insert(RequestKey { account: account.to_owned(), open_id }, outcome);
            }
        }
        batch.iter().map(|key| outcomes.remove(key).unwrap_or(Outcome::Done)).collect()
    }

    /// All requests of one account in the batch.
    async fn account(
        &self,
        account_id: &str,
        open_ids: &[&str],
        now: i64,
    ) -> Result<Vec<(String, Outcome)>, SessionError> {
        let mut done = Vec::new();
        let mut pending = BTreeMap::new();
        let mut already_mapped = Vec::new();
        let mut stored = self.store.requests_and_senders(account_id, open_ids).await?;
        for &open_id in open_ids {
            let found = stored.remove(open_id).unwrap_or_default();
            match found.request {
                Some(request) if request.state == ResolveState::Pending => {
                    match found.sender.and_then(|s| s.fake_id) {
                        // Resolved meanwhile (a marker seen for another request, say).
                        Some(fake_id) => {
                            let detail = "mapped before this request was handled";
                            self.store
                                .set_request_state(
                                    account_id,
                                    open_id,
                                    ResolveState::Resolved,
                                    Some(detail),
                                    Some(fake_id),
                                    now,
                                )
                                .await?;
                            already_mapped.push((open_id.to_owned(), fake_id));
                        }
                        None => {
                            pending.insert(open_id.to_owned(), request);
                        }
                    }
                }
                // Gone, resolved, waiting or unresolved, or named twice in the
                // batch: a redelivery; nothing to do.
                _ => done.push((open_id.to_owned(), Outcome::Done)),
            }
        }
        if pending.is_empty() && already_mapped.is_empty() {
            return Ok(done);
        }

        let account = match self.sessions.usable_account(account_id, now).await {
            Ok(account) => account,
            Err(SessionError::Blocked(state)) => {
                return self.wait_for_account(account_id, pending, done, state, now).await;
            }
            Err(SessionError::UnknownAccount) => {
                for open_id in pending.keys() {
                    self.store
                        .set_request_state(
                            account_id,
                            open_id,
                            ResolveState::Unresolved,
                            Some("unknown account"),
                            None,
                            now,
                        )
                        .await?;
                }
                done.extend(pending.into_keys().map(|o| (o, Outcome::Done)));
                return Ok(done);
            }
            Err(err) => return Err(err),
        };
        let session = match self.sessions.session(&account, now).await {
            Ok(session) => session,
            Err(SessionError::Blocked(state)) => {
                return self.wait_for_account(account_id, pending, done, state, now).await;
            }
            Err(err) => return Err(err),
        };
        let mut work = Work {
            account,
            session,
            pending,
            matched: BTreeMap::new(),
            rows: BTreeMap::new(),
            mapped: HashMap::new(),
            crowded: HashSet::new(),
            batch: HashSet::new(),
            looked_at: HashMap::new(),
        };
        work.batch = work.pending.keys().cloned().collect();
        work.looked_at = work.pending.iter().map(|(o, r)| (o.clone(), (r.last_hint.create_time, usize::MAX))).collect();
        for (open_id, fake_id) in already_mapped {
            work.matched.insert(open_id, fake_id);
        }

        let result = self.resolve(&mut work, now).await;
        // Whatever happened, keep what was found.
        let moved = self.move_matched(&mut work, now).await;
        for open_id in work.matched.keys() {
            done.push((open_id.clone(), Outcome::Done));
        }
        match result.and(moved) {
            Ok(()) => {
                for (open_id, request) in work.pending.iter().filter(|(o, _)| work.batch.contains(*o)) {
                    // Too young to tell: its row or its reply may still come.
                    // Crowded by time is final: more pushes only crowd it more.
                    let crowded = work.crowded.contains(open_id);
                    let final_by_time = crowded && work.account.strategy == Strategy::Time;
                    if !final_by_time
                        && findable(&work.account, request)
                        && !hints(request).iter().all(|h| self.settled(&work, h))
                    {
                        done.push((open_id.clone(), Outcome::Retry("not settled yet".to_owned())));
                        continue;
                    }
                    let reason = self.give_up_reason(&work.account, request, crowded);
                    self.store
                        .set_request_state(account_id, open_id, ResolveState::Unresolved, Some(&reason), None, now)
                        .await?;
                    tracing::info!(account = account_id, reason, "sender left unresolved");
                    done.push((open_id.clone(), Outcome::Done));
                }
            }
            Err(SessionError::Blocked(state)) => {
                let mut pending = std::mem::take(&mut work.pending);
                pending.retain(|o, _| work.batch.contains(o));
                return self.wait_for_account(account_id, pending, done, state, now).await;
            }
            Err(err) => {
                tracing::warn!(account = account_id, error = %err, "console work interrupted; pending records retried");
                let batch = work.pending.keys().filter(|o| work.batch.contains(*o));
                done.extend(batch.map(|o| (o.clone(), Outcome::Retry(err.to_string()))));
            }
        }
        Ok(done)
    }

    fn give_up_reason(&self, account: &Account, request: &ResolveRequest, crowded: bool) -> String {
        let hints = hints(request);
        let any_row = hints.iter().any(by_time::has_row);
        let any_marker = hints.iter().any(|h| h.marker_planted);
        match account.strategy {
            Strategy::Time if !any_row => {
                "an event has no row in the message list: waits for the follower's next message".into()
            }
            Strategy::Time if crowded => format!(
                "another follower sent the same within {} s: time cannot tell them apart; waits for the follower's next message",
                2 * self.config.skew_secs
            ),
            Strategy::Time => "no single follower fits the push in the message list".into(),
            _ if !any_marker && !any_row => {
                "no marker was planted (the push gets no reply): waits for the follower's next message".into()
            }
            _ if !any_row && !hints.iter().any(is_follow) => {
                "an event other than a follow has no row to find its page by: waits for the follower's next message"
                    .into()
            }
            _ => "no marker found in the unresolved followers' dialog pages".into(),
        }
    }

    /// The account cannot log in: its requests wait, durable, for it to be cleared.
    async fn wait_for_account(
        &self,
        account_id: &str,
        pending: BTreeMap<String, ResolveRequest>,
        mut done: Vec<(String, Outcome)>,
        state: crate::store::AccountState,
        now: i64,
    ) -> Result<Vec<(String, Outcome)>, SessionError> {
        let reason = format!("account is {state:?}");
        for open_id in pending.keys() {
            self.store.set_request_state(account_id, open_id, ResolveState::Waiting, Some(&reason), None, now).await?;
        }
        tracing::warn!(account = account_id, waiting = pending.len(), state = ?state, "requests wait for the account");
        done.extend(pending.into_keys().map(|o| (o, Outcome::Done)));
        Ok(done)
    }

    async fn resolve(&self, work: &mut Work, now: i64) -> Result<(), SessionError> {
        match work.account.strategy {
            Strategy::Time => self.by_time(work, now).await,
            Strategy::UserList => self.by_user_list(work, now).await,
            // A marker is proof as soon as its reply shows; the message list
            // only once the push's window has closed.
            Strategy::Auto => {
                self.by_user_list(work, now).await?;
                self.by_time(work, now).await
            }
        }
    }

    /// Records matches side by side, each the mapping and then its request
    /// closed; notes the ones stored. One match per pending openID.
    async fn commit(&self, work: &mut Work, matches: Vec<(String, Resolution)>, now: i64) -> Result<(), SessionError> {
        let mut seen = HashSet::new();
        let matches: Vec<(String, Resolution)> =
            matches.into_iter().filter(|(o, _)| work.pending.contains_key(o) && seen.insert(o.clone())).collect();
        if matches.is_empty() {
            return Ok(());
        }
        let account = work.account.id.clone();
        let stored =
            join_all(matches.iter().map(|(open_id, resolution)| self.store_match(&account, open_id, resolution, now)))
                .await;
        let mut failed = None;
        for ((open_id, resolution), result) in matches.into_iter().zip(stored) {
            match result {
                Ok(()) => {
                    work.mapped.insert(resolution.fake_id, Some(open_id.clone()));
                    work.pending.remove(&open_id);
                    work.matched.insert(open_id, resolution.fake_id);
                    self.count(|s| s.resolved += 1);
                }
                Err(err) => {
                    failed.get_or_insert(err);
                }
            }
        }
        failed.map_or(Ok(()), |err| Err(err.into()))
    }

    /// One match: the mapping, then the request closed.
    async fn store_match(
        &self,
        account: &str,
        open_id: &str,
        resolution: &Resolution,
        now: i64,
    ) -> Result<(), StoreError> {
        match self.store.record_mapping(account, open_id, resolution).await? {
            MappingOutcome::Created | MappingOutcome::Unchanged => {}
            MappingOutcome::Conflict { existing } => {
                tracing::warn!(
                    account,
                    existing,
                    found = resolution.fake_id,
                    "mapping conflict: kept the existing FakeID and flagged the new one"
                );
            }
        }
        let detail = format!("{:?}: {}", resolution.method, resolution.evidence);
        self.store
            .set_request_state(account, open_id, ResolveState::Resolved, Some(&detail), Some(resolution.fake_id), now)
            .await
    }

    // ----- by time (claim 5) -----

    async fn by_time(&self, work: &mut Work, now: i64) -> Result<(), SessionError> {
        let mut newest_row_seen: Option<u64> = None;
        // Requests that came meanwhile are taken in while there is time to
        // decide them (an undecided push settles by the clock within its
        // window), never on the last look.
        let window = Duration::from_secs(u64::try_from(self.config.skew_secs + self.config.settle_secs).unwrap_or(0));
        for round in 0..self.config.rounds {
            let last_round = round + 1 == self.config.rounds;
            if round > 0 && !last_round && Instant::now() + window + Duration::from_secs(2) < self.deadline {
                self.take_in(work, by_time::has_row).await?;
            }
            let pushes: Vec<(String, Vec<ResolveHint>)> = work
                .pending
                .iter()
                .map(|(open_id, request)| {
                    (open_id.clone(), hints(request).into_iter().filter(by_time::has_row).collect::<Vec<_>>())
                })
                .filter(|(_, hints)| !hints.is_empty())
                .collect();
            if pushes.is_empty() {
                return Ok(());
            }
            let pushes = self.uncrowded(work, pushes, now).await?;
            if pushes.is_empty() {
                return Ok(());
            }
            let oldest = pushes.iter().flat_map(|(_, h)| h.iter().map(|h| h.create_time)).min().unwrap_or(now);
            self.read_list(work, oldest - self.config.skew_secs - self.config.settle_secs).await?;
            let rows = work.rows();
            self.look_up_mapped(work, &pushes, &rows).await?;
            let mapped: HashMap<u64, String> =
                work.mapped.iter().filter_map(|(f, o)| o.clone().map(|o| (*f, o))).collect();
            let verdicts = by_time::decide(&pushes, &rows, self.config.skew_secs, &mapped);
            // When the undecided pushes can settle: by the list, once a row
            // past a window can show; by the clock, at the latest.
            let mut undecided = Undecided::default();
            let mut matches = Vec::new();
            for (open_id, hints) in &pushes {
                let settled = hints.iter().all(|h| self.settled(work, h));
                match verdicts.get(open_id) {
                    Some(Verdict::Match { fake_id, message_id }) if settled => {
                        let row_time = work.rows.get(message_id).map(|r| r.date_time).unwrap_or_default();
                        let resolution = Resolution {
                            fake_id: *fake_id,
                            method: Method::Time,
                            evidence: format!("message list row {message_id} at {row_time}"),
                            resolved_at: now,
                        };
                        matches.push((open_id.clone(), resolution));
                    }
                    _ if !settled => {
                        for hint in hints {
                            let window_end = hint.create_time + self.config.skew_secs;
                            undecided.add(window_end + self.config.progress_margin_secs, self.settles_at(hint));
                        }
                    }
                    _ => {}
                }
            }
            self.commit(work, matches, now).await?;
            // While others keep writing, look again as soon as the list can
            // have moved past a window: that settles it before the clock
            // does. On a quiet list, look less often. The last look waits for
            // the clock, so that it decides every push it holds.
            let moved = match newest_row_seen {
                Some(seen) => work.newest_row_id() > seen,
                // On the first look, rows later than every push show others writing.
                None => {
                    let newest_push = pushes.iter().flat_map(|(_, h)| h.iter().map(|h| h.create_time)).max();
                    newest_push.is_some_and(|t| work.newest_row_time() > t)
                }
            };
            newest_row_seen = Some(work.newest_row_id());
            let unix_now = self.unix_now();
            let next = match undecided {
                Undecided { by_clock_last: Some(last), .. } if round + 2 == self.config.rounds => Some(last),
                Undecided { by_list: Some(list), by_clock: Some(clock), .. } => {
                    let quiet = if moved { 0 } else { QUIET_LIST_SECS };
                    Some((list.max(unix_now) + quiet).min(clock.max(unix_now)))
                }
                _ => None,
            };
            match next {
                Some(at) if !work.pending.is_empty() && !last_round && self.pause_until(at).await => {}
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// Drops the pushes another follower's alike push came close to (see
    /// [`by_time::crowded`]): time cannot tell them apart. A request left
    /// with none is noted as crowded.
    async fn uncrowded(
        &self,
        work: &mut Work,
        pushes: Vec<(String, Vec<ResolveHint>)>,
        now: i64,
    ) -> Result<Vec<(String, Vec<ResolveHint>)>, SessionError> {
        let radius = 2 * self.config.skew_secs;
        let times = pushes.iter().flat_map(|(_, h)| h.iter().map(|h| h.create_time));
        let (from, to) = times.fold((now, 0), |(lo, hi), t| (lo.min(t), hi.max(t)));
        let around = self.store.pushes_between(&work.account.id, from - radius, to + radius).await?;
        let mut kept = Vec::new();
        for (open_id, hints) in pushes {
            let clear: Vec<ResolveHint> =
                hints.into_iter().filter(|h| !by_time::crowded(h, &open_id, &around, radius)).collect();
            if clear.is_empty() {
                work.crowded.insert(open_id);
            } else {
                kept.push((open_id, clear));
            }
        }
        Ok(kept)
    }

    /// When, by the clock, a push's row is surely listed.
    fn settles_at(&self, hint: &ResolveHint) -> i64 {
        hint.create_time + self.config.skew_secs + self.config.settle_secs
    }

    /// Whether the push's row would be listed by now, so that what the list
    /// shows (or does not) is final.
    fn settled(&self, work: &Work, hint: &ResolveHint) -> bool {
        let window_end = hint.create_time + self.config.skew_secs;
        self.unix_now() >= self.settles_at(hint)
            || work.newest_row_time() >= window_end + self.config.progress_margin_secs
    }

    /// Reads the message list from the newest row back to `back_to`, or to the
    /// rows already read; one read serves every pending push of the account.
    async fn read_list(&self, work: &mut Work, back_to: i64) -> Result<(), SessionError> {
        let known: HashSet<u64> = work.rows.keys().copied().collect();
        let mut from_msg_id = 0;
        for _ in 0..self.config.max_list_pages {
            let query = MessageQuery { count: self.config.page_size, day: 7, from_msg_id, offset: 0 };
            let console = self.sessions.console();
            let started = Instant::now();
            let page = self
                .sessions
                .call(&work.account, &mut work.session, self.unix_now(), |s| async move {
                    console.messages(&s, query).await
                })
                .await?;
            self.count(|s| {
                s.list_reads += 1;
                s.console += started.elapsed();
            });
            let full = page.len() as u32 >= self.config.page_size;
            let reached_known = page.iter().any(|row| known.contains(&row.id));
            let reached_time = page.iter().any(|row| row.date_time < back_to);
            from_msg_id = page.iter().map(|row| row.id).min().unwrap_or(0);
            for row in page {
                work.rows.insert(row.id, row);
            }
            if !full || reached_known || reached_time || from_msg_id == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Learns which candidate FakeIDs are already mapped to an openID of this account.
    async fn look_up_mapped(
        &self,
        work: &mut Work,
        pushes: &[(String, Vec<ResolveHint>)],
        rows: &[MessageItem],
    ) -> Result<(), SessionError> {
        let mut candidates = HashSet::new();
        for (_, hints) in pushes {
            for hint in hints {
                candidates.extend(by_time::candidates(hint, rows, self.config.skew_secs).into_keys());
            }
        }
        for fake_id in candidates {
            if work.mapped.contains_key(&fake_id) {
                continue;
            }
            let owner = self
                .store
                .mapped_to(fake_id)
                .await?
                .into_iter()
                .find(|(account, _)| *account == work.account.id)
                .map(|(_, open_id)| open_id);
            work.mapped.insert(fake_id, owner);
        }
        Ok(())
    }

    // ----- by user list (claims 3 and 4) -----

    async fn by_user_list(&self, work: &mut Work, now: i64) -> Result<(), SessionError> {
        // Only a push whose reply carried a marker can be found this way, and
        // only where its page can be found: through its row in the message
        // list, or, for a follow, at the top of the unresolved list. The
        // others (a menu click, a periodic location report) wait for the
        // sender's next message.
        let unmarked: Vec<String> = work
            .pending
            .iter()
            .filter(|(_, r)| !hints(r).iter().any(findable_by_marker))
            .map(|(open_id, _)| open_id.clone())
            .collect();
        let unmarked: BTreeMap<String, ResolveRequest> =
            unmarked.into_iter().filter_map(|o| work.pending.remove_entry(&o)).collect();
        let result = self.by_marker(work, now).await;
        // Those matched or taken in again meanwhile (a later push made them
        // findable) are as the walk left them.
        for (open_id, request) in unmarked {
            if !work.matched.contains_key(&open_id) {
                work.pending.entry(open_id).or_insert(request);
            }
        }
        result
    }

    async fn by_marker(&self, work: &mut Work, now: i64) -> Result<(), SessionError> {
        if work.pending.is_empty() {
            return Ok(());
        }
        let Some(key) = self.marker_key(&work.account).await? else {
            tracing::warn!(account = %work.account.id, "no marker secret: the user list cannot be used");
            return Ok(());
        };
        // The markers of the batch's pending openIDs. Markers of others seen
        // on the way are recorded for their own requests.
        let mut table = HashMap::new();
        let batch: Vec<String> = work.pending.keys().cloned().collect();
        self.learn_markers(work, key.as_bytes(), &mut table, &batch, now).await?;

        // The last read of each follower's page, fetched as followers come up.
        let mut walks = Walks::default();
        // The newest follow walked for before its grace was over.
        let mut walked_early: Option<i64> = None;
        for round in 0..self.config.rounds {
            if round > 0 {
                let taken = self.take_in(work, findable_by_marker).await?;
                self.learn_markers(work, key.as_bytes(), &mut table, &taken, now).await?;
            }
            if work.pending.is_empty() {
                return Ok(());
            }
            let newest_push = work.pending.values().map(|r| r.last_hint.create_time).max().unwrap_or(now);
            let oldest_push = work.pending.values().map(|r| r.first_hint.create_time).min().unwrap_or(now);
            self.read_list(work, oldest_push - self.config.skew_secs - self.config.settle_secs).await?;
            let rows = work.rows();
            // Whose row fits a pending push by time is the likely sender: its
            // page is read at once. The window is twice the skew, as the
            // console's clock is sometimes further off and a page read in
            // vain costs only the read: the marker decides. The others who
            // wrote lately come next, newest first, once their replies should
            // show.
            let mut likely: HashSet<u64> = HashSet::new();
            for request in work.pending.values() {
                for hint in hints(request).iter().filter(|h| h.marker_planted) {
                    likely.extend(by_time::candidates(hint, &rows, 2 * self.config.skew_secs).into_keys());
                }
            }
            let mut writers: BTreeMap<u64, i64> = BTreeMap::new();
            for row in rows.iter().filter(|r| !r.from_account()) {
                let latest = writers.entry(row.fake_id).or_default();
                *latest = (*latest).max(row.date_time);
            }
            let mut order: Vec<(u64, i64)> = writers.into_iter().collect();
            order.sort_by_key(|(fake_id, at)| (!likely.contains(fake_id), std::cmp::Reverse(*at)));
            let grace_until = self.unix_now() - self.config.reply_grace_secs;
            let writers: Vec<u64> = order.iter().map(|(f, _)| *f).collect();
            self.fetch_walks(work, &mut walks, &writers).await?;
            let mut deferred: Option<i64> = None;
            let mut to_read = Vec::new();
            for (fake_id, wrote_at) in order {
                if !likely.contains(&fake_id) && wrote_at > grace_until {
                    deferred = Some(deferred.map_or(wrote_at, |d: i64| d.max(wrote_at)));
                    continue;
                }
                if self.worth_reading(work, &walks, fake_id, Some(wrote_at), None) {
                    to_read.push(fake_id);
                }
            }
            // The likely senders at once, the others from one page upwards.
            let first_wave = to_read.iter().take_while(|f| likely.contains(f)).count();
            self.read_dialogs(work, &table, &mut walks, &to_read, first_wave, oldest_push, now, |_| true).await?;

            // Then the top of the unresolved list, the newest followers: who
            // only followed (an event) has no row in the message list. Deeper
            // walks for other events would read every page again and again;
            // those senders are found when they next write.
            // A follow is walked for at once, since its reply often shows
            // soon, and once more after the grace when it did not.
            let newest_event =
                work.pending.values().filter(|r| awaits_follow_walk(r)).map(|r| r.last_hint.create_time).max();
            let walk_pages = match newest_event {
                Some(event) if event <= grace_until => self.config.event_walk_pages,
                Some(event) => {
                    deferred = Some(deferred.map_or(event, |d: i64| d.max(event)));
                    let early = walked_early.is_none_or(|at| at < event);
                    walked_early = Some(event);
                    if early { self.config.event_walk_pages } else { 0 }
                }
                None => 0,
            };
            for page_idx in 0..walk_pages {
                if work.pending.is_empty() {
                    return Ok(());
                }
                let page = self.follower_page(work, page_idx).await?;
                if page.is_empty() {
                    break;
                }
                // New followers are at the top: a few more than the follows
                // sought, in case others followed since. A follower who left
                // again is not there at all; they are found when they write.
                let follows = work.pending.values().filter(|r| awaits_follow_walk(r)).count();
                let depth = 2 * follows + 2;
                let contacts: Vec<u64> = page.iter().take(depth).map(|c| c.fake_id).collect();
                self.fetch_walks(work, &mut walks, &contacts).await?;
                let to_read: Vec<u64> =
                    contacts.into_iter().filter(|f| self.worth_reading(work, &walks, *f, None, newest_event)).collect();
                self.read_dialogs(work, &table, &mut walks, &to_read, 1, oldest_push, now, awaits_follow_walk).await?;
                if !work.pending.values().any(awaits_follow_walk) {
                    break;
                }
            }
            if work.pending.is_empty() || round + 1 == self.config.rounds {
                return Ok(());
            }
            // Look again soon while a push's row or reply may still show;
            // else once the deferred pages are due; else done.
            let unix_now = self.unix_now();
            let settles_at = newest_push + self.config.skew_secs + self.config.settle_secs;
            let next = match deferred.map(|at| at + self.config.reply_grace_secs) {
                // The last look waits for the clock.
                _ if unix_now < settles_at && round + 2 == self.config.rounds => Some(settles_at),
                _ if unix_now < settles_at => Some(unix_now),
                due => due,
            };
            match next {
                Some(at) if self.pause_until(at).await => {}
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// Adds the markers of `open_ids` to `table`, and commits those already
    /// seen on earlier walks.
    async fn learn_markers(
        &self,
        work: &mut Work,
        key: &[u8],
        table: &mut HashMap<String, String>,
        open_ids: &[String],
        now: i64,
    ) -> Result<(), SessionError> {
        if open_ids.is_empty() {
            return Ok(());
        }
        let learned = by_user_list::marker_table(key, open_ids.iter().map(String::as_str));
        let named: Vec<String> = learned.keys().cloned().collect();
        table.extend(learned);
        let matches = self
            .store
            .markers_named(&work.account.id, &named)
            .await?
            .into_iter()
            .filter_map(|seen| {
                let open_id = table.get(&seen.marker)?.clone();
                Some((open_id, user_list_resolution(seen.fake_id, seen.message_id, seen.found_at)))
            })
            .collect();
        self.commit(work, matches, now).await
    }

    /// Takes in the account's requests that became pending since the batch
    /// was cut (their records are on the way, behind this invocation): while
    /// it waits anyway, it serves them too. Returns their openIDs.
    async fn take_in(
        &self,
        work: &mut Work,
        findable: impl Fn(&ResolveHint) -> bool,
    ) -> Result<Vec<String>, SessionError> {
        let from = work.pending.values().map(|r| r.first_hint.create_time).min().unwrap_or_else(|| self.unix_now());
        let pushes = self.store.pushes_between(&work.account.id, from, self.unix_now() + self.config.skew_secs).await?;
        // Each sender's newest push: its time, and how many that second.
        let mut newest: HashMap<&str, (i64, usize)> = HashMap::new();
        for push in &pushes {
            let seen = newest.entry(push.open_id.as_str()).or_insert((push.create_time, 0));
            if push.create_time > seen.0 {
                *seen = (push.create_time, 0);
            }
            if push.create_time == seen.0 {
                seen.1 += 1;
            }
        }
        let fresh: Vec<&str> = newest
            .iter()
            .filter(|(o, at)| !work.matched.contains_key(**o) && work.looked_at.get(**o).is_none_or(|seen| *at > seen))
            .map(|(o, _)| *o)
            .collect();
        if fresh.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = self.store.requests_and_senders(&work.account.id, &fresh).await?;
        let mut taken = Vec::new();
        for open_id in fresh {
            work.looked_at.insert(open_id.to_owned(), newest[open_id]);
            let Some(found) = found.remove(open_id) else { continue };
            let unmapped = found.sender.as_ref().is_none_or(|s| s.fake_id.is_none());
            match found.request {
                Some(request)
                    if request.state == ResolveState::Pending && unmapped && hints(&request).iter().any(&findable) =>
                {
                    work.pending.insert(open_id.to_owned(), request);
                    taken.push(open_id.to_owned());
                }
                _ => {}
            }
        }
        if !taken.is_empty() {
            tracing::debug!(account = %work.account.id, taken = taken.len(), "requests taken in while waiting");
        }
        Ok(taken)
    }

    /// Whether a follower's dialog page may hold a marker not seen yet.
    ///
    /// A page that showed the follower's marker is not read again: that
    /// follower is known. Another page read before is worth reading again
    /// only when the follower wrote something unanswered at that read,
    /// recently enough that its reply could not show yet (`wrote_at`, from the
    /// message list), or, on the walk of the unresolved list, when it was
    /// read too early for the reply to the newest pending event (`event_at`).
    fn worth_reading(
        &self,
        work: &Work,
        walks: &Walks,
        fake_id: u64,
        wrote_at: Option<i64>,
        event_at: Option<i64>,
    ) -> bool {
        if work.matched.values().any(|f| *f == fake_id) {
            return false;
        }
        let Some(walk) = walks.get(&fake_id).and_then(Option::as_ref) else {
            return true;
        };
        if walk.marker.is_some() {
            return false;
        }
        let window = self.config.skew_secs + self.config.settle_secs;
        match (wrote_at, event_at) {
            (Some(wrote), _) => wrote > walk.newest_message_at && walk.read_at < wrote + window,
            (None, Some(event)) => walk.read_at < event + self.config.reply_grace_secs,
            (None, None) => false,
        }
    }

    /// Fetches the last read of the followers not looked up yet.
    async fn fetch_walks(&self, work: &Work, walks: &mut Walks, fake_ids: &[u64]) -> Result<(), SessionError> {
        let missing: Vec<u64> = fake_ids.iter().copied().filter(|f| !walks.contains_key(f)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        for fake_id in &missing {
            walks.insert(*fake_id, None);
        }
        for walk in self.store.walks_of(&work.account.id, &missing).await? {
            walks.insert(walk.fake_id, Some(walk));
        }
        Ok(())
    }

    async fn follower_page(&self, work: &mut Work, page_idx: u32) -> Result<Vec<Contact>, SessionError> {
        let (group, size) = (self.config.unresolved_group, self.config.page_size);
        let console = self.sessions.console();
        let page = self
            .sessions
            .call(&work.account, &mut work.session, self.unix_now(), |s| async move {
                console.followers(&s, group, page_idx, size).await
            })
            .await?;
        self.count(|s| s.follower_pages += 1);
        Ok(page.contacts)
    }

    /// Reads followers' dialog pages in waves, from `first_wave` at once up
    /// to `parallel_reads`, while a pending request is `sought`; records
    /// every marker on them and commits the ones of pending openIDs.
    #[allow(clippy::too_many_arguments)]
    async fn read_dialogs(
        &self,
        work: &mut Work,
        table: &HashMap<String, String>,
        walks: &mut Walks,
        fake_ids: &[u64],
        first_wave: usize,
        since: i64,
        now: i64,
        sought: impl Fn(&ResolveRequest) -> bool,
    ) -> Result<(), SessionError> {
        let create_time = (since - self.config.skew_secs - self.config.settle_secs).max(0);
        let mut rest = fake_ids;
        let mut wave = first_wave.max(1);
        while !rest.is_empty() && work.pending.values().any(&sought) {
            let (these, later) = rest.split_at(wave.min(rest.len()));
            self.read_wave(work, table, walks, these, create_time, now).await?;
            rest = later;
            wave = (wave * 2).min(self.config.parallel_reads.max(1));
        }
        Ok(())
    }

    /// Reads the pages of `fake_ids` at once.
    async fn read_wave(
        &self,
        work: &mut Work,
        table: &HashMap<String, String>,
        walks: &mut Walks,
        fake_ids: &[u64],
        create_time: i64,
        now: i64,
    ) -> Result<(), SessionError> {
        let uin = work.session.uin.unwrap_or_default();
        let console = self.sessions.console();
        let (account, session) = (&work.account, &work.session);
        let started = Instant::now();
        let pages: Vec<(u64, Result<DialogRead, SessionError>)> =
            join_all(fake_ids.iter().map(|&fake_id| async move {
                // Each read keeps its own copy: a renewal (200003) is shared through the store.
                let mut session = session.clone();
                let page = self
                    .sessions
                    .call(account, &mut session, self.unix_now(), |s| async move {
                        console.dialog(&s, fake_id, uin, create_time).await
                    })
                    .await;
                (fake_id, page.map(|dialog| (dialog, session)))
            }))
            .await;
        self.count(|s| s.console += started.elapsed());
        let mut failed = None;
        let mut read = Vec::new();
        for (fake_id, page) in pages {
            match page {
                Ok((dialog, session)) => {
                    if session.token != work.session.token && session.created_at >= work.session.created_at {
                        work.session = session;
                    }
                    read.push((fake_id, Some(dialog)));
                }
                // 200002: the follower left since writing; the page holds
                // nothing for us and is not read again.
                Err(SessionError::Console(ConsoleError::InvalidArgument)) => {
                    tracing::debug!(fake_id, "no dialog page: no longer a follower");
                    read.push((fake_id, None));
                }
                // Reported once the other pages are kept.
                Err(err) => {
                    failed.get_or_insert(err);
                }
            }
        }
        self.keep_pages(work, table, walks, read, now).await?;
        failed.map_or(Ok(()), Err)
    }

    /// Records the pages read (`None`: the follower is gone) and every marker
    /// on them, and commits the ones of pending openIDs. The markers are
    /// stored before the pages that hold them: a page recorded as read is
    /// not read again, so its markers must not be lost.
    async fn keep_pages(
        &self,
        work: &mut Work,
        table: &HashMap<String, String>,
        walks: &mut Walks,
        pages: Vec<(u64, Option<Dialog>)>,
        now: i64,
    ) -> Result<(), SessionError> {
        let read_at = self.unix_now();
        let mut markers = Vec::new();
        let mut read = Vec::new();
        for (fake_id, dialog) in pages {
            self.count(|s| s.dialog_reads += 1);
            let newest_message_at = dialog.as_ref().map_or(read_at, by_user_list::newest_answered);
            let found = dialog.map(|d| by_user_list::markers_in(&d, fake_id)).unwrap_or_default();
            let marker = found.first().map(|f| f.marker.clone());
            read.push(WalkRecord { fake_id, read_at, newest_message_at, marker });
            // A page repeats its follower's marker in every reply: once is enough.
            let mut recorded = HashSet::new();
            markers.extend(found.into_iter().filter(|f| recorded.insert(f.marker.clone())).map(|found| MarkerRecord {
                marker: found.marker,
                fake_id,
                message_id: found.message_id,
                found_at: now,
            }));
        }
        let account = work.account.id.as_str();
        all_ok(join_all(markers.iter().map(|m| self.store.record_marker(account, m))).await)?;
        all_ok(join_all(read.iter().map(|w| self.store.record_walk(account, w))).await)?;
        for walk in read {
            walks.insert(walk.fake_id, Some(walk));
        }
        let matches = markers
            .into_iter()
            .filter_map(|m| {
                let open_id = table.get(&m.marker)?.clone();
                Some((open_id, user_list_resolution(m.fake_id, m.message_id, now)))
            })
            .collect();
        self.commit(work, matches, now).await
    }

    /// The account's marker key, from its marker secret: the resolver never
    /// reads the push secret (token and EncodingAESKeys).
    async fn marker_key(&self, account: &Account) -> Result<Option<String>, SessionError> {
        let Some(value) = self.secrets.secret(&account.marker_secret).await? else {
            return Ok(None);
        };
        let secret: MarkerSecret = crate::secrets::parse(&account.marker_secret, value.string.expose())?;
        Ok(Some(secret.marker_key.expose().clone()))
    }

    // ----- the resolved group -----

    /// Moves the followers matched in this invocation (and mapped ones not
    /// moved yet) into the resolved group, so that later walks skip them.
    async fn move_matched(&self, work: &mut Work, now: i64) -> Result<(), SessionError> {
        if !work.account.strategy.plants_markers() || work.matched.is_empty() {
            return Ok(());
        }
        let account = work.account.id.as_str();
        let senders = join_all(work.matched.keys().map(|open_id| self.store.sender_record(account, open_id))).await;
        let mut to_move = Vec::new();
        for ((open_id, fake_id), sender) in work.matched.iter().zip(senders) {
            if !sender?.is_some_and(|s| s.moved) {
                to_move.push((open_id.clone(), *fake_id));
            }
        }
        if to_move.is_empty() {
            return Ok(());
        }
        let group = self.resolved_group(work).await?;
        let fake_ids: Vec<u64> = to_move.iter().map(|(_, f)| *f).collect();
        let console = self.sessions.console();
        let ids = fake_ids.clone();
        self.sessions
            .call(&work.account, &mut work.session, now, |s| {
                let ids = ids.clone();
                async move { console.move_to_group(&s, &ids, group).await }
            })
            .await?;
        self.count(|s| s.moves += 1);
        let account = work.account.id.as_str();
        all_ok(join_all(to_move.iter().map(|(open_id, _)| self.store.mark_moved(account, open_id))).await)?;
        Ok(())
    }

    async fn resolved_group(&self, work: &mut Work) -> Result<i64, SessionError> {
        if let Some(group) = work.account.resolved_group_id {
            return Ok(group);
        }
        let console = self.sessions.console();
        let name = self.config.resolved_group_name.clone();
        let page =
            self.sessions
                .call(&work.account, &mut work.session, self.unix_now(), |s| async move {
                    console.followers(&s, 0, 0, 1).await
                })
                .await?;
        let group = match page.groups.iter().find(|g| g.name == name) {
            Some(group) => group.id,
            None => {
                let name = name.clone();
                self.sessions
                    .call(&work.account, &mut work.session, self.unix_now(), |s| {
                        let name = name.clone();
                        async move { console.create_group(&s, &name).await }
                    })
                    .await?
            }
        };
        self.store.set_resolved_group(&work.account.id, group).await?;
        work.account.resolved_group_id = Some(group);
        Ok(group)
    }

    /// Waits until the Unix second `at` (at least `round_wait`), unless the
    /// invocation has no time for it.
    async fn pause_until(&self, at: i64) -> bool {
        let until_at = Duration::from_secs(u64::try_from(at - self.unix_now()).unwrap_or(0));
        let wait = until_at.max(self.config.round_wait);
        if Instant::now() + wait + Duration::from_secs(1) >= self.deadline {
            return false;
        }
        tokio::time::sleep(wait).await;
        self.count(|s| s.paused += wait);
        true
    }
}

/// Whether a method of the account's strategy can find the request's sender
/// at all: by its row in the message list, or by a planted marker.
fn findable(account: &Account, request: &ResolveRequest) -> bool {
    let hints = hints(request);
    let by_row = hints.iter().any(by_time::has_row);
    let by_marker = hints.iter().any(findable_by_marker);
    match account.strategy {
        Strategy::Time => by_row,
        Strategy::UserList => by_marker,
        Strategy::Auto => by_row || by_marker,
    }
}

/// Whether a push's marker can be found: through the push's row in the
/// message list, or, for a follow, at the top of the unresolved list.
fn findable_by_marker(hint: &ResolveHint) -> bool {
    hint.marker_planted && (by_time::has_row(hint) || is_follow(hint))
}

fn is_follow(hint: &ResolveHint) -> bool {
    hint.event.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("subscribe"))
}

/// A request only a walk of the unresolved list's top can find: a follow.
fn awaits_follow_walk(request: &ResolveRequest) -> bool {
    let hints = hints(request);
    hints.iter().any(|h| h.marker_planted && is_follow(h)) && !hints.iter().any(by_time::has_row)
}

fn user_list_resolution(fake_id: u64, message_id: u64, at: i64) -> Resolution {
    Resolution {
        fake_id,
        method: Method::UserList,
        evidence: format!("marker in the dialog page of {fake_id}, message {message_id}"),
        resolved_at: at,
    }
}

/// The first error of writes made side by side, once all have finished.
fn all_ok(results: Vec<Result<(), StoreError>>) -> Result<(), StoreError> {
    results.into_iter().collect()
}
