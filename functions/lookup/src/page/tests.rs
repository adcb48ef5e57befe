//! The page's files and the headers of every answer, through the handler
//! over the in-memory twins; and the accounts routes and avatars' content
//! types, which the page reads.

use std::time::Duration;

use lambda_http::http::{HeaderMap, StatusCode, header};
use lambda_http::{Body, Request};
use serde_json::Value;
use whosent::console::SessionState;
use whosent::lookup::{Lookup, LookupConfig};
use whosent::secrets::{MemorySecrets, Secret};
use whosent::store::{
    Account, AccountState, AvatarState, MemoryStore, Method, Person, Profile, ProfileState, Resolution, ResolveHint,
    ResolveRequest, ResolveState, Sender, SessionStore, Strategy,
};

use super::CONTENT_SECURITY_POLICY;
use crate::{API_KEY_HEADER, handle};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const KEY: &str = "local-sample-key-0123456789";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";

/// An answer: status, headers, body.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn sender(account: &str, open_id: &str, fake_id: u64) -> Sender {
    Sender {
        account: account.into(),
        open_id: open_id.into(),
        fake_id: Some(fake_id),
        profile: Some(Profile { nickname: "<img src=x onerror=alert(1)>".into(), ..Profile::default() }),
        resolution: Some(Resolution { fake_id, method: Method::Time, evidence: "row 1".into(), resolved_at: 1000 }),
        profile_state: Some(ProfileState::Fetched),
        ..Sender::default()
    }
}

fn request(open_id: &str, state: ResolveState, reason: Option<&str>) -> ResolveRequest {
    let hint = ResolveHint {
        create_time: 1000,
        msg_type: "text".into(),
        msg_id: None,
        content: None,
        marker_planted: false,
        event: None,
    };
    ResolveRequest {
        account: "acct-1".into(),
        open_id: open_id.into(),
        state,
        message_count: 1,
        first_hint: hint.clone(),
        last_hint: hint,
        first_seen_at: 1000,
        updated_at: 1001,
        reason: reason.map(str::to_owned),
        fake_id: None,
    }
}

/// Two accounts; on acct-1 a pending and an unresolved request, a login,
/// and two people: one with a PNG avatar, one whose stored avatar is HTML.
async fn lookup() -> TestResult<Lookup<MemoryStore, MemorySecrets>> {
    let store = MemoryStore::new();
    store.put_account(Account::new("acct-1", "wx570bc396a51b8ff8", "gh_7f083739789a", Strategy::Time));
    let mut blocked = Account::new("acct-2", "wx0000000000000002", "gh_000000000002", Strategy::UserList);
    blocked.state = AccountState::CredentialsRejected;
    store.put_account(blocked);
    store.put_request(request("oPending", ResolveState::Pending, None));
    store.put_request(request("oLost", ResolveState::Unresolved, Some("no single follower fits the push")));
    let session = SessionState { token: "t".into(), cookies: Secret::new("c=1".into()), uin: None, created_at: 1500 };
    store.save_session("acct-1", &session, 9000).await?;
    for (open_id, fake_id, avatar) in [("oPng", 11, PNG.to_vec()), ("oHtml", 12, b"<script>alert(1)</script>".to_vec())]
    {
        store.put_sender(sender("acct-1", open_id, fake_id));
        store.put_person(Person {
            fake_id,
            profile: Profile::default(),
            fetched_at: 1001,
            fetched_via: "acct-1".into(),
            avatar: AvatarState::Stored,
            avatar_bytes: avatar.len() as u64,
        });
        store.put_avatar(fake_id, avatar);
    }
    let secrets = MemorySecrets::new();
    secrets.put("whosent/api-keys", format!(r#"{{"keys":["{KEY}"]}}"#));
    let config = LookupConfig { api_keys_secret: "whosent/api-keys".into(), cache_ttl: Duration::from_secs(60) };
    Ok(Lookup::new(store, secrets, config))
}

/// An API Gateway 2.0 event for `method path`, with the key when given.
fn event(method: &str, path: &str, key: Option<&str>) -> TestResult<Request> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/lookup-sender.json");
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(file)?)?;
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["requestContext"]["http"]["method"] = method.into();
    event["pathParameters"] = Value::Null;
    let headers = event["headers"].as_object_mut().ok_or("the event's headers")?;
    match key {
        Some(key) => headers.insert(API_KEY_HEADER.into(), key.into()),
        None => headers.remove(API_KEY_HEADER),
    };
    Ok(lambda_http::request::from_str(&event.to_string()).map_err(|e| format!("a valid event: {e}"))?)
}

async fn call(lookup: &Lookup<MemoryStore, MemorySecrets>, request: Request) -> TestResult<Answer> {
    let (parts, body) = handle(lookup, request).await?.into_parts();
    let body = match body {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    Ok(Answer { status: parts.status, headers: parts.headers, body })
}

async fn get(lookup: &Lookup<MemoryStore, MemorySecrets>, path: &str) -> TestResult<Answer> {
    call(lookup, event("GET", path, Some(KEY))?).await
}

#[tokio::test]
async fn the_page_and_its_files_are_served_without_a_key_under_any_prefix() -> TestResult {
    let lookup = lookup().await?;
    for prefix in ["", "/lambda-url/lookup", "/prod"] {
        for (file, content_type, cache) in [
            ("/", "text/html; charset=utf-8", "no-cache"),
            ("/index.html", "text/html; charset=utf-8", "no-cache"),
            ("/app.js", "text/javascript; charset=utf-8", "public, max-age=300"),
            ("/app.css", "text/css; charset=utf-8", "public, max-age=300"),
        ] {
            let path = format!("{prefix}{file}");
            let answer = call(&lookup, event("GET", &path, None)?).await?;
            assert_eq!(answer.status, StatusCode::OK, "{path}");
            assert_eq!(answer.header(header::CONTENT_TYPE), content_type, "{path}");
            assert_eq!(answer.header(header::CACHE_CONTROL), cache, "{path}");
            assert!(!answer.body.is_empty());
        }
    }
    let html = call(&lookup, event("GET", "/", None)?).await?.text();
    assert!(html.contains(r#"<script src="app.js" defer></script>"#), "relative, external script");
    assert!(html.contains(r#"<link rel="stylesheet" href="app.css">"#), "relative style sheet");
    assert_eq!(call(&lookup, event("POST", "/", None)?).await?.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(call(&lookup, event("GET", "/favicon.ico", None)?).await?.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() -> TestResult {
    let lookup = lookup().await?;
    let answers = [
        ("page", call(&lookup, event("GET", "/", None)?).await?),
        ("script", call(&lookup, event("GET", "/app.js", None)?).await?),
        ("accounts", get(&lookup, "/accounts").await?),
        ("avatar", get(&lookup, "/accounts/acct-1/senders/oPng/avatar").await?),
        ("messages", get(&lookup, "/accounts/acct-1/messages").await?),
        ("no key", call(&lookup, event("GET", "/accounts", None)?).await?),
        ("unknown", get(&lookup, "/accounts/acct-9").await?),
        ("no route", get(&lookup, "/nothing").await?),
        ("method", call(&lookup, event("DELETE", "/accounts", Some(KEY))?).await?),
    ];
    for (what, answer) in &answers {
        assert_eq!(answer.header(header::CONTENT_SECURITY_POLICY), CONTENT_SECURITY_POLICY, "{what}");
        assert_eq!(answer.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
        assert_eq!(answer.header(header::REFERRER_POLICY), "no-referrer", "{what}");
        if !["page", "script"].contains(what) {
            assert_eq!(answer.header(header::CACHE_CONTROL), "no-store", "{what}");
        }
    }
    let expected = "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; \
                    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
    assert_eq!(CONTENT_SECURITY_POLICY, expected);
    Ok(())
}

#[tokio::test]
async fn the_page_puts_values_in_as_text_only() -> TestResult {
    let lookup = lookup().await?;
    let html = call(&lookup, event("GET", "/", None)?).await?.text();
    let script = call(&lookup, event("GET", "/app.js", None)?).await?.text();
    let style = call(&lookup, event("GET", "/app.css", None)?).await?.text();
    // No inline script, handler or style that the policy would block anyway.
    assert_eq!(html.matches("<script").count(), 1);
    for inline in [" style=", " onload=", " onclick=", "<style", "javascript:"] {
        assert!(!html.contains(inline), "{inline} in the HTML");
    }
    // Nothing turns text into markup, nothing fetched from elsewhere.
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "http://",
        "https://",
    ] {
        assert!(!script.contains(sink), "{sink} in the script");
    }
    assert!(!style.contains("@import") && !style.contains("url("));
    for hook in
        ["signin", "api-key", "signin-error", "account-row", "message", "sender-avatar", "person-follow", "error"]
    {
        assert!(script.contains(&format!("'{hook}'")) || html.contains(&format!("\"{hook}\"")), "hook {hook}");
    }
    Ok(())
}

#[tokio::test]
async fn the_accounts_route_lists_every_account_in_the_page_s_shape() -> TestResult {
    let lookup = lookup().await?;
    let answer = get(&lookup, "/accounts").await?;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.header(header::CONTENT_TYPE), "application/json");
    let body = answer.json();
    let accounts = body["accounts"].as_array().ok_or("a list of accounts")?;
    assert_eq!(accounts.len(), 2);
    let one = &accounts[0];
    assert_eq!(one["account"], "acct-1");
    assert_eq!(one["strategy"], "time");
    assert_eq!(one["state"], "active");
    assert_eq!(one["mode"], "safe");
    assert_eq!(one["last_login_at"], 1500);
    assert_eq!(one["pending"], 1);
    assert_eq!(one["unresolved"], serde_json::json!({"no single follower fits the push": 1}));
    assert_eq!(accounts[1]["state"], "credentials_rejected");
    assert!(accounts[1].get("last_login_at").is_none());
    assert_eq!(accounts[1]["unresolved"], serde_json::json!({}));
    let single = get(&lookup, "/lambda-url/lookup/accounts/acct-1").await?;
    assert_eq!(single.status, StatusCode::OK);
    assert_eq!(&single.json(), one);
    Ok(())
}

#[tokio::test]
async fn the_accounts_routes_need_the_key_and_know_unknown_accounts() -> TestResult {
    let lookup = lookup().await?;
    for path in ["/accounts", "/accounts/acct-1", "/accounts/"] {
        let without = call(&lookup, event("GET", path, None)?).await?;
        assert_eq!(without.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(without.json().get("accounts").is_none() && without.json().get("state").is_none());
        let wrong = call(&lookup, event("GET", path, Some("not-the-key-0123456789"))?).await?;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(get(&lookup, "/accounts/acct-9").await?.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&lookup, "/accounts/acct%201").await?.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(&lookup, &format!("/accounts/{}", "a".repeat(65))).await?.status, StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn avatars_have_their_real_content_type_and_non_images_are_refused() -> TestResult {
    let lookup = lookup().await?;
    let png = get(&lookup, "/accounts/acct-1/senders/oPng/avatar").await?;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.header(header::CONTENT_TYPE), "image/png");
    assert_eq!(png.body, PNG);
    let html = get(&lookup, "/accounts/acct-1/senders/oHtml/avatar").await?;
    assert_eq!(html.status, StatusCode::NOT_FOUND);
    assert_eq!(html.header(header::CONTENT_TYPE), "application/json");
    assert!(!html.text().contains("<script>"));
    Ok(())
}
