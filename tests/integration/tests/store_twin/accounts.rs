//! What the lookup API reads about the accounts: the registry listed, each
//! account's last login, and its resolve requests counted.

use whosent::store::{
    Account, AccountOverview, AccountState, DynamoStore, MemoryStore, PushLedger, ResolveState, ResolverStore,
    SessionStore, Strategy,
};

use super::{ACCOUNT, Transcript, account, pending_push, same, session, twins};

/// Putting an account, which both stores do outside the ports.
trait Registry {
    async fn put(&self, account: Account);
}

impl Registry for DynamoStore {
    async fn put(&self, account: Account) {
        self.put_account(&account).await.unwrap();
    }
}

impl Registry for MemoryStore {
    async fn put(&self, account: Account) {
        self.put_account(account);
    }
}

async fn script<S>(store: &S, t: &mut Transcript)
where
    S: Registry + AccountOverview + PushLedger + ResolverStore + SessionStore,
{
    let mut other = Account::new("twin-a-first", "wx0000000000000001", "gh_000000000001", Strategy::Time);
    other.state = AccountState::CaptchaRequired;
    store.put(other).await;
    t.note("registered", store.registered().await.unwrap());
    t.note("one", store.registered_one(ACCOUNT).await.unwrap());
    t.note("unknown", store.registered_one("nobody").await.unwrap());
    t.note("no requests", store.request_counts(ACCOUNT).await.unwrap());
    for (open_id, at) in [("o-a", 1000), ("o-b", 1001), ("o-c", 1002), ("o-d", 1003), ("o-e", 1004), ("o-f", 1005)] {
        store.record(&pending_push(open_id, at)).await.unwrap();
    }
    let crowded = Some("another follower sent the same within 4 s");
    store.set_request_state(ACCOUNT, "o-b", ResolveState::Unresolved, crowded, None, 1100).await.unwrap();
    store.set_request_state(ACCOUNT, "o-c", ResolveState::Unresolved, crowded, None, 1101).await.unwrap();
    store.set_request_state(ACCOUNT, "o-d", ResolveState::Unresolved, None, None, 1102).await.unwrap();
    let held = Some("account cannot log in: CaptchaRequired");
    store.set_request_state(ACCOUNT, "o-e", ResolveState::Waiting, held, None, 1103).await.unwrap();
    store.set_request_state(ACCOUNT, "o-f", ResolveState::Resolved, Some("by time"), Some(42), 1104).await.unwrap();
    t.note("counted", store.request_counts(ACCOUNT).await.unwrap());
    t.note("another account's", store.request_counts("twin-a-first").await.unwrap());
    store.save_session(ACCOUNT, &session("t1"), 5000).await.unwrap();
    t.note("logged in", store.registered_one(ACCOUNT).await.unwrap().and_then(|r| r.last_login_at));
    // A login on an account not registered registers nothing.
    store.save_session("nobody", &session("t2"), 5000).await.unwrap();
    t.note("still unknown", store.registered_one("nobody").await.unwrap());
    t.note("listed after the logins", store.registered().await.unwrap());
    // An account put again is a new item: its last login is gone.
    store.put(account()).await;
    t.note("put again", store.registered_one(ACCOUNT).await.unwrap().and_then(|r| r.last_login_at));
}

#[tokio::test]
async fn the_accounts_overview_of_the_twin_is_as_on_dynamodb() {
    let (dynamo, memory) = twins("twin-accounts").await;
    let mut on_dynamo = Transcript::default();
    script(&dynamo, &mut on_dynamo).await;
    let mut on_memory = Transcript::default();
    script(&memory, &mut on_memory).await;
    let t = same(on_dynamo, on_memory);
    let registered = t.answer("registered");
    assert!(registered.find("twin-a-first") < registered.find("twin-account"), "by id: {registered}");
    assert!(registered.contains("CaptchaRequired") && registered.matches("last_login_at: None").count() == 2);
    assert!(t.answer("unknown").ends_with("None"));
    assert_eq!(
        t.answer("counted"),
        "counted: RequestCounts { pending: 1, waiting: 1, resolved: 1, unresolved: \
         {\"\": 1, \"another follower sent the same within 4 s\": 2} }"
    );
    assert_eq!(t.answer("logged in"), "logged in: Some(50)");
    assert!(t.answer("still unknown").ends_with("None"));
    assert_eq!(t.answer("listed after the logins").matches("last_login_at: Some(50)").count(), 1);
    assert_eq!(t.answer("put again"), "put again: None");
}
