//! Messages the webhook wrote by reference to their sender (a known sender
//! it did not read), shown with the sender as its item stands: the senders
//! of a page are read together, one batch per 100.

use std::collections::{BTreeSet, HashMap};

use crate::store::{LookupStore, MessageRecord, Sender, SenderField, StoreError};

/// The messages, each reference replaced by its sender's snapshot as it
/// stands, or by `pending` when the sender's item is gone or no longer
/// holds a FakeID and a profile. A page without references reads nothing.
pub(super) async fn with_senders<St: LookupStore>(
    store: &St,
    account: &str,
    mut messages: Vec<MessageRecord>,
) -> Result<Vec<MessageRecord>, StoreError> {
    let referred: BTreeSet<&str> =
        messages.iter().filter(|m| m.sender == SenderField::Reference).map(|m| m.features.open_id.as_str()).collect();
    if referred.is_empty() {
        return Ok(messages);
    }
    let open_ids: Vec<&str> = referred.into_iter().collect();
    let senders: HashMap<String, Sender> =
        store.senders_named(account, &open_ids).await?.into_iter().map(|s| (s.open_id.clone(), s)).collect();
    for message in &mut messages {
        if message.sender == SenderField::Reference {
            let snapshot = senders.get(&message.features.open_id).and_then(Sender::snapshot);
            message.sender = snapshot.map_or(SenderField::Pending, SenderField::Known);
        }
    }
    Ok(messages)
}

#[cfg(test)]
mod tests;
