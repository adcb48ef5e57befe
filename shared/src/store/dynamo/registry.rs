//! [`AccountRegistry`] on DynamoDB, and the operators' account writes.

use serde::Serialize;

use super::expr::s;
use super::{DynamoStore, Keyed, dynamo, from_item};
use crate::store::Account;
use crate::store::StoreError;
use crate::store::keys::{self, KIND, kind};
use crate::store::ports::AccountRegistry;

/// An account item with its `gsi2` keys.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    keyed: Keyed<&'a Account>,
    gsi2pk: &'static str,
    gsi2sk: &'a str,
}

impl AccountRegistry for DynamoStore {
    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.get(keys::account_pk(id), keys::ACCOUNT_SK.to_owned()).await
    }
}

impl DynamoStore {
    /// Creates or replaces an account's registry item, listed in `gsi2`
    /// under [`keys::ACCOUNTS_GSI2PK`].
    pub async fn put_account(&self, account: &Account) -> Result<(), StoreError> {
        let keyed = Keyed::new(keys::account_pk(&account.id), keys::ACCOUNT_SK, kind::ACCOUNT, account);
        self.put(&Listed { keyed, gsi2pk: keys::ACCOUNTS_GSI2PK, gsi2sk: &account.id }).await
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
                .expression_attribute_names("#kind", KIND)
                .expression_attribute_values(":account", s(kind::ACCOUNT))
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
}
