use super::*;
use aws_lambda_events::event::dynamodb::Event;
use std::sync::Arc;
use tokio::sync::Barrier;

fn key(account: &str, open_id: &str) -> WorkKey {
    WorkKey { account: account.to_owned(), open_id: open_id.to_owned() }
}

fn sample() -> Event {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/resolver-stream-batch.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("a DynamoDB stream event")
}

#[test]
fn a_batch_is_grouped_by_account_in_the_order_of_its_keys() {
    let batch = [key("b", "o1"), key("a", "o2"), key("b", "o3"), key("c", "o4"), key("a", "o5")];
    assert_eq!(by_account(&batch), [("b", vec![0, 2]), ("a", vec![1, 4]), ("c", vec![3])]);
    assert!(by_account(&[]).is_empty());
}

#[tokio::test]
async fn outcomes_come_back_in_batch_order() {
    let batch = [key("b", "o1"), key("a", "o2"), key("b", "o3"), key("a", "o4")];
    let outcomes = per_account(&batch, |_, keys| async move {
        keys.iter().map(|k| Outcome::Retry(format!("{}/{}", k.account, k.open_id))).collect()
    })
    .await;
    let reasons: Vec<Outcome> = batch.iter().map(|k| Outcome::Retry(format!("{}/{}", k.account, k.open_id))).collect();
    assert_eq!(outcomes, reasons);
}

#[tokio::test]
async fn a_key_left_without_an_outcome_counts_as_done() {
    let batch = [key("a", "o1"), key("a", "o2")];
    let outcomes = per_account(&batch, |_, _| async { vec![Outcome::Retry("first only".into())] }).await;
    assert_eq!(outcomes, [Outcome::Retry("first only".into()), Outcome::Done]);
}

#[tokio::test]
async fn accounts_are_worked_side_by_side() {
    // Each account's work waits for the other's to start: done one after
    // the other, it would never finish.
    let batch = [key("a", "o1"), key("b", "o2")];
    let barrier = Arc::new(Barrier::new(2));
    let run = per_account(&batch, |_, keys| {
        let barrier = barrier.clone();
        async move {
            barrier.wait().await;
            vec![Outcome::Done; keys.len()]
        }
    });
    let outcomes = tokio::time::timeout(Duration::from_secs(5), run).await.expect("accounts worked at once");
    assert_eq!(outcomes, [Outcome::Done, Outcome::Done]);
}

#[test]
fn outcomes_named_by_open_id_land_on_their_keys() {
    let (k1, k2, k3) = (key("a", "o1"), key("a", "o2"), key("a", "o3"));
    let keys = [&k1, &k2, &k1, &k3];
    let found = [
        ("o1".to_owned(), Outcome::Done),
        ("o2".to_owned(), Outcome::Retry("later".into())),
        ("o1".to_owned(), Outcome::Retry("last said".into())),
    ];
    let outcomes = by_open_id(&keys, found);
    assert_eq!(
        outcomes,
        [Outcome::Retry("last said".into()), Outcome::Retry("later".into()), Outcome::Done, Outcome::Done]
    );
}

#[test]
fn an_account_that_cannot_log_in_holds_its_work() {
    assert_eq!(Hold::of_state(AccountState::Active), None);
    for state in [
        AccountState::CredentialsRejected,
        AccountState::CaptchaRequired,
        AccountState::Restricted,
        AccountState::Disabled,
    ] {
        assert_eq!(Hold::of_state(state), Some(Hold::Blocked(state)));
        let err = SessionError::Blocked(state);
        let hold = Hold::of(&err).expect("a blocked account holds its work");
        assert_eq!(hold, Hold::Blocked(state));
        assert_eq!(hold.reason(), format!("account cannot log in: {state:?}"));
        assert_eq!(hold.reason(), err.to_string());
    }
}

#[test]
fn an_unknown_account_holds_its_work_and_a_passing_failure_does_not() {
    let hold = Hold::of(&SessionError::UnknownAccount).expect("an unknown account holds its work");
    assert_eq!(hold, Hold::Unknown);
    assert_eq!(hold.reason(), "unknown account");
    assert_eq!(Hold::of(&SessionError::LoginInProgress), None);
}

#[test]
fn the_time_left_counts_to_the_deadline_or_from_now_when_the_deadline_is_a_duration() {
    let now = Duration::from_millis(1_795_740_000_000);
    assert_eq!(time_left(1_795_740_030_000, now), Duration::from_secs(30));
    assert_eq!(time_left(1_795_739_000_000, now), Duration::ZERO, "passed");
    // What `cargo lambda watch` sends.
    assert_eq!(time_left(600_000, now), Duration::from_secs(600));
}

#[test]
fn the_deadline_keeps_a_margin_to_answer_in() {
    let now = Duration::from_millis(1_795_740_000_500);
    let started = Instant::now();
    let margin = Duration::from_secs(3);
    let invocation = Invocation::start_at(1_795_740_030_500, margin, now, started).expect("time left");
    assert_eq!(invocation.deadline - invocation.started, Duration::from_secs(27));
    assert_eq!(invocation.started, started);
    assert_eq!(invocation.now, 1_795_740_000);
    assert!(Invocation::start_at(1_795_740_003_500, margin, now, started).is_none(), "only the margin is left");
    assert!(Invocation::start_at(1_795_739_000_000, margin, now, started).is_none(), "passed");
    let watched = Invocation::start_at(600_000, margin, now, started).expect("a duration");
    assert_eq!(watched.deadline - watched.started, Duration::from_secs(597));
}

#[test]
fn each_record_names_its_key_or_why_it_names_none() {
    let mut event = sample();
    let record = event.records[0].clone();
    let mut other = record.clone();
    other.change.new_image.insert("kind".into(), serde_dynamo::AttributeValue::S("message".into()));
    let mut broken = record.clone();
    broken.change.new_image.remove("open_id");
    event.records = vec![record, other, broken];
    let keys = keys_of(&event.records, "resolve_request", "resolve request");
    let first = keys[0].as_ref().expect("a resolve request");
    assert!(!first.account.is_empty() && first.open_id.len() > 8);
    assert!(keys[1].as_ref().is_err_and(|e| e.contains("is a message item")));
    assert!(keys[2].as_ref().is_err_and(|e| e.contains("is not a resolve request")));
    assert_eq!(work(&keys), std::slice::from_ref(first));
}

#[test]
fn the_records_to_retry_are_those_retried_and_those_naming_nothing() {
    let mut event = sample();
    let mut records = Vec::new();
    for (i, kind) in ["resolve_request", "message", "resolve_request", "resolve_request"].into_iter().enumerate() {
        let mut record = event.records[0].clone();
        record.change.new_image.insert("kind".into(), serde_dynamo::AttributeValue::S(kind.into()));
        record.change.sequence_number = Some(format!("seq-{i}"));
        records.push(record);
    }
    event.records = records;
    let keys = keys_of(&event.records, "resolve_request", "resolve request");
    assert_eq!(work(&keys).len(), 3);
    let outcomes = vec![Outcome::Done, Outcome::Retry("not settled yet".into()), Outcome::Done];
    let response = response(&event.records, &keys, outcomes);
    let retried: Vec<Option<&str>> =
        response.batch_item_failures.iter().map(|f| f.item_identifier.as_deref()).collect();
    assert_eq!(retried, [Some("seq-1"), Some("seq-2")]);
}

#[test]
fn a_batch_all_done_retries_nothing() {
    let event = sample();
    let keys = keys_of(&event.records, "resolve_request", "resolve request");
    let outcomes = vec![Outcome::Done; work(&keys).len()];
    assert!(response(&event.records, &keys, outcomes).batch_item_failures.is_empty());
}
