//! The account registry and the push ledger: new pushes, the platform's
//! retries, replays, duplicates by dedupe key or by message key, copies
//! written at once, the follow and profile changes a push carries, and
//! pushes written by reference to a sender they did not read, written only
//! while the sender's item shows a known sender with nothing to ask for.

use whosent::store::{
    AccountRegistry, Answer, FetchedProfile, FollowChange, FollowState, LookupStore, MessageQuery, Profile,
    ProfileState, ProfileStore, PushEntry, PushLedger, Recorded, ResolveState, ResolverStore, SenderCheck, SenderField,
};

use super::{ACCOUNT, Transcript, pending_push, resolution, same, twins};

/// Pushes that are new, retried, replayed or duplicated.
async fn pushes<S: PushLedger + ResolverStore>(store: &S, t: &mut Transcript) {
    t.note("record", store.record(&pending_push("o-a", 1000)).await.unwrap());
    t.note("retried", store.record(&pending_push("o-a", 1000)).await.unwrap());
    let mut replay = pending_push("o-b", 1001);
    replay.guard.as_mut().unwrap().query_digest = pending_push("o-a", 1000).guard.unwrap().query_digest;
    t.note("replayed", store.record(&replay).await.unwrap());
    t.note("the replay left no request", store.request(ACCOUNT, "o-b").await.unwrap());
    // A passive reply is answered again to a copy under another query.
    let mut replied = pending_push("o-a", 1002);
    replied.answer = Answer::Reply { xml: "<xml>reply</xml>".into() };
    t.note("replied", store.record(&replied).await.unwrap());
    let mut copy = replied.clone();
    let guard = copy.guard.as_mut().unwrap();
    guard.query_digest = "another-query".into();
    guard.message_digest = "another-message".into();
    t.note("copy of a reply", store.record(&copy).await.unwrap());
    // Another dedupe key, the same message sort key (its first 16 characters).
    let mut first = pending_push("o-c", 1003);
    first.message.dedupe_key = "collide-16-chars-A".into();
    let mut second = pending_push("o-c", 1003);
    second.message.dedupe_key = "collide-16-chars-B".into();
    second.guard.as_mut().unwrap().query_digest = "query-o-c-again".into();
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
async fn followers<S: PushLedger + AccountRegistry + ResolverStore>(store: &S, t: &mut Transcript) {
    t.note("the account", store.account(ACCOUNT).await.unwrap().map(|a| a.id));
    t.note("no such account", store.account("nobody").await.unwrap());
    t.note("no sender yet", store.sender_record(ACCOUNT, "o-f").await.unwrap());
    let mut follow = pending_push("o-f", 1100);
    follow.resolve = None;
    follow.follow = Some(FollowChange { state: FollowState::Following, at: 1100 });
    t.note("follow", store.record(&follow).await.unwrap());
    t.note("following", store.sender_record(ACCOUNT, "o-f").await.unwrap());
    let mut unfollow = pending_push("o-f", 1101);
    unfollow.follow = Some(FollowChange { state: FollowState::Unfollowed, at: 1101 });
    unfollow.refresh_profile = true;
    t.note("unfollow", store.record(&unfollow).await.unwrap());
    t.note("unfollowed", store.sender_record(ACCOUNT, "o-f").await.unwrap());
    let mut refresh = pending_push("o-f", 1102);
    refresh.refresh_profile = true;
    t.note("refresh", store.record(&refresh).await.unwrap());
    t.note("refreshed", store.sender_record(ACCOUNT, "o-f").await.unwrap());
}

const KNOWN: u64 = 88;

/// A push from `open_id` written by reference to its sender, assuming a
/// profile fetched at or after `fetched_since`.
fn by_reference(open_id: &str, create_time: i64, fetched_since: i64) -> PushEntry {
    let mut entry = pending_push(open_id, create_time);
    entry.resolve = None;
    entry.message.sender = SenderField::Reference;
    entry.check = Some(SenderCheck { fetched_since });
    entry
}

/// The sender's profile, fetched at `fetched_at`.
async fn fetch<S: ProfileStore>(store: &S, open_id: &str, fetched_at: i64) {
    let profile = Profile { nickname: "Kim".into(), gender: 1, ..Profile::default() };
    let fetched = FetchedProfile { fake_id: KNOWN, profile, remark_name: String::new(), group_id: 0, fetched_at };
    assert!(store.save_sender_profile(ACCOUNT, open_id, &fetched).await.unwrap());
}

/// The profile state of the sender.
async fn profile_state<S: ResolverStore>(store: &S, open_id: &str) -> Option<ProfileState> {
    store.sender_record(ACCOUNT, open_id).await.unwrap().and_then(|s| s.profile_state)
}

/// Pushes by reference: written while the sender's item shows a known
/// sender with nothing to ask for, refused with the item handed back once
/// it does not (or with nothing, when there is no item); a retry or a
/// replay is refused as such first, whatever the sender.
async fn by_reference_pushes<S: PushLedger + ResolverStore + ProfileStore>(store: &S, t: &mut Transcript) {
    store.record_mapping(ACCOUNT, "o-k", &resolution(KNOWN, 1200)).await.unwrap();
    fetch(store, "o-k", 1200).await;
    t.note("checked", store.record(&by_reference("o-k", 1201, 1200)).await.unwrap());
    t.note("checked retry", store.record(&by_reference("o-k", 1201, 1200)).await.unwrap());
    t.note("stale", store.record(&by_reference("o-k", 1202, 1201)).await.unwrap());
    t.note("retry, sender stale too", store.record(&by_reference("o-k", 1201, 1201)).await.unwrap());
    let mut replay = by_reference("o-k", 1203, 1201);
    replay.guard.as_mut().unwrap().query_digest = by_reference("o-k", 1201, 0).guard.unwrap().query_digest;
    t.note("replay, sender stale too", store.record(&replay).await.unwrap());
    t.note("no sender", store.record(&by_reference("o-none", 1204, 0)).await.unwrap());
    store.record_mapping(ACCOUNT, "o-m", &resolution(KNOWN + 1, 1200)).await.unwrap();
    t.note("no profile", store.record(&by_reference("o-m", 1204, 0)).await.unwrap());
    store.set_profile_state(ACCOUNT, "o-k", ProfileState::Wanted, None).await.unwrap();
    t.note("asked for", store.record(&by_reference("o-k", 1205, 0)).await.unwrap());
    t.note("still asked for", profile_state(store, "o-k").await);
    fetch(store, "o-k", 1210).await;
    let mut leaving = by_reference("o-k", 1206, 1210);
    leaving.follow = Some(FollowChange { state: FollowState::Unfollowed, at: 1206 });
    t.note("checked, with an unfollow", store.record(&leaving).await.unwrap());
    t.note("gone", store.sender_record(ACCOUNT, "o-k").await.unwrap().and_then(|s| s.follow_state));
    t.note("unfollowed", store.record(&by_reference("o-k", 1207, 0)).await.unwrap());
    let mut back = by_reference("o-k", 1208, 0);
    back.follow = Some(FollowChange { state: FollowState::Following, at: 1208 });
    t.note("coming back", store.record(&back).await.unwrap());
    t.note("not followed yet", store.sender_record(ACCOUNT, "o-k").await.unwrap().and_then(|s| s.follow_state));
}

/// A push to a safe or compatible account carries no replay guard: its
/// retry is a duplicate by its dedupe record. A pending push that opens a
/// request is written only while its sender has no FakeID, so a sender
/// mapped meanwhile does not reopen it; one without a request, while the
/// sender has no profile.
async fn unguarded_and_pending<S: PushLedger + ResolverStore>(store: &S, t: &mut Transcript) {
    let mut sealed = pending_push("o-u", 1300);
    sealed.guard = None;
    t.note("unguarded", store.record(&sealed).await.unwrap());
    t.note("unguarded retry", store.record(&sealed).await.unwrap());
    store.record_mapping(ACCOUNT, "o-u", &resolution(KNOWN + 2, 1301)).await.unwrap();
    store.set_request_state(ACCOUNT, "o-u", ResolveState::Resolved, None, Some(KNOWN + 2), 1301).await.unwrap();
    let mut mapped = pending_push("o-u", 1302);
    mapped.guard = None;
    t.note("pending, mapped meanwhile", store.record(&mapped).await.unwrap());
    let request = store.request(ACCOUNT, "o-u").await.unwrap().map(|r| (r.state, r.message_count));
    t.note("request stays closed", request);
    let mut awaiting = pending_push("o-u", 1303);
    awaiting.resolve = None;
    t.note("pending, awaiting its profile", store.record(&awaiting).await.unwrap());
    // The message alone (no guard, request or sender item): one put, as exactly-once.
    let mut alone = pending_push("o-v", 1304);
    (alone.guard, alone.resolve) = (None, None);
    alone.message.sender = SenderField::Identified { fake_id: 5 };
    alone.answer = Answer::Reply { xml: "<xml>alone</xml>".into() };
    t.note("alone", store.record(&alone).await.unwrap());
    t.note("alone, again", store.record(&alone).await.unwrap());
    alone.message.features.create_time = 1305;
    let (one, other) = tokio::join!(store.record(&alone), store.record(&alone));
    let mut both = [format!("{:?}", one.unwrap()), format!("{:?}", other.unwrap())];
    both.sort();
    t.note("alone, two at once", both);
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
    by_reference_pushes(&dynamo, &mut on_dynamo).await;
    unguarded_and_pending(&dynamo, &mut on_dynamo).await;
    stored(&dynamo, &mut on_dynamo).await;
    let mut on_memory = Transcript::default();
    pushes(&memory, &mut on_memory).await;
    followers(&memory, &mut on_memory).await;
    by_reference_pushes(&memory, &mut on_memory).await;
    unguarded_and_pending(&memory, &mut on_memory).await;
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
    by_reference_answers(&t);
    unguarded_and_pending_answers(&t);
}

fn unguarded_and_pending_answers(t: &Transcript) {
    assert_eq!(t.answer("unguarded"), "unguarded: New");
    assert_eq!(t.answer("unguarded retry"), "unguarded retry: Duplicate(Success)");
    let mapped = t.answer("pending, mapped meanwhile");
    assert!(mapped.contains("SenderChanged(Some(") && mapped.contains("fake_id: Some(90)"), "{mapped}");
    assert_eq!(t.answer("request stays closed"), "request stays closed: Some((Resolved, 1))");
    assert_eq!(t.answer("pending, awaiting its profile"), "pending, awaiting its profile: New");
    assert_eq!(t.answer("alone"), "alone: New");
    assert!(t.answer("alone, again").contains(r#"Duplicate(Reply { xml: "<xml>alone</xml>" })"#));
    let two = t.answer("alone, two at once");
    assert!(two.contains("New") && two.contains("Duplicate(Reply"), "{two}");
    assert!(!t.answer("stored").contains("key-o-u-1302"), "the refused pending push was stored");
}

fn by_reference_answers(t: &Transcript) {
    assert_eq!(t.answer("checked"), "checked: New");
    assert_eq!(t.answer("checked retry"), "checked retry: Duplicate(Success)");
    let stale = t.answer("stale");
    assert!(stale.contains("SenderChanged(Some(") && stale.contains("profile_fetched_at: Some(1200)"), "{stale}");
    assert_eq!(t.answer("retry, sender stale too"), "retry, sender stale too: Duplicate(Success)");
    assert_eq!(t.answer("replay, sender stale too"), "replay, sender stale too: Replayed");
    assert_eq!(t.answer("no sender"), "no sender: SenderChanged(None)");
    let no_profile = t.answer("no profile");
    assert!(no_profile.contains("fake_id: Some(89)") && no_profile.contains("profile: None"), "{no_profile}");
    assert!(t.answer("asked for").contains("profile_state: Some(Wanted)"));
    assert_eq!(t.answer("still asked for"), "still asked for: Some(Wanted)");
    assert_eq!(t.answer("checked, with an unfollow"), "checked, with an unfollow: New");
    assert_eq!(t.answer("gone"), "gone: Some(Unfollowed)");
    assert!(t.answer("unfollowed").contains("follow_state: Some(Unfollowed)"));
    assert!(t.answer("coming back").contains("SenderChanged(Some("));
    assert_eq!(t.answer("not followed yet"), "not followed yet: Some(Unfollowed)", "the refused follow wrote nothing");
    let stored = t.answer("stored");
    for refused in ["key-o-k-1202", "key-o-k-1203", "key-o-none-1204", "key-o-m-1204", "key-o-k-1205", "key-o-k-1207"] {
        assert!(!stored.contains(refused), "{refused} was refused, yet stored: {stored}");
    }
    assert!(stored.contains(r#"("key-o-k-1201", Reference)"#) && stored.contains("key-o-k-1206"), "{stored}");
}
