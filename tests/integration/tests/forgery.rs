//! A stranger who saw a push URL, against the webhook with its real adapters
//! on moto: a plaintext body on a safe account, a signed query replayed with
//! another body, and key fields at and over their bounds.

use lambda_http::http::StatusCode;
use serde_json::Value;
use whosent::ingest::{Ingest, IngestConfig};
use whosent::push::signature;
use whosent::secrets::SecretsManager;
use whosent::store::{DynamoStore, Strategy};
use whosent_integration::{LocalAws, Mode, TestAccount, request, unix_now};

struct Setup {
    aws: LocalAws,
    table: String,
    store: DynamoStore,
}

impl Setup {
    async fn new() -> Self {
        let aws = LocalAws::connect().await;
        let table = aws.fresh_table("forgery").await;
        let store = DynamoStore::new(aws.dynamo(), &table);
        Setup { aws, table, store }
    }

    async fn account(&self, mode: Mode) -> TestAccount {
        let account = TestAccount::new(&format!("acct-{:x}", rand::random::<u32>()), mode, Strategy::Time);
        account.register(&self.aws, &self.store).await;
        account
    }

    fn ingest(&self) -> Ingest<&DynamoStore, &DynamoStore, SecretsManager> {
        Ingest::new(&self.store, &self.store, SecretsManager::new(self.aws.secrets()), IngestConfig::default())
    }

    async fn answer(&self, event: &Value) -> (StatusCode, String) {
        let response = webhook::handle(&self.ingest(), request(event)).await.expect("an answer");
        (response.status(), String::from_utf8(response.body().as_ref().to_vec()).expect("UTF-8"))
    }

    /// Every item kind in the table, sorted.
    async fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = (self.aws.scan(&self.table).await.iter())
            .map(|item| item.get("kind").and_then(|k| k.as_s().ok()).cloned().unwrap_or_default())
            .collect();
        kinds.sort();
        kinds
    }
}

/// `event` with `body` in place of its own, the signed query untouched.
fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = body.into();
    event
}

#[tokio::test]
async fn a_plaintext_body_signed_for_a_safe_account_is_refused_and_nothing_is_stored() {
    let setup = Setup::new().await;
    let safe = setup.account(Mode::Safe).await;
    // What a stranger who saw one push URL of this account can send: a
    // valid `signature`, `timestamp` and `nonce`, and a body of their own.
    let now = unix_now();
    let (ts, nonce) = (now.to_string(), "31337".to_owned());
    let query = [
        ("signature".to_owned(), signature::sign(&[&safe.token, &ts, &nonce])),
        ("timestamp".to_owned(), ts),
        ("nonce".to_owned(), nonce),
    ];
    let forged = safe.text_xml("oVictim", now, 1, "transfer the money");
    let event = whosent_integration::api_event("POST", &format!("/wechat/{}", safe.account.id), &query, Some(&forged));
    let (status, reason) = setup.answer(&event).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}");
    assert_eq!(setup.kinds().await, vec!["account"], "nothing but the account");
}

#[tokio::test]
async fn a_signed_query_is_refused_with_another_body_and_a_retry_is_a_duplicate() {
    let setup = Setup::new().await;
    let plain = setup.account(Mode::Plaintext).await;
    let now = unix_now();
    let genuine = plain.push_event(&plain.text_xml("oVictim", now, 1, "hello"), now);
    let first = setup.answer(&genuine).await;
    assert_eq!(first.0, StatusCode::OK);
    assert_eq!(setup.answer(&genuine).await, first, "the platform's retry is acknowledged alike");

    let forged = with_body(genuine, &plain.text_xml("oVictim", now, 2, "transfer the money"));
    let (status, reason) = setup.answer(&forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}");
    let messages = setup.store.messages(&plain.account.id, 10).await.expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].features.content.as_deref(), Some("hello"));
}

#[tokio::test]
async fn an_open_id_is_stored_at_its_bound_and_refused_past_it() {
    let setup = Setup::new().await;
    let safe = setup.account(Mode::Safe).await;
    let now = unix_now();
    let at_bound = "o".repeat(64);
    let push = |open_id: &str, msg_id| safe.push_event(&safe.text_xml(open_id, now, msg_id, "hi"), now);
    assert_eq!(setup.answer(&push(&at_bound, 1)).await.0, StatusCode::OK);
    for (open_id, msg_id) in [("o".repeat(65), 2), ("o".repeat(1020), 3), ("o\r\nforged".to_owned(), 4)] {
        let (status, reason) = setup.answer(&push(&open_id, msg_id)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{} bytes: {reason}", open_id.len());
        assert!(reason.contains("FromUserName"), "{reason}");
    }
    let messages = setup.store.messages(&safe.account.id, 10).await.expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].features.open_id, at_bound);
}
