//! The replay guard where it guards something. A safe or compatible account
//! takes the message from the decrypted `Encrypt` alone, which its
//! `msg_signature` covers with the timestamp and the nonce: another body
//! under a seen query fails the signature, the same body is a duplicate,
//! and no guard is written. A plaintext account accepts a body its
//! signature does not cover, so every push it takes is guarded, encrypted
//! ones too.

use lambda_http::http::StatusCode;
use serde_json::Value;
use whosent::push::{AesKey, BodyMode, Envelope};
use whosent::store::Account;

use super::super::handle;
use super::forgery::{TS, signed_event, text_body};
use super::{TestResult, World, body_text, event_json, request, sample_account, set_query};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const FOLLOWER: &str = "oyORnuP8q7ou2gfYjqLzSIWZf0rs";

/// `xml` sealed with the sample key for `account`, as the platform would.
fn sealed(account: &Account, token: &str, xml: &str, timestamp: &str, nonce: &str) -> TestResult<Envelope> {
    let key = AesKey::from_encoding_aes_key(KEY)?;
    Ok(Envelope::seal(&key, token, &account.appid, xml, timestamp.parse()?, nonce))
}

/// A body carrying `encrypt`, with the plain fields of compatible mode when given.
fn encrypted_body(to: &str, encrypt: &str, plain: Option<&str>) -> String {
    let plain = plain.unwrap_or_default();
    format!("<xml><ToUserName><![CDATA[{to}]]></ToUserName>{plain}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
}

fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = body.into();
    event
}

#[tokio::test]
async fn an_encrypted_replay_with_another_body_is_refused_by_its_signature_and_no_guard_is_written() -> TestResult {
    for mode in [BodyMode::Safe, BodyMode::Compatible] {
        let world = World::new()?;
        let account = Account { mode, ..sample_account("sample-safe")? };
        world.store.put_account(account.clone());
        let ingest = world.ingest();
        let genuine = event_json("webhook-post-safe.json")?;
        let first = handle(&ingest, request(&genuine)?).await?;
        assert_eq!(first.status(), StatusCode::OK, "{mode:?}: {}", body_text(&first)?);
        assert_eq!(world.store.replay_guards(), 0, "{mode:?}: the signature covers the body; no guard");

        // The seen query with another message, even one sealed with the account's own key.
        let forged = text_body(&account.gh_id, FOLLOWER, "7", "transfer the money");
        let timestamp = genuine["queryStringParameters"]["timestamp"].as_str().ok_or("a timestamp")?;
        let envelope = sealed(&account, "spamtest", &forged, timestamp, "1320562132")?;
        let replay = with_body(genuine.clone(), &encrypted_body(&account.gh_id, &envelope.encrypt, None));
        let response = handle(&ingest, request(&replay)?).await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{mode:?}: {}", body_text(&response)?);

        // The seen body again, with plain fields of the stranger's beside it: a
        // duplicate, since only the decrypted message is read.
        let encrypt = envelope_of(&genuine)?;
        let plain = format!("<FromUserName><![CDATA[{FOLLOWER}]]></FromUserName><Content>transfer</Content>");
        let copy = with_body(genuine.clone(), &encrypted_body(&account.gh_id, &encrypt, Some(&plain)));
        let again = handle(&ingest, request(&copy)?).await?;
        assert_eq!((again.status(), body_text(&again)?), (StatusCode::OK, body_text(&first)?), "{mode:?}");

        let messages = world.store.messages("sample-safe");
        assert_eq!(messages.len(), 1, "{mode:?}");
        assert_eq!(messages[0].features.content.as_deref(), Some("abcdteT"));
        assert_eq!(world.store.replay_guards(), 0, "{mode:?}");
    }
    Ok(())
}

/// The `Encrypt` text of a sample event's body.
fn envelope_of(event: &Value) -> TestResult<String> {
    let body = event["body"].as_str().ok_or("a body")?;
    let start = body.find("<Encrypt><![CDATA[").ok_or("an Encrypt")? + "<Encrypt><![CDATA[".len();
    let end = start + body[start..].find("]]>").ok_or("the end of Encrypt")?;
    Ok(body[start..end].to_owned())
}

#[tokio::test]
async fn an_encrypted_push_to_a_plaintext_account_guards_its_query_against_a_plaintext_body() -> TestResult {
    let world = World::new()?;
    let account = sample_account("sample-plain")?;
    let ingest = world.ingest();
    let genuine = text_body(&account.gh_id, FOLLOWER, "1", "hello");
    let envelope = sealed(&account, "test", &genuine, TS, "n-sealed")?;
    let mut event =
        signed_event("sample-plain", "test", &encrypted_body(&account.gh_id, &envelope.encrypt, None), "n-sealed")?;
    set_query(&mut event, "encrypt_type", Some("aes"))?;
    set_query(&mut event, "msg_signature", Some(&envelope.msg_signature))?;
    let first = handle(&ingest, request(&event)?).await?;
    assert_eq!(first.status(), StatusCode::OK, "{}", body_text(&first)?);
    assert_eq!(world.store.replay_guards(), 1);

    // The seen query's `signature` covers no body: a plaintext one of the stranger's.
    let forged = text_body(&account.gh_id, FOLLOWER, "2", "transfer the money");
    let replay = signed_event("sample-plain", "test", &forged, "n-sealed")?;
    let response = handle(&ingest, request(&replay)?).await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{}", body_text(&response)?);
    let messages = world.store.messages("sample-plain");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].features.content.as_deref(), Some("hello"));
    Ok(())
}
