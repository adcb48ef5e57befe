//! [`LookupStore`] on DynamoDB, and the operators' list of messages.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use super::expr::s;
use super::{DynamoStore, dynamo, from_item, invalid};
use crate::store::StoreError;
use crate::store::keys::{self, KIND, PK, SK, kind};
use crate::store::ports::{LookupStore, MessagePage, MessageQuery, SenderRecords};
use crate::store::{MessageRecord, Person, Sender};

impl DynamoStore {
    /// The account's messages, newest first.
    pub async fn messages(&self, account: &str, limit: i32) -> Result<Vec<MessageRecord>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(format!("{PK} = :pk"))
            .expression_attribute_values(":pk", s(keys::messages_pk(account)))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(dynamo)?;
        out.items().iter().map(|item| from_item(item.clone())).collect()
    }
}

impl LookupStore for DynamoStore {
    /// One `BatchGetItem` for the sender and its resolve request.
    async fn sender_records(&self, account: &str, open_id: &str) -> Result<SenderRecords, StoreError> {
        let key = |sk: String| HashMap::from([(PK.to_owned(), s(keys::account_pk(account))), (SK.to_owned(), s(sk))]);
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
                match item.get(KIND) {
                    Some(AttributeValue::S(k)) if k == kind::SENDER => records.sender = Some(from_item(item)?),
                    Some(AttributeValue::S(k)) if k == kind::RESOLVE_REQUEST => {
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
                .key_condition_expression(format!("{PK} = :pk AND {SK} >= :since"))
                .expression_attribute_values(":since", s(format!("{since:010}"))),
            None => request.key_condition_expression(format!("{PK} = :pk")),
        };
        if let Some(after) = &query.after {
            request = request.exclusive_start_key(PK, s(&pk)).exclusive_start_key(SK, s(after));
        }
        let out = request.send().await.map_err(dynamo)?;
        let messages = out.items().iter().map(|item| from_item(item.clone())).collect::<Result<_, _>>()?;
        let last_key = match out.last_evaluated_key.as_ref().and_then(|k| k.get(SK)) {
            Some(AttributeValue::S(sk)) => Some(sk.clone()),
            _ => None,
        };
        Ok(MessagePage { messages, last_key })
    }

    async fn senders_of(&self, fake_id: u64) -> Result<Vec<Sender>, StoreError> {
        self.gsi2_all(keys::person_pk(fake_id)).await
    }

    /// `BatchGetItem`, 100 keys at a time, each key once (DynamoDB refuses
    /// a batch that names a key twice).
    async fn senders_named(&self, account: &str, open_ids: &[&str]) -> Result<Vec<Sender>, StoreError> {
        let distinct: BTreeSet<&str> = open_ids.iter().copied().collect();
        let wanted =
            distinct.into_iter().map(|open_id| (keys::account_pk(account), keys::sender_sk(open_id))).collect();
        self.batch_get(wanted).await?.into_iter().map(from_item).collect()
    }
}
