//! By user list (claims 3 and 4): the driver. Only a push whose reply
//! carried a marker can be found this way, and only where its page can be
//! found. Round after round it reads the message list, then the dialog pages
//! of who wrote lately (likely senders at once, the others in waves once
//! their replies can show), then walks the top of the unresolved list for
//! follows; every marker seen is recorded, and those of pending openIDs are
//! matches at once. Between looks it takes in requests that came meanwhile.
//! [`decide`] holds the pure part: markers on a page, what a page has
//! answered, which pushes are findable.

pub mod decide;
mod pages;

use std::collections::{BTreeMap, HashMap};

use super::Resolver;
use super::work::{Work, hints};
use crate::console::Console;
use crate::secrets::{MarkerSecret, SecretSource};
use crate::session::SessionError;
use crate::store::{Account, ResolveRequest, ResolverStore, WalkRecord};
use decide::{findable_by_marker, user_list_resolution};

/// The last read of followers' pages, by FakeID (`None`: never read).
type Walks = HashMap<u64, Option<WalkRecord>>;

/// What the search by markers has learnt across its rounds.
#[derive(Default)]
pub(super) struct Search {
    /// The markers of the pending openIDs: marker → openID.
    table: HashMap<String, String>,
    /// The last read of each follower's page, fetched as followers come up.
    walks: Walks,
    /// The newest follow walked for before its grace was over.
    walked_early: Option<i64>,
}

impl<St: ResolverStore, Se: SecretSource, C: Console> Resolver<'_, St, Se, C> {
    pub(super) async fn by_user_list(&self, work: &mut Work, now: i64) -> Result<(), SessionError> {
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

    /// The rounds of the search for the markers of the pending openIDs.
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
        let mut search = Search::default();
        let batch: Vec<String> = work.pending.keys().cloned().collect();
        self.learn_markers(work, key.as_bytes(), &mut search.table, &batch, now).await?;
        for round in 0..self.config.rounds {
            if round > 0 {
                let taken = self.take_in(work, findable_by_marker).await?;
                self.learn_markers(work, key.as_bytes(), &mut search.table, &taken, now).await?;
            }
            if work.pending.is_empty() {
                return Ok(());
            }
            let newest_push = work.pending.values().map(|r| r.last_hint.create_time).max().unwrap_or(now);
            let oldest_push = work.pending.values().map(|r| r.first_hint.create_time).min().unwrap_or(now);
            self.read_list(work, oldest_push - self.config.skew_secs - self.config.settle_secs).await?;
            let grace_until = self.unix_now() - self.config.reply_grace_secs;
            let deferred = self.read_writers(work, &mut search, grace_until, oldest_push, now).await?;
            let deferred = deferred.max(self.walk_for_follows(work, &mut search, grace_until, oldest_push, now).await?);
            if work.pending.is_empty() || round + 1 == self.config.rounds {
                return Ok(());
            }
            match self.next_look_by_marker(newest_push, deferred, round) {
                Some(at) if self.pause_until(at).await => {}
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// When to look again: soon while a push's row or reply may still show
    /// (the last look waits for the clock); else once the deferred pages are
    /// due; else never.
    fn next_look_by_marker(&self, newest_push: i64, deferred: Option<i64>, round: u32) -> Option<i64> {
        let unix_now = self.unix_now();
        let settles_at = newest_push + self.config.skew_secs + self.config.settle_secs;
        match deferred.map(|at| at + self.config.reply_grace_secs) {
            _ if unix_now < settles_at && round + 2 == self.config.rounds => Some(settles_at),
            _ if unix_now < settles_at => Some(unix_now),
            due => due,
        }
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
        let learned = decide::marker_table(key, open_ids.iter().map(String::as_str));
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

    /// The account's marker key, from its marker secret: the resolver never
    /// reads the push secret (token and EncodingAESKeys).
    async fn marker_key(&self, account: &Account) -> Result<Option<String>, SessionError> {
        let Some(value) = self.secrets.secret(&account.marker_secret).await? else {
            return Ok(None);
        };
        let secret: MarkerSecret = crate::secrets::parse(&account.marker_secret, value.string.expose())?;
        Ok(Some(secret.marker_key.expose().clone()))
    }
}
