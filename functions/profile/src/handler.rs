//! From a stream batch to the records to retry. Thin: the senders' keys go
//! to [`whosent::profile::Profiles`], its outcomes come back as batch item failures.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Deserialize;
use whosent::console::Console;
use whosent::profile::{ProfileKey, Profiles};
use whosent::resolve::Outcome;
use whosent::secrets::SecretSource;
use whosent::session::Sessions;
use whosent::store::ProfileStore;

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
        Diagnostic { error_type: format!("whosent::profile::{err:?}"), error_message: err.to_string() }
    }
}

/// The part of a sender's stream image the profile function needs.
#[derive(Deserialize)]
struct SenderImage {
    kind: String,
    account: String,
    open_id: String,
}

/// The sender each record names, or why it names none.
pub fn keys_of(records: &[EventRecord]) -> Vec<Result<ProfileKey, String>> {
    records
        .iter()
        .map(|record| {
            let image: SenderImage = serde_dynamo::from_item(record.change.new_image.clone())
                .map_err(|e| format!("record {} is not a sender: {e}", record.event_id))?;
            if image.kind != whosent::store::keys::kind::SENDER {
                return Err(format!("record {} is a {} item", record.event_id, image.kind));
            }
            Ok(ProfileKey { account: image.account, open_id: image.open_id })
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
    St: ProfileStore,
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
    let batch: Vec<ProfileKey> = keys.iter().filter_map(|k| k.as_ref().ok().cloned()).collect();

    let sessions = Sessions::new(&deps.store, &deps.secrets, &deps.console, deps.config.sessions.clone(), deadline);
    let profiles = Profiles::new(&deps.store, sessions, &deps.config.profiles, deadline);
    let mut outcomes = profiles.run(&batch, now.as_secs() as i64).await.into_iter();

    let mut response = DynamoDbEventResponse::default();
    for (record, key) in records.iter().zip(&keys) {
        let retry = match key {
            Err(reason) => {
                tracing::error!(reason, "record skipped to the dead-letter queue after its retries");
                true
            }
            Ok(_) => matches!(outcomes.next(), Some(Outcome::Retry(_))),
        };
        if retry {
            response.batch_item_failures.push(failure(record));
        }
    }
    let stats = profiles.stats();
    tracing::info!(
        records = records.len(),
        retried = response.batch_item_failures.len(),
        fetched = stats.fetched,
        reused = stats.reused,
        not_following = stats.not_following,
        avatars_refused = stats.avatars_refused,
        stamped = stats.stamped,
        logins = profiles.logins(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "batch handled"
    );
    Ok(response)
}

#[cfg(test)]
#[path = "tests/handler.rs"]
mod tests;
