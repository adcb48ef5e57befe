//! The resolver against the platform emulator and moto, both real servers.
//! Every FakeID it records is checked against the emulator's truth.

use platform::{Body, Config, Knobs, Outgoing};
use whosent::batch::{Outcome, WorkKey};
use whosent::console::ConsoleError;
use whosent::console::{Call, ScriptedConsole};
use whosent::marker;
use whosent::store::{ResolveState, ResolverStore, SessionStore, Strategy};
use whosent_integration::emulated::{Emulated, MARKER_KEY, Run};

fn quiet(seed: u64, accounts: usize, followers: usize) -> Config {
    Config::small(seed, accounts, followers).knobs(Knobs::instant())
}

#[tokio::test]
async fn by_time_each_sender_is_found_in_the_message_list() {
    let e = Emulated::start(quiet(11, 1, 40), &[Strategy::Time]).await;
    let fans = e.follower_fakeids(0);
    for (i, fake_id) in fans.iter().take(5).enumerate() {
        e.text(0, *fake_id, &format!("hello {i}")).await;
    }
    let keys = e.pending().await;
    assert_eq!(keys.len(), 5);
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{:?}", run.outcomes);
    assert_eq!(e.check_against_truth(&keys).await, 5);
    assert_eq!(run.logins, 1);
    assert!(run.stats.list_reads <= 3, "one list read serves the batch: {:?}", run.stats);
    assert_eq!(run.stats.dialog_reads, 0);
    for key in &keys {
        assert_eq!(e.request_state(key).await.0, ResolveState::Resolved);
    }
}

#[tokio::test]
async fn by_user_list_the_marker_in_the_reply_ties_the_follower() {
    let e = Emulated::start(quiet(12, 1, 60), &[Strategy::UserList]).await;
    let fans = e.follower_fakeids(0);
    let mut outcomes = Vec::new();
    for fake_id in fans.iter().skip(10).take(4) {
        outcomes.push(e.text(0, *fake_id, "你好").await);
    }
    for outcome in &outcomes {
        assert!(matches!(outcome.delivery, platform::Delivery::Replied { .. }), "{:?}", outcome.delivery);
    }
    let keys = e.pending().await;
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 4, "{run:?}");
    assert!(run.stats.dialog_reads <= 4 + 1, "only the writers' pages are read: {:?}", run.stats);
    assert_eq!(run.stats.moves, 1, "one move for the batch");
    // Moved into the resolved group: later walks of the unresolved list skip them.
    let moved: Vec<_> =
        e.platform.followers(0).into_iter().filter(|f| f.group_id >= platform::FIRST_CREATED_GROUP).collect();
    assert_eq!(moved.len(), 4);
}

#[tokio::test]
async fn a_follower_typing_another_followers_marker_is_never_mapped_to_them() {
    let e = Emulated::start(quiet(13, 1, 30), &[Strategy::UserList]).await;
    let fans = e.follower_fakeids(0);
    let (victim, impostor) = (fans[3], fans[4]);
    let victim_open_id = e.platform.openid_of(0, victim).expect("a follower");
    let victims_marker = marker::marker(MARKER_KEY.as_bytes(), &victim_open_id);
    // The victim only follows (an event, no row in the list) so its request waits
    // while the impostor's page holds the victim's marker in their own text.
    e.send(Outgoing::new(0, impostor, Body::text(format!("copy: {victims_marker}")))).await;
    let keys = e.pending().await;
    let impostor_key = keys.iter().find(|k| Some(k.open_id.as_str()) != Some(victim_open_id.as_str())).cloned();
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 1, "{run:?}");
    assert_eq!(e.mapped(0, &victim_open_id).await, None, "the victim was not mapped to the impostor");
    assert!(impostor_key.is_some());
}

#[tokio::test]
async fn two_followers_with_the_same_text_in_the_same_second_are_not_guessed_by_time() {
    let e = Emulated::start(quiet(14, 1, 30), &[Strategy::Time]).await;
    let fans = e.follower_fakeids(0);
    let now = e.platform.clock().now();
    e.send(Outgoing::new(0, fans[1], Body::text("same")).at(now)).await;
    e.send(Outgoing::new(0, fans[2], Body::text("same")).at(now)).await;
    e.send(Outgoing::new(0, fans[3], Body::text("different")).at(now)).await;
    let keys = e.pending().await;
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done));
    assert_eq!(e.check_against_truth(&keys).await, 1, "only the distinct text is decided");
    let unresolved: Vec<_> = {
        let mut v = Vec::new();
        for key in &keys {
            let (state, reason) = e.request_state(key).await;
            if state == ResolveState::Unresolved {
                v.push(reason.unwrap_or_default());
            }
        }
        v
    };
    assert_eq!(unresolved.len(), 2);
    assert!(unresolved.iter().all(|r| r.contains("cannot tell them apart")), "{unresolved:?}");
}

#[tokio::test]
async fn auto_falls_back_to_the_user_list_when_time_cannot_decide() {
    let e = Emulated::start(quiet(15, 1, 30), &[Strategy::Auto]).await;
    let fans = e.follower_fakeids(0);
    let now = e.platform.clock().now();
    e.send(Outgoing::new(0, fans[5], Body::text("same")).at(now)).await;
    e.send(Outgoing::new(0, fans[6], Body::text("same")).at(now)).await;
    let keys = e.pending().await;
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 2, "{run:?}");
    assert!(run.stats.dialog_reads >= 1);
}

#[tokio::test]
async fn redelivering_a_whole_batch_logs_in_moves_and_maps_nothing_again() {
    let e = Emulated::start(quiet(16, 1, 30), &[Strategy::UserList]).await;
    let fans = e.follower_fakeids(0);
    for fake_id in fans.iter().take(3) {
        e.text(0, *fake_id, "hi").await;
    }
    let keys = e.pending().await;
    let first = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 3);
    let before = e.platform.counters();
    let again = e.resolve(&keys, &Emulated::quick_config()).await;
    let after = e.platform.counters();
    assert_eq!(again.logins, 0, "{first:?} / {again:?}");
    assert_eq!(again.stats, Default::default(), "no console work at all");
    assert_eq!(after.logins, before.logins);
    assert_eq!(e.check_against_truth(&keys).await, 3);
    let sender = e.store.sender_record(&keys[0].account, &keys[0].open_id).await.unwrap().unwrap();
    assert!(sender.moved && sender.conflict.is_none());
}

fn with_knobs(seed: u64, accounts: usize, followers: usize, change: impl FnOnce(&mut Knobs)) -> Config {
    let mut knobs = Knobs::instant();
    change(&mut knobs);
    Config::small(seed, accounts, followers).knobs(knobs)
}

#[tokio::test]
async fn by_time_tolerates_the_skew_it_allows_and_never_guesses_beyond() {
    let within =
        Emulated::start(with_knobs(21, 1, 20, |k| k.skew = platform::Dist::Const { value: 2.0 }), &[Strategy::Time])
            .await;
    let beyond =
        Emulated::start(with_knobs(22, 1, 20, |k| k.skew = platform::Dist::Const { value: 9.0 }), &[Strategy::Time])
            .await;
    for e in [&within, &beyond] {
        let fans = e.follower_fakeids(0);
        for (i, fake_id) in fans.iter().take(3).enumerate() {
            e.text(0, *fake_id, &format!("skewed {i}")).await;
        }
    }
    let (keys_within, keys_beyond) = (within.pending().await, beyond.pending().await);
    let config = Emulated::quick_config();
    let (a, b) = tokio::join!(within.resolve(&keys_within, &config), beyond.resolve(&keys_beyond, &config));
    assert_eq!(within.check_against_truth(&keys_within).await, 3, "{a:?}");
    assert_eq!(beyond.check_against_truth(&keys_beyond).await, 0, "{b:?}");
    for key in &keys_beyond {
        assert_eq!(beyond.request_state(key).await.0, ResolveState::Unresolved);
    }
}

#[tokio::test]
async fn by_time_a_row_skewed_out_of_its_window_does_not_hand_the_push_to_a_neighbour() {
    // A's picture is dated 4 s late, past the 3 s the resolver allows; B's,
    // a second after A's, is on time. A's window then holds only B's row,
    // and B's holds both: a guess would swap them.
    let e = Emulated::start(quiet(29, 1, 20), &[Strategy::Time]).await;
    let fans = e.follower_fakeids(0);
    let (a, b) = (fans[0], fans[1]);
    let now = e.platform.clock().now();
    let picture =
        |n: u32| Body::Image { pic_url: format!("http://mmbiz.example/pic{n}"), media_id: format!("media{n}") };
    e.platform.update_knobs(|k| k.skew = platform::Dist::Const { value: 4.0 });
    e.send(Outgoing::new(0, a, picture(1)).at(now)).await;
    e.platform.update_knobs(|k| k.skew = platform::Dist::Const { value: 0.0 });
    e.send(Outgoing::new(0, b, picture(2)).at(now + 1)).await;
    let keys = e.pending().await;
    assert_eq!(keys.len(), 2);
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    // Panics on any misattribution.
    assert_eq!(e.check_against_truth(&keys).await, 0, "{run:?}");
    for key in &keys {
        let (state, reason) = e.request_state(key).await;
        assert_eq!(state, ResolveState::Unresolved, "{reason:?}");
    }
}

/// Resolves `batch` (quick settings) while `fake_id` writes `text` after
/// `after_ms`; the run, and then every request pending or resolved.
async fn resolve_while_writing(
    e: &Emulated,
    batch: &[WorkKey],
    after_ms: u64,
    fake_id: u64,
    text: &str,
) -> (Run, Vec<WorkKey>) {
    let config = Emulated::quick_config();
    let (run, ()) = tokio::join!(e.resolve(batch, &config), async {
        tokio::time::sleep(std::time::Duration::from_millis(after_ms)).await;
        e.text(0, fake_id, text).await;
    });
    (run, e.pending_or_resolved().await)
}

#[tokio::test]
async fn a_sender_who_writes_while_the_resolver_waits_is_served_by_the_same_invocation() {
    for strategy in [Strategy::UserList, Strategy::Time] {
        let e = Emulated::start(
            with_knobs(31, 1, 20, |k| k.console_delay = platform::Dist::Const { value: 2.0 }),
            &[strategy],
        )
        .await;
        let fans = e.follower_fakeids(0);
        e.text(0, fans[0], "first one").await;
        let batch = e.pending().await;
        assert_eq!(batch.len(), 1);
        // The second follower writes while the resolver waits for the rows.
        let (run, all) = resolve_while_writing(&e, &batch, 400, fans[1], "second one").await;
        assert_eq!(all.len(), 2, "{strategy:?}");
        assert_eq!(e.check_against_truth(&all).await, 2, "{strategy:?}: both found by one invocation: {run:?}");
        assert_eq!(run.outcomes, [Outcome::Done], "{strategy:?}: an outcome for the batch's record only");
        assert_eq!(run.logins, 1);
    }
}

#[tokio::test]
async fn a_sender_whose_later_push_makes_it_findable_is_served_by_the_waiting_invocation() {
    let e = Emulated::start(
        with_knobs(32, 1, 20, |k| k.console_delay = platform::Dist::Const { value: 2.0 }),
        &[Strategy::UserList],
    )
    .await;
    let fans = e.follower_fakeids(0);
    e.text(0, fans[0], "first one").await;
    let batch = e.pending().await;
    // The second follower first reports a location (an event: no row, no
    // reply, nothing to find it by), then writes while the resolver waits.
    let report = Body::LocationEvent { latitude: "23.1".into(), longitude: "113.3".into(), precision: "65".into() };
    e.send(Outgoing::new(0, fans[1], report)).await;
    let (run, all) = resolve_while_writing(&e, &batch, 1200, fans[1], "now a message").await;
    assert_eq!(all.len(), 2);
    assert_eq!(e.check_against_truth(&all).await, 2, "the second was looked at again once it wrote: {run:?}");
    assert_eq!(run.outcomes, [Outcome::Done], "an outcome for the batch's record only");
}

#[tokio::test]
async fn by_time_waits_for_rows_the_console_lists_late() {
    let e = Emulated::start(
        with_knobs(23, 1, 20, |k| k.console_delay = platform::Dist::Const { value: 2.0 }),
        &[Strategy::Time],
    )
    .await;
    let fans = e.follower_fakeids(0);
    for (i, fake_id) in fans.iter().take(3).enumerate() {
        e.text(0, *fake_id, &format!("late {i}")).await;
    }
    // The resolver starts before the console lists the rows.
    let keys = e.pending().await;
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 3, "{run:?}");
    assert!(run.stats.list_reads >= 2, "it looked again once the late rows were due: {run:?}");
}

#[tokio::test]
async fn one_follower_repeating_a_text_is_still_one_person() {
    let e = Emulated::start(quiet(24, 1, 20), &[Strategy::Time]).await;
    let fans = e.follower_fakeids(0);
    let now = e.platform.clock().now();
    e.send(Outgoing::new(0, fans[0], Body::text("again")).at(now)).await;
    e.send(Outgoing::new(0, fans[0], Body::text("again")).at(now + 1)).await;
    let keys = e.pending().await;
    assert_eq!(keys.len(), 1);
    e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 1);
}

#[tokio::test]
async fn a_new_follower_is_found_by_walking_the_unresolved_list() {
    let e = Emulated::start(quiet(25, 1, 40), &[Strategy::UserList]).await;
    let following: std::collections::HashSet<u64> = e.follower_fakeids(0).into_iter().collect();
    let newcomer = e.platform.world().people.iter().find(|p| !following.contains(&p.fakeid)).expect("a bystander");
    let outcome = e.send(Outgoing::new(0, newcomer.fakeid, Body::Subscribe { scene: None, ticket: None })).await;
    assert!(matches!(outcome.delivery, platform::Delivery::Replied { .. }), "{:?}", outcome.delivery);
    let keys = e.pending().await;
    assert_eq!(keys.len(), 1);
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 1, "{run:?}");
    assert!(run.stats.dialog_reads <= 2, "the newest follower is at the top of the list: {run:?}");
    assert_eq!(run.stats.paused, std::time::Duration::ZERO, "its reply showed at once: found on the first look");
}

#[tokio::test]
async fn by_user_list_a_row_dated_past_the_skew_is_still_read_at_once() {
    let e = Emulated::start(
        with_knobs(26, 1, 30, |k| k.skew = platform::Dist::Const { value: 4.0 }),
        &[Strategy::UserList],
    )
    .await;
    let fans = e.follower_fakeids(0);
    e.text(0, fans[3], "my clock is off").await;
    let keys = e.pending().await;
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 1, "{run:?}");
    assert_eq!(run.stats.paused, std::time::Duration::ZERO, "the likely page is read on the first look: {run:?}");
    assert_eq!(run.stats.dialog_reads, 1, "{run:?}");
}

#[tokio::test]
async fn a_follower_who_left_after_writing_does_not_hold_up_the_others() {
    let e = Emulated::start(quiet(28, 1, 40), &[Strategy::UserList]).await;
    let fans = e.follower_fakeids(0);
    let (leaver, stayer) = (fans[0], fans[1]);
    e.text(0, leaver, "bye").await;
    e.send(Outgoing::new(0, leaver, Body::Unsubscribe)).await;
    e.text(0, stayer, "hi").await;
    let keys = e.pending().await;
    assert_eq!(keys.len(), 2);
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    // The leaver's page answers 200002 now: no marker can be read there,
    // and that is an answer, not a failure to retry.
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    assert_eq!(e.check_against_truth(&keys).await, 1, "{run:?}");
    let stayer_key = keys.iter().find(|k| e.platform.fakeid_of(0, &k.open_id) == Some(stayer)).expect("the stayer");
    assert_eq!(e.request_state(stayer_key).await.0, ResolveState::Resolved);
}

#[tokio::test]
async fn a_session_ending_in_the_middle_of_a_walk_is_renewed_and_the_walk_goes_on() {
    let e = Emulated::start(quiet(26, 1, 60), &[Strategy::UserList]).await;
    let fans = e.follower_fakeids(0);
    for fake_id in fans.iter().take(6) {
        e.text(0, *fake_id, "walk").await;
    }
    e.platform.update_knobs(|k| k.faults.expire_session = 0.15);
    let keys = e.pending().await;
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    let counters = e.platform.counters();
    assert!(counters.invalid_sessions > 0, "the fault fired");
    assert_eq!(e.check_against_truth(&keys).await, 6, "{run:?}");
    assert!(run.logins >= 2 && run.logins as u64 <= 1 + counters.invalid_sessions, "{run:?} {counters:?}");
}

#[tokio::test]
async fn sessions_that_keep_ending_stop_the_logins_and_leave_the_records_for_a_retry() {
    let e = Emulated::start(quiet(30, 1, 30), &[Strategy::UserList]).await;
    let fans = e.follower_fakeids(0);
    for fake_id in fans.iter().take(4) {
        e.text(0, *fake_id, "again and again").await;
    }
    let keys = e.pending().await;
    // Every dialog page answers "session expired".
    let console =
        ScriptedConsole::new(e.console(), |call| (call == Call::Dialog).then_some(ConsoleError::SessionExpired));
    let run = e.resolve_with(&console, &keys, &Emulated::quick_config(), whosent_integration::unix_now()).await;
    assert!(run.outcomes.iter().all(|o| matches!(o, Outcome::Retry(_))), "{run:?}");
    assert!(run.logins <= 6, "a bounded number of logins: {run:?}");
    for key in &keys {
        assert_eq!(e.request_state(key).await.0, ResolveState::Pending, "nothing dropped");
    }
}

#[tokio::test]
async fn frequency_control_is_waited_out() {
    let e = Emulated::start(quiet(27, 1, 40), &[Strategy::UserList]).await;
    let fans = e.follower_fakeids(0);
    for fake_id in fans.iter().take(5) {
        e.text(0, *fake_id, "slow down").await;
    }
    e.platform.update_knobs(|k| k.frequency_limit = Some(platform::FrequencyLimit { requests: 3, per_secs: 1.0 }));
    let keys = e.pending().await;
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert!(e.platform.counters().frequency_limited > 0, "the limit was hit");
    assert_eq!(e.check_against_truth(&keys).await, 5, "{run:?}");
}

#[tokio::test]
async fn a_wrong_password_stops_logins_until_the_secret_changes() {
    let e = Emulated::start(quiet(28, 1, 20), &[Strategy::Time]).await;
    let account = e.accounts[0].clone();
    let username = e.platform.accounts()[0].username.clone();
    let wrong = serde_json::json!({"username": username, "password": "not-the-password"});
    whosent_integration::put_secret(e.aws(), &account.console_secret, &wrong.to_string()).await;
    let fans = e.follower_fakeids(0);
    e.text(0, fans[0], "hello").await;
    let keys = e.pending().await;

    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(run.outcomes, vec![Outcome::Done], "the request waits in the table, not in Lambda's retries");
    let stored = e.store.account_now(&account.id).await.unwrap().unwrap();
    assert_eq!(stored.state, whosent::store::AccountState::CredentialsRejected);
    assert_eq!(e.request_state(&keys[0]).await.0, ResolveState::Waiting);
    let failed = e.platform.counters().failed_logins;
    assert_eq!(failed, 1);

    // Waiting requests come back (as an operator's `accounts clear` does); still no new login.
    e.store.set_request_state(&keys[0].account, &keys[0].open_id, ResolveState::Pending, None, None, 0).await.unwrap();
    e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.platform.counters().failed_logins, failed, "no login with the refused secret");

    // A new version of the secret lifts the state.
    let right = serde_json::json!({"username": username, "password": e.platform.accounts()[0].password});
    whosent_integration::put_secret(e.aws(), &account.console_secret, &right.to_string()).await;
    e.store.set_request_state(&keys[0].account, &keys[0].open_id, ResolveState::Pending, None, None, 0).await.unwrap();
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, 1, "{run:?}");
}

#[tokio::test]
async fn a_captcha_or_a_restriction_stops_logins_until_an_operator_clears_the_account() {
    let e = Emulated::start(quiet(29, 2, 20), &[Strategy::UserList]).await;
    // Three failed logins by someone else make the console demand a captcha.
    let console =
        whosent::console::HttpConsole::new(&whosent::console::ConsoleConfig::new(e.platform.console_url())).unwrap();
    let username = e.platform.accounts()[0].username.clone();
    for _ in 0..3 {
        let wrong = whosent::secrets::Secret::new("wrong".to_owned());
        let _ = whosent::console::Console::login(&console, &username, &wrong, None, 0).await;
    }
    e.platform.set_blocked(1, true);
    for account in 0..2 {
        let fans = e.follower_fakeids(account);
        e.text(account, fans[0], "hello").await;
    }
    let keys = e.pending().await;
    assert_eq!(keys.len(), 2);
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done));
    let states: Vec<_> = {
        let mut v = Vec::new();
        for account in &e.accounts {
            v.push(e.store.account_now(&account.id).await.unwrap().unwrap().state);
        }
        v
    };
    use whosent::store::AccountState::{CaptchaRequired, Restricted};
    assert_eq!(states, vec![CaptchaRequired, Restricted]);
    for key in &keys {
        assert_eq!(e.request_state(key).await.0, ResolveState::Waiting);
    }
    let logins = e.platform.counters().logins + e.platform.counters().failed_logins;
    for key in &keys {
        e.store.set_request_state(&key.account, &key.open_id, ResolveState::Pending, None, None, 0).await.unwrap();
    }
    e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(
        e.platform.counters().logins + e.platform.counters().failed_logins,
        logins,
        "no program reads a captcha"
    );
}

#[tokio::test]
async fn a_batch_of_100_requests_over_3_accounts_is_resolved_without_a_misattribution() {
    let knobs = Knobs {
        skew: platform::Dist::uniform(0.0, 2.0),
        console_delay: platform::Dist::uniform(0.0, 1.0),
        ..Knobs::default()
    };
    let e =
        Emulated::start(Config::small(30, 3, 150).knobs(knobs), &[Strategy::Time, Strategy::UserList, Strategy::Auto])
            .await;
    // Three accounts pushing at once, each one push at a time.
    let per_account = |account: usize| {
        let e = &e;
        async move {
            let mut outcomes = Vec::new();
            for (i, fake_id) in e.follower_fakeids(account).iter().take(34 - usize::from(account == 2) * 2).enumerate()
            {
                let body = Body::text(format!("message {i} to account {account}"));
                outcomes.push(e.send(Outgoing::new(account, *fake_id, body)).await);
            }
            outcomes
        }
    };
    let (a, b, c) = tokio::join!(per_account(0), per_account(1), per_account(2));
    for outcome in a.iter().chain(&b).chain(&c) {
        let answered =
            matches!(outcome.delivery, platform::Delivery::Acknowledged | platform::Delivery::Replied { .. });
        assert!(answered, "the platform got an answer: {:?}", outcome.delivery);
    }
    let keys = e.pending().await;
    assert_eq!(keys.len(), 100);
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    let resolved = e.check_against_truth(&keys).await;
    let mut left = Vec::new();
    for key in &keys {
        let (state, reason) = e.request_state(key).await;
        if state != ResolveState::Resolved {
            left.push(format!("{} {state:?} {}", key.account, reason.unwrap_or_default()));
        }
    }
    let counters = e.platform.counters();
    assert_eq!(resolved, 100, "{left:#?} {:?} {counters:?}", run.stats);
    assert_eq!(run.logins, 3, "one login per account");
}

/// The function itself, on the sample stream batch of `events/`, with its
/// records pointed at emulated followers.
#[tokio::test]
async fn the_resolver_function_answers_a_stream_batch_with_the_records_to_retry() {
    let e = Emulated::start(quiet(31, 1, 20), &[Strategy::UserList]).await;
    let fans = e.follower_fakeids(0);
    e.text(0, fans[2], "via the stream").await;
    let keys = e.pending().await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/resolver-stream-batch.json");
    let mut event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // First record: the real request. Second: an account nobody registered.
    for (record, (account, open_id)) in event
        .records
        .iter_mut()
        .zip([(keys[0].account.clone(), keys[0].open_id.clone()), ("nobody".to_owned(), "oNobody".to_owned())])
    {
        let image = &mut record.change.new_image;
        image.insert("account".into(), serde_dynamo::AttributeValue::S(account));
        image.insert("open_id".into(), serde_dynamo::AttributeValue::S(open_id));
    }
    let mut config = resolver::Config::from_env(&whosent::config::Env::from_fn(|name| match name {
        "TABLE_NAME" => Some(e.table().to_owned()),
        "CONSOLE_URL" => Some(e.platform.console_url()),
        _ => None,
    }))
    .unwrap();
    config.resolver = Emulated::quick_config();
    let deps = resolver::Deps {
        store: e.store.clone(),
        secrets: e.secrets.clone(),
        console: whosent::console::HttpConsole::new(&config.console).unwrap(),
        config,
    };
    let mut context = lambda_runtime::Context::default();
    context.deadline = (std::time::SystemTime::now() + std::time::Duration::from_secs(60))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let response = resolver::handle(&deps, lambda_runtime::LambdaEvent::new(event, context)).await.unwrap();
    assert!(response.batch_item_failures.is_empty(), "{:?}", response.batch_item_failures);
    assert_eq!(e.check_against_truth(&keys).await, 1);
}
