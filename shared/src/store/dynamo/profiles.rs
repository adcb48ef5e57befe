//! [`ProfileStore`] on DynamoDB, and the operators' profile reads and
//! requests: the person and its avatar, and the profile on the sender.

use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::*;
use super::expr::{UpdateExpr, n, s};
use super::{DynamoStore, Item, Keyed, dynamo, is_condition_failure, to_item, to_value};
use crate::store::StoreError;
use crate::store::keys::{self, KIND, PK, SK, kind};
use crate::store::ports::{FetchedProfile, ProfileStore};
use crate::store::{Person, ProfileState, Sender};

impl DynamoStore {
    /// Puts a person's item (the person or the avatar) unless a newer fetch
    /// of the person is stored there already; false when refused.
    async fn put_if_not_older(&self, item: Item, fetched_at: i64) -> Result<bool, StoreError> {
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(format!("attribute_not_exists({PK}) OR {FETCHED_AT} <= :at"))
            .expression_attribute_values(":at", n(fetched_at))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failure(&err) => Ok(false),
            Err(err) => Err(dynamo(err)),
        }
    }

    /// The person's avatar item.
    fn avatar_item(person: &Person, jpeg: &[u8]) -> Item {
        Item::from([
            (PK.to_owned(), s(keys::person_pk(person.fake_id))),
            (SK.to_owned(), s(keys::AVATAR_SK)),
            (KIND.to_owned(), s(kind::AVATAR)),
            (FAKE_ID.to_owned(), n(person.fake_id)),
            (JPEG.to_owned(), AttributeValue::B(jpeg.to_vec().into())),
            (FETCHED_AT.to_owned(), n(person.fetched_at)),
        ])
    }

    /// The account's senders whose profile waits for the account to log in again.
    pub async fn senders_waiting_for_profile(&self, account: &str) -> Result<Vec<Sender>, StoreError> {
        let senders: Vec<Sender> = self.collection(account, keys::SENDER_PREFIX).await?;
        Ok(senders.into_iter().filter(|s| s.profile_state == Some(ProfileState::Waiting)).collect())
    }

    /// Asks for a waiting sender's profile again (a stream record for the
    /// profile function); false if it was not waiting any more.
    pub async fn ask_profile_again(&self, account: &str, open_id: &str, now: i64) -> Result<bool, StoreError> {
        let mut expr = UpdateExpr::new()
            .set(PROFILE_STATE, to_value(ProfileState::Wanted)?)
            .set(PROFILE_WANTED_AT, n(now))
            .remove(PROFILE_REASON);
        let condition = format!("{} = {}", expr.name(PROFILE_STATE), expr.value(to_value(ProfileState::Waiting)?));
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, Some(condition)).await
    }

    /// A person's stored avatar (JPEG bytes), if any.
    pub async fn avatar(&self, fake_id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, s(keys::person_pk(fake_id)))
            .key(SK, s(keys::AVATAR_SK))
            .send()
            .await
            .map_err(dynamo)?;
        match out.item.as_ref().and_then(|item| item.get(JPEG)) {
            Some(AttributeValue::B(blob)) => Ok(Some(blob.clone().into_inner())),
            Some(_) => Err(StoreError::Corrupt("avatar without bytes".into())),
            None => Ok(None),
        }
    }
}

impl ProfileStore for DynamoStore {
    async fn sender_now(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        self.get_item(keys::account_pk(account), keys::sender_sk(open_id), true).await
    }

    async fn person(&self, fake_id: u64) -> Result<Option<Person>, StoreError> {
        self.get(keys::person_pk(fake_id), keys::PERSON_SK.to_owned()).await
    }

    /// Two puts, not a transaction (half the write units): the person, then
    /// the avatar. A newer fetch stored already refuses the person, and the
    /// avatar is not written. An invocation that stops between the two is
    /// retried with the sender's profile still wanted, and writes both.
    async fn save_person(&self, person: &Person, avatar: Option<&[u8]>) -> Result<(), StoreError> {
        let item = to_item(&Keyed::new(keys::person_pk(person.fake_id), keys::PERSON_SK, kind::PERSON, person))?;
        if !self.put_if_not_older(item, person.fetched_at).await? {
            return Ok(());
        }
        if let Some(jpeg) = avatar {
            self.put_if_not_older(Self::avatar_item(person, jpeg), person.fetched_at).await?;
        }
        Ok(())
    }

    async fn save_sender_profile(
        &self,
        account: &str,
        open_id: &str,
        fetched: &FetchedProfile,
    ) -> Result<bool, StoreError> {
        let mut expr = UpdateExpr::new()
            .set(PROFILE, to_value(&fetched.profile)?)
            .set(PROFILE_STATE, to_value(ProfileState::Fetched)?)
            .set(PROFILE_FETCHED_AT, n(fetched.fetched_at))
            .set(GROUP_ID, n(fetched.group_id))
            .remove(PROFILE_REASON);
        expr = match fetched.remark_name.is_empty() {
            true => expr.remove(REMARK_NAME),
            false => expr.set(REMARK_NAME, s(&fetched.remark_name)),
        };
        let condition = format!("{} = {}", expr.name(FAKE_ID), expr.value(n(fetched.fake_id)));
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, Some(condition)).await
    }

    async fn set_profile_state(
        &self,
        account: &str,
        open_id: &str,
        state: ProfileState,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut expr = UpdateExpr::new().set(PROFILE_STATE, to_value(state)?);
        expr = match reason {
            Some(reason) => expr.set(PROFILE_REASON, s(reason)),
            None => expr.remove(PROFILE_REASON),
        };
        let condition = Some(format!("attribute_exists({})", expr.name(FAKE_ID)));
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, condition).await.map(drop)
    }
}
