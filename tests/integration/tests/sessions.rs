//! A console session (its token and cookies open the account's console for
//! hours) is kept in a table of its own: never in the main table, which the
//! webhook and the lookup API may read and write, and never on the main
//! table's stream, which any consumer may read for 24 hours.

use whosent::console::SessionState;
use whosent::secrets::Secret;
use whosent::store::{DynamoStore, SessionStore};
use whosent_integration::LocalAws;

const ACCOUNT: &str = "sessions-account";
const TOKEN: &str = "token-that-opens-the-console";
const COOKIES: &str = "slave_sid=cookie-that-opens-the-console";

#[tokio::test]
async fn a_login_leaves_nothing_in_the_main_table_nor_on_its_stream() {
    let aws = LocalAws::connect().await;
    let table = aws.fresh_table("sessions").await;
    let store = DynamoStore::new(aws.dynamo(), &table);

    // A login as the session layer makes it: the lease, then the session.
    assert!(store.try_lease(ACCOUNT, "instance-1", 100, 130).await.unwrap());
    let session =
        SessionState { token: TOKEN.into(), cookies: Secret::new(COOKIES.into()), uin: Some(7), created_at: 100 };
    store.save_session(ACCOUNT, &session, 100 + 4 * 3600).await.unwrap();
    let stored = store.session(ACCOUNT).await.unwrap().and_then(|r| r.session);
    assert_eq!(stored.map(|s| s.token).as_deref(), Some(TOKEN));

    let secret = |text: &str| text.contains(TOKEN) || text.contains(COOKIES);
    let main = aws.scan(&table).await;
    let leaked: Vec<_> = main
        .iter()
        .map(|item| format!("{item:?}"))
        .filter(|item| secret(item) || item.contains("SESSION") || item.contains(r#"S("session")"#))
        .collect();
    assert!(leaked.is_empty(), "the main table holds a console session: {leaked:?}");
    let on_stream: Vec<_> = aws
        .stream_records(&table)
        .await
        .iter()
        .map(|record| format!("{record:?}"))
        .filter(|record| secret(record) || record.contains("session"))
        .collect();
    assert!(on_stream.is_empty(), "the main table's stream carries a console session: {on_stream:?}");

    // It is in the sessions table, keyed by the account alone.
    let sessions = aws.scan(&format!("{table}-sessions")).await;
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0].get("pk").and_then(|pk| pk.as_s().ok()).map(String::as_str), Some(ACCOUNT));
    assert!(secret(&format!("{:?}", sessions[0])));
}
