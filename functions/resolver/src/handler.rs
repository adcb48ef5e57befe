//! From a stream batch to the records to retry. Thin: the records' keys go to
//! [`whosent::resolve::Resolver`], its outcomes come back as batch item failures.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_runtime::{Diagnostic, LambdaEvent};
use whosent::batch::{self, Invocation, WorkKey};
use whosent::console::Console;
use whosent::resolve::Resolver;
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
    let sessions = Sessions::new(&deps.store, &deps.secrets, &deps.console, deps.config.sessions.clone(), deadline);
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
    Ok(response)
}

#[cfg(test)]
mod tests;
