//! One event source mapping: which records reach a function, in which
//! batches, and what happens when it fails — as Lambda does it for a
//! DynamoDB stream with `ReportBatchItemFailures`.
//!
//! - **Batching.** Records that pass the mapping's filter are gathered per
//!   shard until the batch is full or the batching window has passed since
//!   the first one arrived. Records the filter drops are done with.
//! - **Partial failure.** The function answers
//!   `{"batchItemFailures": [{"itemIdentifier": "<SequenceNumber>"}]}`. The
//!   batch is retried from the earliest failed record: it and every later
//!   record of the batch, in order. An identifier that names no record of the
//!   batch fails the whole batch.
//! - **Function error** (an error payload, a non-2xx answer, no answer):
//!   with `bisect_on_error` a batch of two or more is split in halves, each
//!   retried on its own, first the first; a split costs no retry. A single
//!   record, or a mapping without bisection, is retried whole.
//! - **Bounds.** At most `max_retry_attempts` retries of a batch (whatever
//!   is left of it), with a backoff between tries (doubling from `backoff` up
//!   to `max_backoff`), and records older than `max_record_age` are not sent
//!   again. Records that run out go to the dead-letter stand-in, one JSON
//!   line each, like the on-failure destination.
//! - **Order.** A shard's next batch waits until the current one is done.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::filter::Filter;
use crate::invoke::{InvokeError, Invoker};
use crate::record::{self, StreamRecord};

/// The settings of one mapping (the template's `EventSourceMapping`).
#[derive(Debug, Clone)]
pub struct MappingConfig {
    /// The mapping's name: the key of its filters and of its dead letters.
    pub name: String,
    /// The function it invokes.
    pub function: String,
    pub batch_size: usize,
    /// `MaximumBatchingWindowInSeconds`.
    pub window: Duration,
    pub max_retry_attempts: u32,
    pub max_record_age: Duration,
    pub bisect_on_error: bool,
    /// The wait before the first retry; doubled for each next one.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// `ParallelizationFactor`: batches of one shard processed side by
    /// side, records of one partition key always in the same lane, in order.
    pub parallelization: usize,
    pub filter: Filter,
}

impl MappingConfig {
    /// A mapping with Lambda's defaults where whosent sets none.
    pub fn new(name: &str, batch_size: usize, max_retry_attempts: u32, filter: Filter) -> Self {
        Self {
            name: name.to_owned(),
            function: name.to_owned(),
            batch_size,
            window: Duration::from_secs(1),
            max_retry_attempts,
            max_record_age: Duration::from_secs(3600),
            bisect_on_error: true,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            parallelization: 1,
            filter,
        }
    }

    /// The resolver's mapping: batches of 100, 10 retries, 10 lanes per shard.
    pub fn resolver(filter: Filter) -> Self {
        Self { parallelization: 10, ..Self::new("resolver", 100, 10, filter) }
    }

    /// The profile function's mapping: batches of 25, 5 retries.
    pub fn profile(filter: Filter) -> Self {
        Self::new("profile", 25, 5, filter)
    }

    /// The wait before retry number `retry` (1-based).
    pub fn backoff_before(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.saturating_sub(1)).unwrap_or(u32::MAX);
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// What a mapping has done, for the log and the final report.
#[derive(Debug, Default)]
pub struct Counters {
    /// Records read from the stream.
    pub read: AtomicU64,
    /// Records the filter dropped.
    pub filtered_out: AtomicU64,
    pub invocations: AtomicU64,
    /// Records sent, counting each retry.
    pub records_sent: AtomicU64,
    /// Records done with: the function took them, or they were filtered out,
    /// or they went to the dead letters.
    pub records_done: AtomicU64,
    pub partial_failures: AtomicU64,
    pub function_errors: AtomicU64,
    pub retries: AtomicU64,
    pub bisections: AtomicU64,
    pub dead_letters: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Value {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        json!({
            "read": get(&self.read),
            "filtered_out": get(&self.filtered_out),
            "invocations": get(&self.invocations),
            "records_sent": get(&self.records_sent),
            "records_done": get(&self.records_done),
            "partial_failures": get(&self.partial_failures),
            "function_errors": get(&self.function_errors),
            "retries": get(&self.retries),
            "bisections": get(&self.bisections),
            "dead_letters": get(&self.dead_letters),
        })
    }
}

/// Why records were given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    RetryAttemptsExhausted,
    RecordAgeExceeded,
}

impl Condition {
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::RetryAttemptsExhausted => "RetryAttemptsExhausted",
            Condition::RecordAgeExceeded => "RecordAgeExceeded",
        }
    }
}

/// One record given up, as the on-failure destination would get it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub mapping: String,
    pub function: String,
    pub shard_id: String,
    pub condition: Condition,
    /// The last failure seen, when there was one.
    pub reason: Option<String>,
    /// Invocations that carried the record.
    pub attempts: u32,
    pub sequence_number: String,
    pub record: Value,
}

impl DeadLetter {
    pub fn to_json(&self) -> Value {
        json!({
            "mapping": self.mapping,
            "function": self.function,
            "condition": self.condition.as_str(),
            "reason": self.reason,
            "attempts": self.attempts,
            "shardId": self.shard_id,
            "sequenceNumber": self.sequence_number,
            "streamArn": self.record.get("eventSourceARN"),
            "at": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
            "record": self.record,
        })
    }
}

/// Where records go when they are given up.
pub trait DeadLetters: Send + Sync {
    fn send(&self, letter: DeadLetter);
}

/// Appends one JSON line per record to `{dir}/{mapping}.jsonl`.
#[derive(Debug, Clone)]
pub struct JsonlDeadLetters {
    dir: PathBuf,
}

impl JsonlDeadLetters {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path(&self, mapping: &str) -> PathBuf {
        self.dir.join(format!("{mapping}.jsonl"))
    }
}

impl DeadLetters for JsonlDeadLetters {
    fn send(&self, letter: DeadLetter) {
        let path = self.path(&letter.mapping);
        let written = std::fs::create_dir_all(&self.dir).and_then(|_| {
            let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
            writeln!(file, "{}", letter.to_json())
        });
        if let Err(e) = written {
            eprintln!(
                "event-source: cannot write the dead letter of {} to {}: {e}",
                letter.sequence_number,
                path.display()
            );
        }
    }
}

/// Dead letters kept in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryDeadLetters {
    letters: Mutex<Vec<DeadLetter>>,
}

impl MemoryDeadLetters {
    pub fn letters(&self) -> Vec<DeadLetter> {
        self.letters.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl DeadLetters for MemoryDeadLetters {
    fn send(&self, letter: DeadLetter) {
        self.letters.lock().unwrap_or_else(|e| e.into_inner()).push(letter);
    }
}

impl<T: DeadLetters> DeadLetters for std::sync::Arc<T> {
    fn send(&self, letter: DeadLetter) {
        (**self).send(letter)
    }
}

/// Gathers a shard's records into batches: full, or the window passed since
/// the first record waiting, or the shard ended.
#[derive(Debug)]
pub struct Batcher {
    batch_size: usize,
    window: Duration,
    waiting: VecDeque<StreamRecord>,
    first_at: Option<Instant>,
}

impl Batcher {
    pub fn new(batch_size: usize, window: Duration) -> Self {
        Self { batch_size: batch_size.max(1), window, waiting: VecDeque::new(), first_at: None }
    }

    pub fn push(&mut self, record: StreamRecord, now: Instant) {
        if self.waiting.is_empty() {
            self.first_at = Some(now);
        }
        self.waiting.push_back(record);
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The next batch, if one is due.
    pub fn take(&mut self, now: Instant, shard_ended: bool) -> Option<Vec<StreamRecord>> {
        let first_at = self.first_at?;
        let due = self.waiting.len() >= self.batch_size || now >= first_at + self.window || shard_ended;
        if !due {
            return None;
        }
        let n = self.waiting.len().min(self.batch_size);
        let batch: Vec<_> = self.waiting.drain(..n).collect();
        // The records left over start a new window now: they were read with this batch.
        self.first_at = (!self.waiting.is_empty()).then_some(now);
        Some(batch)
    }

    /// How long until the waiting records make a batch.
    pub fn due_in(&self, now: Instant) -> Option<Duration> {
        self.first_at.map(|first| (first + self.window).saturating_duration_since(now))
    }
}

/// The outcome of one invocation.
enum Answer {
    Done,
    /// Failed from this index of the batch on; `failed` are the indexes named.
    Partial {
        from: usize,
        failed: Vec<usize>,
    },
    Error(String),
}

/// A mapping at work: its settings, the function, the dead letters and its counters.
pub struct Mapping<I, D> {
    pub config: MappingConfig,
    pub invoker: I,
    pub dead_letters: D,
    pub counters: Counters,
    /// The current time in Unix seconds (for record age; replaceable in tests).
    pub clock: fn() -> i64,
}

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl<I: Invoker, D: DeadLetters> Mapping<I, D> {
    pub fn new(config: MappingConfig, invoker: I, dead_letters: D) -> Self {
        Self { config, invoker, dead_letters, counters: Counters::default(), clock: unix_now }
    }

    /// Whether a record passes the mapping's filter (and counts it).
    pub fn accepts(&self, record: &StreamRecord) -> bool {
        Counters::add(&self.counters.read, 1);
        let pass = self.config.filter.matches(&record.json);
        if !pass {
            Counters::add(&self.counters.filtered_out, 1);
            Counters::add(&self.counters.records_done, 1);
        }
        pass
    }

    /// Delivers one batch of a shard: returns once every record is taken by
    /// the function or given up.
    pub async fn deliver(&self, shard_id: &str, batch: Vec<StreamRecord>) {
        // Work left, in order: (records, retries of this piece so far, tries per record).
        let mut work: Vec<(Vec<StreamRecord>, u32, Vec<u32>)> = Vec::new();
        let tries = vec![0; batch.len()];
        work.push((batch, 0, tries));
        while let Some((mut records, mut retries, mut tries)) = work.pop() {
            let mut last_error: Option<String> = None;
            loop {
                self.drop_aged(shard_id, &mut records, &mut tries, last_error.as_deref());
                if records.is_empty() {
                    break;
                }
                let started = Instant::now();
                tries.iter_mut().for_each(|t| *t += 1);
                let answer = self.invoke(&records).await;
                self.log(shard_id, &records, &answer, retries, started.elapsed());
                match answer {
                    Answer::Done => {
                        Counters::add(&self.counters.records_done, records.len());
                        break;
                    }
                    Answer::Partial { from, failed } => {
                        Counters::add(&self.counters.partial_failures, 1);
                        Counters::add(&self.counters.records_done, from);
                        if retries >= self.config.max_retry_attempts {
                            // The records after the earliest failure that were not named went through.
                            let reason = "reported as a batch item failure".to_owned();
                            for (i, record) in records.iter().enumerate().skip(from) {
                                if failed.contains(&i) {
                                    self.give_up(
                                        shard_id,
                                        record,
                                        tries[i],
                                        Condition::RetryAttemptsExhausted,
                                        &reason,
                                    );
                                } else {
                                    Counters::add(&self.counters.records_done, 1);
                                }
                            }
                            break;
                        }
                        records.drain(..from);
                        tries.drain(..from);
                        last_error = Some("reported as a batch item failure".to_owned());
                    }
                    Answer::Error(error) => {
                        Counters::add(&self.counters.function_errors, 1);
                        if self.config.bisect_on_error && records.len() > 1 {
                            Counters::add(&self.counters.bisections, 1);
                            let half = records.len().div_ceil(2);
                            let (second, second_tries) = (records.split_off(half), tries.split_off(half));
                            // A stack: the first half is taken first.
                            work.push((second, retries, second_tries));
                            work.push((records, retries, tries));
                            tokio::time::sleep(self.config.backoff_before(retries + 1)).await;
                            break;
                        }
                        if retries >= self.config.max_retry_attempts {
                            for (record, tries) in records.iter().zip(&tries) {
                                self.give_up(shard_id, record, *tries, Condition::RetryAttemptsExhausted, &error);
                            }
                            break;
                        }
                        last_error = Some(error);
                    }
                }
                retries += 1;
                Counters::add(&self.counters.retries, 1);
                tokio::time::sleep(self.config.backoff_before(retries)).await;
            }
        }
    }

    async fn invoke(&self, records: &[StreamRecord]) -> Answer {
        Counters::add(&self.counters.invocations, 1);
        Counters::add(&self.counters.records_sent, records.len());
        let payload = match self.invoker.invoke(&self.config.function, &record::event(records)).await {
            Ok(payload) => payload,
            Err(InvokeError::Function { status, body }) => {
                return Answer::Error(format!("function error ({status}): {body}"));
            }
            Err(e @ InvokeError::TimedOut { .. }) => return Answer::Error(e.to_string()),
            Err(InvokeError::Transport(e)) => return Answer::Error(e),
        };
        let failures = match payload.get("batchItemFailures") {
            None | Some(Value::Null) => return Answer::Done,
            Some(Value::Array(failures)) if failures.is_empty() => return Answer::Done,
            Some(Value::Array(failures)) => failures,
            Some(other) => return Answer::Partial { from: 0, failed: invalid(records, other) },
        };
        let mut failed = Vec::new();
        for failure in failures {
            let id = failure.get("itemIdentifier").and_then(Value::as_str).unwrap_or_default();
            match records.iter().position(|r| !id.is_empty() && r.sequence_number == id) {
                Some(i) => failed.push(i),
                // Lambda treats an identifier it cannot place as a failure of the whole batch.
                None => return Answer::Partial { from: 0, failed: invalid(records, failure) },
            }
        }
        failed.sort_unstable();
        failed.dedup();
        Answer::Partial { from: failed[0], failed }
    }

    /// Records too old to send again go to the dead letters.
    fn drop_aged(&self, shard_id: &str, records: &mut Vec<StreamRecord>, tries: &mut Vec<u32>, reason: Option<&str>) {
        let now = (self.clock)();
        let max_age = self.config.max_record_age.as_secs() as i64;
        let mut i = 0;
        while i < records.len() {
            let aged = records[i].created_at.is_some_and(|at| now - at > max_age);
            if aged {
                let record = records.remove(i);
                let tried = tries.remove(i);
                let reason = reason.unwrap_or("older than the mapping's maximum record age");
                self.give_up(shard_id, &record, tried, Condition::RecordAgeExceeded, reason);
            } else {
                i += 1;
            }
        }
    }

    fn give_up(&self, shard_id: &str, record: &StreamRecord, attempts: u32, condition: Condition, reason: &str) {
        Counters::add(&self.counters.dead_letters, 1);
        Counters::add(&self.counters.records_done, 1);
        eprintln!(
            "event-source: {} gave up record {} after {attempts} invocation(s): {} ({reason})",
            self.config.name,
            record.sequence_number,
            condition.as_str()
        );
        self.dead_letters.send(DeadLetter {
            mapping: self.config.name.clone(),
            function: self.config.function.clone(),
            shard_id: shard_id.to_owned(),
            condition,
            reason: Some(reason.to_owned()),
            attempts,
            sequence_number: record.sequence_number.clone(),
            record: record.json.clone(),
        });
    }

    fn log(&self, shard_id: &str, records: &[StreamRecord], answer: &Answer, retry: u32, took: Duration) {
        let (outcome, failed) = match answer {
            Answer::Done => ("ok".to_owned(), 0),
            Answer::Partial { failed, .. } => ("partial".to_owned(), failed.len()),
            Answer::Error(e) => (format!("error: {e}"), records.len()),
        };
        eprintln!(
            "event-source: {} shard={shard_id} records_in={} records_out={} failures={failed} retry={retry} duration_ms={} {outcome}",
            self.config.name,
            records.len(),
            records.len() - failed,
            took.as_millis(),
        );
    }
}

/// Every record of the batch, for an answer Lambda cannot read.
fn invalid(records: &[StreamRecord], _what: &Value) -> Vec<usize> {
    (0..records.len()).collect()
}

#[cfg(test)]
mod tests;
