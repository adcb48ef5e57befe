//! By time (claim 5): the driver. Round after round it looks at the message
//! list for the account's pending pushes that have a row, leaves out the
//! crowded ones (another follower sent the same too close to them), lets
//! [`decide`] match the rest to rows, and records a match once its push has
//! settled. Between looks it takes in requests that came meanwhile, and
//! pauses until the list can have moved past a window, or the clock settles
//! the pushes.

pub mod decide;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Resolver;
use super::work::{Work, hints};
use crate::console::Console;
use crate::secrets::SecretSource;
use crate::session::SessionError;
use crate::store::{Method, Resolution, ResolveHint, ResolverStore};
use decide::{Verdict, has_row};

/// On a list that did not move since the last look, the pause before the
/// next (seconds past the soonest a push could settle by the list).
const QUIET_LIST_SECS: i64 = 2;

/// An openID and its pushes that have a row.
type Pushes = Vec<(String, Vec<ResolveHint>)>;

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

impl<St: ResolverStore, Se: SecretSource, C: Console> Resolver<'_, St, Se, C> {
    pub(super) async fn by_time(&self, work: &mut Work, now: i64) -> Result<(), SessionError> {
        let mut newest_row_seen: Option<u64> = None;
        // Requests that came meanwhile are taken in while there is time to
        // decide them (an undecided push settles by the clock within its
        // window), never on the last look.
        let window = Duration::from_secs(u64::try_from(self.config.skew_secs + self.config.settle_secs).unwrap_or(0));
        for round in 0..self.config.rounds {
            let last_round = round + 1 == self.config.rounds;
            if round > 0 && !last_round && Instant::now() + window + Duration::from_secs(2) < self.deadline {
                self.take_in(work, has_row).await?;
            }
            let pushes = self.pushes_by_time(work, now).await?;
            if pushes.is_empty() {
                return Ok(());
            }
            let undecided = self.look_by_time(work, &pushes, now).await?;
            let moved = list_moved(work, &pushes, newest_row_seen);
            newest_row_seen = Some(work.newest_row_id());
            match self.next_look_by_time(undecided, moved, round) {
                Some(at) if !work.pending.is_empty() && !last_round && self.pause_until(at).await => {}
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// The pending pushes time can decide: those with a row, uncrowded.
    async fn pushes_by_time(&self, work: &mut Work, now: i64) -> Result<Pushes, SessionError> {
        let pushes: Pushes = work
            .pending
            .iter()
            .map(|(open_id, request)| (open_id.clone(), hints(request).into_iter().filter(has_row).collect::<Vec<_>>()))
            .filter(|(_, hints)| !hints.is_empty())
            .collect();
        if pushes.is_empty() {
            return Ok(pushes);
        }
        self.uncrowded(work, pushes, now).await
    }

    /// One look: reads the list back to the oldest push's window, decides,
    /// and records the matches of settled pushes; returns when the others
    /// can settle.
    async fn look_by_time(&self, work: &mut Work, pushes: &Pushes, now: i64) -> Result<Undecided, SessionError> {
        let oldest = pushes.iter().flat_map(|(_, h)| h.iter().map(|h| h.create_time)).min().unwrap_or(now);
        self.read_list(work, oldest - self.config.skew_secs - self.config.settle_secs).await?;
        let rows = work.rows();
        self.look_up_mapped(work, pushes, &rows).await?;
        let mapped: HashMap<u64, String> = work.mapped.iter().filter_map(|(f, o)| o.clone().map(|o| (*f, o))).collect();
        let verdicts = decide::decide(pushes, &rows, self.config.skew_secs, &mapped);
        let (matches, undecided) = self.sort_verdicts(work, pushes, &verdicts, now);
        self.commit(work, matches, now).await?;
        Ok(undecided)
    }

    /// The matches of settled pushes, and when the unsettled ones can settle:
    /// by the list, once a row past a window can show; by the clock, at the
    /// latest.
    fn sort_verdicts(
        &self,
        work: &Work,
        pushes: &Pushes,
        verdicts: &HashMap<String, Verdict>,
        now: i64,
    ) -> (Vec<(String, Resolution)>, Undecided) {
        let mut undecided = Undecided::default();
        let mut matches = Vec::new();
        for (open_id, hints) in pushes {
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
        (matches, undecided)
    }

    /// When to look again. While others keep writing, as soon as the list
    /// can have moved past a window: that settles it before the clock does.
    /// On a quiet list, less often. The last look waits for the clock, so
    /// that it decides every push it holds.
    fn next_look_by_time(&self, undecided: Undecided, moved: bool, round: u32) -> Option<i64> {
        let unix_now = self.unix_now();
        match undecided {
            Undecided { by_clock_last: Some(last), .. } if round + 2 == self.config.rounds => Some(last),
            Undecided { by_list: Some(list), by_clock: Some(clock), .. } => {
                let quiet = if moved { 0 } else { QUIET_LIST_SECS };
                Some((list.max(unix_now) + quiet).min(clock.max(unix_now)))
            }
            _ => None,
        }
    }

    /// Drops the pushes another follower's alike push came close to (see
    /// [`decide::crowded`]): time cannot tell them apart. A request left
    /// with none is noted as crowded.
    async fn uncrowded(&self, work: &mut Work, pushes: Pushes, now: i64) -> Result<Pushes, SessionError> {
        let radius = 2 * self.config.skew_secs;
        let times = pushes.iter().flat_map(|(_, h)| h.iter().map(|h| h.create_time));
        let (from, to) = times.fold((now, 0), |(lo, hi), t| (lo.min(t), hi.max(t)));
        let around = self.store.pushes_between(&work.account.id, from - radius, to + radius).await?;
        let mut kept = Vec::new();
        for (open_id, hints) in pushes {
            let clear: Vec<ResolveHint> =
                hints.into_iter().filter(|h| !decide::crowded(h, &open_id, &around, radius)).collect();
            if clear.is_empty() {
                work.crowded.insert(open_id);
            } else {
                kept.push((open_id, clear));
            }
        }
        Ok(kept)
    }
}

/// Whether the list moved since the last look: a newer row than then. On the
/// first look, rows later than every push show others writing.
fn list_moved(work: &Work, pushes: &Pushes, newest_row_seen: Option<u64>) -> bool {
    match newest_row_seen {
        Some(seen) => work.newest_row_id() > seen,
        None => {
            let newest_push = pushes.iter().flat_map(|(_, h)| h.iter().map(|h| h.create_time)).max();
            newest_push.is_some_and(|t| work.newest_row_time() > t)
        }
    }
}
