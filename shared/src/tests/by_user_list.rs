//! By user list (claims 3 and 4): the marker in the account's reply ties a
//! follower's dialog page to the openID; the follower then moves to the
//! resolved group.

use super::{Body, MARKER_KEY, World, open_id};
use crate::batch::Outcome;
use crate::console::Call;
use crate::console::memory::FIRST_CREATED_GROUP;
use crate::marker;
use crate::store::{ResolveState, Strategy};

#[tokio::test(start_paused = true)]
async fn the_marker_in_the_reply_ties_the_follower() {
    let w = World::new(&[Strategy::UserList], 60);
    let fans = w.fans(0);
    for fake_id in fans.iter().skip(10).take(4) {
        let reply = w.text(0, *fake_id, "你好").await;
        assert!(reply.is_some_and(|r| r.contains(&marker::marker(MARKER_KEY.as_bytes(), &open_id(0, *fake_id)))));
    }
    let keys = w.pending().await;
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 4, "{run:?}");
    assert!(run.stats.dialog_reads <= 4 + 1, "only the writers' pages are read: {:?}", run.stats);
    assert_eq!(run.stats.moves, 1, "one move for the batch");
    assert_eq!(w.console.calls(Call::MoveToGroup), 1);
    // Moved into the resolved group: later walks of the unresolved list skip them.
    let moved: Vec<u64> =
        w.console.follows(0).into_iter().filter(|(_, group)| *group >= FIRST_CREATED_GROUP).map(|(f, _)| f).collect();
    assert_eq!(moved.len(), 4);
    assert!(moved.iter().all(|f| fans[10..14].contains(f)));
}

#[tokio::test(start_paused = true)]
async fn a_follower_typing_another_followers_marker_is_never_mapped_to_them() {
    let w = World::new(&[Strategy::UserList], 30);
    let fans = w.fans(0);
    let (victim, impostor) = (fans[3], fans[4]);
    let victims_marker = marker::marker(MARKER_KEY.as_bytes(), &open_id(0, victim));
    w.text(0, impostor, &format!("copy: {victims_marker}")).await;
    let keys = w.pending().await;
    assert_eq!(keys.len(), 1);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1, "{run:?}");
    assert_eq!(w.mapped(0, &open_id(0, victim)).await, None, "the victim was not mapped to the impostor");
}

#[tokio::test(start_paused = true)]
async fn auto_falls_back_to_the_user_list_when_time_cannot_decide() {
    let w = World::new(&[Strategy::Auto], 30);
    let fans = w.fans(0);
    let now = w.console.now();
    w.push(0, fans[5], Body::text("same"), now, 0).await;
    w.push(0, fans[6], Body::text("same"), now, 0).await;
    let keys = w.pending().await;
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 2, "{run:?}");
    assert!(run.stats.dialog_reads >= 1);
}

#[tokio::test(start_paused = true)]
async fn a_new_follower_is_found_by_walking_the_unresolved_list() {
    let w = World::new(&[Strategy::UserList], 40);
    let newcomer = 9_000_000_001;
    let reply = w.push(0, newcomer, Body::Subscribe, w.console.now(), 0).await;
    assert!(reply.is_some(), "a follow is answered with the marker");
    let keys = w.pending().await;
    assert_eq!(keys.len(), 1);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1, "{run:?}");
    assert!(run.stats.dialog_reads <= 2, "the newest follower is at the top of the list: {run:?}");
    assert_eq!(run.stats.paused, std::time::Duration::ZERO, "its reply showed at once: found on the first look");
}

#[tokio::test(start_paused = true)]
async fn a_row_dated_past_the_skew_is_still_read_at_once() {
    let w = World::new(&[Strategy::UserList], 30);
    let fans = w.fans(0);
    w.push(0, fans[3], Body::text("my clock is off"), w.console.now(), 4).await;
    let keys = w.pending().await;
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1, "{run:?}");
    assert_eq!(run.stats.dialog_reads, 1, "{run:?}");
}

#[tokio::test(start_paused = true)]
async fn a_follower_who_left_after_writing_does_not_hold_up_the_others() {
    let w = World::new(&[Strategy::UserList], 40);
    let fans = w.fans(0);
    let (leaver, stayer) = (fans[0], fans[1]);
    w.text(0, leaver, "bye").await;
    w.push(0, leaver, Body::Unsubscribe, w.console.now(), 0).await;
    w.text(0, stayer, "hi").await;
    let keys = w.pending().await;
    assert_eq!(keys.len(), 2);
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    // The leaver's page answers "invalid arguments" now: an answer, not a failure to retry.
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    assert_eq!(w.check_against_truth(&keys).await, 1, "{run:?}");
    let stayer_key = keys.iter().find(|k| k.open_id == open_id(0, stayer)).expect("the stayer");
    assert_eq!(w.request_state(stayer_key).await.0, ResolveState::Resolved);
}

#[tokio::test(start_paused = true)]
async fn an_event_sender_has_no_row_and_waits_until_it_writes() {
    let w = World::new(&[Strategy::UserList], 20);
    let fans = w.fans(0);
    w.push(0, fans[1], Body::Location, w.console.now(), 0).await;
    let keys = w.pending().await;
    assert_eq!(keys.len(), 1);
    w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 0, "nothing to find it by yet");
    w.console.advance(5);
    w.text(0, fans[1], "now a message").await;
    let keys = w.pending().await;
    assert_eq!(keys.len(), 1);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1, "{run:?}");
}

#[tokio::test(start_paused = true)]
async fn a_marker_typed_by_another_follower_is_not_taken_for_a_pending_sender() {
    let w = World::new(&[Strategy::UserList], 30);
    let fans = w.fans(0);
    let (victim, impostor) = (fans[3], fans[4]);
    // The victim's message and its reply show late; meanwhile the
    // impostor's page holds the victim's marker in their own text.
    w.set_console_delay(600);
    w.text(0, victim, "hello").await;
    w.set_console_delay(0);
    let victims_marker = marker::marker(MARKER_KEY.as_bytes(), &open_id(0, victim));
    w.text(0, impostor, &format!("copy: {victims_marker}")).await;
    let keys = w.pending().await;
    assert_eq!(keys.len(), 2);
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1, "{run:?}");
    assert_eq!(w.mapped(0, &open_id(0, victim)).await, None, "the victim was not mapped to the impostor");
}
