//! The event source stand-in on moto's stream: the records the filters of
//! `events/filters.json` select reach the function's twin, in Lambda's JSON.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use local_stack::filter::Filters;
use local_stack::invoke::MemoryInvoker;
use local_stack::mapping::{Mapping, MappingConfig, MemoryDeadLetters};
use local_stack::source::{PollConfig, Runner, StartingPosition, StreamSource};
use whosent::store::{DynamoStore, ProfileState, Sender};
use whosent_integration::LocalAws;

/// Writes a resolve request item as the webhook and the resolver leave it.
async fn put_request(aws: &LocalAws, table: &str, open_id: &str, state: &str) {
    let s = |v: &str| AttributeValue::S(v.to_owned());
    aws.dynamo()
        .put_item()
        .table_name(table)
        .item("pk", s("ACCT#acct-1"))
        .item("sk", s(&format!("RESOLVE#{open_id}")))
        .item("kind", s("resolve_request"))
        .item("account", s("acct-1"))
        .item("open_id", s(open_id))
        .item("state", s(state))
        .send()
        .await
        .expect("put a resolve request");
}

#[tokio::test]
async fn the_stand_in_invokes_each_function_with_the_records_its_filter_selects() {
    let aws = LocalAws::connect().await;
    let table = aws.fresh_table("events").await;
    let filters = Filters::parse(include_str!("../../../events/filters.json")).unwrap();
    let source = StreamSource::new(&aws.config);
    let arn = source.stream_arn(&table).await.unwrap();
    let poll = PollConfig { poll_interval: Duration::from_millis(50), ..PollConfig::default() };

    // Written before the mappings start: LATEST does not see it.
    put_request(&aws, &table, "oBefore", "pending").await;

    // Both mappings on one reader of the stream, as the local stack runs them.
    let mut mappings = Vec::new();
    for mut config in [MappingConfig::resolver(filters.get("resolver")), MappingConfig::profile(filters.get("profile"))]
    {
        config.window = Duration::from_millis(100);
        mappings.push(Arc::new(Mapping::new(
            config,
            Arc::new(MemoryInvoker::succeeding()),
            Arc::new(MemoryDeadLetters::default()),
        )));
    }
    let runner = Runner::for_all(source.clone(), mappings.clone(), arn.clone(), poll.clone());
    let task = runner.start(StartingPosition::Latest).await.unwrap();

    put_request(&aws, &table, "oNew", "pending").await; // INSERT: resolver
    put_request(&aws, &table, "oNew", "pending").await; // MODIFY pending → pending: nobody
    put_request(&aws, &table, "oWaits", "waiting").await; // INSERT (whatever its state): resolver
    put_request(&aws, &table, "oWaits", "pending").await; // MODIFY waiting → pending: resolver
    let store = DynamoStore::new(aws.dynamo(), &table);
    let sender = Sender {
        account: "acct-1".into(),
        open_id: "oNew".into(),
        fake_id: Some(42),
        profile_state: Some(ProfileState::Wanted),
        ..Sender::default()
    };
    store.put_sender(&sender).await.unwrap(); // INSERT with wanted: profile
    store.put_sender(&sender).await.unwrap(); // MODIFY wanted → wanted: nobody

    let invoked = |i: usize| -> Vec<aws_lambda_events::event::dynamodb::EventRecord> {
        mappings[i]
            .invoker
            .calls()
            .iter()
            .flat_map(|call| {
                serde_json::from_value::<aws_lambda_events::event::dynamodb::Event>(call.event.clone())
                    .expect("the event reads as Lambda's")
                    .records
            })
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while (invoked(0).len() < 3 || invoked(1).is_empty()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Give stray records a moment to show.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let open_ids = |records: &[aws_lambda_events::event::dynamodb::EventRecord]| -> Vec<(String, String)> {
        records
            .iter()
            .map(|r| {
                let open_id = match r.change.new_image.get("open_id") {
                    Some(serde_dynamo::AttributeValue::S(s)) => s.clone(),
                    other => format!("{other:?}"),
                };
                (r.event_name.clone(), open_id)
            })
            .collect()
    };
    let resolver = invoked(0);
    assert_eq!(
        open_ids(&resolver),
        [
            ("INSERT".to_owned(), "oNew".to_owned()),
            ("INSERT".to_owned(), "oWaits".to_owned()),
            ("MODIFY".to_owned(), "oWaits".to_owned())
        ]
    );
    assert_eq!(resolver[0].event_source.as_deref(), Some("aws:dynamodb"));
    assert_eq!(resolver[0].event_source_arn.as_deref(), Some(arn.as_str()));
    assert!(resolver[0].change.sequence_number.is_some());
    assert_eq!(open_ids(&invoked(1)), [("INSERT".to_owned(), "oNew".to_owned())]);
    assert_eq!(mappings[0].invoker.calls()[0].function, "resolver");
    assert_eq!(mappings[1].invoker.calls()[0].function, "profile");

    // The same records, read whole from the stream.
    let all = aws.stream_events(&table).await;
    assert_eq!(all.len(), 7, "{all:?}");
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_read_while_a_batch_is_delivered_make_the_next_batch_together() {
    let aws = LocalAws::connect().await;
    let table = aws.fresh_table("lane").await;
    let filters = Filters::parse(include_str!("../../../events/filters.json")).unwrap();
    let source = StreamSource::new(&aws.config);
    let arn = source.stream_arn(&table).await.unwrap();
    let poll = PollConfig { poll_interval: Duration::from_millis(50), ..PollConfig::default() };
    // The first invocation takes a while; the others answer at once.
    let first = std::sync::atomic::AtomicBool::new(true);
    let invoker = MemoryInvoker::new(move |_, _| {
        if first.swap(false, std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1500));
        }
        Ok(serde_json::json!({ "batchItemFailures": [] }))
    });
    let mut config = MappingConfig::resolver(filters.get("resolver"));
    config.window = Duration::ZERO;
    let mapping = Arc::new(Mapping::new(config, Arc::new(invoker), Arc::new(MemoryDeadLetters::default())));
    let runner = Runner::new(source.clone(), mapping.clone(), arn.clone(), poll);
    let task = runner.start(StartingPosition::Latest).await.unwrap();

    put_request(&aws, &table, "o0", "pending").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while mapping.invoker.calls().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // While the first batch is with the function, five more requests come.
    for i in 1..=5 {
        put_request(&aws, &table, &format!("o{i}"), "pending").await;
    }
    while mapping.invoker.batches().iter().map(Vec::len).sum::<usize>() < 6 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sizes: Vec<usize> = mapping.invoker.batches().iter().map(Vec::len).collect();
    assert_eq!(sizes, [1, 5], "with no batching window, what was read during a delivery is one batch");
    task.abort();
}
