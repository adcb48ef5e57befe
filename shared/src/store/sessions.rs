//! Console sessions and their login lease: the port, and its DynamoDB adapter.
//!
//! A session (the console's token and cookies) opens the account's console
//! for hours, so it lives in a table of its own, apart from the main table:
//! that table has no stream, and only the roles that log in (the resolver and
//! the profile function) may touch it (`docs/deploy.md`). One item per
//! account, keyed by the account id alone.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::dynamo::{corrupt, dynamo, from_item};
use super::expr::{UpdateExpr, n, s};
use super::keys;
use super::model::{Account, AccountState};
use super::{DynamoStore, StoreError};
use crate::console::SessionState;

/// The stored console session of an account, and who holds the login lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<i64>,
}

/// Console sessions and the states that allow logging in.
pub trait SessionStore: Send + Sync {
    /// The account, read consistently.
    fn account_now(&self, id: &str) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;
    fn session(&self, account: &str) -> impl Future<Output = Result<Option<SessionRecord>, StoreError>> + Send;
    /// Takes the login lease until `until`, unless someone else holds it.
    fn try_lease(
        &self,
        account: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Stores a new session and lets go of the lease.
    fn save_session(
        &self,
        account: &str,
        session: &SessionState,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn release_lease(&self, account: &str, owner: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Drops the stored session if it still has `token`.
    fn forget_session(&self, account: &str, token: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn set_account_state(
        &self,
        account: &str,
        state: AccountState,
        reason: Option<&str>,
        rejected_secret_version: Option<&str>,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl DynamoStore {
    /// Runs an update on the account's item of the sessions table, with an
    /// optional condition; false when the condition failed.
    async fn update_session(
        &self,
        account: &str,
        expr: UpdateExpr,
        condition: Option<String>,
    ) -> Result<bool, StoreError> {
        let key = HashMap::from([(keys::PK.to_owned(), s(account))]);
        self.update_in(&self.session_table, key, expr, condition).await
    }
}

impl SessionStore for DynamoStore {
    async fn account_now(&self, id: &str) -> Result<Option<Account>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::account_pk(id)))
            .key(keys::SK, s(keys::ACCOUNT_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo)?;
        out.item.map(from_item).transpose()
    }

    async fn session(&self, account: &str) -> Result<Option<SessionRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.session_table)
            .key(keys::PK, s(account))
            .send()
            .await
            .map_err(dynamo)?;
        out.item.map(from_item).transpose()
    }

    async fn try_lease(&self, account: &str, owner: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let mut expr = UpdateExpr::new().set("lease_owner", s(owner)).set("lease_until", n(until));
        let condition = format!(
            "attribute_not_exists({lease}) OR {lease} < {now} OR {owner_attr} = {me}",
            lease = expr.name("lease_until"),
            now = expr.value(n(now)),
            owner_attr = expr.name("lease_owner"),
            me = expr.value(s(owner)),
        );
        self.update_session(account, expr, Some(condition)).await
    }

    async fn save_session(&self, account: &str, session: &SessionState, expires_at: i64) -> Result<(), StoreError> {
        let value = serde_dynamo::to_attribute_value(session).map_err(corrupt)?;
        let expr = UpdateExpr::new()
            .set("session", value)
            .set(keys::EXPIRES_AT, n(expires_at))
            .remove("lease_owner")
            .remove("lease_until");
        self.update_session(account, expr, None).await.map(drop)
    }

    async fn release_lease(&self, account: &str, owner: &str) -> Result<(), StoreError> {
        let mut expr = UpdateExpr::new().remove("lease_owner").remove("lease_until");
        let condition = format!("{} = {}", expr.name("lease_owner"), expr.value(s(owner)));
        self.update_session(account, expr, Some(condition)).await.map(drop)
    }

    async fn forget_session(&self, account: &str, token: &str) -> Result<(), StoreError> {
        let mut expr = UpdateExpr::new().remove("session");
        let condition = format!("{} = {}", expr.name("session.token"), expr.value(s(token)));
        self.update_session(account, expr, Some(condition)).await.map(drop)
    }

    async fn set_account_state(
        &self,
        account: &str,
        state: AccountState,
        reason: Option<&str>,
        rejected_secret_version: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let state = serde_dynamo::to_attribute_value(state).map_err(corrupt)?;
        let mut expr = UpdateExpr::new().set("state", state).set("state_changed_at", n(now));
        expr = match reason {
            Some(reason) => expr.set("state_reason", s(reason)),
            None => expr.remove("state_reason"),
        };
        expr = match rejected_secret_version {
            Some(version) => expr.set("rejected_secret_version", s(version)),
            None => expr.remove("rejected_secret_version"),
        };
        let condition = Some(format!("attribute_exists({})", expr.name("pk")));
        self.update(keys::account_pk(account), keys::ACCOUNT_SK.to_owned(), expr, condition).await.map(drop)
    }
}
