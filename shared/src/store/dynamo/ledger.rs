//! [`PushLedger`] on DynamoDB: every push written in one transaction (replay
//! guard for a plaintext account, message with its answer, resolve request,
//! sender), retried while a concurrent copy of the same push holds its items.

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::attrs::*;
use super::expr::{UpdateExpr, n, s};
use super::{DynamoStore, Item, Keyed, dynamo, from_item, invalid, to_item, to_value};
use crate::store::StoreError;
use crate::store::keys::{self, KIND, PK, SK, kind};
use crate::store::ports::{PushLedger, ResolveState};
use crate::store::{
    Answer, FollowState, MessageRecord, ProfileState, PushEntry, Recorded, ReplayGuard, ResolveHint, Sender,
    SenderCheck, SenderField,
};

/// What a retry reads back of the message item: the first answer (absent
/// on messages stored before the message item kept it).
#[derive(Deserialize)]
struct AnswerOf {
    answer: Option<Answer>,
}

#[derive(Serialize)]
struct GuardItem<'a> {
    pk: String,
    sk: &'static str,
    kind: &'static str,
    message_digest: &'a str,
    expires_at: i64,
}

#[derive(Serialize)]
struct MessageItem<'a> {
    pk: String,
    sk: String,
    kind: &'static str,
    #[serde(flatten)]
    message: &'a MessageRecord,
    /// The first answer, handed back to a retry (the message's key is the
    /// push's dedupe key, `docs/storage.md`).
    answer: &'a Answer,
}

/// Tries of a transaction that meets a concurrent one on the same items.
const CONFLICT_TRIES: u32 = 4;

/// Where the push transaction's items stand: the replay guard first when
/// there is one, then the message; the sender's item, when there is one,
/// is always the last.
#[derive(Clone, Copy)]
struct Layout {
    guard: Option<usize>,
    message: usize,
}

impl Layout {
    fn of(entry: &PushEntry) -> Self {
        Layout { guard: entry.guard.as_ref().map(|_| 0), message: usize::from(entry.guard.is_some()) }
    }
}

const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// A put that fails when its condition does.
fn conditional_put(table: &str, item: Item, condition: String) -> aws_sdk_dynamodb::types::builders::PutBuilder {
    Put::builder().table_name(table).set_item(Some(item)).condition_expression(condition)
}

impl DynamoStore {
    /// Creates or replaces a sender's item.
    pub async fn put_sender(&self, sender: &Sender) -> Result<(), StoreError> {
        let item =
            Keyed::new(keys::account_pk(&sender.account), keys::sender_sk(&sender.open_id), kind::SENDER, sender);
        self.put(&item).await
    }

    fn transaction(&self, entry: &PushEntry) -> Result<Vec<TransactWriteItem>, StoreError> {
        let message = &entry.message;
        let pending = matches!(message.sender, SenderField::Pending);
        let mut items = Vec::with_capacity(5);
        if let Some(guard) = &entry.guard {
            items.push(self.guard_put(entry, guard)?);
        }
        items.push(self.message_put(entry)?);
        if let Some(hint) = &entry.resolve {
            items.push(self.request_update(message, hint)?);
        }
        if let Some(update) = self.sender_update(entry, pending)? {
            items.push(update);
        }
        Ok(items)
    }

    /// The replay guard: a platform retry brings the same message with the
    /// same query; another message with that query is refused.
    fn guard_put(&self, entry: &PushEntry, guard: &ReplayGuard) -> Result<TransactWriteItem, StoreError> {
        let item = to_item(&GuardItem {
            pk: keys::nonce_pk(&entry.message.account, &guard.query_digest),
            sk: keys::NONCE_SK,
            kind: kind::NONCE,
            message_digest: &guard.message_digest,
            expires_at: guard.expires_at,
        })?;
        let put =
            conditional_put(&self.table, item, format!("attribute_not_exists({PK}) OR {MESSAGE_DIGEST} = :digest"))
                .expression_attribute_values(":digest", s(&guard.message_digest))
                .build()
                .map_err(invalid)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The message with its answer, written once: a copy of the push finds
    /// it and gets the answer back in the cancellation reason.
    fn message_put(&self, entry: &PushEntry) -> Result<TransactWriteItem, StoreError> {
        let message = &entry.message;
        let item = to_item(&MessageItem {
            pk: keys::messages_pk(&message.account),
            sk: keys::message_sk(message.features.create_time, &message.dedupe_key),
            kind: kind::MESSAGE,
            message,
            answer: &entry.answer,
        })?;
        let put = conditional_put(&self.table, item, format!("attribute_not_exists({PK})"))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(invalid)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Opens the sender's resolve request, or counts one more push on it.
    fn request_update(&self, message: &MessageRecord, hint: &ResolveHint) -> Result<TransactWriteItem, StoreError> {
        let (account, open_id) = (message.account.as_str(), message.features.open_id.as_str());
        let update = Update::builder()
            .table_name(&self.table)
            .key(PK, s(keys::account_pk(account)))
            .key(SK, s(keys::resolve_sk(open_id)))
            .update_expression(
                "SET #kind = :kind, #account = :account, #open_id = :open_id, #state = :pending, \
                 #first_seen = if_not_exists(#first_seen, :now), #updated = :now, \
                 #first_hint = if_not_exists(#first_hint, :hint), #last_hint = :hint \
                 ADD #count :one",
            )
            .expression_attribute_names("#kind", KIND)
            .expression_attribute_names("#account", ACCOUNT)
            .expression_attribute_names("#open_id", OPEN_ID)
            .expression_attribute_names("#state", STATE)
            .expression_attribute_names("#first_seen", FIRST_SEEN_AT)
            .expression_attribute_names("#updated", UPDATED_AT)
            .expression_attribute_names("#first_hint", FIRST_HINT)
            .expression_attribute_names("#last_hint", LAST_HINT)
            .expression_attribute_names("#count", MESSAGE_COUNT)
            .expression_attribute_values(":kind", s(kind::RESOLVE_REQUEST))
            .expression_attribute_values(":account", s(account))
            .expression_attribute_values(":open_id", s(open_id))
            .expression_attribute_values(":pending", to_value(ResolveState::Pending)?)
            .expression_attribute_values(":now", n(message.received_at))
            .expression_attribute_values(":hint", to_value(hint)?)
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(invalid)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The transaction's item on the sender: the follow change and the
    /// profile refresh, if any; and the condition on what the message
    /// assumes of its sender: still no FakeID for a message that opens a
    /// resolve request (a sender mapped meanwhile must not reopen it), still
    /// no profile for any other message stamped pending (else it must be
    /// stamped), a known sender with nothing to ask for when it was not
    /// read. A refusal hands the sender's item back.
    fn sender_update(&self, entry: &PushEntry, pending: bool) -> Result<Option<TransactWriteItem>, StoreError> {
        let message = &entry.message;
        let (account, open_id) = (message.account.as_str(), message.features.open_id.as_str());
        let (pk, sk) = (s(keys::account_pk(account)), s(keys::sender_sk(open_id)));
        let mut expr = UpdateExpr::new();
        if let Some(follow) = entry.follow {
            let moment = match follow.state {
                FollowState::Following => SUBSCRIBED_AT,
                FollowState::Unfollowed => UNSUBSCRIBED_AT,
            };
            expr = expr
                .set(KIND, s(kind::SENDER))
                .set(ACCOUNT, s(account))
                .set(OPEN_ID, s(open_id))
                .set(FOLLOW_STATE, to_value(follow.state)?)
                .set(FOLLOW_CHANGED_AT, n(follow.at))
                .set(moment, n(follow.at));
        }
        if entry.refresh_profile {
            expr =
                expr.set(PROFILE_STATE, to_value(ProfileState::Wanted)?).set(PROFILE_WANTED_AT, n(message.received_at));
        }
        let condition = match &entry.check {
            Some(check) => Some(check_condition(&mut expr, check)?),
            // A request is opened only for a sender still without a FakeID.
            None if pending && entry.resolve.is_some() => Some(format!("attribute_not_exists({})", expr.name(FAKE_ID))),
            None => pending.then(|| format!("attribute_not_exists({})", expr.name(PROFILE))),
        };
        let item = if expr.is_empty() {
            let Some(condition) = condition else { return Ok(None) };
            let built = expr.build();
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .key(PK, pk)
                .key(SK, sk)
                .condition_expression(condition)
                .set_expression_attribute_names(built.names)
                .set_expression_attribute_values(built.values)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map_err(invalid)?;
            TransactWriteItem::builder().condition_check(check).build()
        } else {
            let built = expr.build();
            let update = Update::builder()
                .table_name(&self.table)
                .key(PK, pk)
                .key(SK, sk)
                .update_expression(built.update)
                .set_condition_expression(condition)
                .set_expression_attribute_names(built.names)
                .set_expression_attribute_values(built.values)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map_err(invalid)?;
            TransactWriteItem::builder().update(update).build()
        };
        Ok(Some(item))
    }

    /// The answer stored with an earlier copy of this push.
    async fn earlier_answer(&self, entry: &PushEntry, returned: Option<&Item>) -> Result<Answer, StoreError> {
        let item = match returned {
            Some(item) => Some(item.clone()),
            None => {
                let message = &entry.message;
                self.client
                    .get_item()
                    .table_name(&self.table)
                    .key(PK, s(keys::messages_pk(&message.account)))
                    .key(SK, s(keys::message_sk(message.features.create_time, &message.dedupe_key)))
                    .projection_expression("#answer")
                    .expression_attribute_names("#answer", ANSWER)
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(dynamo)?
                    .item
            }
        };
        // A message stored before it kept its answer: acknowledge.
        Ok(item.map(from_item::<AnswerOf>).transpose()?.and_then(|a| a.answer).unwrap_or(Answer::Success))
    }

    /// What a canceled push transaction means: an answer, or `None` when it
    /// met a concurrent copy of itself and is worth another try.
    async fn canceled(
        &self,
        entry: &PushEntry,
        items: usize,
        canceled: &aws_sdk_dynamodb::types::error::TransactionCanceledException,
    ) -> Result<Option<Recorded>, StoreError> {
        let reasons = canceled.cancellation_reasons();
        let code = |i: usize| reasons.get(i).and_then(|r| r.code());
        let at = Layout::of(entry);
        if at.guard.is_some_and(|i| code(i) == Some(CONDITION_FAILED)) {
            return Ok(Some(Recorded::Replayed));
        }
        if code(at.message) == Some(CONDITION_FAILED) {
            let returned = reasons.get(at.message).and_then(|r| r.item());
            return Ok(Some(Recorded::Duplicate(self.earlier_answer(entry, returned).await?)));
        }
        // The sender's item is always the transaction's last.
        if reasons.len() == items && code(items - 1) == Some(CONDITION_FAILED) {
            let returned = reasons[items - 1].item().cloned();
            let sender = returned.map(from_item::<Sender>).transpose()?.map(Box::new);
            return Ok(Some(Recorded::SenderChanged(sender)));
        }
        if !reasons.iter().any(|r| r.code() == Some("TransactionConflict")) {
            let codes = reasons.iter().filter_map(|r| r.code()).collect::<Vec<_>>().join(", ");
            return Err(StoreError::Dynamo(format!("transaction canceled: {codes}")));
        }
        Ok(None)
    }
}

impl PushLedger for DynamoStore {
    async fn record(&self, entry: &PushEntry) -> Result<Recorded, StoreError> {
        let mut items = self.transaction(entry)?;
        if items.len() == 1
            && let Some(put) = items.pop().and_then(|item| item.put)
        {
            return self.put_alone(entry, put).await;
        }
        for attempt in 1..=CONFLICT_TRIES {
            let sent = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let canceled = match sent {
                Ok(_) => return Ok(Recorded::New),
                Err(SdkError::ServiceError(e)) => match e.into_err() {
                    TransactWriteItemsError::TransactionCanceledException(canceled) => canceled,
                    other => return Err(dynamo(other)),
                },
                Err(other) => return Err(dynamo(other)),
            };
            if let Some(recorded) = self.canceled(entry, items.len(), &canceled).await? {
                return Ok(recorded);
            }
            // Another copy of this push is being written right now: wait for it.
            tokio::time::sleep(Duration::from_millis(25 * u64::from(attempt))).await;
        }
        Err(StoreError::Contention)
    }
}

impl DynamoStore {
    /// A push whose transaction would hold the message alone (a remembered
    /// known sender on a safe or compatible account) is the same put outside
    /// a transaction: as atomic, half the write units. A copy fails its
    /// condition and gets the stored answer back.
    async fn put_alone(&self, entry: &PushEntry, put: Put) -> Result<Recorded, StoreError> {
        let sent = self
            .client
            .put_item()
            .table_name(put.table_name())
            .set_item(Some(put.item().clone()))
            .set_condition_expression(put.condition_expression().map(str::to_owned))
            .set_expression_attribute_names(put.expression_attribute_names().cloned())
            .set_expression_attribute_values(put.expression_attribute_values().cloned())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Recorded::New),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(failed) => {
                    Ok(Recorded::Duplicate(self.earlier_answer(entry, failed.item()).await?))
                }
                other => Err(dynamo(other)),
            },
            Err(other) => Err(dynamo(other)),
        }
    }
}

/// The sender is known, with nothing to ask for: a FakeID and a profile,
/// fetched recently enough (or at an unrecorded time), not asked for again,
/// not unfollowed. A missing item fails every `attribute_exists`.
fn check_condition(expr: &mut UpdateExpr, check: &SenderCheck) -> Result<String, StoreError> {
    let fetched = expr.name(PROFILE_FETCHED_AT);
    let since = expr.value(n(check.fetched_since));
    let state = expr.name(PROFILE_STATE);
    let wanted = expr.value(to_value(ProfileState::Wanted)?);
    let follow = expr.name(FOLLOW_STATE);
    let unfollowed = expr.value(to_value(FollowState::Unfollowed)?);
    Ok(format!(
        "attribute_exists({}) AND attribute_exists({}) \
         AND (attribute_not_exists({fetched}) OR {fetched} >= {since}) \
         AND (attribute_not_exists({state}) OR {state} <> {wanted}) \
         AND (attribute_not_exists({follow}) OR {follow} <> {unfollowed})",
        expr.name(FAKE_ID),
        expr.name(PROFILE),
    ))
}
