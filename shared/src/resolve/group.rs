//! The resolved group: followers matched in an invocation are moved out of
//! the unresolved list into it (created when missing), so that later walks
//! skip them.

use futures::future::join_all;

use super::Resolver;
use super::record::all_ok;
use super::work::Work;
use crate::console::Console;
use crate::secrets::SecretSource;
use crate::session::SessionError;
use crate::store::ResolverStore;

impl<St: ResolverStore, Se: SecretSource, C: Console> Resolver<'_, St, Se, C> {
    /// Moves the followers matched in this invocation (and mapped ones not
    /// moved yet) into the resolved group, so that later walks skip them.
    pub(super) async fn move_matched(&self, work: &mut Work, now: i64) -> Result<(), SessionError> {
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

    /// The resolved group's id: the account's, else the console's group of
    /// that name, else a new one; kept on the account.
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
}
