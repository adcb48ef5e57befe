//! The profile step and the lookup API against the platform emulator and
//! moto: push → mapping → profile → lookup, with every profile and avatar
//! checked against the emulator's truth.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lambda_http::http::StatusCode;
use lambda_http::{Body as HttpBody, RequestExt};
use platform::{Body, Config, Knobs, Outgoing};
use serde_json::Value;
use whosent::batch::{Outcome, WorkKey};
use whosent::console::{Call, ScriptedConsole};
use whosent::lookup::{Lookup, LookupConfig};
use whosent::secrets::SecretsManager;
use whosent::store::{AvatarState, DynamoStore, ProfileState, ProfileStore, ResolverStore, SenderField, Strategy};
use whosent_integration::emulated::Emulated;
use whosent_integration::put_secret;

const API_KEY: &str = "integration-key-0123456789";

fn quiet(seed: u64, followers: usize) -> Config {
    Config::small(seed, 1, followers).knobs(Knobs::instant())
}

fn profile_keys(keys: &[WorkKey]) -> Vec<WorkKey> {
    keys.iter().map(|k| WorkKey { account: k.account.clone(), open_id: k.open_id.clone() }).collect()
}

/// Followers `fans` write `per` texts each; their requests are resolved by time.
async fn written_and_resolved(e: &Emulated, fans: &[u64], per: usize) -> Vec<WorkKey> {
    for round in 0..per {
        for (i, fake_id) in fans.iter().enumerate() {
            e.text(0, *fake_id, &format!("message {round} from follower {i}")).await;
        }
    }
    let keys = e.pending().await;
    assert_eq!(keys.len(), fans.len());
    let run = e.resolve(&keys, &Emulated::quick_config()).await;
    assert_eq!(e.check_against_truth(&keys).await, fans.len(), "{run:?}");
    keys
}

async fn lookup_api(e: &Emulated) -> Lookup<DynamoStore, SecretsManager> {
    let name = format!("{}/api-keys", e.table());
    put_secret(e.aws(), &name, &format!(r#"{{"keys":["{API_KEY}"]}}"#)).await;
    Lookup::new(
        e.store.clone(),
        e.secrets.clone(),
        LookupConfig { api_keys_secret: name, cache_ttl: Duration::from_secs(60) },
    )
}

async fn get(lookup: &Lookup<DynamoStore, SecretsManager>, path: &str, key: Option<&str>) -> (StatusCode, Vec<u8>) {
    let mut request = lambda_http::http::Request::builder().method("GET").uri(format!("https://api.example{path}"));
    if let Some(key) = key {
        request = request.header(lookup::API_KEY_HEADER, key);
    }
    // As API Gateway hands them over: the query parsed beside the path.
    let query: std::collections::HashMap<String, String> = path
        .split_once('?')
        .map(|(_, q)| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let request = request.body(HttpBody::Empty).unwrap().with_query_string_parameters(query);
    let response = lookup::handle(lookup, request).await.unwrap();
    let status = response.status();
    let bytes = match response.into_body() {
        HttpBody::Text(text) => text.into_bytes(),
        HttpBody::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    (status, bytes)
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("a JSON answer")
}

#[tokio::test]
async fn push_mapping_profile_lookup_with_every_waiting_message_showing_its_sender() {
    let e = Emulated::start(quiet(21, 40), &[Strategy::Time]).await;
    let fans: Vec<u64> = e.follower_fakeids(0).into_iter().take(3).collect();
    let keys = written_and_resolved(&e, &fans, 2).await;
    let account = &e.accounts[0].id;

    // Every message was written while its sender was unknown.
    let before = e.store.messages(account, 100).await.unwrap();
    assert_eq!(before.len(), 6);
    assert!(before.iter().all(|m| m.sender == SenderField::Pending));

    let run = e.profiles(&profile_keys(&keys)).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    assert_eq!(run.stats.fetched, 3);
    assert!(run.logins <= 1, "the resolver's stored session is reused: {run:?}");

    let world = e.platform.world();
    for key in &keys {
        let fake_id = e.mapped(0, &key.open_id).await.expect("mapped");
        let truth = world.person_by_fakeid(fake_id).expect("a person of the world");
        let sender = e.store.sender_record(account, &key.open_id).await.unwrap().expect("sender");
        let profile = sender.profile.clone().expect("profile stored with the openID (claim 6)");
        assert_eq!(profile.nickname, truth.nick_name);
        assert_eq!((profile.gender, &profile.city, &profile.signature), (truth.gender, &truth.city, &truth.signature));
        assert_eq!(sender.profile_state, Some(ProfileState::Fetched));
        let person = ProfileStore::person(&e.store, fake_id).await.unwrap().expect("the person item");
        assert_eq!(person.avatar, AvatarState::Stored);
        assert_eq!(e.store.avatar(fake_id).await.unwrap(), e.platform.avatar_of(fake_id), "the console's JPEG");
    }
    assert_eq!(e.store.messages(account, 100).await.unwrap(), before, "the messages are not rewritten");

    // The lookup shows every message with its sender, from the sender's item.
    let api = lookup_api(&e).await;
    let (status, page) = get(&api, &format!("/accounts/{account}/messages"), Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    let page = json(&page);
    let shown = page["messages"].as_array().expect("messages");
    assert_eq!(shown.len(), 6);
    for message in shown {
        let open_id = message["open_id"].as_str().expect("an openID");
        let fake_id = e.platform.fakeid_of(0, open_id).expect("a follower");
        assert_eq!((&message["sender"]["state"], &message["sender"]["fake_id"]), (&"known".into(), &fake_id.into()));
        let nickname = &world.person_by_fakeid(fake_id).unwrap().nick_name;
        assert_eq!(message["sender"]["profile"]["nickname"], nickname.as_str(), "{message}");
    }

    // A redelivery of the batch fetches nothing again.
    let again = e.profiles(&profile_keys(&keys)).await;
    assert_eq!((again.stats.fetched, again.logins), (0, 0), "{again:?}");

    // The third party asks who sent it.
    let open_id = &keys[0].open_id;
    let (status, body) = get(&api, &format!("/accounts/{account}/senders/{open_id}"), Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    let body = json(&body);
    let fake_id = e.platform.fakeid_of(0, open_id).unwrap();
    assert_eq!(body["state"], "resolved");
    assert_eq!(body["fake_id"], fake_id);
    assert_eq!(body["resolution"]["method"], "time");
    assert_eq!(body["profile"]["nickname"], world.person_by_fakeid(fake_id).unwrap().nick_name.as_str());
    let (status, jpeg) = get(&api, &format!("/accounts/{account}/senders/{open_id}/avatar"), Some(API_KEY)).await;
    assert_eq!((status, Some(jpeg)), (StatusCode::OK, e.platform.avatar_of(fake_id)));
    let (status, body) = get(&api, &format!("/people/{fake_id}"), Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["accounts"][0]["open_id"], open_id.as_str());

    // Pages of 4 then 2, newest first, each message with its sender.
    let (status, first) = get(&api, &format!("/accounts/{account}/messages?limit=4"), Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    let first = json(&first);
    let cursor = first["next_cursor"].as_str().expect("a cursor").to_owned();
    let (_, second) = get(&api, &format!("/accounts/{account}/messages?limit=4&cursor={cursor}"), Some(API_KEY)).await;
    let second = json(&second);
    let times: Vec<i64> = first["messages"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["messages"].as_array().unwrap())
        .map(|m| m["create_time"].as_i64().unwrap())
        .collect();
    assert_eq!(times.len(), 6);
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert!(second.get("next_cursor").is_none());

    // No key, a wrong key, a bad cursor, unknown ids.
    let sender_path = format!("/accounts/{account}/senders/{open_id}");
    assert_eq!(get(&api, &sender_path, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get(&api, &sender_path, Some("integration-key-0123456788")).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = get(&api, &format!("/accounts/{account}/messages?cursor=bm9wZQ"), Some(API_KEY)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&body));
    assert_eq!(get(&api, "/accounts/nobody/messages", Some(API_KEY)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&api, "/people/1", Some(API_KEY)).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_fakeid_that_no_longer_follows_is_flagged_and_its_messages_name_the_fakeid() {
    let e = Emulated::start(quiet(22, 30), &[Strategy::Time]).await;
    let fan = e.follower_fakeids(0)[2];
    let keys = written_and_resolved(&e, &[fan], 1).await;
    e.send(Outgoing::new(0, fan, Body::Unsubscribe)).await;

    let run = e.profiles(&profile_keys(&keys)).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    assert_eq!((run.stats.fetched, run.stats.not_following), (0, 1));
    let account = &e.accounts[0].id;
    let sender = e.store.sender_record(account, &keys[0].open_id).await.unwrap().unwrap();
    assert_eq!(sender.profile_state, Some(ProfileState::NotFollowing));
    assert!(sender.profile.is_none(), "nothing stored as data");
    assert!(ProfileStore::person(&e.store, fan).await.unwrap().is_none());
    let api = lookup_api(&e).await;
    let (status, page) = get(&api, &format!("/accounts/{account}/messages"), Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    let page = json(&page);
    let messages = page["messages"].as_array().expect("messages");
    let text = messages.iter().find(|m| m["msg_type"] == "text").expect("the text");
    assert_eq!(text["sender"], serde_json::json!({"state": "identified", "fake_id": fan}), "{page}");
}

#[tokio::test]
async fn a_follower_back_after_an_unfollow_gets_the_profile_fetched_again() {
    let e = Emulated::start(quiet(23, 30), &[Strategy::Time]).await;
    let fan = e.follower_fakeids(0)[1];
    let keys = written_and_resolved(&e, &[fan], 1).await;
    assert_eq!(e.profiles(&profile_keys(&keys)).await.stats.fetched, 1);
    let account = &e.accounts[0].id;

    e.send(Outgoing::new(0, fan, Body::Unsubscribe)).await;
    let first_fetch = e.store.sender_record(account, &keys[0].open_id).await.unwrap().unwrap().profile_fetched_at;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    e.send(Outgoing::new(0, fan, Body::Subscribe { scene: None, ticket: None })).await;
    let sender = e.store.sender_record(account, &keys[0].open_id).await.unwrap().unwrap();
    assert_eq!(sender.profile_state, Some(ProfileState::Wanted), "the follow asks for the profile again");
    let run = e.profiles(&profile_keys(&keys)).await;
    assert_eq!((run.stats.fetched, run.stats.reused), (1, 0), "{run:?}");
    let sender = e.store.sender_record(account, &keys[0].open_id).await.unwrap().unwrap();
    assert!(sender.profile_fetched_at > first_fetch);
    let api = lookup_api(&e).await;
    let (status, page) = get(&api, &format!("/accounts/{account}/messages"), Some(API_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    let page = json(&page);
    let states: Vec<&Value> =
        page["messages"].as_array().expect("messages").iter().map(|m| &m["sender"]["state"]).collect();
    assert!(!states.is_empty() && states.iter().all(|s| *s == "known"), "every message shows the profile: {page}");
}

#[tokio::test]
async fn an_avatar_answered_with_the_login_page_logs_in_again_and_is_stored() {
    let e = Emulated::start(quiet(24, 30), &[Strategy::Time]).await;
    let fan = e.follower_fakeids(0)[4];
    let keys = written_and_resolved(&e, &[fan], 1).await;
    // Every session of the account ends just before the first avatar is asked for.
    let done = AtomicBool::new(false);
    let console = ScriptedConsole::new(e.console(), |call| {
        if call == Call::Avatar && !done.swap(true, Ordering::SeqCst) {
            assert!(e.platform.end_sessions(0) > 0);
        }
        None
    });
    let run = e.profiles_with(&console, &profile_keys(&keys)).await;
    assert!(run.outcomes.iter().all(|o| *o == Outcome::Done), "{run:?}");
    assert_eq!(run.logins, 1, "one login after the session ended: {run:?}");
    let person = ProfileStore::person(&e.store, fan).await.unwrap().expect("stored");
    assert_eq!(person.avatar, AvatarState::Stored);
    assert_eq!(e.store.avatar(fan).await.unwrap(), e.platform.avatar_of(fan), "the JPEG, not the login page");
}

#[tokio::test]
async fn an_older_fetch_never_replaces_a_newer_person_or_its_avatar() {
    let e = Emulated::start(quiet(29, 10), &[Strategy::Time]).await;
    let person = |fetched_at: i64, nickname: &str| whosent::store::Person {
        fake_id: 4_242_424_242,
        profile: whosent::store::Profile { nickname: nickname.to_owned(), ..Default::default() },
        fetched_at,
        fetched_via: "acct-1".to_owned(),
        avatar: AvatarState::Stored,
        avatar_bytes: 4,
    };
    let (newer, older) = ([0xFF, 0xD8, 0xFF, 1], [0xFF, 0xD8, 0xFF, 2]);
    e.store.save_person(&person(2_000, "newer"), Some(&newer)).await.unwrap();
    // A slower invocation that fetched earlier finishes last.
    e.store.save_person(&person(1_000, "older"), Some(&older)).await.unwrap();
    let kept = ProfileStore::person(&e.store, 4_242_424_242).await.unwrap().expect("stored");
    assert_eq!(kept.profile.nickname, "newer");
    assert_eq!(
        e.store.avatar(4_242_424_242).await.unwrap().as_deref(),
        Some(&newer[..]),
        "the avatar goes with its person"
    );
    // A later fetch replaces both.
    e.store.save_person(&person(3_000, "latest"), Some(&older)).await.unwrap();
    assert_eq!(
        ProfileStore::person(&e.store, 4_242_424_242).await.unwrap().expect("stored").profile.nickname,
        "latest"
    );
    assert_eq!(e.store.avatar(4_242_424_242).await.unwrap().as_deref(), Some(&older[..]));
}
