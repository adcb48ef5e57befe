//! The handler driven by the sample lookup events in `events/`, over the
//! in-memory twins of the store and of Secrets Manager.

use std::time::Duration;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request};
use serde_json::Value;
use whosent::lookup::{Lookup, LookupConfig};
use whosent::push::Features;
use whosent::secrets::MemorySecrets;
use whosent::store::{
    Account, AvatarState, MemoryStore, MessageRecord, Method, Person, Profile, ProfileState, Resolution, Sender,
    SenderField, SenderSnapshot, Strategy,
};

use super::{API_KEY_HEADER, handle};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const KEY: &str = "local-sample-key-0123456789";
const OPEN_ID: &str = "o2AmVbbbo92rS75Y2RnPm7uy1b3X";
const FAKE_ID: u64 = 2960376661;
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0xFF, 0xD9];

fn event(name: &str) -> TestResult<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events").join(name);
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn request(event: &Value) -> TestResult<Request> {
    Ok(lambda_http::request::from_str(&event.to_string()).map_err(|e| format!("a valid API Gateway event: {e}"))?)
}

fn profile() -> Profile {
    Profile {
        nickname: "小雨🌧".into(),
        gender: 2,
        country: "中国".into(),
        province: "广东".into(),
        city: "深圳".into(),
        signature: String::new(),
    }
}

fn message(create_time: i64, dedupe: &str, open_id: &str, sender: SenderField) -> MessageRecord {
    MessageRecord {
        account: "acct-1".into(),
        features: Features {
            open_id: open_id.into(),
            create_time,
            msg_type: "text".into(),
            msg_id: Some(format!("62609576652666{create_time}")),
            content: Some(format!("message at {create_time}")),
            event: None,
            event_key: None,
        },
        dedupe_key: dedupe.into(),
        raw_xml: "<xml/>".into(),
        received_at: create_time + 1,
        sender,
    }
}

/// One account with a resolved, profiled sender, another person pending, and three messages.
fn lookup() -> Lookup<MemoryStore, MemorySecrets> {
    let store = MemoryStore::new();
    store.put_account(Account::new("acct-1", "wx570bc396a51b8ff8", "gh_7f083739789a", Strategy::Time));
    store.put_sender(Sender {
        account: "acct-1".into(),
        open_id: OPEN_ID.into(),
        fake_id: Some(FAKE_ID),
        profile: Some(profile()),
        resolution: Some(Resolution {
            fake_id: FAKE_ID,
            method: Method::Time,
            evidence: "message 200000456 of the message list".into(),
            resolved_at: 1795740023,
        }),
        profile_state: Some(ProfileState::Fetched),
        profile_fetched_at: Some(1795740024),
        ..Sender::default()
    });
    store.put_person(Person {
        fake_id: FAKE_ID,
        profile: profile(),
        fetched_at: 1795740024,
        fetched_via: "acct-1".into(),
        avatar: AvatarState::Stored,
        avatar_bytes: JPEG.len() as u64,
    });
    store.put_avatar(FAKE_ID, JPEG.to_vec());
    let known = SenderField::Known(SenderSnapshot { fake_id: FAKE_ID, profile: profile() });
    store.put_message(message(1795740010, "00000000000000a1", OPEN_ID, known.clone()));
    store.put_message(message(1795740020, "00000000000000a2", "oOtherFollower00000000000001", SenderField::Pending));
    store.put_message(message(1795740030, "00000000000000a3", OPEN_ID, known));
    let secrets = MemorySecrets::new();
    secrets.put("whosent/api-keys", format!(r#"{{"keys":["{KEY}"]}}"#));
    let config = LookupConfig { api_keys_secret: "whosent/api-keys".into(), cache_ttl: Duration::from_secs(60) };
    Lookup::new(store, secrets, config)
}

/// Sets the query of an API Gateway 2.0 event (both its forms).
fn set_query(event: &mut Value, pairs: &[(&str, &str)]) {
    event["rawQueryString"] = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").into();
    event["queryStringParameters"] = pairs.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
}

async fn call(lookup: &Lookup<MemoryStore, MemorySecrets>, event: &Value) -> TestResult<(StatusCode, Value, Vec<u8>)> {
    let response = handle(lookup, request(event)?).await?;
    let status = response.status();
    let bytes = match response.into_body() {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        Body::Empty => Vec::new(),
        _ => unreachable!("the handler answers text or bytes"),
    };
    Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), bytes))
}

/// The `create_time` of each message of a page, in its order.
fn create_times(body: &Value) -> TestResult<Vec<i64>> {
    let messages = body["messages"].as_array().ok_or("a list of messages")?;
    Ok(messages.iter().map(|m| m["create_time"].as_i64().ok_or("a create_time")).collect::<Result<_, _>>()?)
}

#[tokio::test]
async fn the_sender_event_answers_who_sent_it_and_how_it_was_found() -> TestResult {
    let (status, body, _) = call(&lookup(), &event("lookup-sender.json")?).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "resolved");
    assert_eq!(body["fake_id"], FAKE_ID);
    assert_eq!(body["profile"]["nickname"], "小雨🌧");
    assert_eq!(body["resolution"]["method"], "time");
    assert_eq!(body["avatar"], "stored");
    Ok(())
}

#[tokio::test]
async fn the_avatar_event_answers_the_jpeg() -> TestResult {
    let (status, _, bytes) = call(&lookup(), &event("lookup-avatar.json")?).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, JPEG);
    Ok(())
}

#[tokio::test]
async fn the_messages_event_pages_newest_first_with_a_cursor() -> TestResult {
    let lookup = lookup();
    let mut first = event("lookup-messages.json")?;
    let (status, body, _) = call(&lookup, &first).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let times = create_times(&body)?;
    assert_eq!(times, [1795740030, 1795740020]);
    assert_eq!(body["messages"][0]["sender"]["state"], "known");
    assert_eq!(body["messages"][1]["sender"]["state"], "pending");
    let cursor = body["next_cursor"].as_str().ok_or("a cursor after a full page")?.to_owned();
    set_query(&mut first, &[("since", "1795740000"), ("limit", "2"), ("cursor", &cursor)]);
    let (status, body, _) = call(&lookup, &first).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let times = create_times(&body)?;
    assert_eq!(times, [1795740010]);
    assert!(body.get("next_cursor").is_none());
    Ok(())
}

#[tokio::test]
async fn the_person_event_lists_the_person_across_accounts() -> TestResult {
    let (status, body, _) = call(&lookup(), &event("lookup-person.json")?).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["profile"]["city"], "深圳");
    assert_eq!(body["accounts"][0]["account"], "acct-1");
    assert_eq!(body["accounts"][0]["open_id"], OPEN_ID);
    Ok(())
}

#[tokio::test]
async fn nothing_is_readable_without_the_right_key() -> TestResult {
    let lookup = lookup();
    for name in ["lookup-sender.json", "lookup-avatar.json", "lookup-messages.json", "lookup-person.json"] {
        let mut without = event(name)?;
        without["headers"].as_object_mut().ok_or("the event's headers")?.remove(API_KEY_HEADER);
        let (status, body, _) = call(&lookup, &without).await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert!(body.get("profile").is_none() && body.get("messages").is_none());
        let mut wrong = event(name)?;
        wrong["headers"][API_KEY_HEADER] = Value::String(format!("{KEY}x"));
        assert_eq!(call(&lookup, &wrong).await?.0, StatusCode::UNAUTHORIZED, "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn bad_ids_limits_and_cursors_are_400_and_unknown_ones_404() -> TestResult {
    let lookup = lookup();
    let with_query = |pairs: &[(&str, &str)]| -> TestResult<Value> {
        let mut e = event("lookup-messages.json")?;
        set_query(&mut e, pairs);
        Ok(e)
    };
    for pairs in [
        vec![("limit", "0")],
        vec![("limit", "101")],
        vec![("limit", "ten")],
        vec![("since", "yesterday")],
        vec![("cursor", "not-a-cursor")],
        vec![("cursor", "YWNjdC0yCjE3OTU3NDAwMjAjMDAwMDAwMDAwMDAwMDBhMg")],
    ] {
        let (status, body, _) = call(&lookup, &with_query(&pairs)?).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{pairs:?}: {body}");
        assert!(body["error"].as_str().is_some_and(|r| !r.is_empty()));
    }
    let mut person = event("lookup-person.json")?;
    person["rawPath"] = "/people/12ab".into();
    person["pathParameters"]["fakeid"] = "12ab".into();
    assert_eq!(call(&lookup, &person).await?.0, StatusCode::BAD_REQUEST);
    person["rawPath"] = "/people/77".into();
    assert_eq!(call(&lookup, &person).await?.0, StatusCode::NOT_FOUND);
    let mut sender = event("lookup-sender.json")?;
    sender["rawPath"] = "/accounts/acct-9/senders/oSomebody".into();
    assert_eq!(call(&lookup, &sender).await?.0, StatusCode::NOT_FOUND);
    sender["rawPath"] = "/accounts/acct-1/senders/oSomebodyElse".into();
    assert_eq!(call(&lookup, &sender).await?.0, StatusCode::NOT_FOUND);
    let mut post = event("lookup-sender.json")?;
    post["requestContext"]["http"]["method"] = "POST".into();
    assert_eq!(call(&lookup, &post).await?.0, StatusCode::METHOD_NOT_ALLOWED);
    Ok(())
}
