//! From a stream batch to the records to retry. Thin: the records' keys go to
//! [`whosent::resolve::Resolver`], its outcomes come back as batch item failures.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_runtime::{Diagnostic, LambdaEvent};
use whosent::batch::{self, Invocation, WorkKey};
use whosent::console::{Console, ConsoleCounts, CountingConsole};
use whosent::metrics::{self, Metrics};
use whosent::metrics::{HELD, METHOD, OUTCOME, PUSH_TO_MAPPING, REASON, RESOLUTIONS, UNRESOLVED};
use whosent::resolve::{Resolver, Stats};
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

/// The request each record names, or why it names none.
pub fn keys_of(records: &[EventRecord]) -> Vec<Result<WorkKey, String>> {
    batch::keys_of(records, whosent::store::keys::kind::RESOLVE_REQUEST, "resolve request")
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
    let invocation =
        Invocation::start(event.context.deadline, deps.config.deadline_margin).ok_or(FunctionError::NoTime)?;
    let records = &event.payload.records;
    let keys = keys_of(records);

    let deadline = invocation.deadline;
    let console = CountingConsole::new(&deps.console);
    let sessions = Sessions::new(&deps.store, &deps.secrets, &console, deps.config.sessions.clone(), deadline);
    let resolver = Resolver::new(&deps.store, &deps.secrets, sessions, &deps.config.resolver, deadline);
    let outcomes = resolver.run(&batch::work(&keys), invocation.now).await;
    let response = batch::response(records, &keys, outcomes);
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
        elapsed_ms = invocation.elapsed_ms(),
        paused_ms = stats.paused.as_millis() as u64,
        console_ms = stats.console.as_millis() as u64,
        "batch handled"
    );
    let skipped = keys.iter().filter(|k| k.is_err()).count();
    let batch = (records.len(), response.batch_item_failures.len(), skipped);
    metrics_of(&stats, &console.counts(), batch).emit();
    Ok(response)
}

/// An invocation's metrics (`docs/metrics.md`): its resolutions, requests
/// left unresolved or held, push-to-mapping latencies, console requests, and
/// its `batch` of stream records (records, retried, naming no request).
pub fn metrics_of(stats: &Stats, console: &ConsoleCounts, batch: (usize, usize, usize)) -> Metrics {
    let mut m = Metrics::new();
    for (&(method, outcome), &n) in &stats.resolutions {
        m.count(RESOLUTIONS, &[(METHOD, method), (OUTCOME, outcome)], n);
    }
    for (&reason, &n) in &stats.unresolved {
        m.count(UNRESOLVED, &[(REASON, reason)], n);
    }
    for (&reason, &n) in &stats.held {
        m.count(HELD, &[(REASON, reason)], n);
    }
    for &ms in &stats.push_to_mapping_ms {
        m.sample(PUSH_TO_MAPPING, &[], ms as f64);
    }
    console.record(&mut m);
    metrics::count_records(&mut m, batch.0, batch.1, batch.2);
    m
}

#[cfg(test)]
mod tests;
