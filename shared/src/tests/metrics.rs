//! What the metrics are made of: the resolver's and the profile step's
//! counts of one invocation (resolutions by method and outcome, unresolved
//! by reason, work held by the account's state) and the two latencies, push
//! to mapping and mapping to profile, on the console's clock.

use super::{Body, T0, World};
use crate::store::{AccountState, Strategy};

/// Every sample within the second after `secs` (stored times are whole seconds).
fn within_the_second_after(samples: &[u64], secs: u64) -> bool {
    samples.iter().all(|ms| (secs * 1000..(secs + 1) * 1000).contains(ms))
}

#[tokio::test(start_paused = true)]
async fn by_time_counts_mappings_crowded_requests_and_the_wait_since_the_push() {
    let w = World::new(&[Strategy::Time], 30);
    let fans = w.fans(0);
    w.push(0, fans[1], Body::text("same"), T0, 0).await;
    w.push(0, fans[2], Body::text("same"), T0, 0).await;
    w.push(0, fans[3], Body::text("different"), T0, 0).await;
    let keys = w.pending().await;
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    let resolutions: Vec<_> = run.stats.resolutions.clone().into_iter().collect();
    assert_eq!(resolutions, [(("time", "mapped"), 1)], "{run:?}");
    let unresolved: Vec<_> = run.stats.unresolved.clone().into_iter().collect();
    assert_eq!(unresolved, [("crowded", 2)]);
    assert_eq!(run.stats.push_to_mapping_ms.len(), 1);
    assert!(within_the_second_after(&run.stats.push_to_mapping_ms, 10), "{:?}", run.stats.push_to_mapping_ms);
    assert!(run.stats.held.is_empty());
}

#[tokio::test(start_paused = true)]
async fn by_user_list_counts_its_own_method() {
    let w = World::new(&[Strategy::UserList], 30);
    let fans = w.fans(0);
    for fake_id in fans.iter().skip(5).take(2) {
        w.text(0, *fake_id, "你好").await;
    }
    w.console.advance(3);
    let keys = w.pending().await;
    let run = w.resolve(&keys).await;
    let resolutions: Vec<_> = run.stats.resolutions.clone().into_iter().collect();
    assert_eq!(resolutions, [(("user_list", "mapped"), 2)], "{run:?}");
    assert!(within_the_second_after(&run.stats.push_to_mapping_ms, 3), "{:?}", run.stats.push_to_mapping_ms);
}

#[tokio::test(start_paused = true)]
async fn requests_of_an_account_that_cannot_log_in_are_counted_as_held_by_its_state() {
    let w = World::new(&[Strategy::Time], 10);
    let fans = w.fans(0);
    w.text(0, fans[0], "one").await;
    w.text(0, fans[1], "two").await;
    let mut account = w.accounts[0].clone();
    account.state = AccountState::CaptchaRequired;
    w.store.put_account(account);
    let keys = w.pending().await;
    let run = w.resolve(&keys).await;
    let held: Vec<_> = run.stats.held.clone().into_iter().collect();
    assert_eq!(held, [("captcha_required", 2)], "{run:?}");
    assert!(run.stats.resolutions.is_empty() && run.stats.push_to_mapping_ms.is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_first_profile_of_a_mapping_counts_the_wait_since_the_fakeid_was_found() {
    let w = World::new(&[Strategy::Time], 20);
    let fans = w.fans(0);
    for (i, fake_id) in fans.iter().take(3).enumerate() {
        w.text(0, *fake_id, &format!("hello {i}")).await;
    }
    let keys = w.pending().await;
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    assert_eq!(run.stats.resolved, 3, "{run:?}");
    w.console.advance(4);
    let run = w.profiles(&keys).await;
    assert_eq!(run.stats.fetched, 3, "{run:?}");
    assert_eq!(run.stats.mapping_to_profile_ms.len(), 3);
    assert!(within_the_second_after(&run.stats.mapping_to_profile_ms, 4), "{:?}", run.stats.mapping_to_profile_ms);
    // Delivered again: nothing fetched, nothing timed.
    let again = w.profiles(&keys).await;
    assert!(again.stats.mapping_to_profile_ms.is_empty(), "{again:?}");
}
