//! Where the sender of a push stands. Nothing is read before the write: a
//! sender written lately is trusted for `sender_cache_ttl` and stamped as
//! remembered (known; or, on an account that plants no markers, pending on
//! condition that it is still unmapped or without a profile); any other
//! push is written as from a known sender, by reference, on condition that
//! the sender's item shows one. A refused write hands the item back, and
//! the push is judged from it.

use super::{Ingest, SenderStatus};
use crate::secrets::SecretSource;
use crate::store::{
    AccountRegistry, FollowChange, FollowState, ProfileState, PushLedger, Sender, SenderCheck, SenderField,
};

impl<R: AccountRegistry, L: PushLedger, S: SecretSource> Ingest<R, L, S> {
    /// The sender a push is first written with. A known sender whose push
    /// was written within `sender_cache_ttl` is stamped as then, with no
    /// condition. Any other is assumed known and fresh: the message refers
    /// to the sender's item, which the write checks; so a known sender
    /// costs one request, remembered or not. A follow change is always
    /// checked against the item, which alone holds the follow state.
    ///
    /// A sender left pending (unknown, or mapped without a profile) on an
    /// account that plants no markers is remembered too: its next pushes
    /// are written pending at once, and the ledger's condition on a pending
    /// message (no FakeID when it opens a request, no profile otherwise)
    /// refuses the write if the sender was mapped or profiled meanwhile,
    /// handing the item back.
    pub(super) fn assumed(&self, key: &(String, String), follow: Option<FollowChange>, now: i64) -> SenderView {
        if follow.is_none()
            && let Some(remembered) = self.senders.get(key)
            && now < remembered.until
        {
            return SenderView {
                status: remembered.status,
                field: remembered.field.clone(),
                refresh_profile: false,
                check: None,
                remember: false,
            };
        }
        SenderView {
            status: SenderStatus::Known,
            field: SenderField::Reference,
            refresh_profile: false,
            check: Some(SenderCheck { fetched_since: now - self.config.profile_max_age_secs }),
            remember: follow.is_none(),
        }
    }

    /// Where the sender as stored stands, with the snapshot to stamp when
    /// known, and whether to ask for the profile again: it is older than the
    /// configured age, or the follower came back after an unfollow.
    pub(super) fn judge(&self, stored: Option<Sender>, follow: Option<FollowChange>, now: i64) -> SenderView {
        let unresolved = SenderView {
            status: SenderStatus::Unresolved,
            field: SenderField::Pending,
            refresh_profile: false,
            check: None,
            remember: follow.is_none(),
        };
        let Some(sender) = stored else { return unresolved };
        let asked = sender.profile_state == Some(ProfileState::Wanted);
        let gone = sender.follow_state == Some(FollowState::Unfollowed);
        let returning = matches!(follow, Some(FollowChange { state: FollowState::Following, .. })) && gone;
        match (sender.snapshot(), sender.fake_id) {
            (Some(snapshot), _) => {
                let refresh_profile = !asked && (returning || self.stale(sender.profile_fetched_at, now));
                SenderView {
                    status: SenderStatus::Known,
                    field: SenderField::Known(snapshot),
                    refresh_profile,
                    check: None,
                    // As a checked write would find it: known, with nothing to ask for.
                    remember: !asked && !refresh_profile && !gone && follow.is_none(),
                }
            }
            (None, Some(_)) => SenderView {
                status: SenderStatus::AwaitingProfile,
                field: SenderField::Pending,
                refresh_profile: !asked && returning,
                check: None,
                remember: follow.is_none(),
            },
            (None, None) => unresolved,
        }
    }

    /// After a push is written: a sender found known with nothing to ask
    /// for is trusted for `sender_cache_ttl` from the push's clock; after a
    /// follow change it is checked again next time. A sender found pending
    /// is trusted so only on an account that plants no markers, where it
    /// stays pending until the console's list decides by time: a marker in
    /// the reply usually has the sender mapped by the next stream batch, so
    /// its next push is better assumed known (a refused pending write costs
    /// more than a refused check).
    pub(super) fn recorded(
        &self,
        key: (String, String),
        sender: &SenderView,
        follow: Option<FollowChange>,
        now: i64,
        plants_markers: bool,
    ) {
        let pending = sender.status != SenderStatus::Known;
        if follow.is_some() {
            self.senders.remove(&key);
        } else if sender.remember && !(pending && plants_markers) {
            let until = now.saturating_add(self.config.sender_cache_ttl.as_secs() as i64);
            self.senders.insert(key, Remembered { status: sender.status, field: sender.field.clone(), until });
        }
    }

    fn stale(&self, fetched_at: Option<i64>, now: i64) -> bool {
        fetched_at.is_some_and(|at| now - at > self.config.profile_max_age_secs)
    }
}

/// The sender of one push, as the webhook writes it.
#[derive(Debug, Clone)]
pub(super) struct SenderView {
    pub(super) status: SenderStatus,
    /// What the message carries: the snapshot, a reference, or pending.
    pub(super) field: SenderField,
    pub(super) refresh_profile: bool,
    /// Set when the sender is assumed known without being read.
    pub(super) check: Option<SenderCheck>,
    /// Whether the sender, once the push is written, is trusted for the
    /// next pushes: it was checked or read, and is known with nothing to
    /// ask for, or pending.
    pub(super) remember: bool,
}

/// A sender as the container remembers it: how its pushes are stamped,
/// until when (Unix seconds, on the pushes' clock).
#[derive(Debug, Clone)]
pub(super) struct Remembered {
    pub(super) status: SenderStatus,
    pub(super) field: SenderField,
    pub(super) until: i64,
}
