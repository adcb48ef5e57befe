//! The session layer (patent step 15), shared by the resolver and the
//! profile step: one stored session per account, reused until it is old or
//! ends; one login at a time under a lease; renewal after "session
//! expired"; backoff on transient failures; refusals that block the account.

use std::time::{Duration, Instant};

use super::{T0, World, session_config};
use crate::console::{Call, Console, ConsoleError, MemoryConsole};
use crate::secrets::MemorySecrets;
use crate::session::{SessionConfig, SessionError, Sessions};
use crate::store::{AccountState, MemoryStore, SessionStore, Strategy};

fn sessions<'a>(w: &'a World, config: SessionConfig) -> Sessions<'a, MemoryStore, MemorySecrets, MemoryConsole> {
    Sessions::new(&w.store, &w.secrets, &w.console, config, Instant::now() + Duration::from_secs(60))
}

#[tokio::test(start_paused = true)]
async fn a_login_reads_the_uin_and_later_invocations_reuse_the_stored_session() {
    let w = World::new(&[Strategy::Time], 3);
    let account = w.accounts[0].clone();
    let first = sessions(&w, session_config());
    let session = first.session(&account, T0).await.unwrap();
    assert_eq!(session.uin, Some(3_000_000_000), "the account's own FakeID, from the home page");
    assert_eq!(first.logins(), 1);
    let stored = w.store.session(&account.id).await.unwrap().and_then(|r| r.session);
    assert_eq!(stored.as_ref(), Some(&session));

    let second = sessions(&w, session_config());
    assert_eq!(second.session(&account, T0 + 60).await.unwrap(), session);
    assert_eq!(second.logins(), 0, "the stored session serves the next invocation");
    assert_eq!(w.console.logins(), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_stored_session_past_its_age_is_replaced_by_a_login() {
    let w = World::new(&[Strategy::Time], 3);
    let account = w.accounts[0].clone();
    let config = session_config();
    let old = sessions(&w, config.clone()).session(&account, T0).await.unwrap();
    let later = sessions(&w, config.clone());
    let fresh = later.session(&account, T0 + config.max_age_secs).await.unwrap();
    assert_ne!(fresh.token, old.token);
    assert_eq!(later.logins(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_call_whose_session_ended_logs_in_again_and_is_repeated() {
    let w = World::new(&[Strategy::Time], 3);
    let account = w.accounts[0].clone();
    let s = sessions(&w, session_config());
    let mut session = s.session(&account, T0).await.unwrap();
    let stale = session.token.clone();
    w.console.end_sessions(0);
    let console = &w.console;
    let home = s.call(&account, &mut session, T0, |session| async move { console.home(&session).await }).await;
    assert_eq!(home.unwrap().uin, 3_000_000_000);
    assert_ne!(session.token, stale, "the call goes on with the new session");
    assert_eq!(s.logins(), 2);
    let stored = w.store.session(&account.id).await.unwrap().and_then(|r| r.session);
    assert_eq!(stored.map(|s| s.token), Some(session.token.clone()), "the stale session is forgotten");
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_retried_and_refusals_are_not() {
    let w = World::new(&[Strategy::Time], 3);
    let account = w.accounts[0].clone();
    w.console.fail(Call::Login, ConsoleError::Busy, 2);
    w.console.fail(Call::Home, ConsoleError::FrequencyControl, 1);
    let s = sessions(&w, session_config());
    let mut session = s.session(&account, T0).await.unwrap();
    assert_eq!(w.console.calls(Call::Login), 3, "busy twice, then in");
    assert_eq!(w.console.calls(Call::Home), 2);

    w.console.fail(Call::Followers, ConsoleError::FrequencyControl, 3);
    let console = &w.console;
    let page = s.call(&account, &mut session, T0, |session| async move { console.followers(&session, 0, 0, 10).await });
    assert_eq!(page.await.unwrap().contacts.len(), 3);
    assert_eq!(w.console.calls(Call::Followers), 4);

    let info = s.call(&account, &mut session, T0, |session| async move { console.contact_info(&session, 1).await });
    assert!(matches!(info.await, Err(SessionError::Console(ConsoleError::InvalidArgument))));
    assert_eq!(w.console.calls(Call::ContactInfo), 1, "a refusal is not tried again");
}

#[tokio::test(start_paused = true)]
async fn a_session_ending_before_its_first_page_is_logged_in_again_once() {
    let w = World::new(&[Strategy::Time], 3);
    let account = w.accounts[0].clone();
    w.console.fail(Call::Home, ConsoleError::SessionExpired, 1);
    let s = sessions(&w, session_config());
    s.session(&account, T0).await.unwrap();
    assert_eq!(s.logins(), 2);

    let w = World::new(&[Strategy::Time], 3);
    w.console.fail(Call::Home, ConsoleError::SessionExpired, 2);
    let s = sessions(&w, session_config());
    let err = s.session(&w.accounts[0], T0).await.unwrap_err();
    assert!(matches!(err, SessionError::Console(ConsoleError::SessionExpired)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn another_invocations_login_is_waited_for_then_left_to_a_retry() {
    let w = World::new(&[Strategy::Time], 3);
    let account = w.accounts[0].clone();
    assert!(w.store.try_lease(&account.id, "someone-else", T0, T0 + 30).await.unwrap());
    let config = SessionConfig { wait_for_login: Duration::ZERO, ..session_config() };
    let err = sessions(&w, config.clone()).session(&account, T0).await.unwrap_err();
    assert!(matches!(err, SessionError::LoginInProgress), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(w.console.calls(Call::Login), 0);
    // Once the lease has run out, this invocation logs in.
    let s = sessions(&w, config);
    s.session(&account, T0 + 31).await.unwrap();
    assert_eq!(s.logins(), 1);
}

#[tokio::test(start_paused = true)]
async fn refused_logins_set_the_accounts_state() {
    for (error, state) in [
        (ConsoleError::WrongPassword, AccountState::CredentialsRejected),
        (ConsoleError::NoSuchAccount, AccountState::CredentialsRejected),
        (ConsoleError::CaptchaRequired, AccountState::CaptchaRequired),
        (ConsoleError::WrongCaptcha, AccountState::CaptchaRequired),
        (ConsoleError::Restricted, AccountState::Restricted),
    ] {
        let w = World::new(&[Strategy::Time], 3);
        let account = w.accounts[0].clone();
        w.console.fail(Call::Login, error.clone(), 1);
        let s = sessions(&w, session_config());
        let err = s.session(&account, T0).await.unwrap_err();
        assert!(matches!(err, SessionError::Blocked(s) if s == state), "{error:?}: {err:?}");
        assert!(!err.is_retryable());
        let stored = w.store.account_now(&account.id).await.unwrap().unwrap();
        assert_eq!(stored.state, state, "{error:?}");
        let blocked = s.usable_account(&account.id, T0).await.unwrap_err();
        assert!(matches!(blocked, SessionError::Blocked(_)), "{error:?}");
        assert_eq!(w.console.calls(Call::Login), 1, "{error:?}: one try");
    }
}

#[tokio::test(start_paused = true)]
async fn renewals_stop_after_a_bounded_number_of_logins() {
    let w = World::new(&[Strategy::Time], 3);
    let account = w.accounts[0].clone();
    let s = sessions(&w, session_config());
    let mut session = s.session(&account, T0).await.unwrap();
    let console = &w.console;
    let home = s.call(&account, &mut session, T0, |session| async move {
        console.end_sessions(0);
        console.home(&session).await
    });
    assert!(matches!(home.await, Err(SessionError::Console(ConsoleError::SessionExpired))));
    assert!(s.logins() <= 6, "{}", s.logins());
}

#[tokio::test(start_paused = true)]
async fn unknown_and_disabled_accounts_are_not_logged_into() {
    let w = World::new(&[Strategy::Time], 3);
    let s = sessions(&w, session_config());
    assert!(matches!(s.usable_account("nobody", T0).await, Err(SessionError::UnknownAccount)));
    let id = w.accounts[0].id.clone();
    w.store.set_account_state(&id, AccountState::Disabled, Some("by an operator"), None, T0).await.unwrap();
    assert!(matches!(s.usable_account(&id, T0).await, Err(SessionError::Blocked(AccountState::Disabled))));
    assert_eq!(w.console.calls(Call::Login), 0);
}
