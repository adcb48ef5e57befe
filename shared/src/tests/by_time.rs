//! By time (claim 5): a push's row in the message list, at its CreateTime,
//! with the same kind and content, from exactly one follower.

use super::{Body, T0, World};
use crate::batch::Outcome;
use crate::console::Call;
use crate::store::{ResolveState, Strategy};

#[tokio::test(start_paused = true)]
async fn each_sender_is_found_in_the_message_list() {
    let w = World::new(&[Strategy::Time], 40);
    let fans = w.fans(0);
    for (i, fake_id) in fans.iter().take(5).enumerate() {
        w.text(0, *fake_id, &format!("hello {i}")).await;
    }
    let keys = w.pending().await;
    assert_eq!(keys.len(), 5);
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    assert_eq!(w.check_against_truth(&keys).await, 5);
    assert_eq!(run.logins, 1);
    assert!(run.stats.list_reads <= 3, "one list read serves the batch: {:?}", run.stats);
    assert_eq!(run.stats.dialog_reads, 0);
    assert_eq!(w.console.calls(Call::Dialog), 0);
    for key in &keys {
        assert_eq!(w.request_state(key).await.0, ResolveState::Resolved);
    }
}

#[tokio::test(start_paused = true)]
async fn two_followers_with_the_same_text_in_the_same_second_are_not_guessed() {
    let w = World::new(&[Strategy::Time], 30);
    let fans = w.fans(0);
    w.push(0, fans[1], Body::text("same"), T0, 0).await;
    w.push(0, fans[2], Body::text("same"), T0, 0).await;
    w.push(0, fans[3], Body::text("different"), T0, 0).await;
    let keys = w.pending().await;
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    assert_eq!(w.check_against_truth(&keys).await, 1, "only the distinct text is decided");
    let mut unresolved = Vec::new();
    for key in &keys {
        let (state, reason) = w.request_state(key).await;
        if state == ResolveState::Unresolved {
            unresolved.push(reason.unwrap_or_default());
        }
    }
    assert_eq!(unresolved.len(), 2);
    assert!(unresolved.iter().all(|r| r.contains("cannot tell them apart")), "{unresolved:?}");
}

#[tokio::test(start_paused = true)]
async fn the_skew_it_allows_is_tolerated_and_nothing_beyond_is_guessed() {
    for (skew, found) in [(2, 3), (9, 0)] {
        let w = World::new(&[Strategy::Time], 20);
        let fans = w.fans(0);
        for (i, fake_id) in fans.iter().take(3).enumerate() {
            w.push(0, *fake_id, Body::text(&format!("skewed {i}")), T0 + 5 * i as i64, skew).await;
        }
        let keys = w.pending().await;
        w.console.advance(30);
        let run = w.resolve(&keys).await;
        assert_eq!(w.check_against_truth(&keys).await, found, "skew {skew}: {run:?}");
        if found == 0 {
            for key in &keys {
                assert_eq!(w.request_state(key).await.0, ResolveState::Unresolved, "skew {skew}");
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_row_skewed_out_of_its_window_does_not_hand_the_push_to_a_neighbour() {
    // A's picture is listed 4 s late, past the 3 s allowed; B's, a second
    // after A's, on time. A's window then holds only B's row: a guess would swap them.
    let w = World::new(&[Strategy::Time], 20);
    let fans = w.fans(0);
    w.push(0, fans[0], Body::Image(1), T0, 4).await;
    w.push(0, fans[1], Body::Image(2), T0 + 1, 0).await;
    let keys = w.pending().await;
    assert_eq!(keys.len(), 2);
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 0, "{run:?}");
    for key in &keys {
        let (state, reason) = w.request_state(key).await;
        assert_eq!(state, ResolveState::Unresolved, "{reason:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn one_follower_repeating_a_text_is_still_one_person() {
    let w = World::new(&[Strategy::Time], 20);
    let fans = w.fans(0);
    w.push(0, fans[0], Body::text("again"), T0, 0).await;
    w.push(0, fans[0], Body::text("again"), T0 + 1, 0).await;
    let keys = w.pending().await;
    assert_eq!(keys.len(), 1);
    w.console.advance(10);
    w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1);
}

#[tokio::test(start_paused = true)]
async fn rows_the_console_lists_late_are_waited_for_not_given_up() {
    let w = World::new(&[Strategy::Time], 20);
    w.set_console_delay(20);
    let fans = w.fans(0);
    for (i, fake_id) in fans.iter().take(3).enumerate() {
        w.text(0, *fake_id, &format!("late {i}")).await;
    }
    let keys = w.pending().await;
    w.console.advance(5);
    let early = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 0, "{early:?}");
    assert_eq!(w.pending().await, keys, "nothing given up while the rows may still show: {early:?}");
    w.console.advance(30);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 3, "{early:?} {run:?}");
}
