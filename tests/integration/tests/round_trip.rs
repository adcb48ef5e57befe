//! The platform emulator pushing real traffic to the webhook: everything it
//! sent (every message and event kind, every body mode, retries included) is
//! stored once, with the features it was sent with.

use std::collections::HashMap;

use platform::{Config, Delivery, Knobs, Pace, Traffic};
use whosent::push::Push;
use whosent::store::Strategy;
use whosent_integration::emulated::Emulated;

#[tokio::test]
async fn every_push_the_platform_sends_is_stored_once_as_sent() {
    // Three accounts: plaintext, compatible and safe mode (the world's choice
    // rotates modes), each resolving differently.
    let e = Emulated::start(
        Config::small(41, 3, 60).knobs(Knobs::instant()),
        &[Strategy::Time, Strategy::UserList, Strategy::Auto],
    )
    .await;
    let modes: Vec<_> = e.platform.accounts().iter().map(|a| a.mode).collect();
    let traffic = Traffic { count: 150, rate: 50.0, pace: Pace::Virtual, concurrency: 4, ..Traffic::default() };
    let report = e.platform.run(&traffic).await;
    assert!(report.refused.is_empty() || report.refused.len() < 10, "{:?}", report.refused);

    let mut sent: HashMap<usize, Vec<Push>> = HashMap::new();
    for outcome in &report.outcomes {
        assert!(
            matches!(outcome.delivery, Delivery::Acknowledged | Delivery::Replied { .. }),
            "{:?} in {:?} mode",
            outcome.delivery,
            modes[outcome.account]
        );
        sent.entry(outcome.account).or_default().push(Push::parse(&outcome.xml).expect("the platform's XML"));
    }
    for (index, account) in e.accounts.iter().enumerate() {
        let pushes = sent.remove(&index).unwrap_or_default();
        let stored = e.store.messages(&account.id, 1000).await.unwrap();
        // Same pushes, by the docs/push.md dedupe key: nothing lost, nothing twice.
        let mut expected: Vec<_> = pushes.iter().map(|p| (p.dedupe_key().0, p.features())).collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        expected.dedup_by(|a, b| a.0 == b.0);
        let mut got: Vec<_> = stored.iter().map(|m| (m.dedupe_key.clone(), m.features.clone())).collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got.len(), expected.len(), "{} ({:?})", account.id, modes[index]);
        assert_eq!(got, expected, "{} ({:?})", account.id, modes[index]);
    }
}
