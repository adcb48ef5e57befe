//! The lookup API's reads: a sender and its request, a person across
//! accounts, the senders of a page's messages together, and an account's
//! messages a page at a time.

use whosent::store::{LookupStore, MessagePage, MessageQuery, PushLedger, ResolverStore};

use super::{ACCOUNT, Transcript, pending_push, resolution, same, twins};

/// The dedupe keys of a page, and where to continue.
fn keys(page: MessagePage) -> (Vec<String>, Option<String>) {
    (page.messages.into_iter().map(|m| m.dedupe_key).collect(), page.last_key)
}

/// The openIDs and FakeIDs of the account's senders of `open_ids`, sorted.
async fn named<S: LookupStore>(store: &S, open_ids: &[&str]) -> Vec<(String, Option<u64>)> {
    let mut found: Vec<_> =
        store.senders_named(ACCOUNT, open_ids).await.unwrap().into_iter().map(|s| (s.open_id, s.fake_id)).collect();
    found.sort();
    found
}

/// A sender and its request, and one person's senders.
async fn senders<S: LookupStore + PushLedger + ResolverStore>(store: &S, t: &mut Transcript) {
    t.note("the account", store.account(ACCOUNT).await.unwrap().map(|a| a.gh_id));
    t.note("nothing known", store.sender_records(ACCOUNT, "o-x").await.unwrap());
    store.record(&pending_push("o-x", 1000)).await.unwrap();
    t.note("a request only", store.sender_records(ACCOUNT, "o-x").await.unwrap());
    store.record_mapping(ACCOUNT, "o-x", &resolution(42, 1010)).await.unwrap();
    t.note("both", store.sender_records(ACCOUNT, "o-x").await.unwrap());
    store.record_mapping("twin-other", "o-z", &resolution(42, 1011)).await.unwrap();
    store.record_mapping(ACCOUNT, "o-w", &resolution(42, 1012)).await.unwrap();
    store.record_mapping(ACCOUNT, "o-v", &resolution(43, 1013)).await.unwrap();
    t.note("senders of 42", store.senders_of(42).await.unwrap());
    t.note("senders of none", store.senders_of(44).await.unwrap());
    t.note("named", named(store, &["o-x", "o-w", "o-x", "o-nobody", "o-z"]).await);
    // More than one batch: DynamoDB takes 100 keys a request, moto any number.
    let many: Vec<String> = (0..150).map(|i| format!("o-many-{i}")).chain(["o-v".to_owned()]).collect();
    t.note("named, many", named(store, &many.iter().map(String::as_str).collect::<Vec<_>>()).await);
    t.note("named, none", named(store, &[]).await);
    t.note("no person", store.person(42).await.unwrap());
    t.note("no avatar", store.avatar(42).await.unwrap());
}

/// Messages, newest first, a page at a time and since a moment.
async fn messages<S: LookupStore + PushLedger>(store: &S, t: &mut Transcript) {
    for at in [1001, 1002, 1003, 1004] {
        store.record(&pending_push("o-y", at)).await.unwrap();
    }
    let query = |since, limit, after| MessageQuery { since, limit, after };
    t.note("all", keys(store.messages(ACCOUNT, &query(None, 10, None)).await.unwrap()));
    // Pages that end exactly at the limit are left out: DynamoDB gives a
    // key to continue after there and moto does not.
    let first = keys(store.messages(ACCOUNT, &query(None, 2, None)).await.unwrap());
    t.note("first page", &first);
    let second = keys(store.messages(ACCOUNT, &query(None, 2, first.1)).await.unwrap());
    t.note("second page", &second);
    let third = keys(store.messages(ACCOUNT, &query(None, 2, second.1)).await.unwrap());
    t.note("third page", &third);
    t.note("since", keys(store.messages(ACCOUNT, &query(Some(1003), 10, None)).await.unwrap()));
    let since = keys(store.messages(ACCOUNT, &query(Some(1002), 1, None)).await.unwrap());
    t.note("since, a page", &since);
    t.note("since, after it", keys(store.messages(ACCOUNT, &query(Some(1002), 5, since.1)).await.unwrap()));
    t.note("since the future", keys(store.messages(ACCOUNT, &query(Some(2000), 10, None)).await.unwrap()));
    t.note("another account", keys(store.messages("nobody", &query(None, 10, None)).await.unwrap()));
}

#[tokio::test]
async fn the_lookup_reads_of_the_twin_are_as_on_dynamodb() {
    let (dynamo, memory) = twins("twin-lookup").await;
    let mut on_dynamo = Transcript::default();
    senders(&dynamo, &mut on_dynamo).await;
    messages(&dynamo, &mut on_dynamo).await;
    let mut on_memory = Transcript::default();
    senders(&memory, &mut on_memory).await;
    messages(&memory, &mut on_memory).await;
    let t = same(on_dynamo, on_memory);
    assert_eq!(t.answer("nothing known"), "nothing known: SenderRecords { sender: None, request: None }");
    assert!(t.answer("a request only").contains("sender: None, request: Some("));
    assert!(t.answer("both").contains("sender: Some(") && t.answer("both").contains("fake_id: Some(42)"));
    let senders = t.answer("senders of 42");
    let order = ["account: \"twin-account\", open_id: \"o-w\"", "open_id: \"o-x\"", "account: \"twin-other\""];
    let at: Vec<_> = order.iter().map(|s| senders.find(s).unwrap_or_else(|| panic!("{s} in {senders}"))).collect();
    assert!(at.is_sorted() && !senders.contains("o-v"), "{senders}");
    assert_eq!(t.answer("senders of none"), "senders of none: []");
    assert_eq!(t.answer("named"), r#"named: [("o-w", Some(42)), ("o-x", Some(42))]"#);
    assert_eq!(t.answer("named, many"), r#"named, many: [("o-v", Some(43))]"#);
    assert_eq!(t.answer("named, none"), "named, none: []");
    let all = t.answer("all");
    assert!(all.find("key-o-y-1004") < all.find("key-o-y-1001") && all.ends_with("None)"), "{all}");
    assert!(t.answer("first page").contains(r#"Some("0000001003#key-o-y-1003")"#));
    assert!(t.answer("third page").contains(r#"(["key-o-x-1000"], None)"#));
    assert_eq!(t.answer("since"), r#"since: (["key-o-y-1004", "key-o-y-1003"], None)"#);
    assert!(t.answer("since, after it").contains(r#"(["key-o-y-1003", "key-o-y-1002"], None)"#));
    assert_eq!(t.answer("since the future"), "since the future: ([], None)");
}
