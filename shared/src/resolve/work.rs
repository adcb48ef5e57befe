//! What the resolver knows of one account while it works on it: the pending
//! requests, the matches made, the message-list rows read, the FakeIDs
//! already mapped, the requests crowded by time, and which requests were
//! looked at for taking in.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::console::{MessageItem, SessionState};
use crate::store::{Account, ResolveHint, ResolveRequest};

/// The work on one account: who is pending, what was found.
pub(super) struct Work {
    pub(super) account: Account,
    pub(super) session: SessionState,
    /// Pending requests of this batch by openID.
    pub(super) pending: BTreeMap<String, ResolveRequest>,
    /// Matched in this invocation: openID → FakeID.
    pub(super) matched: BTreeMap<String, u64>,
    /// Rows of the message list read so far, by id.
    pub(super) rows: BTreeMap<u64, MessageItem>,
    /// FakeIDs mapped to an openID of this account (looked up lazily).
    pub(super) mapped: HashMap<u64, Option<String>>,
    /// Pending openIDs whose pushes others' alike pushes came too close to.
    pub(super) crowded: HashSet<String>,
    /// The openIDs of the batch: only they get an outcome. Requests taken in
    /// while the invocation waits are resolved if they can be, else left as
    /// they are for their own records.
    pub(super) batch: HashSet<String>,
    /// OpenIDs whose requests were looked at for taking in, with their
    /// newest push then (its time, and how many pushes that second): a later
    /// push may have made a request findable, so it is looked at again.
    pub(super) looked_at: HashMap<String, (i64, usize)>,
}

impl Work {
    /// The work on the batch's `pending` requests of `account`, with the
    /// ones found `already_mapped` (openID, FakeID) counted as matched.
    pub(super) fn new(
        account: Account,
        session: SessionState,
        pending: BTreeMap<String, ResolveRequest>,
        already_mapped: Vec<(String, u64)>,
    ) -> Self {
        let batch = pending.keys().cloned().collect();
        let looked_at = pending.iter().map(|(o, r)| (o.clone(), (r.last_hint.create_time, usize::MAX))).collect();
        Self {
            account,
            session,
            pending,
            matched: already_mapped.into_iter().collect(),
            rows: BTreeMap::new(),
            mapped: HashMap::new(),
            crowded: HashSet::new(),
            batch,
            looked_at,
        }
    }

    /// The rows read so far, newest first.
    pub(super) fn rows(&self) -> Vec<MessageItem> {
        self.rows.values().rev().cloned().collect()
    }

    pub(super) fn newest_row_id(&self) -> u64 {
        self.rows.keys().next_back().copied().unwrap_or(0)
    }

    pub(super) fn newest_row_time(&self) -> i64 {
        self.rows.values().map(|r| r.date_time).max().unwrap_or(0)
    }
}

/// A request's pushes: its first and, when another, its last.
pub(super) fn hints(request: &ResolveRequest) -> Vec<ResolveHint> {
    let mut hints = vec![request.first_hint.clone()];
    if request.last_hint != request.first_hint {
        hints.push(request.last_hint.clone());
    }
    hints
}
