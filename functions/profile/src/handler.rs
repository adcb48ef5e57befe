//! From a stream batch to the records to retry. Thin: the senders' keys go
//! to [`whosent::profile::Profiles`], its outcomes come back as batch item failures.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_runtime::{Diagnostic, LambdaEvent};
use whosent::batch::{self, Invocation, WorkKey};
use whosent::console::{Console, ConsoleCounts, CountingConsole};
use whosent::metrics::{self, Metrics};
use whosent::metrics::{AVATARS_NOT_STORED, HELD, MAPPING_TO_PROFILE, OUTCOME, PROFILES, REASON};
use whosent::profile::{Profiles, Stats};
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

/// The sender each record names, or why it names none.
pub fn keys_of(records: &[EventRecord]) -> Vec<Result<WorkKey, String>> {
    batch::keys_of(records, whosent::store::keys::kind::SENDER, "sender")
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
    let invocation =
        Invocation::start(event.context.deadline, deps.config.deadline_margin).ok_or(FunctionError::NoTime)?;
    let records = &event.payload.records;
    let keys = keys_of(records);

    let deadline = invocation.deadline;
    let console = CountingConsole::new(&deps.console);
    let sessions = Sessions::new(&deps.store, &deps.secrets, &console, deps.config.sessions.clone(), deadline);
    let profiles = Profiles::new(&deps.store, sessions, &deps.config.profiles);
    let outcomes = profiles.run(&batch::work(&keys), invocation.now).await;
    let response = batch::response(records, &keys, outcomes);
    let stats = profiles.stats();
    tracing::info!(
        records = records.len(),
        retried = response.batch_item_failures.len(),
        fetched = stats.fetched,
        reused = stats.reused,
        not_following = stats.not_following,
        avatars_refused = stats.avatars_refused,
        logins = profiles.logins(),
        elapsed_ms = invocation.elapsed_ms(),
        "batch handled"
    );
    let skipped = keys.iter().filter(|k| k.is_err()).count();
    let batch = (records.len(), response.batch_item_failures.len(), skipped);
    metrics_of(&stats, &console.counts(), batch).emit();
    Ok(response)
}

/// An invocation's metrics (`docs/metrics.md`): profiles stored (or not
/// following), avatars not stored, senders held,
/// mapping-to-profile latencies, console requests, and its `batch` of stream
/// records (records, retried, naming no sender).
pub fn metrics_of(stats: &Stats, console: &ConsoleCounts, batch: (usize, usize, usize)) -> Metrics {
    let mut m = Metrics::new();
    for (outcome, n) in [("fetched", stats.fetched), ("reused", stats.reused), ("not_following", stats.not_following)] {
        if n > 0 {
            m.count(PROFILES, &[(OUTCOME, outcome)], n);
        }
    }
    if stats.avatars_refused > 0 {
        m.count(AVATARS_NOT_STORED, &[], stats.avatars_refused);
    }
    for (&reason, &n) in &stats.held {
        m.count(HELD, &[(REASON, reason)], n);
    }
    for &ms in &stats.mapping_to_profile_ms {
        m.sample(MAPPING_TO_PROFILE, &[], ms as f64);
    }
    console.record(&mut m);
    metrics::count_records(&mut m, batch.0, batch.1, batch.2);
    m
}

#[cfg(test)]
mod tests;
