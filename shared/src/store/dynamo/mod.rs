//! The DynamoDB adapter: the store on its two tables (`docs/storage.md`).
//!
//! This file holds the client, the table names and what every port's
//! adapter shares: reads by key, conditional updates, queries page after
//! page, batch reads, and the mapping of SDK errors. One file per port
//! follows; [`attrs`] names the attributes, [`expr`] builds update
//! expressions, [`schema`] creates the tables.

mod attrs;
mod expr;
mod ledger;
mod lookup;
mod overview;
mod profiles;
mod registry;
mod resolving;
pub mod schema;
mod sessions;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use serde::{Deserialize, Serialize};

use self::expr::{UpdateExpr, s};
use super::StoreError;
use super::keys::{self, PK, SK};

type Item = HashMap<String, AttributeValue>;

/// The store on its DynamoDB tables: the main table, and the table of
/// console sessions.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
    session_table: String,
}

impl DynamoStore {
    /// The store on `table`, its sessions in `{table}-sessions`
    /// ([`schema::session_table_name`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        let table = table.into();
        let session_table = schema::session_table_name(&table);
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

    /// The item (pk, sk) of the main table, if any; read consistently when
    /// `consistent`.
    async fn get_item<T: for<'de> Deserialize<'de>>(
        &self,
        pk: String,
        sk: String,
        consistent: bool,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .set_consistent_read(consistent.then_some(true))
            .send()
            .await
            .map_err(dynamo)?;
        out.item.map(from_item).transpose()
    }

    /// The item (pk, sk) of the main table, if any.
    async fn get<T: for<'de> Deserialize<'de>>(&self, pk: String, sk: String) -> Result<Option<T>, StoreError> {
        self.get_item(pk, sk, false).await
    }

    /// Writes (or replaces) an item of the main table.
    async fn put<T: Serialize>(&self, item: &T) -> Result<(), StoreError> {
        let item = to_item(item)?;
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(dynamo)?;
        Ok(())
    }

    /// Runs an update on (pk, sk), with an optional condition built on the same expression.
    async fn update(
        &self,
        pk: String,
        sk: String,
        expr: UpdateExpr,
        condition: Option<String>,
    ) -> Result<bool, StoreError> {
        let key = HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))]);
        self.update_in(&self.table, key, expr, condition).await
    }

    /// Runs an update on `key` of `table`, with an optional condition built
    /// on the same expression; false when the condition failed.
    async fn update_in(
        &self,
        table: &str,
        key: Item,
        expr: UpdateExpr,
        condition: Option<String>,
    ) -> Result<bool, StoreError> {
        let built = expr.build();
        let result = self
            .client
            .update_item()
            .table_name(table)
            .set_key(Some(key))
            .update_expression(built.update)
            .set_condition_expression(condition)
            .set_expression_attribute_names(built.names)
            .set_expression_attribute_values(built.values)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failure(&err) => Ok(false),
            Err(err) => Err(dynamo(err)),
        }
    }

    /// Every item of the account's collection whose sort key starts with `prefix`.
    async fn collection<T: for<'de> Deserialize<'de>>(
        &self,
        account: &str,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(format!("{PK} = :pk AND begins_with({SK}, :prefix)"))
            .expression_attribute_values(":pk", s(keys::account_pk(account)))
            .expression_attribute_values(":prefix", s(prefix));
        self.query_all(query).await
    }

    /// Every item a query finds, page after page.
    async fn query_all<T: for<'de> Deserialize<'de>>(&self, query: QueryFluentBuilder) -> Result<Vec<T>, StoreError> {
        let items = query.into_paginator().items().send().try_collect().await.map_err(dynamo)?;
        items.into_iter().map(from_item).collect()
    }

    /// Every item of the sparse index `gsi2` under `pk`, page after page.
    async fn gsi2_all<T: for<'de> Deserialize<'de>>(&self, pk: String) -> Result<Vec<T>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI2)
            .key_condition_expression(format!("{} = :pk", keys::GSI2_PK))
            .expression_attribute_values(":pk", s(pk));
        self.query_all(query).await
    }

    /// The items of `keys` (pk, sk) that exist, in no particular order: one
    /// `BatchGetItem` per 100 keys, asking again for unprocessed keys.
    async fn batch_get(&self, wanted: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        for chunk in wanted.chunks(100) {
            let mut builder = KeysAndAttributes::builder();
            for (pk, sk) in chunk {
                builder = builder.keys(HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))]));
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

/// An item as stored: its keys and kind, then the value's own attributes.
#[derive(Serialize, Deserialize)]
struct Keyed<T> {
    pk: String,
    sk: String,
    kind: String,
    #[serde(flatten)]
    value: T,
}

impl<T> Keyed<T> {
    fn new(pk: String, sk: impl Into<String>, kind: &str, value: T) -> Self {
        Self { pk, sk: sk.into(), kind: kind.to_owned(), value }
    }
}

fn to_item<T: Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(corrupt)
}

fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt)
}

/// A value of the model as an attribute value.
fn to_value<T: Serialize>(value: T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(corrupt)
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Dynamo(format!("invalid request: {e}"))
}

fn dynamo<E: ProvideErrorMetadata + std::error::Error>(e: E) -> StoreError {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => StoreError::Dynamo(format!("{code}: {message}")),
        (Some(code), None) => StoreError::Dynamo(code.to_owned()),
        _ => StoreError::Dynamo(DisplayErrorContext(&e).to_string()),
    }
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.code() == Some("ConditionalCheckFailedException")
}
