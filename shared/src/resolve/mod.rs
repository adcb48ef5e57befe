//! The resolver's work (patent steps 14–16): for a batch of resolve requests,
//! log into each account's console and find every sender's FakeID, by time,
//! by user list, or both, then record the mapping, move the follower to the
//! resolved group and close the request.
//!
//! Everything here is safe to repeat: a request already resolved costs no
//! console call, a mapping is never overwritten by a different FakeID, and a
//! follower already moved is not moved again.
//!
//! This file holds the orchestration: the settings, the batch's accounts
//! worked side by side (in the stream-batch frame, [`crate::batch`]), and
//! the method each account's strategy calls for.
//! The rest, one concern a file:
//!
//! - `triage`: which requests of a batch need the console, which wait for
//!   their account, which are taken in while the invocation waits, and what
//!   each comes to at the end;
//! - [`by_time`] and [`by_user_list`]: the two methods, each a driver that
//!   looks at the console round after round beside its pure decision;
//! - `reads`: the console reads (message list, follower pages, dialog
//!   pages in waves);
//! - `record`: recording what was found (mappings, requests closed);
//! - `group`: moving matched followers into the resolved group;
//! - `pacing`: the clock, when a push settles, and the pause between looks;
//! - `work`: what the resolver knows of one account while it works on it.

pub mod by_time;
pub mod by_user_list;
mod group;
mod pacing;
mod reads;
mod record;
mod triage;
mod work;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::console::Console;
use crate::secrets::SecretSource;
use crate::session::{SessionError, Sessions};
use crate::store::{ResolverStore, Strategy};
pub use triage::GiveUp;
use work::Work;

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

use crate::batch::{self, Outcome, WorkKey};

/// Console reads of an invocation and what came of its requests, for the
/// figures and the metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub list_reads: usize,
    pub dialog_reads: usize,
    pub follower_pages: usize,
    pub moves: usize,
    pub resolved: usize,
    /// FakeIDs found and stored, by method (`time`, `user_list`) and outcome
    /// (`mapped`, or `conflict`: another FakeID was stored already and kept).
    pub resolutions: BTreeMap<(&'static str, &'static str), usize>,
    /// Requests left unresolved, by reason ([`GiveUp::name`], or `unknown_account`).
    pub unresolved: BTreeMap<&'static str, usize>,
    /// Requests held with their account, by the account's state ([`batch::Hold::name`]).
    pub held: BTreeMap<&'static str, usize>,
    /// For each FakeID found: milliseconds from the first push of its
    /// request (received, in whole seconds) to the mapping stored.
    pub push_to_mapping_ms: Vec<u64>,
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

    /// Resolves a batch; returns one outcome per request, in order.
    pub async fn run(&self, batch: &[WorkKey], now: i64) -> Vec<Outcome> {
        if let Ok(mut clock) = self.clock.lock() {
            *clock = (now, Instant::now());
        }
        // Accounts side by side: one waiting for its message list to settle
        // does not hold up another whose markers are already readable.
        batch::per_account(batch, |account, keys| async move {
            let open_ids: Vec<&str> = keys.iter().map(|k| k.open_id.as_str()).collect();
            match self.account(account, &open_ids, now).await {
                Ok(results) => batch::by_open_id(&keys, results),
                Err(err) => {
                    tracing::warn!(account, error = %err, "resolving failed; the records will be retried");
                    let retry = open_ids.iter().map(|o| (o.to_string(), Outcome::Retry(err.to_string())));
                    batch::by_open_id(&keys, retry)
                }
            }
        })
        .await
    }

    /// The account's pending requests, by the method of its strategy.
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
}
