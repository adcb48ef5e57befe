//! The handler driven by the sample events in `events/`, over the in-memory
//! twins of the store and of Secrets Manager.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request};
use serde_json::Value;
use whosent::ingest::{Ingest, IngestConfig};
use whosent::push::{AesKey, Envelope, Push};
use whosent::secrets::MemorySecrets;
use whosent::store::{
    Account, MemoryStore, Profile, ProfileState, PushEntry, PushLedger, Recorded, ResolveState, Sender, SenderField,
    StoreError, Strategy,
};

use super::handle;

pub(super) type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub(super) fn events_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

pub(super) fn event_json(name: &str) -> TestResult<Value> {
    Ok(serde_json::from_str(&std::fs::read_to_string(events_dir().join(name))?)?)
}

pub(super) fn request(event: &Value) -> TestResult<Request> {
    Ok(lambda_http::request::from_str(&event.to_string()).map_err(|e| format!("a valid API Gateway event: {e}"))?)
}

/// Each sample account with its entry: `push_secret`, and `marker_secret` for
/// one that plants markers.
pub(super) fn sample_accounts() -> TestResult<Vec<(Account, Value)>> {
    let fixture = event_json("sample-accounts.json")?;
    let entries = fixture["accounts"].as_array().ok_or("a list of accounts")?.clone();
    entries.into_iter().map(|e| Ok((serde_json::from_value(e["account"].clone())?, e))).collect()
}

pub(super) fn sample_account(id: &str) -> TestResult<Account> {
    let account = sample_accounts()?.into_iter().map(|(account, _)| account).find(|a| a.id == id);
    Ok(account.ok_or_else(|| format!("no sample account {id}"))?)
}

/// Sets (or with `None` removes) a query parameter of an API Gateway 2.0 event.
pub(super) fn set_query(event: &mut Value, name: &str, value: Option<&str>) -> TestResult {
    let params = event["queryStringParameters"].as_object_mut().ok_or("query parameters")?;
    match value {
        Some(value) => params.insert(name.to_owned(), value.into()),
        None => params.remove(name),
    };
    let raw = params
        .iter()
        .map(|(k, v)| Ok(format!("{k}={}", v.as_str().ok_or("a text parameter")?)))
        .collect::<TestResult<Vec<String>>>()?;
    event["rawQueryString"] = raw.join("&").into();
    Ok(())
}

pub(super) struct World {
    pub(super) store: MemoryStore,
    pub(super) secrets: MemorySecrets,
}

impl World {
    /// The sample accounts of `events/sample-accounts.json`, registered.
    pub(super) fn new() -> TestResult<Self> {
        let world = World { store: MemoryStore::new(), secrets: MemorySecrets::new() };
        for (account, entry) in sample_accounts()? {
            world.secrets.put(account.push_secret.clone(), entry["push_secret"].to_string());
            if let Some(marker) = entry.get("marker_secret") {
                world.secrets.put(account.marker_secret.clone(), marker.to_string());
            }
            world.store.put_account(account);
        }
        Ok(world)
    }

    pub(super) fn ingest(&self) -> Ingest<&MemoryStore, &MemoryStore, &MemorySecrets> {
        // The samples were signed in 2014: no replay window for them.
        let config = IngestConfig { timestamp_window_secs: None, ..IngestConfig::default() };
        Ingest::new(&self.store, &self.store, &self.secrets, config)
    }

    pub(super) fn nothing_stored(&self) -> bool {
        self.store.messages("sample-safe").is_empty()
            && self.store.messages("sample-plain").is_empty()
            && self.store.resolve_requests().is_empty()
            && self.store.dedupe_records() == 0
    }
}

pub(super) fn body_text(response: &lambda_http::Response<Body>) -> TestResult<String> {
    Ok(String::from_utf8(response.body().as_ref().to_vec())?)
}

fn content_type(response: &lambda_http::Response<Body>) -> TestResult<&str> {
    Ok(response.headers()["content-type"].to_str()?)
}

#[tokio::test]
async fn url_check_echoes_echostr_as_plain_text() -> TestResult {
    let world = World::new()?;
    let ingest = world.ingest();
    let response = handle(&ingest, request(&event_json("webhook-url-check.json")?)?).await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(&response)?, "shr5ch");
    assert!(content_type(&response)?.starts_with("text/plain"));
    assert!(world.nothing_stored());
    Ok(())
}

#[tokio::test]
async fn a_plaintext_push_is_recorded_with_its_features_and_a_resolve_request() -> TestResult {
    let world = World::new()?;
    let ingest = world.ingest();
    let response = handle(&ingest, request(&event_json("webhook-post-plaintext.json")?)?).await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(&response)?, "success");

    let messages = world.store.messages("sample-plain");
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.features.open_id, "os-IKuHd9pJ6xsn4mS7GyL4HxqI4");
    assert_eq!(message.features.create_time, 1457742803);
    assert_eq!(message.features.msg_id.as_deref(), Some("6260957665266699303"));
    assert_eq!(message.features.content.as_deref(), Some("hhhhhjjjjjjjjj"));
    assert_eq!(message.sender, SenderField::Pending);
    assert_eq!(Push::parse(&message.raw_xml)?.features(), message.features);

    let requests = world.store.resolve_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].state, ResolveState::Pending);
    assert_eq!(requests[0].first_hint.create_time, 1457742803);
    assert!(!requests[0].first_hint.marker_planted, "a `time` account plants no marker");
    Ok(())
}

#[tokio::test]
async fn a_safe_mode_push_works_behind_both_api_gateway_flavours() -> TestResult {
    for event in ["webhook-post-safe.json", "webhook-post-safe-rest-api.json"] {
        let world = World::new()?;
        let ingest = world.ingest();
        let response = handle(&ingest, request(&event_json(event)?)?).await?;
        assert_eq!(response.status(), StatusCode::OK, "{event}: {}", body_text(&response)?);
        assert_eq!(body_text(&response)?, "success");
        let messages = world.store.messages("sample-safe");
        assert_eq!(messages.len(), 1, "{event}");
        assert_eq!(messages[0].features.content.as_deref(), Some("abcdteT"));
    }
    Ok(())
}

#[tokio::test]
async fn a_duplicate_gets_the_first_answer_and_changes_nothing() -> TestResult {
    let world = World::new()?;
    let ingest = world.ingest();
    let event = event_json("webhook-post-safe.json")?;
    let first = handle(&ingest, request(&event)?).await?;
    let second = handle(&ingest, request(&event)?).await?;
    assert_eq!(body_text(&first)?, body_text(&second)?);
    assert_eq!(world.store.messages("sample-safe").len(), 1);
    assert_eq!(world.store.resolve_requests()[0].message_count, 1);
    Ok(())
}

#[tokio::test]
async fn an_unresolved_sender_on_a_user_list_account_gets_an_encrypted_marker_reply() -> TestResult {
    let world = World::new()?;
    let mut account = sample_account("sample-safe")?;
    account.strategy = Strategy::UserList;
    world.store.put_account(account.clone());
    // The marker key comes from the marker secret; the push secret holds none.
    world.secrets.put(account.marker_secret.clone(), r#"{"marker_key":"k1"}"#);
    let ingest = world.ingest();

    let response = handle(&ingest, request(&event_json("webhook-post-safe.json")?)?).await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response)?.starts_with("text/xml"));
    let envelope = Envelope::parse(&body_text(&response)?).ok_or("an encrypted reply")?;
    assert!(envelope.verify("spamtest"));
    let key = AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")?;
    let reply = whosent::push::Elements::parse(&key.decrypt(&envelope.encrypt, &account.appid)?)?;
    let expected = whosent::marker::marker(b"k1", "oyORnuP8q7ou2gfYjqLzSIWZf0rs");
    assert!(reply.get("Content").ok_or("a Content element")?.contains(&expected));
    assert_eq!(reply.get("ToUserName"), Some("oyORnuP8q7ou2gfYjqLzSIWZf0rs"));
    assert!(world.store.resolve_requests()[0].first_hint.marker_planted);
    Ok(())
}

#[tokio::test]
async fn a_user_list_account_without_a_marker_secret_still_records_its_pushes() -> TestResult {
    let world = World::new()?;
    let mut account = sample_account("sample-safe")?;
    account.strategy = Strategy::UserList;
    world.store.put_account(account);
    let ingest = world.ingest();
    let event = event_json("webhook-post-safe.json")?;
    let response = handle(&ingest, request(&event)?).await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(&response)?, "success", "no marker to plant");
    assert!(!world.store.resolve_requests()[0].first_hint.marker_planted);
    // Its absence is remembered: the retry reads no secret.
    let reads = world.secrets.reads();
    handle(&ingest, request(&event)?).await?;
    assert_eq!(world.secrets.reads(), reads);
    Ok(())
}

#[tokio::test]
async fn a_known_sender_is_referred_to_from_the_message_without_a_resolve_request() -> TestResult {
    let world = World::new()?;
    let profile = Profile { nickname: "Doraemonext".into(), gender: 1, ..Profile::default() };
    world.store.put_sender(Sender {
        account: "sample-safe".into(),
        open_id: "oyORnuP8q7ou2gfYjqLzSIWZf0rs".into(),
        fake_id: Some(844735403),
        profile: Some(profile.clone()),
        ..Sender::default()
    });
    let ingest = world.ingest();
    let response = handle(&ingest, request(&event_json("webhook-post-safe.json")?)?).await?;
    assert_eq!(body_text(&response)?, "success");
    let message = &world.store.messages("sample-safe")[0];
    assert_eq!(message.sender, SenderField::Reference, "known, written without reading the sender");
    assert!(world.store.resolve_requests().is_empty());
    Ok(())
}

fn days_ago(days: i64) -> TestResult<i64> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    Ok(now - days * 24 * 3600)
}

fn known_sender(fetched_at: i64) -> Sender {
    Sender {
        account: "sample-safe".into(),
        open_id: "oyORnuP8q7ou2gfYjqLzSIWZf0rs".into(),
        fake_id: Some(844735403),
        profile: Some(Profile { nickname: "Doraemonext".into(), gender: 1, ..Profile::default() }),
        profile_state: Some(ProfileState::Fetched),
        profile_fetched_at: Some(fetched_at),
        ..Sender::default()
    }
}

#[tokio::test]
async fn a_stale_profile_is_stamped_and_asked_for_again_a_fresh_one_is_not() -> TestResult {
    for (age_days, refreshed) in [(8, true), (1, false)] {
        let world = World::new()?;
        world.store.put_sender(known_sender(days_ago(age_days)?));
        let ingest = world.ingest();
        let response = handle(&ingest, request(&event_json("webhook-post-safe.json")?)?).await?;
        assert_eq!(body_text(&response)?, "success");
        let field = &world.store.messages("sample-safe")[0].sender;
        // A stale profile fails the write's check: the sender is handed back and stamped.
        let stamped = matches!(field, SenderField::Known(_));
        assert_eq!((stamped, *field == SenderField::Reference), (refreshed, !refreshed), "{field:?}");
        let sender =
            world.store.sender_record("sample-safe", "oyORnuP8q7ou2gfYjqLzSIWZf0rs").ok_or("the sender's record")?;
        let wanted = sender.profile_state == Some(ProfileState::Wanted);
        assert_eq!(wanted, refreshed, "profile {age_days} days old");
        assert_eq!(sender.profile_wanted_at.is_some(), refreshed);
    }
    Ok(())
}

/// A ledger whose first write is refused with the sender as it stood a
/// moment before its profile was stored.
struct RefusedBeforeProfile<'a> {
    store: &'a MemoryStore,
    writes: std::sync::atomic::AtomicUsize,
}

impl PushLedger for RefusedBeforeProfile<'_> {
    async fn record(&self, entry: &PushEntry) -> Result<Recorded, StoreError> {
        if self.writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            let (account, open_id) = (&entry.message.account, &entry.message.features.open_id);
            let before = self.store.sender_record(account, open_id).map(|s| Box::new(Sender { profile: None, ..s }));
            return Ok(Recorded::SenderChanged(before));
        }
        self.store.record(entry).await
    }
}

#[tokio::test]
async fn a_profile_stored_between_two_writes_is_stamped_not_left_pending() -> TestResult {
    let world = World::new()?;
    world.store.put_sender(known_sender(days_ago(1)?));
    let ledger = RefusedBeforeProfile { store: &world.store, writes: Default::default() };
    let config = IngestConfig { timestamp_window_secs: None, ..IngestConfig::default() };
    let ingest = Ingest::new(&world.store, &ledger, &world.secrets, config);
    let response = handle(&ingest, request(&event_json("webhook-post-safe.json")?)?).await?;
    assert_eq!(body_text(&response)?, "success");
    let writes = ledger.writes.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(writes, 3, "refused, refused as pending with the profile handed back, stamped");
    let messages = world.store.messages("sample-safe");
    assert_eq!(messages.len(), 1);
    assert!(matches!(messages[0].sender, SenderField::Known(_)), "{:?}", messages[0].sender);
    assert!(world.store.resolve_requests().is_empty());
    Ok(())
}

fn with(mut event: Value, edit: impl FnOnce(&mut Value)) -> Value {
    edit(&mut event);
    event
}

/// `event` with a query parameter set, or with `None` removed.
fn with_query(mut event: Value, name: &str, value: Option<&str>) -> TestResult<Value> {
    set_query(&mut event, name, value)?;
    Ok(event)
}

#[tokio::test]
async fn bad_requests_get_their_status_and_store_nothing() -> TestResult {
    let safe = event_json("webhook-post-safe.json")?;
    let plain = event_json("webhook-post-plaintext.json")?;
    let dtd_body = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x \"y\">]><xml><ToUserName>&x;</ToUserName></xml>";
    let cases: Vec<(&str, Value, StatusCode)> = vec![
        (
            "unknown account",
            with(safe.clone(), |e| {
                e["rawPath"] = "/wechat/nobody".into();
                e["pathParameters"]["account"] = "nobody".into();
            }),
            StatusCode::NOT_FOUND,
        ),
        (
            "not an account path",
            with(safe.clone(), |e| {
                e["rawPath"] = "/wechat/../x".into();
                e["pathParameters"]["account"] = "../x".into();
            }),
            StatusCode::NOT_FOUND,
        ),
        (
            "other method",
            with(safe.clone(), |e| e["requestContext"]["http"]["method"] = "PUT".into()),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        ("missing msg_signature", with_query(safe.clone(), "msg_signature", None)?, StatusCode::UNAUTHORIZED),
        (
            "wrong msg_signature",
            with_query(safe.clone(), "msg_signature", Some(&"0".repeat(40)))?,
            StatusCode::UNAUTHORIZED,
        ),
        ("wrong signature", with_query(plain.clone(), "signature", Some(&"0".repeat(40)))?, StatusCode::UNAUTHORIZED),
        ("missing timestamp", with_query(plain.clone(), "timestamp", None)?, StatusCode::UNAUTHORIZED),
        ("document type declaration", with(plain.clone(), |e| e["body"] = dtd_body.into()), StatusCode::BAD_REQUEST),
        ("malformed XML", with(plain.clone(), |e| e["body"] = "<xml><ToUserName>".into()), StatusCode::BAD_REQUEST),
        (
            "body over 64 KiB",
            with(plain.clone(), |e| e["body"] = format!("<xml>{}</xml>", " ".repeat(64 * 1024)).into()),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (name, event, status) in cases {
        let world = World::new()?;
        let ingest = world.ingest();
        let response = handle(&ingest, request(&event)?).await?;
        assert_eq!(response.status(), status, "{name}: {}", body_text(&response)?);
        assert!(!body_text(&response)?.is_empty(), "{name}: a short reason");
        assert!(world.nothing_stored(), "{name}: something was stored");
    }
    Ok(())
}

mod forgery;
mod metrics;
mod replay;
mod senders;
