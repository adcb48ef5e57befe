//! [`SessionStore`] on DynamoDB.
//!
//! A session (the console's token and cookies) opens the account's console
//! for hours, so it lives in a table of its own, apart from the main table:
//! that table has no stream, and only the roles that log in (the resolver and
//! the profile function) may touch it (`docs/deploy.md`). One item per
//! account, keyed by the account id alone. The account's state, and the time
//! of its latest login, stay on its item in the main table.

use std::collections::HashMap;

use super::attrs::*;
use super::expr::{UpdateExpr, n, s};
use super::{DynamoStore, dynamo, from_item, to_value};
use crate::console::SessionState;
use crate::store::StoreError;
use crate::store::keys::{self, PK};
use crate::store::ports::{SessionRecord, SessionStore};
use crate::store::{Account, AccountState};

impl DynamoStore {
    /// Runs an update on the account's item of the sessions table, with an
    /// optional condition; false when the condition failed.
    async fn update_session(
        &self,
        account: &str,
        expr: UpdateExpr,
        condition: Option<String>,
    ) -> Result<bool, StoreError> {
        let key = HashMap::from([(PK.to_owned(), s(account))]);
        self.update_in(&self.session_table, key, expr, condition).await
    }
}

impl SessionStore for DynamoStore {
    async fn account_now(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.get_item(keys::account_pk(id), keys::ACCOUNT_SK.to_owned(), true).await
    }

    async fn session(&self, account: &str) -> Result<Option<SessionRecord>, StoreError> {
        let out =
            self.client.get_item().table_name(&self.session_table).key(PK, s(account)).send().await.map_err(dynamo)?;
        out.item.map(from_item).transpose()
    }

    async fn try_lease(&self, account: &str, owner: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        let mut expr = UpdateExpr::new().set(LEASE_OWNER, s(owner)).set(LEASE_UNTIL, n(until));
        let condition = format!(
            "attribute_not_exists({lease}) OR {lease} < {now} OR {owner_attr} = {me}",
            lease = expr.name(LEASE_UNTIL),
            now = expr.value(n(now)),
            owner_attr = expr.name(LEASE_OWNER),
            me = expr.value(s(owner)),
        );
        self.update_session(account, expr, Some(condition)).await
    }

    async fn save_session(&self, account: &str, session: &SessionState, expires_at: i64) -> Result<(), StoreError> {
        let expr = UpdateExpr::new()
            .set(SESSION, to_value(session)?)
            .set(keys::EXPIRES_AT, n(expires_at))
            .remove(LEASE_OWNER)
            .remove(LEASE_UNTIL);
        self.update_session(account, expr, None).await?;
        // The time of the login goes on the account item too, where the
        // lookup API, which never reads this table, finds it.
        let mut noted = UpdateExpr::new().set(LAST_LOGIN_AT, n(session.created_at));
        let condition = Some(format!("attribute_exists({})", noted.name(PK)));
        self.update(keys::account_pk(account), keys::ACCOUNT_SK.to_owned(), noted, condition).await.map(drop)
    }

    async fn release_lease(&self, account: &str, owner: &str) -> Result<(), StoreError> {
        let mut expr = UpdateExpr::new().remove(LEASE_OWNER).remove(LEASE_UNTIL);
        let condition = format!("{} = {}", expr.name(LEASE_OWNER), expr.value(s(owner)));
        self.update_session(account, expr, Some(condition)).await.map(drop)
    }

    async fn forget_session(&self, account: &str, token: &str) -> Result<(), StoreError> {
        let mut expr = UpdateExpr::new().remove(SESSION);
        let condition = format!("{} = {}", expr.name(SESSION_TOKEN), expr.value(s(token)));
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
        let mut expr = UpdateExpr::new().set(STATE, to_value(state)?).set(STATE_CHANGED_AT, n(now));
        expr = match reason {
            Some(reason) => expr.set(STATE_REASON, s(reason)),
            None => expr.remove(STATE_REASON),
        };
        expr = match rejected_secret_version {
            Some(version) => expr.set(REJECTED_SECRET_VERSION, s(version)),
            None => expr.remove(REJECTED_SECRET_VERSION),
        };
        let condition = Some(format!("attribute_exists({})", expr.name(PK)));
        self.update(keys::account_pk(account), keys::ACCOUNT_SK.to_owned(), expr, condition).await.map(drop)
    }
}
