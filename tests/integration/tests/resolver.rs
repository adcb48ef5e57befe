//! The resolver against the platform emulator and moto, both real servers.
//! Every FakeID it records is checked against the emulator's truth.

use platform::{Body, Config, Knobs, Outgoing};
use whosent::matching::marker;
use whosent::resolve::Outcome;
use whosent::store::{ResolveState, ResolverStore, Strategy};
use whosent_integration::emulated::{Emulated, MARKER_KEY};

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
    assert!(unresolved.iter().all(|r| r.contains("no single follower")), "{unresolved:?}");
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
