//! The console failing under the resolver: frequency control, sessions
//! that end in the middle of a walk, sessions that keep ending.

use std::time::Duration;

use super::{World, session_config};
use crate::batch::Outcome;
use crate::console::{Call, ConsoleError, ScriptedConsole};
use crate::session::SessionConfig;
use crate::store::{ResolveState, Strategy};

#[tokio::test(start_paused = true)]
async fn frequency_control_is_waited_out() {
    let w = World::new(&[Strategy::UserList], 40);
    let fans = w.fans(0);
    for fake_id in fans.iter().take(5) {
        w.text(0, *fake_id, "slow down").await;
    }
    w.console.fail(Call::Dialog, ConsoleError::FrequencyControl, 3);
    w.console.fail(Call::MoveToGroup, ConsoleError::FrequencyControl, 1);
    let keys = w.pending().await;
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 5, "{run:?}");
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    assert_eq!(w.console.calls(Call::MoveToGroup), 2, "the move was tried again");
}

#[tokio::test(start_paused = true)]
async fn frequency_control_that_never_lifts_leaves_the_records_for_a_retry() {
    let w = World::new(&[Strategy::Time], 20);
    let fans = w.fans(0);
    w.text(0, fans[0], "slow down").await;
    let keys = w.pending().await;
    w.console.advance(10);
    let console = ScriptedConsole::new(w.console.clone(), |call| {
        (call == Call::Messages).then_some(ConsoleError::FrequencyControl)
    });
    // Backoffs that can grow past the invocation's minute, so that it ends.
    let session = SessionConfig { max_backoff: Duration::from_secs(120), ..session_config() };
    let run = w.invoke(&w.secrets, &console, &keys, &World::config(), session).await;
    assert!(run.outcomes.iter().all(|o| matches!(o, Outcome::Retry(_))), "{run:?}");
    assert_eq!(w.request_state(&keys[0]).await.0, ResolveState::Pending, "nothing dropped");
}

#[tokio::test(start_paused = true)]
async fn a_session_ending_in_the_middle_of_a_walk_is_renewed_and_the_walk_goes_on() {
    let w = World::new(&[Strategy::UserList], 60);
    let fans = w.fans(0);
    for fake_id in fans.iter().take(6) {
        w.text(0, *fake_id, "walk").await;
    }
    let keys = w.pending().await;
    // The third dialog page finds the session ended.
    let console = ScriptedConsole::new(w.console.clone(), |call| {
        if call == Call::Dialog && w.console.calls(Call::Dialog) == 2 {
            w.console.end_sessions(0);
        }
        None
    });
    let run = w.resolve_with(&console, &keys, &World::config()).await;
    assert_eq!(w.check_against_truth(&keys).await, 6, "{run:?}");
    assert_eq!(run.logins, 2, "one login, and one after the session ended: {run:?}");
    assert_eq!(w.console.logins(), (2, 0));
}

#[tokio::test(start_paused = true)]
async fn an_expired_session_answered_by_the_console_is_renewed_once() {
    let w = World::new(&[Strategy::Time], 20);
    let fans = w.fans(0);
    w.text(0, fans[0], "hello").await;
    let keys = w.pending().await;
    w.console.advance(10);
    w.console.fail(Call::Messages, ConsoleError::SessionExpired, 1);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1, "{run:?}");
    assert_eq!(run.logins, 2, "{run:?}");
}

#[tokio::test(start_paused = true)]
async fn sessions_that_keep_ending_stop_the_logins_and_leave_the_records_for_a_retry() {
    let w = World::new(&[Strategy::UserList], 30);
    let fans = w.fans(0);
    for fake_id in fans.iter().take(4) {
        w.text(0, *fake_id, "again and again").await;
    }
    let keys = w.pending().await;
    // Every dialog page answers "session expired".
    let console =
        ScriptedConsole::new(w.console.clone(), |call| (call == Call::Dialog).then_some(ConsoleError::SessionExpired));
    let run = w.resolve_with(&console, &keys, &World::config()).await;
    assert!(run.outcomes.iter().all(|o| matches!(o, Outcome::Retry(_))), "{run:?}");
    assert!(run.logins <= 6, "a bounded number of logins: {run:?}");
    for key in &keys {
        assert_eq!(w.request_state(key).await.0, ResolveState::Pending, "nothing dropped");
    }
}

#[tokio::test(start_paused = true)]
async fn a_batch_over_three_accounts_is_resolved_without_a_misattribution() {
    let w = World::new(&[Strategy::Time, Strategy::UserList, Strategy::Auto], 60);
    for account in 0..3 {
        for (i, fake_id) in w.fans(account).iter().take(20).enumerate() {
            w.text(account, *fake_id, &format!("message {i} to account {account}")).await;
            w.console.advance(1);
        }
    }
    let keys = w.pending().await;
    assert_eq!(keys.len(), 60);
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 60, "{run:?}");
    assert_eq!(run.logins, 3, "one login per account");
}
