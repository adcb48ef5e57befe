//! [`AccountRegistry`] and [`PushLedger`] in memory: the push written whole
//! or not at all, refused as DynamoDB's transaction refuses it.

use super::{MemoryStore, Tables};
use crate::store::StoreError;
use crate::store::keys;
use crate::store::limits::check_entry;
use crate::store::ports::{AccountRegistry, PushLedger, ResolveRequest, ResolveState};
use crate::store::{
    Account, Answer, FollowState, ProfileState, PushEntry, Recorded, ResolveHint, Sender, SenderCheck, SenderField,
};

impl AccountRegistry for MemoryStore {
    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().accounts.get(id).cloned())
    }
}

impl PushLedger for MemoryStore {
    async fn record(&self, entry: &PushEntry) -> Result<Recorded, StoreError> {
        check_entry(entry)?;
        let mut tables = self.lock();
        if let Some(refused) = refusal(&tables, entry) {
            return Ok(refused);
        }
        let message = &entry.message;
        let account = message.account.clone();
        if let Some(guard) = &entry.guard {
            tables.nonces.insert((account.clone(), guard.query_digest.clone()), guard.message_digest.clone());
        }
        let message_id = (account, keys::message_sk(message.features.create_time, &message.dedupe_key));
        tables.answers.insert(message_id, entry.answer.clone());
        tables.insert_message(message.clone());
        if let Some(hint) = &entry.resolve {
            open_request(&mut tables, entry, hint);
        }
        if entry.follow.is_some() || entry.refresh_profile {
            let sender = tables.sender_mut(&message.account, &message.features.open_id);
            if let Some(follow) = entry.follow {
                sender.follow_state = Some(follow.state);
                sender.follow_changed_at = Some(follow.at);
            }
            if entry.refresh_profile {
                sender.profile_state = Some(ProfileState::Wanted);
                sender.profile_wanted_at = Some(message.received_at);
            }
        }
        Ok(Recorded::New)
    }
}

/// Why the entry cannot be written, if it cannot: in the order of the
/// transaction's items.
fn refusal(tables: &Tables, entry: &PushEntry) -> Option<Recorded> {
    let message = &entry.message;
    let account = message.account.clone();
    if let Some(guard) = &entry.guard
        && tables.nonces.get(&(account.clone(), guard.query_digest.clone())).is_some_and(|d| *d != guard.message_digest)
    {
        return Some(Recorded::Replayed);
    }
    // The message is keyed by the push's dedupe key: a copy finds it, and
    // its answer (none on a message put there directly: acknowledged).
    let message_id = (account.clone(), keys::message_sk(message.features.create_time, &message.dedupe_key));
    if tables.messages.contains_key(&message_id) {
        return Some(Recorded::Duplicate(tables.answers.get(&message_id).cloned().unwrap_or(Answer::Success)));
    }
    let pending = matches!(message.sender, SenderField::Pending);
    let sender = tables.senders.get(&(account, message.features.open_id.clone()));
    let changed = match &entry.check {
        Some(check) => !sender.is_some_and(|s| holds(s, check)),
        None if pending && entry.resolve.is_some() => sender.is_some_and(|s| s.fake_id.is_some()),
        None => pending && sender.is_some_and(|s| s.profile.is_some()),
    };
    // DynamoDB hands back the sender's item with the refusal, when there is one.
    changed.then(|| Recorded::SenderChanged(sender.cloned().map(Box::new)))
}

/// The sender is known with nothing to ask for, as the entry assumes.
fn holds(sender: &Sender, check: &SenderCheck) -> bool {
    sender.fake_id.is_some()
        && sender.profile.is_some()
        && sender.profile_fetched_at.is_none_or(|at| at >= check.fetched_since)
        && sender.profile_state != Some(ProfileState::Wanted)
        && sender.follow_state != Some(FollowState::Unfollowed)
}

/// Opens the sender's resolve request, or counts one more push on it.
fn open_request(tables: &mut Tables, entry: &PushEntry, hint: &ResolveHint) {
    let message = &entry.message;
    let (account, open_id) = (message.account.clone(), message.features.open_id.clone());
    let now = message.received_at;
    tables
        .resolve
        .entry((account.clone(), open_id.clone()))
        .and_modify(|r| {
            r.state = ResolveState::Pending;
            r.message_count += 1;
            r.last_hint = hint.clone();
            r.updated_at = now;
        })
        .or_insert_with(|| ResolveRequest {
            account,
            open_id,
            state: ResolveState::Pending,
            message_count: 1,
            first_hint: hint.clone(),
            last_hint: hint.clone(),
            first_seen_at: now,
            updated_at: now,
            reason: None,
            fake_id: None,
        });
}
