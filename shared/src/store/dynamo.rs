//! The DynamoDB adapter.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, KeysAndAttributes, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    Update,
};
use serde::{Deserialize, Serialize};

use super::expr::{UpdateExpr, n, s};
use super::keys::{self, kind};
use super::model::{Account, Answer, FollowState, MessageRecord, ProfileState, PushEntry, Recorded, Sender};
use super::{AccountRegistry, PushLedger, ResolveRequest, StoreError};

type Item = HashMap<String, AttributeValue>;

/// The store on its DynamoDB tables: the main table, and the table of
/// console sessions.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    pub(super) client: Client,
    pub(super) table: String,
    pub(super) session_table: String,
}

#[derive(Serialize, Deserialize)]
struct Keyed<T> {
    pk: String,
    sk: String,
    kind: String,
    #[serde(flatten)]
    value: T,
}

#[derive(Serialize, Deserialize)]
struct DedupeItem {
    pk: String,
    sk: String,
    kind: String,
    answer: Answer,
    message_sk: String,
    expires_at: i64,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    gsi1pk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gsi1sk: Option<String>,
    #[serde(flatten)]
    message: &'a MessageRecord,
}

/// Tries of a transaction that meets a concurrent one on the same items.
const CONFLICT_TRIES: u32 = 4;

/// Where the push transaction's items stand; the sender's, when there is
/// one, is always the last.
const GUARD_AT: usize = 0;
const DEDUPE_AT: usize = 1;
const MESSAGE_AT: usize = 2;

impl DynamoStore {
    /// The store on `table`, its sessions in `{table}-sessions`
    /// ([`super::schema::session_table_name`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        let table = table.into();
        let session_table = super::schema::session_table_name(&table);
        Self { client, table, session_table }
    }

    /// The same store with its sessions in `session_table`.
    pub fn with_session_table(mut self, session_table: impl Into<String>) -> Self {
        self.session_table = session_table.into();
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn session_table(&self) -> &str {
        &self.session_table
    }

    /// Creates or replaces an account's registry item.
    pub async fn put_account(&self, account: &Account) -> Result<(), StoreError> {
        let item = to_item(&Keyed {
            pk: keys::account_pk(&account.id),
            sk: keys::ACCOUNT_SK.to_owned(),
            kind: kind::ACCOUNT.to_owned(),
            value: account,
        })?;
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(dynamo)?;
        Ok(())
    }

    /// Every registered account, by id (a scan: for operators, not for the functions).
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let mut accounts = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("#kind = :account")
                .expression_attribute_names("#kind", keys::KIND)
                .expression_attribute_values(":account", AttributeValue::S(kind::ACCOUNT.to_owned()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(dynamo)?;
            for item in page.items() {
                accounts.push(from_item(item.clone())?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        accounts.sort_by(|a: &Account, b: &Account| a.id.cmp(&b.id));
        Ok(accounts)
    }

    /// Creates or replaces a sender's item.
    pub async fn put_sender(&self, sender: &Sender) -> Result<(), StoreError> {
        let item = to_item(&Keyed {
            pk: keys::account_pk(&sender.account),
            sk: keys::sender_sk(&sender.open_id),
            kind: kind::SENDER.to_owned(),
            value: sender,
        })?;
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(dynamo)?;
        Ok(())
    }

    /// The account's messages, newest first.
    pub async fn messages(&self, account: &str, limit: i32) -> Result<Vec<MessageRecord>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(keys::messages_pk(account)))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(dynamo)?;
        out.items().iter().map(|item| from_item(item.clone())).collect()
    }

    /// The resolve request of (account, openID), if any.
    pub async fn resolve_request(&self, account: &str, open_id: &str) -> Result<Option<ResolveRequest>, StoreError> {
        self.get(keys::account_pk(account), keys::resolve_sk(open_id)).await
    }

    pub(super) async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        pk: String,
        sk: String,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(pk))
            .key(keys::SK, AttributeValue::S(sk))
            .send()
            .await
            .map_err(dynamo)?;
        out.item.map(from_item).transpose()
    }

    fn transaction(&self, entry: &PushEntry) -> Result<Vec<TransactWriteItem>, StoreError> {
        let message = &entry.message;
        let account = message.account.as_str();
        let open_id = message.features.open_id.as_str();
        let message_sk = keys::message_sk(message.features.create_time, &message.dedupe_key);
        let pending = matches!(message.sender, super::SenderField::Pending);

        let guard = to_item(&GuardItem {
            pk: keys::nonce_pk(account, &entry.guard.query_digest),
            sk: keys::NONCE_SK,
            kind: kind::NONCE,
            message_digest: &entry.guard.message_digest,
            expires_at: entry.guard.expires_at,
        })?;
        let dedupe = to_item(&DedupeItem {
            pk: keys::dedupe_pk(account, &message.dedupe_key),
            sk: keys::DEDUPE_SK.to_owned(),
            kind: kind::DEDUPE.to_owned(),
            answer: entry.answer.clone(),
            message_sk: message_sk.clone(),
            expires_at: entry.dedupe_expires_at,
        })?;
        let message_item = to_item(&MessageItem {
            pk: keys::messages_pk(account),
            sk: message_sk.clone(),
            kind: kind::MESSAGE,
            gsi1pk: pending.then(|| keys::pending_gsi1pk(account, open_id)),
            gsi1sk: pending.then(|| message_sk.clone()),
            message,
        })?;
        let mut items = vec![
            // A platform retry brings the same message with the same query.
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(guard))
                        .condition_expression("attribute_not_exists(pk) OR message_digest = :digest")
                        .expression_attribute_values(":digest", AttributeValue::S(entry.guard.message_digest.clone()))
                        .build()
                        .map_err(invalid)?,
                )
                .build(),
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(dedupe))
                        .condition_expression("attribute_not_exists(pk)")
                        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                        .build()
                        .map_err(invalid)?,
                )
                .build(),
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(message_item))
                        .condition_expression("attribute_not_exists(pk)")
                        .build()
                        .map_err(invalid)?,
                )
                .build(),
        ];
        if let Some(hint) = &entry.resolve {
            let hint = serde_dynamo::to_attribute_value(hint).map_err(corrupt)?;
            let update = Update::builder()
                .table_name(&self.table)
                .key(keys::PK, AttributeValue::S(keys::account_pk(account)))
                .key(keys::SK, AttributeValue::S(keys::resolve_sk(open_id)))
                .update_expression(
                    "SET #kind = :kind, #account = :account, #open_id = :open_id, #state = :pending, \
                     #first_seen = if_not_exists(#first_seen, :now), #updated = :now, \
                     #first_hint = if_not_exists(#first_hint, :hint), #last_hint = :hint \
                     ADD #count :one",
                )
                .expression_attribute_names("#kind", keys::KIND)
                .expression_attribute_names("#account", "account")
                .expression_attribute_names("#open_id", "open_id")
                .expression_attribute_names("#state", "state")
                .expression_attribute_names("#first_seen", "first_seen_at")
                .expression_attribute_names("#updated", "updated_at")
                .expression_attribute_names("#first_hint", "first_hint")
                .expression_attribute_names("#last_hint", "last_hint")
                .expression_attribute_names("#count", "message_count")
                .expression_attribute_values(":kind", AttributeValue::S(kind::RESOLVE_REQUEST.to_owned()))
                .expression_attribute_values(":account", AttributeValue::S(account.to_owned()))
                .expression_attribute_values(":open_id", AttributeValue::S(open_id.to_owned()))
                .expression_attribute_values(":pending", AttributeValue::S("pending".to_owned()))
                .expression_attribute_values(":now", AttributeValue::N(message.received_at.to_string()))
                .expression_attribute_values(":hint", hint)
                .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
                .build()
                .map_err(invalid)?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        if let Some(update) = self.sender_update(entry, pending)? {
            items.push(update);
        }
        Ok(items)
    }

    /// The transaction's item on the sender: the follow change and the
    /// profile refresh, if any; and for a message stamped pending, the check
    /// that the sender still has no profile (else it must be stamped).
    fn sender_update(&self, entry: &PushEntry, pending: bool) -> Result<Option<TransactWriteItem>, StoreError> {
        let message = &entry.message;
        let account = message.account.as_str();
        let open_id = message.features.open_id.as_str();
        let key = |builder: UpdateBuilder| {
            builder
                .table_name(&self.table)
                .key(keys::PK, AttributeValue::S(keys::account_pk(account)))
                .key(keys::SK, AttributeValue::S(keys::sender_sk(open_id)))
        };
        let mut expr = UpdateExpr::new();
        if let Some(follow) = entry.follow {
            let (state, moment) = match follow.state {
                FollowState::Following => ("following", "subscribed_at"),
                FollowState::Unfollowed => ("unfollowed", "unsubscribed_at"),
            };
            expr = expr
                .set("kind", s(kind::SENDER))
                .set("account", s(account))
                .set("open_id", s(open_id))
                .set("follow_state", s(state))
                .set("follow_changed_at", n(follow.at))
                .set(moment, n(follow.at));
        }
        if entry.refresh_profile {
            let wanted = serde_dynamo::to_attribute_value(ProfileState::Wanted).map_err(corrupt)?;
            expr = expr.set("profile_state", wanted).set("profile_wanted_at", n(message.received_at));
        }
        let condition = pending.then(|| format!("attribute_not_exists({})", expr.name("profile")));
        if expr.is_empty() {
            let Some(condition) = condition else { return Ok(None) };
            let built = expr.build();
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .key(keys::PK, AttributeValue::S(keys::account_pk(account)))
                .key(keys::SK, AttributeValue::S(keys::sender_sk(open_id)))
                .condition_expression(condition)
                .set_expression_attribute_names(built.names)
                .build()
                .map_err(invalid)?;
            return Ok(Some(TransactWriteItem::builder().condition_check(check).build()));
        }
        let built = expr.build();
        let update = key(Update::builder())
            .update_expression(built.update)
            .set_condition_expression(condition)
            .set_expression_attribute_names(built.names)
            .set_expression_attribute_values(built.values)
            .build()
            .map_err(invalid)?;
        Ok(Some(TransactWriteItem::builder().update(update).build()))
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
                    .key(keys::PK, AttributeValue::S(keys::dedupe_pk(&message.account, &message.dedupe_key)))
                    .key(keys::SK, AttributeValue::S(keys::DEDUPE_SK.to_owned()))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(dynamo)?
                    .item
            }
        };
        match item {
            Some(item) => Ok(from_item::<DedupeItem>(item)?.answer),
            // The dedupe record expired but the message is stored: acknowledge.
            None => Ok(Answer::Success),
        }
    }
}

impl AccountRegistry for DynamoStore {
    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.get(keys::account_pk(id), keys::ACCOUNT_SK.to_owned()).await
    }
}

impl PushLedger for DynamoStore {
    async fn sender(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        self.get(keys::account_pk(account), keys::sender_sk(open_id)).await
    }

    async fn record(&self, entry: &PushEntry) -> Result<Recorded, StoreError> {
        let items = self.transaction(entry)?;
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
            let reasons = canceled.cancellation_reasons();
            let code = |i: usize| reasons.get(i).and_then(|r| r.code());
            if code(GUARD_AT) == Some("ConditionalCheckFailed") {
                return Ok(Recorded::Replayed);
            }
            if code(DEDUPE_AT) == Some("ConditionalCheckFailed") {
                let returned = reasons.get(DEDUPE_AT).and_then(|r| r.item());
                return Ok(Recorded::Duplicate(self.earlier_answer(entry, returned).await?));
            }
            if code(MESSAGE_AT) == Some("ConditionalCheckFailed") {
                return Ok(Recorded::Duplicate(self.earlier_answer(entry, None).await?));
            }
            // The sender's item is always the transaction's last.
            if reasons.len() == items.len() && code(items.len() - 1) == Some("ConditionalCheckFailed") {
                return Ok(Recorded::SenderChanged);
            }
            let conflict = reasons.iter().any(|r| r.code() == Some("TransactionConflict"));
            if !conflict {
                return Err(StoreError::Dynamo(format!(
                    "transaction canceled: {}",
                    reasons.iter().filter_map(|r| r.code()).collect::<Vec<_>>().join(", ")
                )));
            }
            // Another copy of this push is being written right now: wait for it.
            tokio::time::sleep(Duration::from_millis(25 * u64::from(attempt))).await;
        }
        Err(StoreError::Contention)
    }
}

impl DynamoStore {
    /// Every item a query finds, page after page.
    pub(super) async fn query_all<T: for<'de> Deserialize<'de>>(
        &self,
        query: QueryFluentBuilder,
    ) -> Result<Vec<T>, StoreError> {
        let items = query.into_paginator().items().send().try_collect().await.map_err(dynamo)?;
        items.into_iter().map(from_item).collect()
    }

    /// The items of `keys` (pk, sk) that exist, in no particular order: one
    /// `BatchGetItem` per 100 keys, asking again for unprocessed keys.
    pub(super) async fn batch_get(&self, wanted: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        for chunk in wanted.chunks(100) {
            let mut builder = KeysAndAttributes::builder();
            for (pk, sk) in chunk {
                builder = builder.keys(HashMap::from([
                    (keys::PK.to_owned(), AttributeValue::S(pk.clone())),
                    (keys::SK.to_owned(), AttributeValue::S(sk.clone())),
                ]));
            }
            let mut pending = builder.build().map_err(invalid)?;
            let mut tries = 0;
            loop {
                let out =
                    self.client.batch_get_item().request_items(&self.table, pending).send().await.map_err(dynamo)?;
                items.extend(out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default());
                match out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)) {
                    Some(rest) if !rest.keys().is_empty() => pending = rest,
                    _ => break,
                }
                tries += 1;
                if tries == 5 {
                    return Err(StoreError::Contention);
                }
                // Unprocessed keys come back under load: back off, then ask again.
                tokio::time::sleep(Duration::from_millis(50 << tries)).await;
            }
        }
        Ok(items)
    }
}

pub(super) fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(corrupt)
}

pub(super) fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt)
}

pub(super) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

pub(super) fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Dynamo(format!("invalid request: {e}"))
}

pub(super) fn dynamo<E: ProvideErrorMetadata + std::error::Error>(e: E) -> StoreError {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => StoreError::Dynamo(format!("{code}: {message}")),
        (Some(code), None) => StoreError::Dynamo(code.to_owned()),
        _ => StoreError::Dynamo(DisplayErrorContext(&e).to_string()),
    }
}
