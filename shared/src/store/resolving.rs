//! What the resolver keeps besides sessions (`sessions.rs`): mappings,
//! markers seen and dialog pages read. The port, and its DynamoDB adapter.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use serde::{Deserialize, Serialize};

use super::dynamo::{corrupt, dynamo, from_item, to_item};
use super::expr::{UpdateExpr, n, s};
use super::keys::{self, kind};
use super::model::{ProfileState, Resolution, Sender};
use super::sessions::SessionStore;
use super::{DynamoStore, LookupStore, ResolveRequest, ResolveState, StoreError};
use crate::push::Features;

/// What recording a mapping did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingOutcome {
    /// The mapping is new.
    Created,
    /// The same FakeID was already mapped: nothing changed.
    Unchanged,
    /// Another FakeID is mapped; it was kept and the new one flagged.
    Conflict { existing: u64 },
}

/// A marker found in a dialog page, whichever openID it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerRecord {
    pub marker: String,
    pub fake_id: u64,
    /// The console message that carried it.
    pub message_id: u64,
    pub found_at: i64,
}

/// A dialog page read: when, and the newest follower message it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkRecord {
    pub fake_id: u64,
    pub read_at: i64,
    /// `date_time` of the follower's newest message on the page (0: none).
    pub newest_message_at: i64,
    /// The follower's marker, when the page showed one: the follower is
    /// then known, and its page is worth reading only for that openID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// A resolve request and its sender item, either of which may be missing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestAndSender {
    pub request: Option<ResolveRequest>,
    pub sender: Option<Sender>,
}

/// What the resolver reads and writes besides sessions.
pub trait ResolverStore: SessionStore {
    fn sender_record(
        &self,
        account: &str,
        open_id: &str,
    ) -> impl Future<Output = Result<Option<Sender>, StoreError>> + Send;
    /// The resolve request and the sender item of each openID, read together.
    fn requests_and_senders(
        &self,
        account: &str,
        open_ids: &[&str],
    ) -> impl Future<Output = Result<HashMap<String, RequestAndSender>, StoreError>> + Send;
    fn request(
        &self,
        account: &str,
        open_id: &str,
    ) -> impl Future<Output = Result<Option<ResolveRequest>, StoreError>> + Send;
    /// What the account's pushes with `from <= CreateTime <= to` were, in
    /// time order (their features only).
    fn pushes_between(
        &self,
        account: &str,
        from: i64,
        to: i64,
    ) -> impl Future<Output = Result<Vec<Features>, StoreError>> + Send;
    /// Every resolve request of the account in `state`.
    fn requests_in(
        &self,
        account: &str,
        state: ResolveState,
    ) -> impl Future<Output = Result<Vec<ResolveRequest>, StoreError>> + Send;
    /// The (account, openID) pairs mapped to a FakeID.
    fn mapped_to(&self, fake_id: u64) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;
    /// Maps (account, openID) to a FakeID unless another is mapped already.
    fn record_mapping(
        &self,
        account: &str,
        open_id: &str,
        resolution: &Resolution,
    ) -> impl Future<Output = Result<MappingOutcome, StoreError>> + Send;
    fn mark_moved(&self, account: &str, open_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Sets a request's state, with a reason and the FakeID when resolved.
    fn set_request_state(
        &self,
        account: &str,
        open_id: &str,
        state: ResolveState,
        reason: Option<&str>,
        fake_id: Option<u64>,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn set_resolved_group(&self, account: &str, group_id: i64) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every marker seen on the account's pages (for reports: it grows with the followers).
    fn markers(&self, account: &str) -> impl Future<Output = Result<Vec<MarkerRecord>, StoreError>> + Send;
    /// The records of these markers, where seen.
    fn markers_named(
        &self,
        account: &str,
        markers: &[String],
    ) -> impl Future<Output = Result<Vec<MarkerRecord>, StoreError>> + Send;
    fn record_marker(
        &self,
        account: &str,
        marker: &MarkerRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every page read on the account (for reports: it grows with the followers).
    fn walks(&self, account: &str) -> impl Future<Output = Result<Vec<WalkRecord>, StoreError>> + Send;
    /// The last read of these followers' pages, where read.
    fn walks_of(
        &self,
        account: &str,
        fake_ids: &[u64],
    ) -> impl Future<Output = Result<Vec<WalkRecord>, StoreError>> + Send;
    fn record_walk(&self, account: &str, walk: &WalkRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
}

fn account_key(account: &str) -> AttributeValue {
    s(keys::account_pk(account))
}

pub(super) fn is_condition_failure<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.code() == Some("ConditionalCheckFailedException")
}

/// A transaction canceled because one of its conditions failed.
pub(super) fn is_canceled_by_condition<R>(err: &SdkError<TransactWriteItemsError, R>) -> bool {
    let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) = err.as_service_error() else {
        return false;
    };
    canceled.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed"))
}

impl DynamoStore {
    /// Runs an update on (pk, sk), with an optional condition built on the same expression.
    pub(super) async fn update(
        &self,
        pk: String,
        sk: String,
        expr: UpdateExpr,
        condition: Option<String>,
    ) -> Result<bool, StoreError> {
        let key = HashMap::from([(keys::PK.to_owned(), s(pk)), (keys::SK.to_owned(), s(sk))]);
        self.update_in(&self.table, key, expr, condition).await
    }

    /// Runs an update on `key` of `table`, with an optional condition built
    /// on the same expression; false when the condition failed.
    pub(super) async fn update_in(
        &self,
        table: &str,
        key: HashMap<String, AttributeValue>,
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
    pub(super) async fn collection<T: for<'de> Deserialize<'de>>(
        &self,
        account: &str,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", account_key(account))
            .expression_attribute_values(":prefix", s(prefix));
        self.query_all(query).await
    }
}

impl ResolverStore for DynamoStore {
    async fn sender_record(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        self.get(keys::account_pk(account), keys::sender_sk(open_id)).await
    }

    async fn request(&self, account: &str, open_id: &str) -> Result<Option<ResolveRequest>, StoreError> {
        self.resolve_request(account, open_id).await
    }

    async fn requests_and_senders(
        &self,
        account: &str,
        open_ids: &[&str],
    ) -> Result<HashMap<String, RequestAndSender>, StoreError> {
        let pk = keys::account_pk(account);
        let wanted = open_ids
            .iter()
            .flat_map(|o| [(pk.clone(), keys::resolve_sk(o)), (pk.clone(), keys::sender_sk(o))])
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut out: HashMap<String, RequestAndSender> = HashMap::new();
        for item in self.batch_get(wanted).await? {
            match item.get(keys::KIND) {
                Some(AttributeValue::S(k)) if k == kind::SENDER => {
                    let sender: Sender = from_item(item)?;
                    let open_id = sender.open_id.clone();
                    out.entry(open_id).or_default().sender = Some(sender);
                }
                Some(AttributeValue::S(k)) if k == kind::RESOLVE_REQUEST => {
                    let request: ResolveRequest = from_item(item)?;
                    let open_id = request.open_id.clone();
                    out.entry(open_id).or_default().request = Some(request);
                }
                _ => return Err(StoreError::Corrupt("unexpected item for a resolve request".into())),
            }
        }
        Ok(out)
    }

    async fn pushes_between(&self, account: &str, from: i64, to: i64) -> Result<Vec<Features>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::messages_pk(account)))
            .expression_attribute_values(":from", s(format!("{:010}", from.max(0))))
            // Sort keys are `{create_time:010}#…`: the next second's bare prefix sorts after them all.
            .expression_attribute_values(":to", s(format!("{:010}", to.max(0) + 1)))
            .projection_expression("#o, #t, #m, #i, #c, #e, #k")
            .expression_attribute_names("#o", "open_id")
            .expression_attribute_names("#t", "create_time")
            .expression_attribute_names("#m", "msg_type")
            .expression_attribute_names("#i", "msg_id")
            .expression_attribute_names("#c", "content")
            .expression_attribute_names("#e", "event")
            .expression_attribute_names("#k", "event_key");
        self.query_all(query).await
    }

    async fn requests_in(&self, account: &str, state: ResolveState) -> Result<Vec<ResolveRequest>, StoreError> {
        let all: Vec<ResolveRequest> = self.collection(account, "RESOLVE#").await?;
        Ok(all.into_iter().filter(|r| r.state == state).collect())
    }

    async fn mapped_to(&self, fake_id: u64) -> Result<Vec<(String, String)>, StoreError> {
        let senders = LookupStore::senders_of(self, fake_id).await?;
        Ok(senders.into_iter().map(|s| (s.account, s.open_id)).collect())
    }

    async fn record_mapping(
        &self,
        account: &str,
        open_id: &str,
        resolution: &Resolution,
    ) -> Result<MappingOutcome, StoreError> {
        let profile_state = serde_dynamo::to_attribute_value(ProfileState::Wanted).map_err(corrupt)?;
        let mut expr = UpdateExpr::new()
            .set("kind", s(kind::SENDER))
            .set("account", s(account))
            .set("open_id", s(open_id))
            .set("fake_id", n(resolution.fake_id))
            .set("resolution", serde_dynamo::to_attribute_value(resolution).map_err(corrupt)?)
            .set(keys::GSI2_PK, s(keys::person_pk(resolution.fake_id)))
            .set(keys::GSI2_SK, s(keys::person_gsi2sk(account, open_id)))
            .set("profile_state", profile_state)
            .set("profile_wanted_at", n(resolution.resolved_at));
        let condition = format!("attribute_not_exists({})", expr.name("fake_id"));
        let built = expr.build();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, account_key(account))
            .key(keys::SK, s(keys::sender_sk(open_id)))
            .update_expression(built.update)
            .condition_expression(condition)
            .set_expression_attribute_names(built.names)
            .set_expression_attribute_values(built.values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let existing = match result {
            Ok(_) => return Ok(MappingOutcome::Created),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(failed) => {
                    let sender: Sender = from_item(failed.item.unwrap_or_default())?;
                    sender.fake_id.ok_or_else(|| StoreError::Corrupt("mapped sender without fake_id".into()))?
                }
                other => return Err(dynamo(other)),
            },
            Err(err) => return Err(dynamo(err)),
        };
        if existing == resolution.fake_id {
            return Ok(MappingOutcome::Unchanged);
        }
        let conflict = serde_dynamo::to_attribute_value(resolution).map_err(corrupt)?;
        let expr = UpdateExpr::new().set("conflict", conflict);
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, None).await?;
        Ok(MappingOutcome::Conflict { existing })
    }

    async fn mark_moved(&self, account: &str, open_id: &str) -> Result<(), StoreError> {
        let expr = UpdateExpr::new().set("moved", AttributeValue::Bool(true));
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, None).await.map(drop)
    }

    async fn set_request_state(
        &self,
        account: &str,
        open_id: &str,
        state: ResolveState,
        reason: Option<&str>,
        fake_id: Option<u64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let state = serde_dynamo::to_attribute_value(state).map_err(corrupt)?;
        let mut expr = UpdateExpr::new().set("state", state).set("updated_at", n(now));
        expr = match reason {
            Some(reason) => expr.set("reason", s(reason)),
            None => expr.remove("reason"),
        };
        if let Some(fake_id) = fake_id {
            expr = expr.set("fake_id", n(fake_id));
        }
        let condition = Some(format!("attribute_exists({})", expr.name("pk")));
        self.update(keys::account_pk(account), keys::resolve_sk(open_id), expr, condition).await.map(drop)
    }

    async fn set_resolved_group(&self, account: &str, group_id: i64) -> Result<(), StoreError> {
        let expr = UpdateExpr::new().set("resolved_group_id", n(group_id));
        self.update(keys::account_pk(account), keys::ACCOUNT_SK.to_owned(), expr, None).await.map(drop)
    }

    async fn markers(&self, account: &str) -> Result<Vec<MarkerRecord>, StoreError> {
        self.collection(account, "MARKER#").await
    }

    async fn markers_named(&self, account: &str, markers: &[String]) -> Result<Vec<MarkerRecord>, StoreError> {
        let pk = keys::account_pk(account);
        let wanted: HashSet<(String, String)> = markers.iter().map(|m| (pk.clone(), keys::marker_sk(m))).collect();
        self.batch_get(wanted.into_iter().collect()).await?.into_iter().map(from_item).collect()
    }

    async fn record_marker(&self, account: &str, marker: &MarkerRecord) -> Result<(), StoreError> {
        #[derive(Serialize)]
        struct Item<'a> {
            pk: String,
            sk: String,
            kind: &'static str,
            #[serde(flatten)]
            marker: &'a MarkerRecord,
        }
        let item = to_item(&Item {
            pk: keys::account_pk(account),
            sk: keys::marker_sk(&marker.marker),
            kind: kind::MARKER,
            marker,
        })?;
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(dynamo)?;
        Ok(())
    }

    async fn walks(&self, account: &str) -> Result<Vec<WalkRecord>, StoreError> {
        self.collection(account, "WALKED#").await
    }

    async fn walks_of(&self, account: &str, fake_ids: &[u64]) -> Result<Vec<WalkRecord>, StoreError> {
        let pk = keys::account_pk(account);
        let wanted: HashSet<(String, String)> = fake_ids.iter().map(|f| (pk.clone(), keys::walked_sk(*f))).collect();
        self.batch_get(wanted.into_iter().collect()).await?.into_iter().map(from_item).collect()
    }

    async fn record_walk(&self, account: &str, walk: &WalkRecord) -> Result<(), StoreError> {
        #[derive(Serialize)]
        struct Item<'a> {
            pk: String,
            sk: String,
            kind: &'static str,
            #[serde(flatten)]
            walk: &'a WalkRecord,
        }
        let item = to_item(&Item {
            pk: keys::account_pk(account),
            sk: keys::walked_sk(walk.fake_id),
            kind: kind::WALKED,
            walk,
        })?;
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(dynamo)?;
        Ok(())
    }
}
