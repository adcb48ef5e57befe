//! From a stream batch to the records to retry. Thin: the records' keys go to
//! [`whosent::resolve::Resolver`], its outcomes come back as batch item failures.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Deserialize;
use whosent::console::Console;
use whosent::resolve::{Outcome, RequestKey, Resolver};
use whosent::secrets::SecretSource;
use whosent::session::Sessions;
use whosent::store::ResolverStore;

use crate::Config;

/// What every invocation borrows.
pub struct Deps<St, Se, C> {
    pub store: St,
    pub secrets: Se,
    pub console: C,
    pub config: Config,
}

/// Why a whole invocation failed (Lambda retries the batch, bisecting it).
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    #[error("the invocation has no time left")]
    NoTime,
}

impl From<FunctionError> for Diagnostic {
    fn from(err: FunctionError) -> Self {
        Diagnostic { error_type: format!("whosent::resolver::{err:?}"), error_message: err.to_string() }
    }
}

/// The part of a resolve request's stream image the resolver needs.
#[derive(Deserialize)]
struct RequestImage {
    kind: String,
    account: String,
    open_id: String,
}

/// The request each record names, or why it names none.
pub fn keys_of(records: &[EventRecord]) -> Vec<Result<RequestKey, String>> {
    records
        .iter()
        .map(|record| {
            let image: RequestImage = serde_dynamo::from_item(record.change.new_image.clone())
                .map_err(|e| format!("record {} is not a resolve request: {e}", record.event_id))?;
            if image.kind != whosent::store::keys::kind::RESOLVE_REQUEST {
                return Err(format!("record {} is a {} item", record.event_id, image.kind));
            }
            Ok(RequestKey { account: image.account, open_id: image.open_id })
        })
        .collect()
}

fn failure(record: &EventRecord) -> DynamoDbBatchItemFailure {
    let mut failure = DynamoDbBatchItemFailure::default();
    failure.item_identifier = record.change.sequence_number.clone();
    failure
}

/// Handles one batch.
pub async fn handle<St, Se, C>(
    deps: &Deps<St, Se, C>,
    event: LambdaEvent<Event>,
) -> Result<DynamoDbEventResponse, FunctionError>
where
    St: ResolverStore,
    Se: SecretSource,
    C: Console,
{
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let left = whosent::session::time_left(event.context.deadline, now).saturating_sub(deps.config.deadline_margin);
    if left.is_zero() {
        return Err(FunctionError::NoTime);
    }
    let started = Instant::now();
    let deadline = started + left;
    let records = &event.payload.records;
    let keys = keys_of(records);
    let batch: Vec<RequestKey> = keys.iter().filter_map(|k| k.as_ref().ok().cloned()).collect();

    let sessions = Sessions::new(&deps.store, &deps.secrets, &deps.console, deps.config.sessions.clone(), deadline);
    let resolver = Resolver::new(&deps.store, &deps.secrets, sessions, &deps.config.resolver, deadline);
    let mut outcomes = resolver.run(&batch, now.as_secs() as i64).await.into_iter();

    let mut response = DynamoDbEventResponse::default();
    for (record, key) in records.iter().zip(&keys) {
        let retry = match key {
            Err(reason) => {
                tracing::error!(reason, "record skipped to the dead-letter queue after its retries");
                Some(reason.clone())
            }
            Ok(_) => match outcomes.next() {
                Some(Outcome::Retry(reason)) => Some(reason),
                _ => None,
            },
        };
        if retry.is_some() {
            response.batch_item_failures.push(failure(record));
        }
    }
    let stats = resolver.stats();
    tracing::info!(
        records = records.len(),
        retried = response.batch_item_failures.len(),
        resolved = stats.resolved,
        logins = resolver.logins(),
        list_reads = stats.list_reads,
        dialog_reads = stats.dialog_reads,
        follower_pages = stats.follower_pages,
        moves = stats.moves,
        elapsed_ms = started.elapsed().as_millis() as u64,
        paused_ms = stats.paused.as_millis() as u64,
        console_ms = stats.console.as_millis() as u64,
        "batch handled"
    );
    Ok(response)
}

#[cfg(test)]
#[path = "tests/handler.rs"]
mod tests;
