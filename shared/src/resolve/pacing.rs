//! The resolver's clock and pace: its "now", when a push settles (its row
//! would be listed by now, so what the list shows of it is final), and the
//! pause until the next look, within the invocation's deadline.

use std::time::{Duration, Instant};

use super::Resolver;
use super::work::Work;
use crate::console::Console;
use crate::secrets::SecretSource;
use crate::store::{ResolveHint, ResolverStore};

impl<St: ResolverStore, Se: SecretSource, C: Console> Resolver<'_, St, Se, C> {
    /// Now, in Unix seconds: the `now` given to [`Resolver::run`] plus the time since.
    pub(super) fn unix_now(&self) -> i64 {
        let (at, since) = self.clock.lock().map(|c| *c).unwrap_or((0, Instant::now()));
        at + since.elapsed().as_secs() as i64
    }

    /// Now, in Unix milliseconds, by the same clock.
    pub(super) fn unix_now_ms(&self) -> i64 {
        let (at, since) = self.clock.lock().map(|c| *c).unwrap_or((0, Instant::now()));
        at.saturating_mul(1000).saturating_add(since.elapsed().as_millis() as i64)
    }

    /// When, by the clock, a push's row is surely listed.
    pub(super) fn settles_at(&self, hint: &ResolveHint) -> i64 {
        hint.create_time + self.config.skew_secs + self.config.settle_secs
    }

    /// Whether the push's row would be listed by now, so that what the list
    /// shows (or does not) is final.
    pub(super) fn settled(&self, work: &Work, hint: &ResolveHint) -> bool {
        let window_end = hint.create_time + self.config.skew_secs;
        self.unix_now() >= self.settles_at(hint)
            || work.newest_row_time() >= window_end + self.config.progress_margin_secs
    }

    /// Waits until the Unix second `at` (at least `round_wait`), unless the
    /// invocation has no time for it.
    pub(super) async fn pause_until(&self, at: i64) -> bool {
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
