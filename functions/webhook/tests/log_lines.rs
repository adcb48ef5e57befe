//! Attacker bytes cannot forge a log line or flood an answer: a parse error
//! quotes them escaped and cut short. A test binary of its own, so that the
//! log it reads is the process's one subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};

use lambda_http::http::StatusCode;
use lambda_http::tracing::subscriber;
use lambda_http::{Body, Request};
use webhook::handle;
use whosent::ingest::{Ingest, IngestConfig};
use whosent::push::{BodyMode, signature};
use whosent::secrets::MemorySecrets;
use whosent::store::{Account, MemoryStore, Strategy};

/// Every line logged, as the function's log would hold them.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An API Gateway 2.0 push of `body` to the plaintext account `plain`.
fn push(body: &str) -> Request {
    let (ts, nonce) = ("1410685589", format!("{:x}", rand_nonce()));
    let signature = signature::sign(&["test", ts, &nonce]);
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "POST /wechat/{account}",
        "rawPath": "/wechat/plain",
        "rawQueryString": format!("signature={signature}&timestamp={ts}&nonce={nonce}"),
        "queryStringParameters": {"signature": signature, "timestamp": ts, "nonce": nonce},
        "pathParameters": {"account": "plain"},
        "requestContext": {"http": {"method": "POST", "path": "/wechat/plain"}},
        "body": body,
        "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event")
}

fn rand_nonce() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test]
async fn attacker_bytes_are_quoted_escaped_in_the_log_and_the_answer() {
    let log = Log::default();
    let writer = log.clone();
    let logger = subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    lambda_http::tracing::subscriber::util::SubscriberInitExt::init(logger);

    let store = MemoryStore::new();
    let mut account = Account::new("plain", "wx21ee2dc92d7d0001", "gh_21ee2dc92d7d", Strategy::Time);
    account.mode = BodyMode::Plaintext;
    store.put_account(account.clone());
    let secrets = MemorySecrets::new();
    let secret = r#"{"token":"test","encoding_aes_key":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}"#;
    secrets.put(account.push_secret.clone(), secret);
    let config = IngestConfig { timestamp_window_secs: None, ..IngestConfig::default() };
    let ingest = Ingest::new(&store, &store, &secrets, config);

    let forged_line = "INFO answered account=plain outcome=recorded";
    let bodies = [
        format!("<xml><Content>&x\r\n{forged_line};</Content></xml>"),
        format!("<xml><a>1</b\r\n{forged_line}></xml>"),
        format!("<xml><a>1</b{}></xml>", "\n".repeat(10_000)),
    ];
    for body in &bodies {
        let response = handle(&ingest, push(body)).await.expect("an answer");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let Body::Text(answer) = response.body() else { panic!("a text answer") };
        assert!(!answer.contains('\r') && !answer.contains('\n'), "the answer: {answer:?}");
        assert!(answer.len() < 200, "the answer quotes a few bytes only: {answer:?}");
    }
    let text = String::from_utf8(log.0.lock().unwrap_or_else(|e| e.into_inner()).clone()).expect("UTF-8");
    assert_eq!(text.lines().filter(|line| line.contains("refused")).count(), bodies.len(), "{text:?}");
    assert!(!text.lines().any(|line| line.starts_with(forged_line)), "a forged line: {text}");
    assert!(text.lines().all(|line| line.len() < 400), "a flooded line: {text}");
}
