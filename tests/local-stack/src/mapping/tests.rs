use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::invoke::MemoryInvoker;

fn record(sequence: u32) -> StreamRecord {
    record_at(sequence, unix_now())
}

fn record_at(sequence: u32, created_at: i64) -> StreamRecord {
    StreamRecord::from_json(json!({
        "eventID": format!("e{sequence}"),
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "ApproximateCreationDateTime": created_at,
            "Keys": {"pk": {"S": "ACCT#a"}, "sk": {"S": format!("RESOLVE#o{sequence}")}},
            "NewImage": {"kind": {"S": "resolve_request"}, "state": {"S": "pending"}},
            "SequenceNumber": sequence.to_string(),
        },
        "eventSourceARN": "arn:stream",
    }))
}

fn records(sequences: std::ops::RangeInclusive<u32>) -> Vec<StreamRecord> {
    sequences.map(record).collect()
}

fn config(max_retry_attempts: u32) -> MappingConfig {
    MappingConfig::new("resolver", 100, max_retry_attempts, Filter::all())
}

type Fixture = Mapping<Arc<MemoryInvoker>, Arc<MemoryDeadLetters>>;

fn mapping(config: MappingConfig, invoker: MemoryInvoker) -> (Fixture, Arc<MemoryInvoker>, Arc<MemoryDeadLetters>) {
    let invoker = Arc::new(invoker);
    let letters = Arc::new(MemoryDeadLetters::default());
    (Mapping::new(config, invoker.clone(), letters.clone()), invoker, letters)
}

fn failures(sequences: &[&str]) -> Result<Value, InvokeError> {
    let items: Vec<Value> = sequences.iter().map(|s| json!({ "itemIdentifier": s })).collect();
    Ok(json!({ "batchItemFailures": items }))
}

fn error() -> Result<Value, InvokeError> {
    Err(InvokeError::Function { status: 500, body: r#"{"errorType":"Boom","errorMessage":"boom"}"#.into() })
}

fn seqs(list: &[u32]) -> Vec<String> {
    list.iter().map(u32::to_string).collect()
}

fn count(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

#[tokio::test(start_paused = true)]
async fn a_batch_the_function_takes_is_sent_once() {
    let (m, invoker, letters) = mapping(config(10), MemoryInvoker::succeeding());
    m.deliver("shard-1", records(1..=3)).await;
    assert_eq!(invoker.batches(), [seqs(&[1, 2, 3])]);
    assert_eq!(invoker.calls()[0].function, "resolver");
    assert!(letters.letters().is_empty());
    assert_eq!(count(&m.counters.records_done), 3);
    // An answer without batchItemFailures, or null, is success too.
    let (m, invoker, _) = mapping(config(10), MemoryInvoker::new(|_, _| Ok(Value::Null)));
    m.deliver("shard-1", records(1..=2)).await;
    assert_eq!(invoker.calls().len(), 1);
    assert_eq!(count(&m.counters.retries), 0);
}

#[tokio::test(start_paused = true)]
async fn a_partial_failure_retries_from_the_earliest_failed_record_in_order() {
    let (m, invoker, letters) = mapping(config(10), MemoryInvoker::succeeding());
    invoker.queue(failures(&["4", "2"]));
    invoker.queue(failures(&["3"]));
    m.deliver("shard-1", records(1..=5)).await;
    assert_eq!(invoker.batches(), [seqs(&[1, 2, 3, 4, 5]), seqs(&[2, 3, 4, 5]), seqs(&[3, 4, 5])]);
    assert!(letters.letters().is_empty());
    assert_eq!(count(&m.counters.retries), 2);
    assert_eq!(count(&m.counters.partial_failures), 2);
    assert_eq!(count(&m.counters.records_done), 5);
}

#[tokio::test(start_paused = true)]
async fn retries_back_off_doubling_up_to_the_limit() {
    let mut config = config(10);
    config.backoff = Duration::from_secs(1);
    config.max_backoff = Duration::from_secs(10);
    assert_eq!((1..=6).map(|r| config.backoff_before(r).as_secs()).collect::<Vec<_>>(), [1, 2, 4, 8, 10, 10]);
    // The resolver reports records it cannot decide yet; they come back after the backoff.
    let (m, invoker, _) = mapping(config, MemoryInvoker::succeeding());
    for _ in 0..5 {
        invoker.queue(failures(&["1"]));
    }
    let started = tokio::time::Instant::now();
    m.deliver("shard-1", records(1..=1)).await;
    assert_eq!(invoker.calls().len(), 6);
    assert_eq!(started.elapsed(), Duration::from_secs(1 + 2 + 4 + 8 + 10));
}

#[tokio::test(start_paused = true)]
async fn records_still_failing_after_the_last_retry_go_to_the_dead_letters() {
    let script = |_: &str, _: &Value| failures(&["2"]);
    let (m, invoker, letters) = mapping(config(2), MemoryInvoker::new(script));
    m.deliver("shard-1", records(1..=3)).await;
    assert_eq!(invoker.batches(), [seqs(&[1, 2, 3]), seqs(&[2, 3]), seqs(&[2, 3])]);
    let letters = letters.letters();
    assert_eq!(letters.len(), 1, "only the record named in the last answer: {letters:?}");
    let letter = &letters[0];
    assert_eq!(letter.sequence_number, "2");
    assert_eq!(letter.attempts, 3);
    assert_eq!(letter.condition, Condition::RetryAttemptsExhausted);
    assert_eq!(letter.mapping, "resolver");
    assert_eq!(letter.shard_id, "shard-1");
    assert_eq!(letter.record["dynamodb"]["SequenceNumber"], "2");
    assert_eq!(count(&m.counters.records_done), 3);
    assert_eq!(count(&m.counters.dead_letters), 1);
}

#[tokio::test(start_paused = true)]
async fn a_function_error_bisects_the_batch_until_the_bad_record_stands_alone() {
    // Record 3 makes the function fail whenever it is in the batch.
    let script = |_: &str, event: &Value| {
        let poisoned = event["Records"].as_array().unwrap().iter().any(|r| r["dynamodb"]["SequenceNumber"] == "3");
        if poisoned { error() } else { Ok(json!({"batchItemFailures": []})) }
    };
    let (m, invoker, letters) = mapping(config(2), MemoryInvoker::new(script));
    m.deliver("shard-1", records(1..=5)).await;
    assert_eq!(
        invoker.batches(),
        [seqs(&[1, 2, 3, 4, 5]), seqs(&[1, 2, 3]), seqs(&[1, 2]), seqs(&[3]), seqs(&[3]), seqs(&[3]), seqs(&[4, 5]),],
        "halves in order; a split costs no retry; the lone record gets its retries"
    );
    let letters = letters.letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].sequence_number, "3");
    assert_eq!(letters[0].attempts, 5, "every invocation that carried it");
    assert!(letters[0].reason.as_deref().unwrap_or_default().contains("Boom"), "{letters:?}");
    assert_eq!(count(&m.counters.bisections), 2);
    assert_eq!(count(&m.counters.records_done), 5);
}

#[tokio::test(start_paused = true)]
async fn without_bisection_a_failing_batch_is_retried_whole_then_given_up_whole() {
    let mut config = config(1);
    config.bisect_on_error = false;
    let (m, invoker, letters) = mapping(config, MemoryInvoker::new(|_, _| error()));
    m.deliver("shard-1", records(1..=2)).await;
    assert_eq!(invoker.batches(), [seqs(&[1, 2]), seqs(&[1, 2])]);
    assert_eq!(letters.letters().iter().map(|l| l.sequence_number.as_str()).collect::<Vec<_>>(), ["1", "2"]);
}

#[tokio::test(start_paused = true)]
async fn a_transient_error_is_retried_and_then_the_batch_goes_through() {
    let mut config = config(10);
    config.bisect_on_error = false;
    let (m, invoker, letters) = mapping(config, MemoryInvoker::succeeding());
    invoker.queue(Err(InvokeError::Transport("connection refused".into())));
    m.deliver("shard-1", records(1..=2)).await;
    assert_eq!(invoker.batches(), [seqs(&[1, 2]), seqs(&[1, 2])]);
    assert!(letters.letters().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_identifier_that_names_no_record_fails_the_whole_batch() {
    let (m, invoker, _) = mapping(config(10), MemoryInvoker::succeeding());
    invoker.queue(failures(&["99"]));
    invoker.queue(Ok(json!({"batchItemFailures": [{"itemIdentifier": ""}]})));
    invoker.queue(Ok(json!({"batchItemFailures": "3"})));
    m.deliver("shard-1", records(1..=3)).await;
    assert_eq!(invoker.batches(), vec![seqs(&[1, 2, 3]); 4]);
}

#[tokio::test(start_paused = true)]
async fn records_older_than_the_maximum_age_are_not_sent_again() {
    let (m, invoker, letters) = mapping(config(10), MemoryInvoker::succeeding());
    let old = record_at(1, unix_now() - 3601);
    m.deliver("shard-1", vec![old, record(2)]).await;
    assert_eq!(invoker.batches(), [seqs(&[2])]);
    let letters = letters.letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].condition, Condition::RecordAgeExceeded);
    assert_eq!(letters[0].attempts, 0);

    // A record that ages while it is retried is given up at its next retry.
    let (mut m, invoker, letters) = mapping(config(10), MemoryInvoker::new(|_, _| failures(&["1"])));
    static CALLS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    // The first look finds it young; the next one, an hour and more later.
    m.clock = || unix_now() + 4000 * CALLS.fetch_add(1, Ordering::SeqCst);
    m.deliver("shard-1", vec![record(1)]).await;
    assert_eq!(invoker.calls().len(), 1);
    assert_eq!(letters.letters()[0].attempts, 1);
    assert_eq!(letters.letters()[0].reason.as_deref(), Some("reported as a batch item failure"));
}

#[test]
fn the_filter_decides_what_reaches_the_batch() {
    let mut config = config(10);
    config.filter = Filter::from_values(&[json!({"eventName": ["MODIFY"]})]).unwrap();
    let (m, _, _) = mapping(config, MemoryInvoker::succeeding());
    assert!(!m.accepts(&record(1)));
    let mut modify = record(2);
    modify.json["eventName"] = json!("MODIFY");
    assert!(m.accepts(&modify));
    assert_eq!(count(&m.counters.read), 2);
    assert_eq!(count(&m.counters.filtered_out), 1);
}

#[test]
fn batches_close_when_full_when_the_window_passes_or_when_the_shard_ends() {
    let start = Instant::now();
    let window = Duration::from_millis(200);
    let mut batcher = Batcher::new(3, window);
    assert!(batcher.take(start, false).is_none(), "nothing waiting");
    for i in 1..=4 {
        batcher.push(record(i), start);
    }
    let full = batcher.take(start, false).expect("a full batch at once");
    assert_eq!(full.iter().map(|r| r.sequence_number.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
    assert!(batcher.take(start + Duration::from_millis(100), false).is_none(), "one record waits for the window");
    assert_eq!(batcher.due_in(start + Duration::from_millis(100)), Some(Duration::from_millis(100)));
    let late = batcher.take(start + window, false).expect("the window passed");
    assert_eq!(late.len(), 1);
    assert!(batcher.is_empty());

    batcher.push(record(5), start);
    let last = batcher.take(start, true).expect("the shard ended: no waiting");
    assert_eq!(last.len(), 1);
}

#[test]
fn dead_letters_are_json_lines_per_mapping() {
    let dir = std::env::temp_dir().join(format!("whosent-dlq-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let letters = JsonlDeadLetters::new(&dir);
    for sequence in ["7", "8"] {
        letters.send(DeadLetter {
            mapping: "profile".into(),
            function: "profile".into(),
            shard_id: "shard-1".into(),
            condition: Condition::RetryAttemptsExhausted,
            reason: Some("function error".into()),
            attempts: 6,
            sequence_number: sequence.into(),
            record: record(7).json,
        });
    }
    let text = std::fs::read_to_string(letters.path("profile")).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["mapping"], "profile");
    assert_eq!(lines[0]["condition"], "RetryAttemptsExhausted");
    assert_eq!(lines[0]["attempts"], 6);
    assert_eq!(lines[1]["sequenceNumber"], "8");
    assert_eq!(lines[0]["streamArn"], "arn:stream");
    assert_eq!(lines[0]["record"]["eventID"], "e7");
    let _ = std::fs::remove_dir_all(&dir);
}
