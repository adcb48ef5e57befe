//! Recording what was found: each match is stored as the sender's mapping
//! and then its request is closed, side by side for the matches of a look.
//! Also the lookup of which FakeIDs are already mapped, so that by time never
//! offers a known follower for another openID.

use std::collections::HashSet;

use futures::future::join_all;

use super::Resolver;
use super::by_time::decide as by_time;
use super::work::Work;
use crate::console::{Console, MessageItem};
use crate::secrets::SecretSource;
use crate::session::SessionError;
use crate::store::{MappingOutcome, Method, Resolution, ResolveHint, ResolveState, ResolverStore, StoreError};

impl<St: ResolverStore, Se: SecretSource, C: Console> Resolver<'_, St, Se, C> {
    /// Records matches side by side, each the mapping and then its request
    /// closed; notes the ones stored. One match per pending openID.
    pub(super) async fn commit(
        &self,
        work: &mut Work,
        matches: Vec<(String, Resolution)>,
        now: i64,
    ) -> Result<(), SessionError> {
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
        let stored_at = self.unix_now_ms();
        let mut failed = None;
        for ((open_id, resolution), result) in matches.into_iter().zip(stored) {
            match result {
                Ok(mapping) => {
                    work.mapped.insert(resolution.fake_id, Some(open_id.clone()));
                    let first_push = work.pending.remove(&open_id).map(|r| r.first_seen_at);
                    work.matched.insert(open_id, resolution.fake_id);
                    let outcome = match mapping {
                        MappingOutcome::Conflict { .. } => "conflict",
                        MappingOutcome::Created | MappingOutcome::Unchanged => "mapped",
                    };
                    self.count(|s| {
                        s.resolved += 1;
                        *s.resolutions.entry((method_name(resolution.method), outcome)).or_default() += 1;
                        s.push_to_mapping_ms.extend(first_push.map(|at| crate::metrics::since_ms(at, stored_at)));
                    });
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
    ) -> Result<MappingOutcome, StoreError> {
        let mapping = self.store.record_mapping(account, open_id, resolution).await?;
        match mapping {
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
            .await?;
        Ok(mapping)
    }

    /// Learns which candidate FakeIDs are already mapped to an openID of this account.
    pub(super) async fn look_up_mapped(
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
}

/// A method by the name the metrics give it.
fn method_name(method: Method) -> &'static str {
    match method {
        Method::Time => "time",
        Method::UserList => "user_list",
    }
}

/// The first error of writes made side by side, once all have finished.
pub(super) fn all_ok(results: Vec<Result<(), StoreError>>) -> Result<(), StoreError> {
    results.into_iter().collect()
}
