//! The resolver reads only the secrets its role may read: an account's
//! console secret (logins) and marker secret (the user list), never the push
//! secret with the token and EncodingAESKeys. On the emulator, with whosent's
//! store and secrets in memory.

use platform::{Config, Knobs};
use whosent::ingest::IngestConfig;
use whosent::store::Strategy;
use whosent_integration::emulated::Emulated;

#[tokio::test]
async fn by_user_list_the_resolver_needs_only_the_console_and_marker_secrets() {
    let config = Config::small(41, 1, 30).knobs(Knobs::instant());
    let e = Emulated::in_memory(config, &[Strategy::UserList], IngestConfig::default()).await;
    let fans = e.follower_fakeids(0);
    for fake_id in fans.iter().take(3) {
        e.text(0, *fake_id, "hello").await;
    }
    let keys = e.pending().await;
    assert_eq!(keys.len(), 3);

    let account = &e.accounts[0];
    let role = e.secrets.as_role(vec![account.console_secret.clone(), account.marker_secret.clone()]);
    let run =
        e.resolve_reading(&role, &e.console(), &keys, &Emulated::quick_config(), whosent_integration::unix_now()).await;
    assert_eq!(e.check_against_truth(&keys).await, 3, "{run:?}");
}
