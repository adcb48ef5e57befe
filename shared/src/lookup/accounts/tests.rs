use std::time::Duration;

use super::*;
use crate::console::SessionState;
use crate::lookup::LookupConfig;
use crate::secrets::{MemorySecrets, Secret};
use crate::store::{Account, MemoryStore, ResolveHint, ResolveRequest, ResolveState, SessionStore};

fn request(account: &str, open_id: &str, state: ResolveState, reason: Option<&str>) -> ResolveRequest {
    let hint = ResolveHint {
        create_time: 1000,
        msg_type: "text".into(),
        msg_id: None,
        content: None,
        marker_planted: false,
        event: None,
    };
    ResolveRequest {
        account: account.into(),
        open_id: open_id.into(),
        state,
        message_count: 1,
        first_hint: hint.clone(),
        last_hint: hint,
        first_seen_at: 1000,
        updated_at: 1001,
        reason: reason.map(str::to_owned),
        fake_id: None,
    }
}

fn lookup(store: &MemoryStore) -> Lookup<MemoryStore, MemorySecrets> {
    let config = LookupConfig { api_keys_secret: "whosent/api-keys".into(), cache_ttl: Duration::from_secs(60) };
    Lookup::new(store.clone(), MemorySecrets::new(), config)
}

/// Two accounts: one with requests in every state and a login, one blocked and never logged in.
async fn store() -> MemoryStore {
    let store = MemoryStore::new();
    store.put_account(Account::new("acct-b", "wx2", "gh_2", Strategy::UserList));
    let mut blocked = Account::new("acct-a", "wx1", "gh_1", Strategy::Time);
    blocked.state = AccountState::CaptchaRequired;
    blocked.state_reason = Some("the console asks for a captcha".into());
    store.put_account(blocked);
    let crowded = "another follower sent the same within 4 s";
    for (open_id, state, reason) in [
        ("o1", ResolveState::Pending, None),
        ("o2", ResolveState::Pending, None),
        ("o3", ResolveState::Waiting, Some("account cannot log in: CaptchaRequired")),
        ("o4", ResolveState::Resolved, Some("by time")),
        ("o5", ResolveState::Unresolved, Some(crowded)),
        ("o6", ResolveState::Unresolved, Some(crowded)),
        ("o7", ResolveState::Unresolved, None),
    ] {
        store.put_request(request("acct-b", open_id, state, reason));
    }
    store.put_request(request("acct-a", "o9", ResolveState::Pending, None));
    let session = SessionState { token: "t".into(), cookies: Secret::new("c=1".into()), uin: None, created_at: 1500 };
    store.save_session("acct-b", &session, 9000).await.unwrap();
    store
}

#[tokio::test]
async fn every_account_is_listed_by_id_with_its_requests_counted() {
    let store = store().await;
    let view = lookup(&store).accounts().await.unwrap();
    let ids: Vec<&str> = view.accounts.iter().map(|a| a.account.as_str()).collect();
    assert_eq!(ids, ["acct-a", "acct-b"]);
    let b = &view.accounts[1];
    assert_eq!((b.strategy, b.state, b.last_login_at), (Strategy::UserList, AccountState::Active, Some(1500)));
    assert_eq!((b.pending, b.waiting, b.resolved), (3, 1, 1));
    let unresolved: Vec<(&str, u64)> = b.unresolved.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    assert_eq!(unresolved, [("another follower sent the same within 4 s", 2), ("no reason recorded", 1)]);
    let a = &view.accounts[0];
    assert_eq!((a.state, a.last_login_at, a.pending), (AccountState::CaptchaRequired, None, 1));
    assert_eq!(a.state_reason.as_deref(), Some("the console asks for a captcha"));
    assert!(a.unresolved.is_empty());
}

#[tokio::test]
async fn one_account_answers_the_same_and_unknown_or_malformed_ones_do_not() {
    let store = store().await;
    let lookup = lookup(&store);
    let listed = lookup.accounts().await.unwrap().accounts.remove(1);
    assert_eq!(lookup.account_status("acct-b").await.unwrap(), listed);
    assert!(matches!(lookup.account_status("acct-z").await, Err(LookupError::NotFound(_))));
    assert!(matches!(lookup.account_status("acct b").await, Err(LookupError::BadRequest(_))));
}

#[tokio::test]
async fn an_account_put_again_forgets_its_last_login_as_a_put_item_does() {
    let store = store().await;
    store.put_account(Account::new("acct-b", "wx2", "gh_2", Strategy::Auto));
    let b = lookup(&store).account_status("acct-b").await.unwrap();
    assert_eq!((b.strategy, b.last_login_at), (Strategy::Auto, None));
}

#[test]
fn the_view_serializes_in_the_page_s_shape() {
    let view = AccountView {
        account: "acct-1".into(),
        strategy: Strategy::Auto,
        state: AccountState::CredentialsRejected,
        state_reason: None,
        state_changed_at: None,
        mode: BodyMode::Safe,
        last_login_at: None,
        pending: 2,
        waiting: 0,
        resolved: 5,
        unresolved: BTreeMap::from([("no single follower fits".to_owned(), 1)]),
    };
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "account": "acct-1", "strategy": "auto", "state": "credentials_rejected", "mode": "safe",
            "pending": 2, "waiting": 0, "resolved": 5, "unresolved": {"no single follower fits": 1}
        })
    );
}
