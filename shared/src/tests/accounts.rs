//! Account states: a refused password, a captcha or a restriction stops the
//! logins and makes the work wait in the table (not in the stream's
//! retries) until the secret changes or an operator clears the account.

use super::{World, console_secret};
use crate::batch::{Outcome, WorkKey};
use crate::console::{Console, ConsoleError};
use crate::secrets::Secret;
use crate::store::AccountState::{CaptchaRequired, CredentialsRejected, Restricted};
use crate::store::{ResolveState, ResolverStore, SessionStore, Strategy};

async fn reopen(w: &World, keys: &[WorkKey]) {
    for key in keys {
        w.store.set_request_state(&key.account, &key.open_id, ResolveState::Pending, None, None, 0).await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn a_wrong_password_stops_logins_until_the_secret_changes() {
    let w = World::new(&[Strategy::Time], 20);
    let account = w.accounts[0].clone();
    let username = "acct0@example.com";
    w.secrets.put(&account.console_secret, console_secret(username, "not-the-password"));
    let fans = w.fans(0);
    w.text(0, fans[0], "hello").await;
    let keys = w.pending().await;
    w.console.advance(10);

    let run = w.resolve(&keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done], "the request waits in the table, not in the stream's retries");
    let stored = w.store.account_now(&account.id).await.unwrap().unwrap();
    assert_eq!(stored.state, CredentialsRejected);
    assert_eq!(w.request_state(&keys[0]).await.0, ResolveState::Waiting);
    assert_eq!(w.console.logins(), (0, 1));

    // Waiting requests come back (as an operator's `accounts clear` does); still no new login.
    reopen(&w, &keys).await;
    let run = w.resolve(&keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done]);
    assert_eq!(w.console.logins(), (0, 1), "no login with the refused secret");
    assert_eq!(w.request_state(&keys[0]).await.0, ResolveState::Waiting);

    // A new version of the secret lifts the state.
    w.secrets.put(&account.console_secret, console_secret(username, &w.passwords[0]));
    reopen(&w, &keys).await;
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1, "{run:?}");
    assert_eq!(w.store.account_now(&account.id).await.unwrap().unwrap().state, crate::store::AccountState::Active);
}

#[tokio::test(start_paused = true)]
async fn a_captcha_or_a_restriction_stops_logins_until_an_operator_clears_the_account() {
    let w = World::new(&[Strategy::UserList, Strategy::UserList], 20);
    // Three failed logins by someone else make the console demand a captcha.
    for _ in 0..3 {
        let wrong = Secret::new("wrong".to_owned());
        assert_eq!(w.console.login("acct0@example.com", &wrong, None, 0).await, Err(ConsoleError::WrongPassword));
    }
    w.console.set_blocked(1, true);
    for account in 0..2 {
        let fans = w.fans(account);
        w.text(account, fans[0], "hello").await;
    }
    let keys = w.pending().await;
    assert_eq!(keys.len(), 2);
    let run = w.resolve(&keys).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    let mut states = Vec::new();
    for account in &w.accounts {
        states.push(w.store.account_now(&account.id).await.unwrap().unwrap().state);
    }
    assert_eq!(states, vec![CaptchaRequired, Restricted]);
    for key in &keys {
        assert_eq!(w.request_state(key).await.0, ResolveState::Waiting);
    }
    let logins = w.console.logins();
    reopen(&w, &keys).await;
    w.resolve(&keys).await;
    assert_eq!(w.console.logins(), logins, "no program reads a captcha");
}

#[tokio::test(start_paused = true)]
async fn an_unknown_account_closes_its_requests() {
    let w = World::new(&[Strategy::Time], 5);
    let fans = w.fans(0);
    w.text(0, fans[0], "hello").await;
    let keys = w.pending().await;
    let stranger = WorkKey { account: "nobody".into(), open_id: "oNobody".into() };
    let batch = [keys[0].clone(), stranger];
    w.console.advance(10);
    let run = w.resolve(&batch).await;
    assert_eq!(run.outcomes, vec![Outcome::Done, Outcome::Done], "{run:?}");
    assert_eq!(w.check_against_truth(&keys).await, 1);
}

#[tokio::test(start_paused = true)]
async fn by_user_list_the_resolver_needs_only_the_console_and_marker_secrets() {
    let w = World::new(&[Strategy::UserList], 30);
    let fans = w.fans(0);
    for fake_id in fans.iter().take(3) {
        w.text(0, *fake_id, "hello").await;
    }
    let keys = w.pending().await;
    assert_eq!(keys.len(), 3);
    let account = &w.accounts[0];
    let role = w.secrets.as_role(vec![account.console_secret.clone(), account.marker_secret.clone()]);
    let run = w.resolve_reading(&role, &w.console, &keys, &World::config()).await;
    assert_eq!(w.check_against_truth(&keys).await, 3, "{run:?}");
}
