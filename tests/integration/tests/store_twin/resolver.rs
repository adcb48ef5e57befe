//! Requests, mappings and conflicts, markers seen and dialog pages read.

use whosent::store::{
    Answer, MarkerRecord, PushLedger, Recorded, ResolveState, ResolverStore, SenderField, WalkRecord,
};

use super::{ACCOUNT, Transcript, pending_push, resolution, same, twins};

/// Requests, mappings, conflicts, and the pushes the resolver reads back.
async fn requests<S: ResolverStore + PushLedger>(store: &S, t: &mut Transcript) {
    store.set_resolved_group(ACCOUNT, 100).await.unwrap();
    t.note("resolved group", store.account_now(ACCOUNT).await.unwrap());
    for (open_id, at) in [("o-b", 1000), ("o-a", 1001), ("o-b", 1002)] {
        t.note("record", store.record(&pending_push(open_id, at)).await.unwrap());
    }
    // The platform's retry (same query, same message) and a replay (same
    // query, another message).
    t.note("retried", store.record(&pending_push("o-a", 1001)).await.unwrap());
    let mut replay = pending_push("o-d", 1003);
    replay.guard.as_mut().unwrap().query_digest = pending_push("o-a", 1001).guard.unwrap().query_digest;
    t.note("replayed", store.record(&replay).await.unwrap());
    // An event, its sender known: no request.
    let mut event = pending_push("o-e", 1002);
    event.message.features.msg_type = "event".into();
    event.message.features.event = Some("CLICK".into());
    event.message.features.event_key = Some("menu-1".into());
    event.message.sender = SenderField::Identified { fake_id: 5 };
    event.resolve = None;
    t.note("event", store.record(&event).await.unwrap());
    t.note("pushes 1001..1002", store.pushes_between(ACCOUNT, 1001, 1002).await.unwrap());
    t.note("pushes before any", store.pushes_between(ACCOUNT, -5, 999).await.unwrap());
    t.note("pushes after all", store.pushes_between(ACCOUNT, 1004, 2000).await.unwrap());
    t.note("a request", store.request(ACCOUNT, "o-b").await.unwrap());
    t.note("pending", store.requests_in(ACCOUNT, ResolveState::Pending).await.unwrap());
    t.note("no sender yet", store.sender_record(ACCOUNT, "o-a").await.unwrap());
    t.note("map o-a", store.record_mapping(ACCOUNT, "o-a", &resolution(42, 1010)).await.unwrap());
    t.note("map o-a again", store.record_mapping(ACCOUNT, "o-a", &resolution(42, 1011)).await.unwrap());
    t.note("map o-a elsewhere", store.record_mapping(ACCOUNT, "o-a", &resolution(43, 1012)).await.unwrap());
    t.note("map o-c", store.record_mapping(ACCOUNT, "o-c", &resolution(42, 1013)).await.unwrap());
    store.mark_moved(ACCOUNT, "o-a").await.unwrap();
    t.note("sender o-a", store.sender_record(ACCOUNT, "o-a").await.unwrap());
    t.note("mapped to 42", store.mapped_to(42).await.unwrap());
    t.note("mapped to 43", store.mapped_to(43).await.unwrap());
    store.set_request_state(ACCOUNT, "o-a", ResolveState::Resolved, None, Some(42), 1020).await.unwrap();
    store.set_request_state(ACCOUNT, "o-b", ResolveState::Unresolved, Some("no row"), None, 1021).await.unwrap();
    store.set_request_state(ACCOUNT, "o-none", ResolveState::Resolved, None, Some(1), 1022).await.unwrap();
    t.note("unknown request", store.request(ACCOUNT, "o-none").await.unwrap());
    t.note("resolved", store.requests_in(ACCOUNT, ResolveState::Resolved).await.unwrap());
    t.note("unresolved", store.requests_in(ACCOUNT, ResolveState::Unresolved).await.unwrap());
    t.note("reopened by a push", store.record(&pending_push("o-b", 1030)).await.unwrap());
    t.note("o-b", store.request(ACCOUNT, "o-b").await.unwrap());
    store.set_request_state(ACCOUNT, "o-b", ResolveState::Waiting, Some("captcha_required"), None, 1031).await.unwrap();
    t.note("waiting", store.requests_in(ACCOUNT, ResolveState::Waiting).await.unwrap());
    t.note("none pending", store.requests_in(ACCOUNT, ResolveState::Pending).await.unwrap());
}

/// Markers and dialog pages read, and requests and senders read together.
async fn pages<S: ResolverStore>(store: &S, t: &mut Transcript) {
    for (marker, fake_id) in [("mk2", 9), ("mk1", 8), ("mk2", 10)] {
        let record = MarkerRecord { marker: marker.into(), fake_id, message_id: fake_id * 10, found_at: 1100 };
        store.record_marker(ACCOUNT, &record).await.unwrap();
    }
    t.note("markers", store.markers(ACCOUNT).await.unwrap());
    let mut named = store.markers_named(ACCOUNT, &["mk2".into(), "mk3".into(), "mk2".into()]).await.unwrap();
    named.sort_by(|a, b| a.marker.cmp(&b.marker));
    t.note("named markers", named);
    t.note("no markers elsewhere", store.markers("nobody").await.unwrap());
    for (fake_id, read_at, marker) in [(900, 1200, None), (8, 1201, Some("mk1")), (900, 1202, Some("mk9"))] {
        let walk = WalkRecord { fake_id, read_at, newest_message_at: read_at - 5, marker: marker.map(str::to_owned) };
        store.record_walk(ACCOUNT, &walk).await.unwrap();
    }
    t.note("walks", store.walks(ACCOUNT).await.unwrap());
    // Batch reads answer in no particular order.
    let mut walks_of = store.walks_of(ACCOUNT, &[8, 7, 900, 8]).await.unwrap();
    walks_of.sort_by_key(|w| w.fake_id);
    t.note("walks of some", walks_of);
    t.note("no walks elsewhere", store.walks("nobody").await.unwrap());
    t.note("no walks of others elsewhere", store.walks_of("nobody", &[8]).await.unwrap());

    // Requests and senders read together (sorted: the order is not part of the answer).
    let mut both: Vec<_> = store
        .requests_and_senders(ACCOUNT, &["o-a", "o-b", "o-c", "o-none", "o-a"])
        .await
        .unwrap()
        .into_iter()
        .collect();
    both.sort_by(|x, y| x.0.cmp(&y.0));
    t.note("requests and senders", both);
}

#[tokio::test]
async fn the_memory_twin_answers_as_dynamodb_does() {
    let (dynamo, memory) = twins("twin").await;
    let mut on_dynamo = Transcript::default();
    requests(&dynamo, &mut on_dynamo).await;
    pages(&dynamo, &mut on_dynamo).await;
    let mut on_memory = Transcript::default();
    requests(&memory, &mut on_memory).await;
    pages(&memory, &mut on_memory).await;
    let t = same(on_dynamo, on_memory);
    // And the answers are the right ones, not just the same ones.
    let answer = |step: &str| t.answer(step);
    assert!(answer("resolved group").contains("resolved_group_id: Some(100)"));
    assert_eq!(answer("map o-a again"), "map o-a again: Unchanged");
    assert_eq!(answer("map o-a elsewhere"), "map o-a elsewhere: Conflict { existing: 42 }");
    assert_eq!(answer("mapped to 42"), r#"mapped to 42: [("twin-account", "o-a"), ("twin-account", "o-c")]"#);
    assert_eq!(answer("unknown request"), "unknown request: None");
    assert_eq!(answer("retried"), format!("retried: {:?}", Recorded::Duplicate(Answer::Success)));
    assert_eq!(answer("replayed"), format!("replayed: {:?}", Recorded::Replayed));
    assert!(answer("o-b").contains("state: Pending") && answer("o-b").contains("message_count: 3"));
    let between = answer("pushes 1001..1002");
    assert!(between.contains("create_time: 1001") && between.contains(r#"event_key: Some("menu-1")"#), "{between}");
    assert!(!between.contains("create_time: 1000") && !between.contains("create_time: 1003"));
    assert_eq!(answer("pushes before any"), "pushes before any: []");
    assert!(answer("waiting").contains(r#"reason: Some("captcha_required")"#));
    assert!(answer("markers").contains("fake_id: 10") && !answer("markers").contains("fake_id: 9,"));
    assert!(answer("named markers").contains(r#"marker: "mk2""#) && !answer("named markers").contains("mk3"));
    let walks_of = answer("walks of some");
    assert!(
        walks_of.contains("fake_id: 8,")
            && walks_of.contains(r#"marker: Some("mk9")"#)
            && !walks_of.contains("fake_id: 7,")
    );
    let both = answer("requests and senders");
    assert!(both.contains(r#"("o-a""#) && both.contains(r#"("o-c""#) && !both.contains("o-none"), "{both}");
}
