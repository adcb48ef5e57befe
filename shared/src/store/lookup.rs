//! What the lookup API reads: who sent a message, one person across
//! accounts, an account's messages a page at a time. Read-only.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use super::dynamo::{dynamo, from_item, invalid};
use super::expr::s;
use super::keys;
use super::model::{MessageRecord, Person, Sender};
use super::{AccountRegistry, DynamoStore, ResolveRequest, StoreError};

/// A sender as the account sees it, and its resolve request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderRecords {
    pub sender: Option<Sender>,
    pub request: Option<ResolveRequest>,
}

/// A page of an account's messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagePage {
    pub messages: Vec<MessageRecord>,
    /// The sort key to continue after, when more may follow.
    pub last_key: Option<String>,
}

/// Which messages to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQuery {
    /// Only messages with `CreateTime >= since`.
    pub since: Option<i64>,
    pub limit: i32,
    /// Continue after this sort key.
    pub after: Option<String>,
}

/// The lookup API's port.
pub trait LookupStore: AccountRegistry {
    fn sender_records(
        &self,
        account: &str,
        open_id: &str,
    ) -> impl Future<Output = Result<SenderRecords, StoreError>> + Send;
    fn person(&self, fake_id: u64) -> impl Future<Output = Result<Option<Person>, StoreError>> + Send;
    fn avatar(&self, fake_id: u64) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
    fn messages(
        &self,
        account: &str,
        query: &MessageQuery,
    ) -> impl Future<Output = Result<MessagePage, StoreError>> + Send;
    /// Every (account, openID) mapped to the FakeID.
    fn senders_of(&self, fake_id: u64) -> impl Future<Output = Result<Vec<Sender>, StoreError>> + Send;
}

impl LookupStore for DynamoStore {
    /// One `BatchGetItem` for the sender and its resolve request.
    async fn sender_records(&self, account: &str, open_id: &str) -> Result<SenderRecords, StoreError> {
        let key = |sk: String| {
            HashMap::from([(keys::PK.to_owned(), s(keys::account_pk(account))), (keys::SK.to_owned(), s(sk))])
        };
        let mut wanted = KeysAndAttributes::builder()
            .keys(key(keys::sender_sk(open_id)))
            .keys(key(keys::resolve_sk(open_id)))
            .build()
            .map_err(invalid)?;
        let mut records = SenderRecords::default();
        // Unprocessed keys come back under load: ask again for those.
        for _ in 0..5 {
            let out = self.client.batch_get_item().request_items(&self.table, wanted).send().await.map_err(dynamo)?;
            for item in out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                match item.get(keys::KIND) {
                    Some(AttributeValue::S(k)) if k == keys::kind::SENDER => records.sender = Some(from_item(item)?),
                    Some(AttributeValue::S(k)) if k == keys::kind::RESOLVE_REQUEST => {
                        records.request = Some(from_item(item)?)
                    }
                    _ => return Err(StoreError::Corrupt("unexpected item for a sender".into())),
                }
            }
            match out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)) {
                Some(rest) if !rest.keys().is_empty() => wanted = rest,
                _ => return Ok(records),
            }
        }
        Err(StoreError::Contention)
    }

    async fn person(&self, fake_id: u64) -> Result<Option<Person>, StoreError> {
        self.get(keys::person_pk(fake_id), keys::PERSON_SK.to_owned()).await
    }

    async fn avatar(&self, fake_id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        DynamoStore::avatar(self, fake_id).await
    }

    async fn messages(&self, account: &str, query: &MessageQuery) -> Result<MessagePage, StoreError> {
        let pk = keys::messages_pk(account);
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .scan_index_forward(false)
            .limit(query.limit)
            .expression_attribute_values(":pk", s(&pk));
        request = match query.since {
            Some(since) => request
                .key_condition_expression("pk = :pk AND sk >= :since")
                .expression_attribute_values(":since", s(format!("{since:010}"))),
            None => request.key_condition_expression("pk = :pk"),
        };
        if let Some(after) = &query.after {
            request = request.exclusive_start_key(keys::PK, s(&pk)).exclusive_start_key(keys::SK, s(after));
        }
        let out = request.send().await.map_err(dynamo)?;
        let messages = out.items().iter().map(|item| from_item(item.clone())).collect::<Result<_, _>>()?;
        let last_key = match out.last_evaluated_key.as_ref().and_then(|k| k.get(keys::SK)) {
            Some(AttributeValue::S(sk)) => Some(sk.clone()),
            _ => None,
        };
        Ok(MessagePage { messages, last_key })
    }

    async fn senders_of(&self, fake_id: u64) -> Result<Vec<Sender>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI2)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s(keys::person_pk(fake_id)));
        self.query_all(query).await
    }
}
