//! Where the sender of a push stands: remembered from an earlier push
//! (stamped as it is for `sender_cache_ttl`, with a proof after that), or
//! judged from the sender's item as stored.

use super::{Ingest, SenderStatus};
use crate::secrets::SecretSource;
use crate::store::{
    AccountRegistry, FollowChange, FollowState, ProfileState, PushLedger, Sender, SenderProof, SenderSnapshot,
};

impl<R: AccountRegistry, L: PushLedger, S: SecretSource> Ingest<R, L, S> {
    /// A known sender remembered from an earlier push, if any. Within
    /// `sender_cache_ttl` of its last read or proof it is stamped as it is;
    /// later, the write carries a proof that the sender still holds it, so
    /// that a busy follower costs one DynamoDB request per push whenever
    /// the container met them before. A profile older than the configured
    /// age is asked for again.
    pub(super) fn remembered(&self, key: &(String, String), now: i64) -> Option<SenderView> {
        let trusted = self.senders.get_younger_than(key, self.config.sender_cache_ttl);
        let (known, proof) = match trusted {
            Some(known) => (known, None),
            None => {
                let known = self.senders.get(key)?;
                let proof = SenderProof { fake_id: known.snapshot.fake_id, profile_fetched_at: known.fetched_at };
                (known, Some(proof))
            }
        };
        let refresh_profile = self.stale(known.fetched_at, now);
        if refresh_profile {
            self.senders.remove(key);
        }
        Some(SenderView { status: SenderStatus::Known, snapshot: Some(known.snapshot.clone()), refresh_profile, proof })
    }

    /// Where the sender as stored stands, with the snapshot to stamp when
    /// known, and whether to ask for the profile again: it is older than the
    /// configured age, or the follower came back after an unfollow. A known
    /// sender with nothing pending is remembered for the next push.
    pub(super) fn judge(
        &self,
        key: &(String, String),
        stored: Option<Sender>,
        follow: Option<FollowChange>,
        now: i64,
    ) -> SenderView {
        let unresolved =
            SenderView { status: SenderStatus::Unresolved, snapshot: None, refresh_profile: false, proof: None };
        let Some(sender) = stored else { return unresolved };
        let asked = sender.profile_state == Some(ProfileState::Wanted);
        let returning = matches!(follow, Some(FollowChange { state: FollowState::Following, .. }))
            && sender.follow_state == Some(FollowState::Unfollowed);
        match (sender.snapshot(), sender.fake_id) {
            (Some(snapshot), _) => {
                let refresh_profile = !asked && (returning || self.stale(sender.profile_fetched_at, now));
                if !asked && !refresh_profile && follow.is_none() {
                    let known = KnownSender { snapshot: snapshot.clone(), fetched_at: sender.profile_fetched_at };
                    self.senders.insert(key.clone(), known);
                }
                SenderView { status: SenderStatus::Known, snapshot: Some(snapshot), refresh_profile, proof: None }
            }
            (None, Some(_)) => SenderView {
                status: SenderStatus::AwaitingProfile,
                snapshot: None,
                refresh_profile: !asked && returning,
                proof: None,
            },
            (None, None) => unresolved,
        }
    }

    /// After a push is written: a sender proven to hold its remembered
    /// snapshot is trusted again for `sender_cache_ttl`; after a follow
    /// change it is read again next time.
    pub(super) fn recorded(&self, key: (String, String), sender: &SenderView, follow: Option<FollowChange>) {
        if follow.is_some() {
            self.senders.remove(&key);
        } else if let (Some(proof), Some(snapshot)) = (sender.proof, &sender.snapshot)
            && !sender.refresh_profile
        {
            let known = KnownSender { snapshot: snapshot.clone(), fetched_at: proof.profile_fetched_at };
            self.senders.insert(key, known);
        }
    }

    fn stale(&self, fetched_at: Option<i64>, now: i64) -> bool {
        fetched_at.is_some_and(|at| now - at > self.config.profile_max_age_secs)
    }
}

/// A known sender as remembered between pushes.
#[derive(Debug, Clone)]
pub(super) struct KnownSender {
    pub(super) snapshot: SenderSnapshot,
    pub(super) fetched_at: Option<i64>,
}

/// The sender of one push, as the webhook judges it.
#[derive(Debug, Clone)]
pub(super) struct SenderView {
    pub(super) status: SenderStatus,
    pub(super) snapshot: Option<SenderSnapshot>,
    pub(super) refresh_profile: bool,
    /// Set when the snapshot comes from memory past `sender_cache_ttl`.
    pub(super) proof: Option<SenderProof>,
}
