//! The console reads of a look: the message list from the newest row back,
//! a page of the unresolved list's followers, and followers' dialog pages,
//! read in waves (a few at once, then more, while something is sought).
//! Every read goes through the account's session, which renews itself when
//! the console ends it.

use std::collections::HashSet;
use std::time::Instant;

use futures::future::join_all;

use super::Resolver;
use super::by_user_list::Search;
use super::work::Work;
use crate::console::{Console, ConsoleError, Contact, Dialog, MessageQuery, SessionState};
use crate::secrets::SecretSource;
use crate::session::SessionError;
use crate::store::{ResolveRequest, ResolverStore};

/// A dialog page and the session it was read with.
type DialogRead = (Dialog, SessionState);

/// Followers whose dialog pages are to be read, in order.
pub(super) struct Pages<'p> {
    pub(super) fake_ids: &'p [u64],
    /// How many pages the first wave reads at once.
    pub(super) first_wave: usize,
    /// The oldest pending push: the pages are read back to its window.
    pub(super) since: i64,
}

impl<St: ResolverStore, Se: SecretSource, C: Console> Resolver<'_, St, Se, C> {
    /// Reads the message list from the newest row back to `back_to`, or to the
    /// rows already read; one read serves every pending push of the account.
    pub(super) async fn read_list(&self, work: &mut Work, back_to: i64) -> Result<(), SessionError> {
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

    /// One page of the unresolved list, newest followers first.
    pub(super) async fn follower_page(&self, work: &mut Work, page_idx: u32) -> Result<Vec<Contact>, SessionError> {
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
    pub(super) async fn read_dialogs(
        &self,
        work: &mut Work,
        search: &mut Search,
        pages: Pages<'_>,
        now: i64,
        sought: impl Fn(&ResolveRequest) -> bool,
    ) -> Result<(), SessionError> {
        let create_time = (pages.since - self.config.skew_secs - self.config.settle_secs).max(0);
        let mut rest = pages.fake_ids;
        let mut wave = pages.first_wave.max(1);
        while !rest.is_empty() && work.pending.values().any(&sought) {
            let (these, later) = rest.split_at(wave.min(rest.len()));
            let (read, failed) = self.read_wave(work, these, create_time).await;
            self.keep_pages(work, search, read, now).await?;
            failed.map_or(Ok(()), Err)?;
            rest = later;
            wave = (wave * 2).min(self.config.parallel_reads.max(1));
        }
        Ok(())
    }

    /// Reads the pages of `fake_ids` at once: the pages read (`None`: the
    /// follower is gone), and the first failure, if any.
    async fn read_wave(
        &self,
        work: &mut Work,
        fake_ids: &[u64],
        create_time: i64,
    ) -> (Vec<(u64, Option<Dialog>)>, Option<SessionError>) {
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
        (read, failed)
    }
}
