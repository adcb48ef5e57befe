//! The frame of a stream batch, shared by the resolver and the profile step.
//!
//! Both take a batch of DynamoDB stream records, each naming one sender's
//! work (a resolve request, a wanted profile) by account and openID. The
//! frame reads those keys from the records ([`keys_of`]), clocks the
//! invocation ([`Invocation`]), works the accounts side by side
//! ([`per_account`]), says what becomes of an account's work when the
//! account cannot be used ([`Hold`]), and turns the outcomes into the
//! records Lambda retries ([`response`]). What each step does for one
//! account stays with the step.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::dynamodb::EventRecord;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use futures::future::join_all;
use serde::Deserialize;

use crate::session::SessionError;
use crate::store::AccountState;

/// The key of one sender's work: the account and the follower's openID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkKey {
    pub account: String,
    pub open_id: String,
}

/// What became of one key of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Finished for now (done, given up with a reason, or waiting for the account).
    Done,
    /// To be retried: the reason is logged.
    Retry(String),
}

/// The batch's keys by account: each account once, in the order it first
/// appears, with the positions of its keys in batch order.
pub fn by_account(batch: &[WorkKey]) -> Vec<(&str, Vec<usize>)> {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, key) in batch.iter().enumerate() {
        let group = *index.entry(&key.account).or_insert_with(|| {
            groups.push((&key.account, Vec::new()));
            groups.len() - 1
        });
        groups[group].1.push(i);
    }
    groups
}

/// Works the batch's accounts side by side: one waiting on its console does
/// not hold up another. `work` gets an account and its keys in batch order
/// and returns one outcome per key, in that order. The outcomes come back in
/// batch order; a key left without one counts as done.
pub async fn per_account<'k, F, Fut>(batch: &'k [WorkKey], work: F) -> Vec<Outcome>
where
    F: Fn(&'k str, Vec<&'k WorkKey>) -> Fut,
    Fut: Future<Output = Vec<Outcome>>,
{
    let groups = by_account(batch);
    let runs = groups.iter().map(|(account, positions)| work(account, positions.iter().map(|&i| &batch[i]).collect()));
    let results = join_all(runs).await;
    let mut outcomes = vec![Outcome::Done; batch.len()];
    for ((_, positions), found) in groups.iter().zip(results) {
        for (&i, outcome) in positions.iter().zip(found) {
            outcomes[i] = outcome;
        }
    }
    outcomes
}

/// Outcomes named by openID, put back on an account's keys in order. An
/// openID named twice keeps its last outcome; a key named twice gets it
/// once, the repeats and the keys not named count as done.
pub fn by_open_id(keys: &[&WorkKey], found: impl IntoIterator<Item = (String, Outcome)>) -> Vec<Outcome> {
    let mut found: HashMap<String, Outcome> = found.into_iter().collect();
    keys.iter().map(|key| found.remove(&key.open_id).unwrap_or(Outcome::Done)).collect()
}

/// Why an account's work stops short of its console, for the account to
/// change rather than for a retry to cure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// The account may not log in now (a captcha, a refused password, a
    /// restriction, switched off): its work waits, stored with the reason,
    /// until the account is cleared. It is never dropped.
    Blocked(AccountState),
    /// No such account is registered.
    Unknown,
}

impl Hold {
    /// The hold an account in this state puts on its work; `None` for an
    /// account that may log in.
    pub fn of_state(state: AccountState) -> Option<Hold> {
        match state {
            AccountState::Active => None,
            state => Some(Hold::Blocked(state)),
        }
    }

    /// The hold a session error stands for; `None` for an error a retry may cure.
    pub fn of(err: &SessionError) -> Option<Hold> {
        match err {
            SessionError::Blocked(state) => Some(Hold::Blocked(*state)),
            SessionError::UnknownAccount => Some(Hold::Unknown),
            _ => None,
        }
    }

    /// The hold as a name, for the metrics: the account's state, or `unknown_account`.
    pub fn name(&self) -> &'static str {
        match self {
            Hold::Blocked(AccountState::Active) => "active",
            Hold::Blocked(AccountState::CredentialsRejected) => "credentials_rejected",
            Hold::Blocked(AccountState::CaptchaRequired) => "captcha_required",
            Hold::Blocked(AccountState::Restricted) => "restricted",
            Hold::Blocked(AccountState::Disabled) => "disabled",
            Hold::Unknown => "unknown_account",
        }
    }

    /// The reason stored with the work it holds.
    pub fn reason(&self) -> String {
        match self {
            Hold::Blocked(state) => format!("account cannot log in: {state:?}"),
            Hold::Unknown => "unknown account".to_owned(),
        }
    }
}

/// The clock of one invocation.
#[derive(Debug, Clone, Copy)]
pub struct Invocation {
    /// When the work began (monotonic).
    pub started: Instant,
    /// Until when it may work: Lambda's deadline less the margin kept for answering.
    pub deadline: Instant,
    /// Unix seconds at the start.
    pub now: i64,
}

impl Invocation {
    /// Starts the clock against Lambda's deadline (Unix milliseconds, from
    /// the invocation's context), keeping `margin` to answer in; `None` when
    /// no time is left.
    pub fn start(deadline_ms: u64, margin: Duration) -> Option<Self> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Self::start_at(deadline_ms, margin, now, Instant::now())
    }

    /// [`Invocation::start`] at a given Unix time and instant.
    pub fn start_at(deadline_ms: u64, margin: Duration, now: Duration, started: Instant) -> Option<Self> {
        let left = time_left(deadline_ms, now).saturating_sub(margin);
        if left.is_zero() {
            return None;
        }
        Some(Self { started, deadline: started + left, now: now.as_secs() as i64 })
    }

    /// Milliseconds since the start, for the log line.
    pub fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

/// Deadlines before 2001 are not Unix times: `cargo lambda watch` sends its
/// timeout (600 000 ms) as the deadline. Such a value counts from now.
const EARLIEST_DEADLINE_MS: u64 = 978_307_200_000;

/// The time until the invocation's deadline (Unix milliseconds).
pub fn time_left(deadline_ms: u64, now: Duration) -> Duration {
    let deadline = Duration::from_millis(deadline_ms);
    if deadline_ms < EARLIEST_DEADLINE_MS {
        return deadline;
    }
    deadline.saturating_sub(now)
}

/// The part of a stream image the frame reads.
#[derive(Deserialize)]
struct Image {
    kind: String,
    account: String,
    open_id: String,
}

/// The key each record names: an item of `kind` (a `noun`, in the reasons),
/// or why it names none.
pub fn keys_of(records: &[EventRecord], kind: &str, noun: &str) -> Vec<Result<WorkKey, String>> {
    records
        .iter()
        .map(|record| {
            let image: Image = serde_dynamo::from_item(record.change.new_image.clone())
                .map_err(|e| format!("record {} is not a {noun}: {e}", record.event_id))?;
            if image.kind != kind {
                return Err(format!("record {} is a {} item", record.event_id, image.kind));
            }
            Ok(WorkKey { account: image.account, open_id: image.open_id })
        })
        .collect()
}

/// The keys to work, in order: those of the records that name one.
pub fn work(keys: &[Result<WorkKey, String>]) -> Vec<WorkKey> {
    keys.iter().filter_map(|k| k.as_ref().ok().cloned()).collect()
}

/// The records Lambda retries: those whose work is to be retried, and those
/// that name no key (logged; after their retries they go to the dead-letter
/// queue). `outcomes` are those of [`work`]`(keys)`, in order.
pub fn response(
    records: &[EventRecord],
    keys: &[Result<WorkKey, String>],
    outcomes: Vec<Outcome>,
) -> DynamoDbEventResponse {
    let mut outcomes = outcomes.into_iter();
    let mut response = DynamoDbEventResponse::default();
    for (record, key) in records.iter().zip(keys) {
        let retry = match key {
            Err(reason) => {
                tracing::error!(reason, "record skipped to the dead-letter queue after its retries");
                true
            }
            Ok(_) => matches!(outcomes.next(), Some(Outcome::Retry(_))),
        };
        if retry {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number.clone();
            response.batch_item_failures.push(failure);
        }
    }
    response
}

#[cfg(test)]
mod tests;
