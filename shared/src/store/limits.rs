//! DynamoDB's size limits, which moto does not enforce: the in-memory twin
//! refuses what DynamoDB would refuse, so that tests on it catch a key or an
//! item that outside input could make too large.

use super::PushEntry;
use super::{StoreError, keys};

/// DynamoDB's limits on a key attribute (table or index), in UTF-8 bytes.
pub const PARTITION_KEY_MAX_BYTES: usize = 2048;
pub const SORT_KEY_MAX_BYTES: usize = 1024;
/// DynamoDB's limit on one item, names and values together.
pub const ITEM_MAX_BYTES: usize = 400 * 1024;

/// Refuses, as DynamoDB would, an entry with a key or an item over
/// DynamoDB's limits, so that tests on the twin catch what moto lets pass.
pub(super) fn check_entry(entry: &PushEntry) -> Result<(), StoreError> {
    let message = &entry.message;
    let (account, open_id) = (message.account.as_str(), message.features.open_id.as_str());
    let guard = entry.guard.as_ref().map(|guard| keys::nonce_pk(account, &guard.query_digest));
    let partition_keys = [keys::account_pk(account), keys::messages_pk(account), guard.unwrap_or_default()];
    let sort_keys = [
        keys::person_gsi2sk(account, open_id),
        keys::sender_sk(open_id),
        keys::resolve_sk(open_id),
        keys::message_sk(message.features.create_time, &message.dedupe_key),
    ];
    let too_long = partition_keys.iter().any(|k| k.len() > PARTITION_KEY_MAX_BYTES)
        || sort_keys.iter().any(|k| k.len() > SORT_KEY_MAX_BYTES);
    // The message item, and the resolve request, which holds two hints.
    let largest_item = (json_len(message) + json_len(&entry.answer)).max(2 * json_len(&entry.resolve));
    if too_long || largest_item > ITEM_MAX_BYTES {
        return Err(StoreError::Dynamo("ValidationException: key or item over DynamoDB's size limits".to_owned()));
    }
    Ok(())
}

/// About what an item takes in DynamoDB: names and values, as JSON.
fn json_len<T: serde::Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |json| json.len())
}
