//! Which followers' dialog pages a look of the user-list method reads, and
//! what it keeps of them. First who wrote lately, as the message list shows:
//! the likely senders (whose row fits a pending push by time) at once, the
//! others newest first once their replies can show. Then the walk of the
//! unresolved list's top, where a new follower is. A page is read again only
//! when it may hold a marker not seen yet; every marker and every read is
//! recorded.

use std::collections::{BTreeMap, HashSet};

use futures::future::join_all;

use super::decide::{self, awaits_follow_walk, user_list_resolution};
use super::{Search, Walks};
use crate::console::{Console, Contact, Dialog};
use crate::resolve::Resolver;
use crate::resolve::by_time::decide as by_time;
use crate::resolve::reads::Pages;
use crate::resolve::record::all_ok;
use crate::resolve::work::{Work, hints};
use crate::secrets::SecretSource;
use crate::session::SessionError;
use crate::store::{MarkerRecord, ResolverStore, WalkRecord};

impl<St: ResolverStore, Se: SecretSource, C: Console> Resolver<'_, St, Se, C> {
    /// Reads the pages of who wrote lately. Whose row fits a pending push by
    /// time is the likely sender: its page is read at once. The window is
    /// twice the skew, as the console's clock is sometimes further off and a
    /// page read in vain costs only the read: the marker decides. The others
    /// come next, newest first, once their replies should show; returns the
    /// newest write deferred for that.
    pub(super) async fn read_writers(
        &self,
        work: &mut Work,
        search: &mut Search,
        grace_until: i64,
        oldest_push: i64,
        now: i64,
    ) -> Result<Option<i64>, SessionError> {
        let rows = work.rows();
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
        let writers: Vec<u64> = order.iter().map(|(f, _)| *f).collect();
        self.fetch_walks(work, &mut search.walks, &writers).await?;
        let mut deferred: Option<i64> = None;
        let mut to_read = Vec::new();
        for (fake_id, wrote_at) in order {
            if !likely.contains(&fake_id) && wrote_at > grace_until {
                deferred = Some(deferred.map_or(wrote_at, |d: i64| d.max(wrote_at)));
                continue;
            }
            if self.worth_reading(work, &search.walks, fake_id, Some(wrote_at), None) {
                to_read.push(fake_id);
            }
        }
        // The likely senders at once, the others from one page upwards.
        let first_wave = to_read.iter().take_while(|f| likely.contains(f)).count();
        let pages = Pages { fake_ids: &to_read, first_wave, since: oldest_push };
        self.read_dialogs(work, search, pages, now, |_| true).await?;
        Ok(deferred)
    }

    /// Walks the top of the unresolved list, the newest followers: who only
    /// followed (an event) has no row in the message list. Deeper walks for
    /// other events would read every page again and again; those senders are
    /// found when they next write. A follow is walked for at once, since its
    /// reply often shows soon, and once more after the grace when it did
    /// not; returns the follow deferred for that.
    pub(super) async fn walk_for_follows(
        &self,
        work: &mut Work,
        search: &mut Search,
        grace_until: i64,
        oldest_push: i64,
        now: i64,
    ) -> Result<Option<i64>, SessionError> {
        let newest_event =
            work.pending.values().filter(|r| awaits_follow_walk(r)).map(|r| r.last_hint.create_time).max();
        let (walk_pages, deferred) = match newest_event {
            Some(event) if event <= grace_until => (self.config.event_walk_pages, None),
            Some(event) => {
                let early = search.walked_early.is_none_or(|at| at < event);
                search.walked_early = Some(event);
                (if early { self.config.event_walk_pages } else { 0 }, Some(event))
            }
            None => (0, None),
        };
        for page_idx in 0..walk_pages {
            if work.pending.is_empty() {
                break;
            }
            let page = self.follower_page(work, page_idx).await?;
            if page.is_empty() {
                break;
            }
            self.read_new_followers(work, search, &page, newest_event, oldest_push, now).await?;
            if !work.pending.values().any(awaits_follow_walk) {
                break;
            }
        }
        Ok(deferred)
    }

    /// Reads the pages of the new followers at the top of a page of the
    /// unresolved list: a few more than the follows sought, in case others
    /// followed since. A follower who left again is not there at all; they
    /// are found when they write.
    async fn read_new_followers(
        &self,
        work: &mut Work,
        search: &mut Search,
        page: &[Contact],
        newest_event: Option<i64>,
        oldest_push: i64,
        now: i64,
    ) -> Result<(), SessionError> {
        let follows = work.pending.values().filter(|r| awaits_follow_walk(r)).count();
        let depth = 2 * follows + 2;
        let contacts: Vec<u64> = page.iter().take(depth).map(|c| c.fake_id).collect();
        self.fetch_walks(work, &mut search.walks, &contacts).await?;
        let to_read: Vec<u64> =
            contacts.into_iter().filter(|f| self.worth_reading(work, &search.walks, *f, None, newest_event)).collect();
        let pages = Pages { fake_ids: &to_read, first_wave: 1, since: oldest_push };
        self.read_dialogs(work, search, pages, now, awaits_follow_walk).await
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

    /// Records the pages read (`None`: the follower is gone) and every marker
    /// on them, and commits the ones of pending openIDs. The markers are
    /// stored before the pages that hold them: a page recorded as read is
    /// not read again, so its markers must not be lost.
    pub(in crate::resolve) async fn keep_pages(
        &self,
        work: &mut Work,
        search: &mut Search,
        pages: Vec<(u64, Option<Dialog>)>,
        now: i64,
    ) -> Result<(), SessionError> {
        let read_at = self.unix_now();
        let mut markers = Vec::new();
        let mut read = Vec::new();
        for (fake_id, dialog) in pages {
            self.count(|s| s.dialog_reads += 1);
            let newest_message_at = dialog.as_ref().map_or(read_at, decide::newest_answered);
            let found = dialog.map(|d| decide::markers_in(&d, fake_id)).unwrap_or_default();
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
            search.walks.insert(walk.fake_id, Some(walk));
        }
        let matches = markers
            .into_iter()
            .filter_map(|m| {
                let open_id = search.table.get(&m.marker)?.clone();
                Some((open_id, user_list_resolution(m.fake_id, m.message_id, now)))
            })
            .collect();
        self.commit(work, matches, now).await
    }
}
