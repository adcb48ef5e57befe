//! The account registry and the push ledger: new pushes, the platform's
//! retries, replays, duplicates by dedupe key or by message key, copies
//! written at once, and the follow and profile changes a push carries.

use whosent::store::{
    AccountRegistry, Answer, FollowChange, FollowState, LookupStore, MessageQuery, PushLedger, Recorded, ResolveState,
    ResolverStore,
};

use super::{ACCOUNT, Transcript, pending_push, same, twins};

/// Pushes that are new, retried, replayed or duplicated.
async fn pushes<S: PushLedger + ResolverStore>(store: &S, t: &mut Transcript) {
    t.note("record", store.record(&pending_push("o-a", 1000)).await.unwrap());
    t.note("retried", store.record(&pending_push("o-a", 1000)).await.unwrap());
    let mut replay = pending_push("o-b", 1001);
    replay.guard.query_digest = pending_push("o-a", 1000).guard.query_digest;
    t.note("replayed", store.record(&replay).await.unwrap());
    t.note("the replay left no request", store.request(ACCOUNT, "o-b").await.unwrap());
    // A passive reply is answered again to a copy under another query.
    let mut replied = pending_push("o-a", 1002);
    replied.answer = Answer::Reply { xml: "<xml>reply</xml>".into() };
    t.note("replied", store.record(&replied).await.unwrap());
    let mut copy = replied.clone();
    copy.guard.query_digest = "another-query".into();
    copy.guard.message_digest = "another-message".into();
    t.note("copy of a reply", store.record(&copy).await.unwrap());
    // Another dedupe key, the same message sort key (its first 16 characters).
    let mut first = pending_push("o-c", 1003);
    first.message.dedupe_key = "collide-16-chars-A".into();
    let mut second = pending_push("o-c", 1003);
    second.message.dedupe_key = "collide-16-chars-B".into();
    second.guard.query_digest = "query-o-c-again".into();
    t.note("first of a pair", store.record(&first).await.unwrap());
    t.note("same message key", store.record(&second).await.unwrap());
    // Two copies of one push at once: one is written, the other answered as a duplicate.
    let entry = pending_push("o-d", 1004);
    let (one, other) = tokio::join!(store.record(&entry), store.record(&entry));
    let mut both = [format!("{:?}", one.unwrap()), format!("{:?}", other.unwrap())];
    both.sort();
    t.note("two at once", both);
    t.note("requests", store.requests_in(ACCOUNT, ResolveState::Pending).await.unwrap());
}

/// Follows, unfollows and profile refreshes on the sender.
async fn followers<S: PushLedger + AccountRegistry>(store: &S, t: &mut Transcript) {
    t.note("the account", store.account(ACCOUNT).await.unwrap().map(|a| a.id));
    t.note("no such account", store.account("nobody").await.unwrap());
    t.note("no sender yet", store.sender(ACCOUNT, "o-f").await.unwrap());
    let mut follow = pending_push("o-f", 1100);
    follow.resolve = None;
    follow.follow = Some(FollowChange { state: FollowState::Following, at: 1100 });
    t.note("follow", store.record(&follow).await.unwrap());
    t.note("following", store.sender(ACCOUNT, "o-f").await.unwrap());
    let mut unfollow = pending_push("o-f", 1101);
    unfollow.follow = Some(FollowChange { state: FollowState::Unfollowed, at: 1101 });
    unfollow.refresh_profile = true;
    t.note("unfollow", store.record(&unfollow).await.unwrap());
    t.note("unfollowed", store.sender(ACCOUNT, "o-f").await.unwrap());
    let mut refresh = pending_push("o-f", 1102);
    refresh.refresh_profile = true;
    t.note("refresh", store.record(&refresh).await.unwrap());
    t.note("refreshed", store.sender(ACCOUNT, "o-f").await.unwrap());
}

/// Every message stored, newest first.
async fn stored<S: LookupStore>(store: &S, t: &mut Transcript) {
    let all = MessageQuery { since: None, limit: 100, after: None };
    let page = store.messages(ACCOUNT, &all).await.unwrap();
    t.note("stored", page.messages.iter().map(|m| (&m.dedupe_key, &m.sender)).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_push_ledger_of_the_twin_is_as_on_dynamodb() {
    let (dynamo, memory) = twins("twin-ledger").await;
    let mut on_dynamo = Transcript::default();
    pushes(&dynamo, &mut on_dynamo).await;
    followers(&dynamo, &mut on_dynamo).await;
    stored(&dynamo, &mut on_dynamo).await;
    let mut on_memory = Transcript::default();
    pushes(&memory, &mut on_memory).await;
    followers(&memory, &mut on_memory).await;
    stored(&memory, &mut on_memory).await;
    let t = same(on_dynamo, on_memory);
    assert_eq!(t.answer("record"), "record: New");
    assert_eq!(t.answer("retried"), format!("retried: {:?}", Recorded::Duplicate(Answer::Success)));
    assert_eq!(t.answer("replayed"), "replayed: Replayed");
    assert_eq!(t.answer("the replay left no request"), "the replay left no request: None");
    assert!(t.answer("copy of a reply").contains("<xml>reply</xml>"));
    assert_eq!(t.answer("same message key"), format!("same message key: {:?}", Recorded::Duplicate(Answer::Success)));
    assert_eq!(t.answer("two at once"), r#"two at once: ["Duplicate(Success)", "New"]"#);
    assert!(t.answer("requests").contains("message_count: 2"), "o-a's request counts two pushes");
    assert!(t.answer("following").contains("follow_state: Some(Following)"));
    let unfollowed = t.answer("unfollowed");
    assert!(unfollowed.contains("Some(Unfollowed)") && unfollowed.contains("profile_state: Some(Wanted)"));
    assert!(t.answer("refreshed").contains("profile_wanted_at: Some(1103)"));
    assert!(!t.answer("stored").contains("collide-16-chars-B"));
}
