//! The account registry and the push ledger: new pushes, the platform's
//! retries, replays, duplicates by dedupe key or by message key, copies
//! written at once, the follow and profile changes a push carries, and
//! pushes stamped with a remembered sender, written only while the sender
//! still holds it.

use whosent::store::{
    AccountRegistry, Answer, FetchedProfile, FollowChange, FollowState, LookupStore, MessageQuery, Profile,
    ProfileStore, PushEntry, PushLedger, Recorded, ResolveState, ResolverStore, SenderField, SenderProof,
    SenderSnapshot,
};

use super::{ACCOUNT, Transcript, pending_push, resolution, same, twins};

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

const REMEMBERED: u64 = 88;

/// A push from `open_id` stamped with a remembered sender: FakeID
/// `fake_id`, its profile fetched at `fetched_at`.
fn remembered_push(open_id: &str, create_time: i64, fake_id: u64, fetched_at: i64) -> PushEntry {
    let mut entry = pending_push(open_id, create_time);
    entry.resolve = None;
    let profile = Profile { nickname: "Kim".into(), gender: 1, ..Profile::default() };
    entry.message.sender = SenderField::Known(SenderSnapshot { fake_id, profile });
    entry.proof = Some(SenderProof { fake_id, profile_fetched_at: Some(fetched_at) });
    entry
}

/// The sender's profile, fetched at `fetched_at`.
async fn fetch<S: ProfileStore>(store: &S, open_id: &str, fetched_at: i64) {
    let profile = Profile { nickname: "Kim".into(), gender: 1, ..Profile::default() };
    let fetched = FetchedProfile { fake_id: REMEMBERED, profile, remark_name: String::new(), group_id: 0, fetched_at };
    assert!(store.save_sender_profile(ACCOUNT, open_id, &fetched).await.unwrap());
}

/// Pushes stamped from memory: written while the sender holds what they
/// assume, refused with the sender handed back once it does not; a retry
/// is a duplicate first.
async fn remembered<S: PushLedger + ResolverStore + ProfileStore>(store: &S, t: &mut Transcript) {
    store.record_mapping(ACCOUNT, "o-k", &resolution(REMEMBERED, 1200)).await.unwrap();
    fetch(store, "o-k", 1200).await;
    t.note("proven", store.record(&remembered_push("o-k", 1201, REMEMBERED, 1200)).await.unwrap());
    t.note("proven retry", store.record(&remembered_push("o-k", 1201, REMEMBERED, 1200)).await.unwrap());
    fetch(store, "o-k", 1210).await;
    t.note("fetched again", store.record(&remembered_push("o-k", 1202, REMEMBERED, 1200)).await.unwrap());
    let retry_of_older = remembered_push("o-k", 1201, REMEMBERED, 1200);
    t.note("retry, sender changed too", store.record(&retry_of_older).await.unwrap());
    t.note("another FakeID", store.record(&remembered_push("o-k", 1203, 99, 1210)).await.unwrap());
    t.note("no sender", store.record(&remembered_push("o-none", 1204, REMEMBERED, 1210)).await.unwrap());
    let mut stale = remembered_push("o-k", 1205, REMEMBERED, 1200);
    stale.refresh_profile = true;
    t.note("refresh on a changed sender", store.record(&stale).await.unwrap());
    t.note("not asked", store.sender(ACCOUNT, "o-k").await.unwrap().and_then(|s| s.profile_state));
    t.note("proven again", store.record(&remembered_push("o-k", 1202, REMEMBERED, 1210)).await.unwrap());
    let mut refresh = remembered_push("o-k", 1206, REMEMBERED, 1210);
    refresh.refresh_profile = true;
    t.note("proven with a refresh", store.record(&refresh).await.unwrap());
    t.note("asked", store.sender(ACCOUNT, "o-k").await.unwrap().and_then(|s| s.profile_state));
    t.note("none pending", store.pending_messages(ACCOUNT, "o-k", 10).await.unwrap());
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
    remembered(&dynamo, &mut on_dynamo).await;
    stored(&dynamo, &mut on_dynamo).await;
    let mut on_memory = Transcript::default();
    pushes(&memory, &mut on_memory).await;
    followers(&memory, &mut on_memory).await;
    remembered(&memory, &mut on_memory).await;
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
    remembered_answers(&t);
}

fn remembered_answers(t: &Transcript) {
    assert_eq!(t.answer("proven"), "proven: New");
    assert_eq!(t.answer("proven retry"), "proven retry: Duplicate(Success)");
    let changed = t.answer("fetched again");
    assert!(changed.contains("SenderChanged(Some(") && changed.contains("profile_fetched_at: Some(1210)"), "{changed}");
    assert_eq!(t.answer("retry, sender changed too"), "retry, sender changed too: Duplicate(Success)");
    assert!(t.answer("another FakeID").contains("SenderChanged(Some(") && t.answer("another FakeID").contains("88"));
    assert_eq!(t.answer("no sender"), "no sender: SenderChanged(None)");
    assert!(t.answer("refresh on a changed sender").contains("SenderChanged(Some("));
    assert_eq!(t.answer("not asked"), "not asked: Some(Fetched)");
    assert_eq!(t.answer("proven again"), "proven again: New");
    assert_eq!(t.answer("proven with a refresh"), "proven with a refresh: New");
    assert_eq!(t.answer("asked"), "asked: Some(Wanted)");
    assert!(t.answer("none pending").contains("messages: []"), "stamped messages stay out of the pending index");
    let stored = t.answer("stored");
    for refused in ["key-o-k-1203", "key-o-none-1204", "key-o-k-1205"] {
        assert!(!stored.contains(refused), "{refused} was refused, yet stored: {stored}");
    }
    assert!(stored.contains("key-o-k-1202") && stored.contains("key-o-k-1206"));
}
