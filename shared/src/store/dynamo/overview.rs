//! [`AccountOverview`] on DynamoDB: the registry listed through `gsi2`, and
//! an account's resolve requests counted from their states and reasons alone.

use serde::Deserialize;

use super::attrs::{REASON, STATE};
use super::expr::s;
use super::{DynamoStore, dynamo, from_item};
use crate::store::keys::{self, PK, SK};
use crate::store::ports::{AccountOverview, RegisteredAccount, RequestCounts, ResolveState};
use crate::store::{Account, StoreError};

/// An account item and the time of its latest login.
#[derive(Deserialize)]
struct AccountItem {
    #[serde(flatten)]
    account: Account,
    #[serde(default)]
    last_login_at: Option<i64>,
}

impl From<AccountItem> for RegisteredAccount {
    fn from(item: AccountItem) -> Self {
        Self { account: item.account, last_login_at: item.last_login_at }
    }
}

/// What counting needs of a resolve request.
#[derive(Deserialize)]
struct RequestState {
    state: ResolveState,
    #[serde(default)]
    reason: Option<String>,
}

impl AccountOverview for DynamoStore {
    /// A query of `gsi2` under `ACCOUNTS`, page after page, in id order.
    async fn registered(&self) -> Result<Vec<RegisteredAccount>, StoreError> {
        let items: Vec<AccountItem> = self.gsi2_all(keys::ACCOUNTS_GSI2PK.to_owned()).await?;
        Ok(items.into_iter().map(RegisteredAccount::from).collect())
    }

    async fn registered_one(&self, id: &str) -> Result<Option<RegisteredAccount>, StoreError> {
        let item: Option<AccountItem> = self.get(keys::account_pk(id), keys::ACCOUNT_SK.to_owned()).await?;
        Ok(item.map(RegisteredAccount::from))
    }

    /// One query of the account's `RESOLVE#` items, page after page (each
    /// page at most 1 MB), reading only their state and reason.
    async fn request_counts(&self, account: &str) -> Result<RequestCounts, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(format!("{PK} = :pk AND begins_with({SK}, :prefix)"))
            .expression_attribute_values(":pk", s(keys::account_pk(account)))
            .expression_attribute_values(":prefix", s(keys::RESOLVE_PREFIX))
            .projection_expression("#state, #reason")
            .expression_attribute_names("#state", STATE)
            .expression_attribute_names("#reason", REASON);
        let mut counts = RequestCounts::default();
        let mut pages = query.into_paginator().send();
        while let Some(page) = pages.next().await {
            for item in page.map_err(dynamo)?.items.unwrap_or_default() {
                let request: RequestState = from_item(item)?;
                counts.add(request.state, request.reason);
            }
        }
        Ok(counts)
    }
}
