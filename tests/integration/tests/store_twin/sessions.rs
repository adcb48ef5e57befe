//! Sessions, the login lease and account states.

use whosent::store::{AccountState, SessionStore};

use super::{ACCOUNT, Transcript, same, session, twins};

async fn script<S: SessionStore>(store: &S) -> Transcript {
    let mut t = Transcript::default();
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
    // A session saved while someone holds the lease lets go of it.
    t.note("lease w", store.try_lease(ACCOUNT, "w", 300, 330).await.unwrap());
    store.save_session(ACCOUNT, &session("t2"), 2000).await.unwrap();
    t.note("saved over a lease", store.session(ACCOUNT).await.unwrap());
    t.note("lease v after the save", store.try_lease(ACCOUNT, "v", 301, 331).await.unwrap());
    // Nothing to release or forget on an account never seen.
    store.release_lease("nobody", "x").await.unwrap();
    store.forget_session("nobody", "t1").await.unwrap();
    t.note("no session elsewhere", store.session("nobody").await.unwrap());

    // Account states.
    store.set_account_state(ACCOUNT, AccountState::CredentialsRejected, Some("-23"), Some("v1"), 300).await.unwrap();
    t.note("rejected", store.account_now(ACCOUNT).await.unwrap());
    store.set_account_state(ACCOUNT, AccountState::Active, None, None, 301).await.unwrap();
    t.note("active again", store.account_now(ACCOUNT).await.unwrap());
    store.set_account_state("nobody", AccountState::Restricted, None, None, 302).await.unwrap();
    t.note("unknown account", store.account_now("nobody").await.unwrap());
    t
}

#[tokio::test]
async fn sessions_on_the_twin_are_as_on_dynamodb() {
    let (dynamo, memory) = twins("twin-sessions").await;
    let t = same(script(&dynamo).await, script(&memory).await);
    assert_eq!(t.answer("lease x"), "lease x: true");
    assert_eq!(t.answer("lease y while x holds it"), "lease y while x holds it: false");
    assert_eq!(t.answer("lease y after it ran out"), "lease y after it ran out: true");
    assert_eq!(t.answer("forget another token"), r#"forget another token: Some("t1")"#);
    assert_eq!(t.answer("forgotten"), "forgotten: None");
    assert!(t.answer("saved over a lease").contains("lease_owner: None"));
    assert_eq!(t.answer("lease v after the save"), "lease v after the save: true");
    assert_eq!(t.answer("no session elsewhere"), "no session elsewhere: None");
    assert!(t.answer("rejected").contains("CredentialsRejected") && t.answer("rejected").contains(r#"Some("v1")"#));
    assert_eq!(t.answer("unknown account"), "unknown account: None");
}
