//! What the profile function keeps (patent step 17, claim 6): the person
//! behind a FakeID with their avatar, the profile copied onto the account's
//! sender, and the sender stamped on every message that waited for it.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::Serialize;

use super::dynamo::{corrupt, dynamo, from_item, invalid, to_item};
use super::expr::{UpdateExpr, n, s};
use super::keys::{self, kind};
use super::model::{Person, Profile, ProfileState, Sender, SenderField};
use super::resolving::is_canceled_by_condition;
use super::{DynamoStore, SessionStore, StoreError};

/// The profile as fetched for one (account, openID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedProfile {
    pub fake_id: u64,
    pub profile: Profile,
    /// The account's own remark name for the follower (empty: none).
    pub remark_name: String,
    pub group_id: i64,
    pub fetched_at: i64,
}

/// One page of messages waiting for their sender.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PendingPage {
    /// Sort keys of the messages in the account's message partition.
    pub messages: Vec<String>,
    pub more: bool,
}

/// The profile function's port.
pub trait ProfileStore: SessionStore {
    /// The sender, read consistently.
    fn sender_now(
        &self,
        account: &str,
        open_id: &str,
    ) -> impl Future<Output = Result<Option<Sender>, StoreError>> + Send;
    fn person(&self, fake_id: u64) -> impl Future<Output = Result<Option<Person>, StoreError>> + Send;
    /// Stores the person, and its avatar when there is one, together (one
    /// transaction): unless a newer fetch is stored already, which is kept
    /// whole.
    fn save_person(
        &self,
        person: &Person,
        avatar: Option<&[u8]>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Copies the profile onto the sender, if it is still mapped to the same FakeID.
    fn save_sender_profile(
        &self,
        account: &str,
        open_id: &str,
        fetched: &FetchedProfile,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn set_profile_state(
        &self,
        account: &str,
        open_id: &str,
        state: ProfileState,
        reason: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Up to `limit` messages of (account, openID) whose sender is pending.
    fn pending_messages(
        &self,
        account: &str,
        open_id: &str,
        limit: i32,
    ) -> impl Future<Output = Result<PendingPage, StoreError>> + Send;
    /// Stamps the sender on a pending message; false if it was not pending.
    fn attach_sender(
        &self,
        account: &str,
        message_sk: &str,
        sender: &SenderField,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

#[derive(Serialize)]
struct PersonItem<'a> {
    pk: String,
    sk: &'static str,
    kind: &'static str,
    #[serde(flatten)]
    person: &'a Person,
}

impl ProfileStore for DynamoStore {
    async fn sender_now(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::account_pk(account)))
            .key(keys::SK, s(keys::sender_sk(open_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo)?;
        out.item.map(from_item).transpose()
    }

    async fn person(&self, fake_id: u64) -> Result<Option<Person>, StoreError> {
        self.get(keys::person_pk(fake_id), keys::PERSON_SK.to_owned()).await
    }

    async fn save_person(&self, person: &Person, avatar: Option<&[u8]>) -> Result<(), StoreError> {
        let item = to_item(&PersonItem {
            pk: keys::person_pk(person.fake_id),
            sk: keys::PERSON_SK,
            kind: kind::PERSON,
            person,
        })?;
        let person_put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR fetched_at <= :at")
            .expression_attribute_values(":at", n(person.fetched_at))
            .build()
            .map_err(invalid)?;
        let mut write =
            self.client.transact_write_items().transact_items(TransactWriteItem::builder().put(person_put).build());
        if let Some(jpeg) = avatar {
            let avatar_put = Put::builder()
                .table_name(&self.table)
                .item(keys::PK, s(keys::person_pk(person.fake_id)))
                .item(keys::SK, s(keys::AVATAR_SK))
                .item(keys::KIND, s(kind::AVATAR))
                .item("fake_id", n(person.fake_id))
                .item("jpeg", AttributeValue::B(jpeg.to_vec().into()))
                .item("fetched_at", n(person.fetched_at))
                .build()
                .map_err(invalid)?;
            write = write.transact_items(TransactWriteItem::builder().put(avatar_put).build());
        }
        match write.send().await {
            Ok(_) => Ok(()),
            // A newer fetch of the same person is stored, with its avatar: keep both.
            Err(err) if is_canceled_by_condition(&err) => Ok(()),
            Err(err) => Err(dynamo(err)),
        }
    }

    async fn save_sender_profile(
        &self,
        account: &str,
        open_id: &str,
        fetched: &FetchedProfile,
    ) -> Result<bool, StoreError> {
        let fetched_state = serde_dynamo::to_attribute_value(ProfileState::Fetched).map_err(corrupt)?;
        let profile = serde_dynamo::to_attribute_value(&fetched.profile).map_err(corrupt)?;
        let mut expr = UpdateExpr::new()
            .set("profile", profile)
            .set("profile_state", fetched_state)
            .set("profile_fetched_at", n(fetched.fetched_at))
            .set("group_id", n(fetched.group_id))
            .remove("profile_reason");
        expr = match fetched.remark_name.is_empty() {
            true => expr.remove("remark_name"),
            false => expr.set("remark_name", s(&fetched.remark_name)),
        };
        let condition = format!("{} = {}", expr.name("fake_id"), expr.value(n(fetched.fake_id)));
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, Some(condition)).await
    }

    async fn set_profile_state(
        &self,
        account: &str,
        open_id: &str,
        state: ProfileState,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let state = serde_dynamo::to_attribute_value(state).map_err(corrupt)?;
        let mut expr = UpdateExpr::new().set("profile_state", state);
        expr = match reason {
            Some(reason) => expr.set("profile_reason", s(reason)),
            None => expr.remove("profile_reason"),
        };
        let condition = Some(format!("attribute_exists({})", expr.name("fake_id")));
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, condition).await.map(drop)
    }

    async fn pending_messages(&self, account: &str, open_id: &str, limit: i32) -> Result<PendingPage, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::pending_gsi1pk(account, open_id)))
            .projection_expression("sk")
            .limit(limit)
            .send()
            .await
            .map_err(dynamo)?;
        let messages = out
            .items()
            .iter()
            .map(|item| match item.get(keys::SK) {
                Some(AttributeValue::S(sk)) => Ok(sk.clone()),
                _ => Err(StoreError::Corrupt("pending message without a sort key".into())),
            })
            .collect::<Result<_, _>>()?;
        Ok(PendingPage { messages, more: out.last_evaluated_key.is_some() })
    }

    async fn attach_sender(&self, account: &str, message_sk: &str, sender: &SenderField) -> Result<bool, StoreError> {
        let value = serde_dynamo::to_attribute_value(sender).map_err(corrupt)?;
        let mut expr = UpdateExpr::new().set("sender", value).remove(keys::GSI1_PK).remove(keys::GSI1_SK);
        let condition = Some(format!("attribute_exists({})", expr.name(keys::GSI1_PK)));
        self.update(keys::messages_pk(account), message_sk.to_owned(), expr, condition).await
    }
}

impl DynamoStore {
    /// The account's senders whose profile waits for the account to log in again.
    pub async fn senders_waiting_for_profile(&self, account: &str) -> Result<Vec<Sender>, StoreError> {
        let senders: Vec<Sender> = self.collection(account, "SENDER#").await?;
        Ok(senders.into_iter().filter(|s| s.profile_state == Some(ProfileState::Waiting)).collect())
    }

    /// Asks for a waiting sender's profile again (a stream record for the
    /// profile function); false if it was not waiting any more.
    pub async fn ask_profile_again(&self, account: &str, open_id: &str, now: i64) -> Result<bool, StoreError> {
        let wanted = serde_dynamo::to_attribute_value(ProfileState::Wanted).map_err(corrupt)?;
        let waiting = serde_dynamo::to_attribute_value(ProfileState::Waiting).map_err(corrupt)?;
        let mut expr =
            UpdateExpr::new().set("profile_state", wanted).set("profile_wanted_at", n(now)).remove("profile_reason");
        let condition = format!("{} = {}", expr.name("profile_state"), expr.value(waiting));
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, Some(condition)).await
    }

    /// A person's stored avatar (JPEG bytes), if any.
    pub async fn avatar(&self, fake_id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::person_pk(fake_id)))
            .key(keys::SK, s(keys::AVATAR_SK))
            .send()
            .await
            .map_err(dynamo)?;
        match out.item.as_ref().and_then(|item| item.get("jpeg")) {
            Some(AttributeValue::B(blob)) => Ok(Some(blob.clone().into_inner())),
            Some(_) => Err(StoreError::Corrupt("avatar without bytes".into())),
            None => Ok(None),
        }
    }
}
