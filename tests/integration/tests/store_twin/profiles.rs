//! The profile store: persons and their avatars, the profile on the
//! sender, and the messages waiting in the pending index for their sender.

use whosent::store::{
    AvatarState, FetchedProfile, LookupStore, MessageQuery, Person, Profile, ProfileState, ProfileStore, PushLedger,
    ResolverStore, SenderField,
};

use super::{ACCOUNT, Transcript, pending_push, resolution, same, twins};

const FAKE_ID: u64 = 77;

fn person(fetched_at: i64, nickname: &str) -> Person {
    Person {
        fake_id: FAKE_ID,
        profile: Profile { nickname: nickname.into(), gender: 2, ..Profile::default() },
        fetched_at,
        fetched_via: ACCOUNT.into(),
        avatar: AvatarState::Stored,
        avatar_bytes: 3,
    }
}

fn fetched(fake_id: u64, remark_name: &str) -> FetchedProfile {
    FetchedProfile {
        fake_id,
        profile: person(100, "Ann").profile,
        remark_name: remark_name.into(),
        group_id: 2,
        fetched_at: 100,
    }
}

/// Persons and avatars: a newer fetch is kept whole.
async fn persons<S: ProfileStore + LookupStore>(store: &S, t: &mut Transcript) {
    t.note("no person", ProfileStore::person(store, FAKE_ID).await.unwrap());
    store.save_person(&person(100, "Ann"), Some(&b"jp1"[..])).await.unwrap();
    t.note("saved", ProfileStore::person(store, FAKE_ID).await.unwrap());
    t.note("avatar", store.avatar(FAKE_ID).await.unwrap());
    store.save_person(&person(90, "Older"), Some(&b"jp2"[..])).await.unwrap();
    t.note("an older fetch is dropped", LookupStore::person(store, FAKE_ID).await.unwrap().map(|p| p.profile));
    t.note("with its avatar", store.avatar(FAKE_ID).await.unwrap());
    store.save_person(&person(100, "Same time"), None).await.unwrap();
    t.note("a fetch as new is kept", ProfileStore::person(store, FAKE_ID).await.unwrap().map(|p| p.profile));
    t.note("the avatar stays", store.avatar(FAKE_ID).await.unwrap());
    store.save_person(&person(110, "Newer"), Some(&b"jp3"[..])).await.unwrap();
    t.note("newer", ProfileStore::person(store, FAKE_ID).await.unwrap());
    t.note("newer avatar", store.avatar(FAKE_ID).await.unwrap());
}

/// The profile on the sender, only while it is mapped to the same FakeID.
async fn senders<S: ProfileStore + ResolverStore>(store: &S, t: &mut Transcript) {
    t.note("save before the mapping", store.save_sender_profile(ACCOUNT, "o-p", &fetched(FAKE_ID, "")).await.unwrap());
    store.set_profile_state(ACCOUNT, "o-p", ProfileState::Waiting, None).await.unwrap();
    t.note("still no sender", store.sender_now(ACCOUNT, "o-p").await.unwrap());
    t.note("map", store.record_mapping(ACCOUNT, "o-p", &resolution(FAKE_ID, 200)).await.unwrap());
    t.note("wanted", store.sender_now(ACCOUNT, "o-p").await.unwrap());
    t.note("another FakeID", store.save_sender_profile(ACCOUNT, "o-p", &fetched(78, "")).await.unwrap());
    let reason = Some("not_following");
    store.set_profile_state(ACCOUNT, "o-p", ProfileState::NotFollowing, reason).await.unwrap();
    t.note("not following", store.sender_now(ACCOUNT, "o-p").await.unwrap());
    t.note("save", store.save_sender_profile(ACCOUNT, "o-p", &fetched(FAKE_ID, "VIP")).await.unwrap());
    t.note("fetched", store.sender_now(ACCOUNT, "o-p").await.unwrap());
    t.note("save again", store.save_sender_profile(ACCOUNT, "o-p", &fetched(FAKE_ID, "")).await.unwrap());
    t.note("without remark", store.sender_now(ACCOUNT, "o-p").await.unwrap());
    store.set_profile_state(ACCOUNT, "o-p", ProfileState::Waiting, None).await.unwrap();
    t.note("waiting", store.sender_now(ACCOUNT, "o-p").await.unwrap());
}

/// Pending pushes are stored as pending and stay so: nothing rewrites a
/// message once its sender is known.
async fn pending<S: ProfileStore + PushLedger + LookupStore>(store: &S, t: &mut Transcript) {
    for (open_id, at) in [("o-q", 1000), ("o-q", 1001), ("o-r", 1002), ("o-q", 1003)] {
        store.record(&pending_push(open_id, at)).await.unwrap();
    }
    let mut known = pending_push("o-q", 1004);
    known.message.sender = SenderField::Identified { fake_id: 5 };
    store.record(&known).await.unwrap();
    let query = MessageQuery { since: None, limit: 100, after: None };
    let page = store.messages(ACCOUNT, &query).await.unwrap();
    t.note("messages", page.messages.iter().map(|m| (&m.dedupe_key, &m.sender)).collect::<Vec<_>>());
}

/// A pending push for a sender whose profile is stored is refused.
async fn stamped<S: ProfileStore + PushLedger>(store: &S, t: &mut Transcript) {
    t.note("sender changed", store.record(&pending_push("o-p", 1100)).await.unwrap());
}

#[tokio::test]
async fn the_profile_store_of_the_twin_is_as_on_dynamodb() {
    let (dynamo, memory) = twins("twin-profiles").await;
    let mut on_dynamo = Transcript::default();
    persons(&dynamo, &mut on_dynamo).await;
    senders(&dynamo, &mut on_dynamo).await;
    pending(&dynamo, &mut on_dynamo).await;
    stamped(&dynamo, &mut on_dynamo).await;
    let mut on_memory = Transcript::default();
    persons(&memory, &mut on_memory).await;
    senders(&memory, &mut on_memory).await;
    pending(&memory, &mut on_memory).await;
    stamped(&memory, &mut on_memory).await;
    let t = same(on_dynamo, on_memory);
    assert_eq!(t.answer("no person"), "no person: None");
    assert!(t.answer("an older fetch is dropped").contains(r#"nickname: "Ann""#));
    assert_eq!(t.answer("with its avatar"), format!("with its avatar: {:?}", Some(b"jp1".to_vec())));
    assert!(t.answer("a fetch as new is kept").contains("Same time"));
    assert_eq!(t.answer("newer avatar"), format!("newer avatar: {:?}", Some(b"jp3".to_vec())));
    assert_eq!(t.answer("save before the mapping"), "save before the mapping: false");
    assert_eq!(t.answer("still no sender"), "still no sender: None");
    assert_eq!(t.answer("another FakeID"), "another FakeID: false");
    assert!(t.answer("not following").contains(r#"profile_reason: Some("not_following")"#));
    let fetched = t.answer("fetched");
    assert!(
        fetched.contains("Some(Fetched)") && fetched.contains(r#"Some("VIP")"#) && fetched.contains("reason: None")
    );
    assert!(t.answer("without remark").contains("remark_name: None"));
    let messages = t.answer("messages");
    assert_eq!((messages.matches("Pending").count(), messages.matches("Identified").count()), (4, 1), "{messages}");
    let changed = t.answer("sender changed");
    assert!(changed.starts_with("sender changed: SenderChanged(Some(Sender {"), "handed back: {changed}");
    assert!(changed.contains("fake_id: Some(77)") && changed.contains("profile_fetched_at: Some(100)"));
}
