//! Messages shown with their sender as its item stands. The webhook writes
//! a message by reference to its sender (a known sender it did not read) or
//! as pending (a sender not known yet), and nothing rewrites it afterwards:
//! the senders of a page are read together, one batch per 100.

use std::collections::{BTreeSet, HashMap};

use crate::store::{LookupStore, MessageRecord, Sender, SenderField, StoreError};

/// The messages, each reference or pending sender replaced by its sender's
/// item as it stands: its snapshot (FakeID and profile), its FakeID alone
/// (`identified`: the console says the FakeID no longer follows, so no
/// profile can be fetched), or `pending` (no FakeID yet, a profile still to
/// be fetched, or the item gone). A page whose senders were all copied
/// onto their messages (as older versions did) reads nothing.
pub(crate) async fn with_senders<St: LookupStore>(
    store: &St,
    account: &str,
    mut messages: Vec<MessageRecord>,
) -> Result<Vec<MessageRecord>, StoreError> {
    let referred: BTreeSet<&str> =
        messages.iter().filter(|m| by_reference(&m.sender)).map(|m| m.features.open_id.as_str()).collect();
    if referred.is_empty() {
        return Ok(messages);
    }
    let open_ids: Vec<&str> = referred.into_iter().collect();
    let senders: HashMap<String, Sender> =
        store.senders_named(account, &open_ids).await?.into_iter().map(|s| (s.open_id.clone(), s)).collect();
    for message in &mut messages {
        if by_reference(&message.sender) {
            let sender = senders.get(&message.features.open_id);
            message.sender = sender.map_or(SenderField::Pending, Sender::as_message_sender);
        }
    }
    Ok(messages)
}

/// Whether the message's sender is read from the sender's item.
fn by_reference(sender: &SenderField) -> bool {
    matches!(sender, SenderField::Reference | SenderField::Pending)
}

#[cfg(test)]
mod tests;
