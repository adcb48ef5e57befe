//! What a stranger who saw a push URL can and cannot do: downgrade a safe
//! account to plaintext, replay a signed query with another body, push key
//! fields past the store's limits (forged log lines: `tests/log_lines.rs`).
//! Each case runs the handler over the in-memory twins, which refuse keys and
//! items over DynamoDB's limits as DynamoDB does.

use std::sync::atomic::{AtomicU32, Ordering};

use lambda_http::http::StatusCode;
use serde_json::Value;
use whosent::push::{BodyMode, signature};
use whosent::store::Account;

use super::super::handle;
use super::{TestResult, World, body_text, event_json, request, sample_account, set_query};

/// The published plaintext sample: signed with token `test` for `sample-plain`.
pub(super) const TS: &str = "1410685589";
const NONCE: &str = "test";

/// The plaintext sample's event with `body`, signed with `token` for
/// `account` with the sample's own nonce.
fn plaintext_event(account: &str, token: &str, body: &str) -> TestResult<Value> {
    signed_event(account, token, body, NONCE)
}

/// A fresh nonce, for pushes that are not replays of each other.
pub(super) fn fresh_nonce() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("n{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub(super) fn signed_event(account: &str, token: &str, body: &str, nonce: &str) -> TestResult<Value> {
    let mut event = event_json("webhook-post-plaintext.json")?;
    event["rawPath"] = format!("/wechat/{account}").into();
    event["requestContext"]["http"]["path"] = format!("/wechat/{account}").into();
    event["pathParameters"]["account"] = account.into();
    event["body"] = body.into();
    set_query(&mut event, "nonce", Some(nonce))?;
    set_query(&mut event, "signature", Some(&signature::sign(&[token, TS, nonce])))?;
    Ok(event)
}

pub(super) fn text_body(to: &str, from: &str, msg_id: &str, content: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName>\
         <CreateTime>1457742803</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
}

const FOLLOWER: &str = "oyORnuP8q7ou2gfYjqLzSIWZf0rs";

#[tokio::test]
async fn a_plaintext_body_is_refused_by_a_safe_or_compatible_account() -> TestResult {
    for mode in [BodyMode::Safe, BodyMode::Compatible] {
        let world = World::new()?;
        let account = Account { mode, ..sample_account("sample-safe")? };
        world.store.put_account(account.clone());
        // Signed with the account's real token: only the body is forged.
        let body = text_body(&account.gh_id, FOLLOWER, "1", "transfer the money");
        let event = plaintext_event("sample-safe", "spamtest", &body)?;
        let response = handle(&world.ingest(), request(&event)?).await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{mode:?}: {}", body_text(&response)?);
        assert!(body_text(&response)?.contains("only encrypted"), "{}", body_text(&response)?);
        assert!(world.nothing_stored(), "{mode:?}: the forged message was stored");
    }
    Ok(())
}

#[tokio::test]
async fn a_signed_query_is_refused_with_another_body_and_a_retry_is_a_duplicate() -> TestResult {
    let world = World::new()?;
    let ingest = world.ingest();
    let genuine = event_json("webhook-post-plaintext.json")?;
    let first = handle(&ingest, request(&genuine)?).await?;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(world.store.replay_guards(), 1, "a plaintext account guards every signed query");

    // The platform's retry: same query, same body.
    let retry = handle(&ingest, request(&genuine)?).await?;
    assert_eq!((retry.status(), body_text(&retry)?), (StatusCode::OK, body_text(&first)?));

    // The captured query with a body of the attacker's.
    let forged = text_body("gh_21ee2dc92d7d", "os-IKuHd9pJ6xsn4mS7GyL4HxqI4", "7", "transfer the money");
    let replay = plaintext_event("sample-plain", "test", &forged)?;
    let response = handle(&ingest, request(&replay)?).await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{}", body_text(&response)?);
    let messages = world.store.messages("sample-plain");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].features.content.as_deref(), Some("hhhhhjjjjjjjjj"));
    Ok(())
}

/// A world with an account whose id and `gh_…` id are as long as allowed.
fn world_with_long_names() -> TestResult<(World, Account)> {
    let world = World::new()?;
    let account = Account {
        id: "a".repeat(64),
        gh_id: "g".repeat(64),
        push_secret: "whosent/sample-plain/push".into(),
        ..sample_account("sample-plain")?
    };
    world.store.put_account(account.clone());
    Ok((world, account))
}

/// The answer to a text push whose fields are as given.
async fn push_text(
    world: &World,
    account: &Account,
    to: &str,
    from: &str,
    msg_id: &str,
) -> TestResult<(StatusCode, String)> {
    let event = signed_event(&account.id, "test", &text_body(to, from, msg_id, "hi"), &fresh_nonce())?;
    let response = handle(&world.ingest(), request(&event)?).await?;
    Ok((response.status(), body_text(&response)?))
}

#[tokio::test]
async fn each_key_field_is_stored_at_its_limit_and_refused_one_byte_over() -> TestResult {
    let (world, account) = world_with_long_names()?;
    let gh = account.gh_id.clone();
    let at_limit = [
        ("openID of 64 bytes", gh.clone(), "o".repeat(64), "1".to_owned()),
        ("ToUserName of 64 bytes", gh.clone(), FOLLOWER.to_owned(), "2".to_owned()),
        ("MsgId of 20 digits", gh.clone(), FOLLOWER.to_owned(), "18446744073709551615".to_owned()),
    ];
    for (case, to, from, msg_id) in at_limit {
        let (status, reason) = push_text(&world, &account, &to, &from, &msg_id).await?;
        assert_eq!(status, StatusCode::OK, "{case}: {reason}");
    }
    assert_eq!(world.store.messages(&account.id).len(), 3);

    let over = [
        ("openID of 65 bytes", gh.clone(), "o".repeat(65), "1", "FromUserName"),
        ("openID of 1,020 bytes", gh.clone(), "o".repeat(1020), "1", "FromUserName"),
        ("openID with a key separator", gh.clone(), "o#SESSION".to_owned(), "1", "FromUserName"),
        ("ToUserName of 65 bytes", format!("{gh}g"), FOLLOWER.to_owned(), "1", "ToUserName"),
        ("MsgId of 21 digits", gh.clone(), FOLLOWER.to_owned(), "018446744073709551615", "MsgId"),
    ];
    for (case, to, from, msg_id, element) in over {
        let (status, reason) = push_text(&world, &account, &to, &from, msg_id).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {reason}");
        assert!(reason.contains(element), "{case}: {reason}");
    }
    assert_eq!(world.store.messages(&account.id).len(), 3, "nothing more was stored");
    Ok(())
}

#[tokio::test]
async fn event_fields_and_create_time_are_bounded() -> TestResult {
    let (world, account) = world_with_long_names()?;
    let event = |name: &str, key: &str, create_time: &str| {
        format!(
            "<xml><ToUserName>{}</ToUserName><FromUserName>{FOLLOWER}</FromUserName>\
             <CreateTime>{create_time}</CreateTime><MsgType>event</MsgType><Event>{name}</Event>\
             <EventKey><![CDATA[{key}]]></EventKey></xml>",
            account.gh_id
        )
    };
    let cases = [
        ("Event of 64 bytes", event(&"E".repeat(64), "", "1457742803"), StatusCode::OK),
        ("EventKey of 1,024 bytes", event("VIEW", &"k".repeat(1024), "1457742803"), StatusCode::OK),
        ("CreateTime of 10 digits", event("CLICK", "k", "9999999999"), StatusCode::OK),
        ("Event of 65 bytes", event(&"E".repeat(65), "", "1457742803"), StatusCode::BAD_REQUEST),
        ("EventKey of 1,025 bytes", event("VIEW", &"k".repeat(1025), "1457742803"), StatusCode::BAD_REQUEST),
        ("CreateTime of 11 digits", event("CLICK", "k", "10000000000"), StatusCode::BAD_REQUEST),
    ];
    for (case, body, status) in cases {
        let event = signed_event(&account.id, "test", &body, &fresh_nonce())?;
        let response = handle(&world.ingest(), request(&event)?).await?;
        assert_eq!(response.status(), status, "{case}: {}", body_text(&response)?);
    }
    assert_eq!(world.store.messages(&account.id).len(), 3);
    Ok(())
}

#[tokio::test]
async fn an_account_id_longer_than_64_bytes_names_no_route() -> TestResult {
    let (world, account) = world_with_long_names()?;
    let long = Account { id: "a".repeat(65), ..account };
    world.store.put_account(long.clone());
    let (status, _) = push_text(&world, &long, &long.gh_id, FOLLOWER, "1").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(world.store.messages(&long.id).is_empty());
    Ok(())
}
