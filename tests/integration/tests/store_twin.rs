//! The in-memory store is a twin of the DynamoDB adapter: the same script of
//! resolver-side operations, run on both, must give the same answers. The
//! scenario benchmark runs on the twin; this is what keeps it honest.

use std::fmt::Debug;

use whosent::console::SessionState;
use whosent::push::Features;
use whosent::secrets::Secret;
use whosent::store::{
    Account, AccountState, Answer, DynamoStore, MarkerRecord, MemoryStore, MessageRecord, Method, PushEntry,
    PushLedger, Recorded, ReplayGuard, Resolution, ResolveHint, ResolveState, ResolverStore, SenderField, Strategy,
    WalkRecord,
};
use whosent_integration::LocalAws;

const ACCOUNT: &str = "twin-account";

fn account() -> Account {
    Account::new(ACCOUNT, "wx0123456789abcdef", "gh_0123456789ab", Strategy::UserList)
}

fn session(token: &str) -> SessionState {
    SessionState { token: token.into(), cookies: Secret::new("slave_sid=abc".into()), uin: Some(7), created_at: 50 }
}

/// A pending text from `open_id`, asking for a resolve request.
fn pending_push(open_id: &str, create_time: i64) -> PushEntry {
    let features = Features {
        open_id: open_id.into(),
        create_time,
        msg_type: "text".into(),
        msg_id: Some(format!("{create_time}01")),
        content: Some("hello".into()),
        event: None,
        event_key: None,
    };
    let hint = ResolveHint {
        create_time,
        msg_type: "text".into(),
        msg_id: features.msg_id.clone(),
        content: features.content.clone(),
        marker_planted: true,
        event: None,
    };
    PushEntry {
        guard: ReplayGuard {
            query_digest: format!("query-{open_id}-{create_time}"),
            message_digest: format!("message-{open_id}-{create_time}"),
            expires_at: create_time + 600,
        },
        message: MessageRecord {
            account: ACCOUNT.into(),
            dedupe_key: format!("key-{open_id}-{create_time}"),
            features,
            raw_xml: "<xml/>".into(),
            received_at: create_time + 1,
            sender: SenderField::Pending,
        },
        answer: Answer::Success,
        dedupe_expires_at: create_time + 3600,
        resolve: Some(hint),
        follow: None,
        refresh_profile: false,
    }
}

fn resolution(fake_id: u64, at: i64) -> Resolution {
    Resolution { fake_id, method: Method::UserList, evidence: format!("dialog {fake_id}"), resolved_at: at }
}

/// Every answer of the script, as text.
#[derive(Default)]
struct Transcript(Vec<String>);

impl Transcript {
    fn note(&mut self, step: &str, value: impl Debug) {
        self.0.push(format!("{step}: {value:?}"));
    }
}

async fn script<S: ResolverStore + PushLedger>(store: &S) -> Transcript {
    let mut t = Transcript::default();
    // Sessions and the login lease.
    t.note("no session yet", store.session(ACCOUNT).await.unwrap());
    t.note("lease x", store.try_lease(ACCOUNT, "x", 100, 130).await.unwrap());
    t.note("lease y while x holds it", store.try_lease(ACCOUNT, "y", 110, 140).await.unwrap());
    t.note("lease x again", store.try_lease(ACCOUNT, "x", 120, 150).await.unwrap());
    t.note("lease y after it ran out", store.try_lease(ACCOUNT, "y", 151, 180).await.unwrap());
    store.release_lease(ACCOUNT, "x").await.unwrap();
    t.note("x cannot release y's lease", store.session(ACCOUNT).await.unwrap());
    store.save_session(ACCOUNT, &session("t1"), 1000).await.unwrap();
    t.note("saved", store.session(ACCOUNT).await.unwrap());
    store.forget_session(ACCOUNT, "other").await.unwrap();
    t.note("forget another token", store.session(ACCOUNT).await.unwrap().and_then(|r| r.session).map(|s| s.token));
    store.forget_session(ACCOUNT, "t1").await.unwrap();
    t.note("forgotten", store.session(ACCOUNT).await.unwrap().and_then(|r| r.session));
    t.note("lease z", store.try_lease(ACCOUNT, "z", 200, 230).await.unwrap());
    store.release_lease(ACCOUNT, "z").await.unwrap();
    t.note("released", store.session(ACCOUNT).await.unwrap());

    // Account states.
    store.set_account_state(ACCOUNT, AccountState::CredentialsRejected, Some("-23"), Some("v1"), 300).await.unwrap();
    t.note("rejected", store.account_now(ACCOUNT).await.unwrap());
    store.set_account_state(ACCOUNT, AccountState::Active, None, None, 301).await.unwrap();
    store.set_resolved_group(ACCOUNT, 100).await.unwrap();
    t.note("active again", store.account_now(ACCOUNT).await.unwrap());
    store.set_account_state("nobody", AccountState::Restricted, None, None, 302).await.unwrap();
    t.note("unknown account", store.account_now("nobody").await.unwrap());

    // Requests, mappings, conflicts.
    for (open_id, at) in [("o-b", 1000), ("o-a", 1001), ("o-b", 1002)] {
        t.note("record", store.record(&pending_push(open_id, at)).await.unwrap());
    }
    // The platform's retry (same query, same message) and a replay (same
    // query, another message).
    t.note("retried", store.record(&pending_push("o-a", 1001)).await.unwrap());
    let mut replay = pending_push("o-d", 1003);
    replay.guard.query_digest = pending_push("o-a", 1001).guard.query_digest;
    t.note("replayed", store.record(&replay).await.unwrap());
    t.note("a request", store.request(ACCOUNT, "o-b").await.unwrap());
    t.note("pending", store.requests_in(ACCOUNT, ResolveState::Pending).await.unwrap());
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

    // Markers and dialog pages read.
    for (marker, fake_id) in [("mk2", 9), ("mk1", 8), ("mk2", 10)] {
        let record = MarkerRecord { marker: marker.into(), fake_id, message_id: fake_id * 10, found_at: 1100 };
        store.record_marker(ACCOUNT, &record).await.unwrap();
    }
    t.note("markers", store.markers(ACCOUNT).await.unwrap());
    let mut named = store.markers_named(ACCOUNT, &["mk2".into(), "mk3".into(), "mk2".into()]).await.unwrap();
    named.sort_by(|a, b| a.marker.cmp(&b.marker));
    t.note("named markers", named);
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
    t
}

#[tokio::test]
async fn the_memory_twin_answers_as_dynamodb_does() {
    let aws = LocalAws::connect().await;
    let table = aws.fresh_table("twin").await;
    let dynamo = DynamoStore::new(aws.dynamo(), &table);
    dynamo.put_account(&account()).await.unwrap();
    let memory = MemoryStore::new();
    memory.put_account(account());

    let on_dynamo = script(&dynamo).await.0;
    let on_memory = script(&memory).await.0;
    assert_eq!(on_dynamo.len(), on_memory.len());
    for (d, m) in on_dynamo.iter().zip(&on_memory) {
        assert_eq!(d, m, "the twin differs from DynamoDB");
    }
    // And the answers are the right ones, not just the same ones.
    let answer = |step: &str| on_memory.iter().find(|l| l.starts_with(&format!("{step}: "))).cloned().unwrap();
    assert_eq!(answer("lease x"), "lease x: true");
    assert_eq!(answer("lease y while x holds it"), "lease y while x holds it: false");
    assert_eq!(answer("lease y after it ran out"), "lease y after it ran out: true");
    assert_eq!(answer("forget another token"), r#"forget another token: Some("t1")"#);
    assert_eq!(answer("forgotten"), "forgotten: None");
    assert_eq!(answer("map o-a again"), "map o-a again: Unchanged");
    assert_eq!(answer("map o-a elsewhere"), "map o-a elsewhere: Conflict { existing: 42 }");
    assert_eq!(answer("mapped to 42"), r#"mapped to 42: [("twin-account", "o-a"), ("twin-account", "o-c")]"#);
    assert_eq!(answer("unknown request"), "unknown request: None");
    assert_eq!(answer("retried"), format!("retried: {:?}", Recorded::Duplicate(Answer::Success)));
    assert_eq!(answer("replayed"), format!("replayed: {:?}", Recorded::Replayed));
    assert!(answer("o-b").contains("state: Pending") && answer("o-b").contains("message_count: 3"));
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
