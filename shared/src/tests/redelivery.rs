//! Redelivery: the stream may hand the same batch again, or a record twice
//! in one batch. Nothing is logged into, moved or mapped again.

use super::{Body, T0, World};
use crate::batch::Outcome;
use crate::console::Call;
use crate::store::{ResolveState, ResolverStore, Strategy};

#[tokio::test(start_paused = true)]
async fn redelivering_a_whole_batch_logs_in_moves_and_maps_nothing_again() {
    let w = World::new(&[Strategy::UserList], 30);
    let fans = w.fans(0);
    for fake_id in fans.iter().take(3) {
        w.text(0, *fake_id, "hi").await;
    }
    let keys = w.pending().await;
    let first = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 3);
    let (logins, moves) = (w.console.logins(), w.console.calls(Call::MoveToGroup));
    let again = w.resolve(&keys).await;
    assert_eq!(again.outcomes, vec![Outcome::Done; 3]);
    assert_eq!(again.logins, 0, "{first:?} / {again:?}");
    assert_eq!(again.stats, Default::default(), "no console work at all");
    assert_eq!((w.console.logins(), w.console.calls(Call::MoveToGroup)), (logins, moves));
    assert_eq!(w.check_against_truth(&keys).await, 3);
    let sender = w.store.sender_record(&keys[0].account, &keys[0].open_id).unwrap();
    assert!(sender.moved && sender.conflict.is_none());
}

#[tokio::test(start_paused = true)]
async fn by_time_a_batch_again_and_a_record_twice_in_it_are_answered_as_done() {
    let w = World::new(&[Strategy::Time], 20);
    let fans = w.fans(0);
    w.push(0, fans[0], Body::text("once"), T0, 0).await;
    w.push(0, fans[1], Body::text("twice"), T0 + 1, 0).await;
    let keys = w.pending().await;
    w.console.advance(10);
    let doubled = [keys[0].clone(), keys[1].clone(), keys[0].clone()];
    let run = w.resolve(&doubled).await;
    assert_eq!(run.outcomes, vec![Outcome::Done; 3], "{run:?}");
    assert_eq!(w.check_against_truth(&keys).await, 2);
    let calls = w.console.calls(Call::Messages);
    let again = w.resolve(&doubled).await;
    assert_eq!(again.outcomes, vec![Outcome::Done; 3]);
    assert_eq!(w.console.calls(Call::Messages), calls, "no list read for resolved requests");
    for key in &keys {
        let request = w.store.request(&key.account, &key.open_id).await.unwrap().unwrap();
        assert_eq!(request.state, ResolveState::Resolved);
        assert_eq!(request.message_count, 1, "a redelivery is not a new push");
    }
}

#[tokio::test(start_paused = true)]
async fn a_sender_mapped_meanwhile_is_closed_without_a_console_call() {
    let w = World::new(&[Strategy::UserList], 20);
    let fans = w.fans(0);
    w.text(0, fans[0], "first").await;
    let keys = w.pending().await;
    w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, 1);
    // The request is reopened (a later push while it was being closed, say)
    // but its sender is mapped: it is closed as resolved at once.
    let key = &keys[0];
    w.store.set_request_state(&key.account, &key.open_id, ResolveState::Pending, None, None, 0).await.unwrap();
    let calls = w.console.calls(Call::Dialog) + w.console.calls(Call::Messages);
    let run = w.resolve(&keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done]);
    assert_eq!(w.request_state(key).await.0, ResolveState::Resolved);
    assert_eq!(w.console.calls(Call::Dialog) + w.console.calls(Call::Messages), calls, "{run:?}");
}
