//! [`ResolverStore`] on DynamoDB: requests, mappings, markers seen and
//! dialog pages read, all in the account's partition of the main table.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::attrs::*;
use super::expr::{UpdateExpr, n, s};
use super::{DynamoStore, Keyed, dynamo, from_item, to_value};
use crate::push::Features;
use crate::store::StoreError;
use crate::store::keys::{self, KIND, PK, SK, kind};
use crate::store::ports::{
    LookupStore, MappingOutcome, MarkerRecord, RequestAndSender, ResolveRequest, ResolveState, ResolverStore,
    WalkRecord,
};
use crate::store::{ProfileState, Resolution, Sender};

impl DynamoStore {
    /// The resolve request of (account, openID), if any.
    pub async fn resolve_request(&self, account: &str, open_id: &str) -> Result<Option<ResolveRequest>, StoreError> {
        self.get(keys::account_pk(account), keys::resolve_sk(open_id)).await
    }

    /// Maps the sender to the resolution's FakeID unless one is mapped:
    /// `None` when it was, else the FakeID already there.
    async fn map_sender(
        &self,
        account: &str,
        open_id: &str,
        resolution: &Resolution,
    ) -> Result<Option<u64>, StoreError> {
        let mut expr = UpdateExpr::new()
            .set(KIND, s(kind::SENDER))
            .set(ACCOUNT, s(account))
            .set(OPEN_ID, s(open_id))
            .set(FAKE_ID, n(resolution.fake_id))
            .set(RESOLUTION, to_value(resolution)?)
            .set(keys::GSI2_PK, s(keys::person_pk(resolution.fake_id)))
            .set(keys::GSI2_SK, s(keys::person_gsi2sk(account, open_id)))
            .set(PROFILE_STATE, to_value(ProfileState::Wanted)?)
            .set(PROFILE_WANTED_AT, n(resolution.resolved_at));
        let condition = format!("attribute_not_exists({})", expr.name(FAKE_ID));
        let built = expr.build();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::account_pk(account)))
            .key(SK, s(keys::sender_sk(open_id)))
            .update_expression(built.update)
            .condition_expression(condition)
            .set_expression_attribute_names(built.names)
            .set_expression_attribute_values(built.values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    let sender: Sender = from_item(failed.item.unwrap_or_default())?;
                    let existing =
                        sender.fake_id.ok_or_else(|| StoreError::Corrupt("mapped sender without fake_id".into()));
                    existing.map(Some)
                }
                other => Err(dynamo(other)),
            },
            Err(err) => Err(dynamo(err)),
        }
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
            match item.get(KIND) {
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
            .key_condition_expression(format!("{PK} = :pk AND {SK} BETWEEN :from AND :to"))
            .expression_attribute_values(":pk", s(keys::messages_pk(account)))
            .expression_attribute_values(":from", s(format!("{:010}", from.max(0))))
            // Sort keys are `{create_time:010}#…`: the next second's bare prefix sorts after them all.
            .expression_attribute_values(":to", s(format!("{:010}", to.max(0) + 1)))
            .projection_expression("#o, #t, #m, #i, #c, #e, #k")
            .expression_attribute_names("#o", OPEN_ID)
            .expression_attribute_names("#t", CREATE_TIME)
            .expression_attribute_names("#m", MSG_TYPE)
            .expression_attribute_names("#i", MSG_ID)
            .expression_attribute_names("#c", CONTENT)
            .expression_attribute_names("#e", EVENT)
            .expression_attribute_names("#k", EVENT_KEY);
        self.query_all(query).await
    }

    async fn requests_in(&self, account: &str, state: ResolveState) -> Result<Vec<ResolveRequest>, StoreError> {
        let all: Vec<ResolveRequest> = self.collection(account, keys::RESOLVE_PREFIX).await?;
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
        let Some(existing) = self.map_sender(account, open_id, resolution).await? else {
            return Ok(MappingOutcome::Created);
        };
        if existing == resolution.fake_id {
            return Ok(MappingOutcome::Unchanged);
        }
        let expr = UpdateExpr::new().set(CONFLICT, to_value(resolution)?);
        self.update(keys::account_pk(account), keys::sender_sk(open_id), expr, None).await?;
        Ok(MappingOutcome::Conflict { existing })
    }

    async fn mark_moved(&self, account: &str, open_id: &str) -> Result<(), StoreError> {
        let expr = UpdateExpr::new().set(MOVED, AttributeValue::Bool(true));
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
        let mut expr = UpdateExpr::new().set(STATE, to_value(state)?).set(UPDATED_AT, n(now));
        expr = match reason {
            Some(reason) => expr.set(REASON, s(reason)),
            None => expr.remove(REASON),
        };
        if let Some(fake_id) = fake_id {
            expr = expr.set(FAKE_ID, n(fake_id));
        }
        let condition = Some(format!("attribute_exists({})", expr.name(PK)));
        self.update(keys::account_pk(account), keys::resolve_sk(open_id), expr, condition).await.map(drop)
    }

    async fn set_resolved_group(&self, account: &str, group_id: i64) -> Result<(), StoreError> {
        let expr = UpdateExpr::new().set(RESOLVED_GROUP_ID, n(group_id));
        self.update(keys::account_pk(account), keys::ACCOUNT_SK.to_owned(), expr, None).await.map(drop)
    }

    async fn markers(&self, account: &str) -> Result<Vec<MarkerRecord>, StoreError> {
        self.collection(account, keys::MARKER_PREFIX).await
    }

    async fn markers_named(&self, account: &str, markers: &[String]) -> Result<Vec<MarkerRecord>, StoreError> {
        let pk = keys::account_pk(account);
        let wanted: HashSet<(String, String)> = markers.iter().map(|m| (pk.clone(), keys::marker_sk(m))).collect();
        self.batch_get(wanted.into_iter().collect()).await?.into_iter().map(from_item).collect()
    }

    async fn record_marker(&self, account: &str, marker: &MarkerRecord) -> Result<(), StoreError> {
        self.put(&Keyed::new(keys::account_pk(account), keys::marker_sk(&marker.marker), kind::MARKER, marker)).await
    }

    async fn walks(&self, account: &str) -> Result<Vec<WalkRecord>, StoreError> {
        self.collection(account, keys::WALKED_PREFIX).await
    }

    async fn walks_of(&self, account: &str, fake_ids: &[u64]) -> Result<Vec<WalkRecord>, StoreError> {
        let pk = keys::account_pk(account);
        let wanted: HashSet<(String, String)> = fake_ids.iter().map(|f| (pk.clone(), keys::walked_sk(*f))).collect();
        self.batch_get(wanted.into_iter().collect()).await?.into_iter().map(from_item).collect()
    }

    async fn record_walk(&self, account: &str, walk: &WalkRecord) -> Result<(), StoreError> {
        self.put(&Keyed::new(keys::account_pk(account), keys::walked_sk(walk.fake_id), kind::WALKED, walk)).await
    }
}
