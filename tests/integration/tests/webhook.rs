//! The webhook with its real adapters (DynamoDB, Secrets Manager) on a moto server.

use std::time::Duration;

use lambda_http::Response;
use lambda_http::http::StatusCode;
use serde_json::Value;
use whosent::ingest::{Ingest, IngestConfig};
use whosent::push::signature;
use whosent::secrets::SecretsManager;
use whosent::store::{DynamoStore, LookupStore, Profile, ResolveState, ResolverStore, Sender, SenderField, Strategy};
use whosent_integration::{LocalAws, Mode, RequestCounter, TestAccount, api_event, request, unix_now};

struct Setup {
    aws: LocalAws,
    table: String,
    store: DynamoStore,
    counter: RequestCounter,
    account: TestAccount,
}

impl Setup {
    async fn new(mode: Mode, strategy: Strategy) -> Self {
        let aws = LocalAws::connect().await;
        let table = aws.fresh_table("webhook").await;
        let (client, counter) = aws.counted_dynamo();
        let store = DynamoStore::new(client, &table);
        let account = TestAccount::new(&format!("acct-{:x}", rand::random::<u32>()), mode, strategy);
        account.register(&aws, &store).await;
        Setup { aws, table, store, counter, account }
    }

    fn ingest(&self) -> Ingest<&DynamoStore, &DynamoStore, SecretsManager> {
        Ingest::new(&self.store, &self.store, SecretsManager::new(self.aws.secrets()), IngestConfig::default())
    }

    /// Items by kind, across the whole table.
    async fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .aws
            .scan(&self.table)
            .await
            .iter()
            .map(|item| item.get("kind").and_then(|k| k.as_s().ok()).cloned().unwrap_or_default())
            .collect();
        kinds.sort();
        kinds
    }
}

async fn body(response: Response<lambda_http::Body>) -> (StatusCode, String) {
    (response.status(), String::from_utf8(response.body().as_ref().to_vec()).unwrap())
}

#[tokio::test]
async fn an_unknown_account_is_404_and_nothing_is_stored() {
    let setup = Setup::new(Mode::Safe, Strategy::Time).await;
    let ingest = setup.ingest();
    let mut stranger = setup.account.clone();
    stranger.account.id = "nobody".into();
    let event = stranger.push_event(&stranger.text_xml("o1", unix_now(), 1, "hi"), unix_now());
    let (status, reason) = body(webhook::handle(&ingest, request(&event)).await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(reason, "unknown account");
    assert_eq!(setup.kinds().await, vec!["account"]);
}

#[tokio::test]
async fn a_known_sender_costs_one_request_even_in_a_fresh_container() {
    let setup = Setup::new(Mode::Safe, Strategy::Time).await;
    let profile = Profile { nickname: "小明 🐼".into(), gender: 1, city: "武汉".into(), ..Profile::default() };
    setup
        .store
        .put_sender(&Sender {
            account: setup.account.account.id.clone(),
            open_id: "oKnown".into(),
            fake_id: Some(2431798261),
            profile: Some(profile.clone()),
            ..Sender::default()
        })
        .await
        .unwrap();
    let ingest = setup.ingest();
    let now = unix_now();

    // The first push also reads the account into this container's cache.
    for (i, requests) in [(1, 2), (2, 1)] {
        let before = setup.counter.count();
        let push = setup.account.push_event(&setup.account.text_xml("oKnown", now + i, i as u64, "hi"), now);
        assert_eq!(body(webhook::handle(&ingest, request(&push)).await.unwrap()).await.1, "success");
        let used = setup.counter.count() - before;
        assert_eq!(used, requests, "push {i} of a known sender used {used} DynamoDB requests");
    }

    let messages = setup.store.messages(&setup.account.account.id, 10).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m.sender == SenderField::Reference), "{messages:?}");
    assert_eq!(messages[0].features.open_id, "oKnown");
    let senders = LookupStore::senders_named(&setup.store, &setup.account.account.id, &["oKnown"]).await.unwrap();
    assert_eq!(senders[0].snapshot().map(|s| (s.fake_id, s.profile)), Some((2431798261, profile)));
    assert!(!setup.kinds().await.contains(&"resolve_request".to_owned()));
}

#[tokio::test]
async fn an_unknown_sender_writing_three_times_gets_one_resolve_request_on_the_stream() {
    let setup = Setup::new(Mode::Compatible, Strategy::UserList).await;
    let ingest = setup.ingest();
    let now = unix_now();
    for i in 0..3 {
        let xml = setup.account.text_xml("oNew", now + i, 100 + i as u64, &format!("message {i}"));
        let (status, answer) =
            body(webhook::handle(&ingest, request(&setup.account.push_event(&xml, now))).await.unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(answer.contains("<Encrypt>"), "a user-list account answers an unknown sender with the marker");
    }
    let messages = setup.store.messages(&setup.account.account.id, 10).await.unwrap();
    assert_eq!(messages.len(), 3);
    assert!(messages.iter().all(|m| m.sender == SenderField::Pending));

    let request = setup.store.resolve_request(&setup.account.account.id, "oNew").await.unwrap().expect("a request");
    assert_eq!(request.state, ResolveState::Pending);
    assert_eq!(request.message_count, 3);
    assert_eq!(request.first_hint.content.as_deref(), Some("message 0"));
    assert_eq!(request.last_hint.content.as_deref(), Some("message 2"));
    assert!(request.first_hint.marker_planted);

    let events = setup.aws.stream_events(&setup.table).await;
    let inserts: Vec<_> = events.iter().filter(|(name, kind)| name == "INSERT" && kind == "resolve_request").collect();
    assert_eq!(inserts.len(), 1, "exactly one resolve request INSERT: {events:?}");
}

#[tokio::test]
async fn the_same_push_three_times_is_recorded_once_and_answered_alike() {
    let setup = Setup::new(Mode::Safe, Strategy::UserList).await;
    let ingest = setup.ingest();
    let now = unix_now();
    let event = setup.account.push_event(&setup.account.text_xml("oRetry", now, 7, "retry me"), now);
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(body(webhook::handle(&ingest, request(&event)).await.unwrap()).await);
    }
    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK));
    // Encrypted replies differ in nonce and random bytes, but carry the same reply.
    let key = setup.account.key();
    let inner: Vec<String> = answers
        .iter()
        .map(|(_, xml)| {
            let envelope = whosent::push::Envelope::parse(xml).expect("an encrypted reply");
            key.decrypt(&envelope.encrypt, &setup.account.account.appid).unwrap()
        })
        .collect();
    assert!(inner.iter().all(|x| *x == inner[0]), "{inner:?}");
    assert_eq!(setup.store.messages(&setup.account.account.id, 10).await.unwrap().len(), 1);
    let request = setup.store.resolve_request(&setup.account.account.id, "oRetry").await.unwrap().unwrap();
    assert_eq!(request.message_count, 1);
}

#[tokio::test]
async fn two_copies_in_flight_at_once_are_handled_once() {
    let setup = Setup::new(Mode::Plaintext, Strategy::Time).await;
    let ingest = setup.ingest();
    let now = unix_now();
    // Warm the caches so that both copies race on the write itself.
    let warm = setup.account.push_event(&setup.account.text_xml("oWarm", now, 1, "warm"), now);
    webhook::handle(&ingest, request(&warm)).await.unwrap();

    for round in 0..5u64 {
        let event = setup.account.push_event(&setup.account.text_xml("oTwin", now, 1000 + round, "twin"), now);
        let (a, b) = tokio::join!(webhook::handle(&ingest, request(&event)), webhook::handle(&ingest, request(&event)));
        let (a, b) = (body(a.unwrap()).await, body(b.unwrap()).await);
        assert_eq!(a, (StatusCode::OK, "success".to_owned()));
        assert_eq!(a, b);
    }
    let messages = setup.store.messages(&setup.account.account.id, 20).await.unwrap();
    let twins: Vec<_> =
        messages.iter().filter(|m| m.features.open_id == "oTwin").map(|m| m.features.msg_id.clone()).collect();
    assert_eq!(twins.len(), 5, "{twins:?}");
    let request = setup.store.resolve_request(&setup.account.account.id, "oTwin").await.unwrap().unwrap();
    assert_eq!(request.message_count, 5);
}

#[tokio::test]
async fn follow_events_update_the_follower_and_never_delete() {
    let setup = Setup::new(Mode::Safe, Strategy::Time).await;
    let ingest = setup.ingest();
    let now = unix_now();
    let gh = &setup.account.account.gh_id;
    let event = |name: &str, at: i64| {
        format!(
            "<xml><ToUserName><![CDATA[{gh}]]></ToUserName><FromUserName><![CDATA[oFan]]></FromUserName>\
             <CreateTime>{at}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{name}]]></Event>\
             <EventKey><![CDATA[]]></EventKey></xml>"
        )
    };
    for (name, at) in [("subscribe", now), ("unsubscribe", now + 5)] {
        let response = webhook::handle(&ingest, request(&setup.account.push_event(&event(name, at), now))).await;
        assert_eq!(body(response.unwrap()).await, (StatusCode::OK, "success".to_owned()));
    }
    let sender = ResolverStore::sender_record(&setup.store, &setup.account.account.id, "oFan")
        .await
        .unwrap()
        .expect("the follower is kept after the unfollow");
    assert_eq!(sender.follow_state, Some(whosent::store::FollowState::Unfollowed));
    assert_eq!(sender.follow_changed_at, Some(now + 5));
    assert_eq!(setup.store.messages(&setup.account.account.id, 10).await.unwrap().len(), 2);
}

/// A bad request and the status it must get.
struct Bad {
    name: &'static str,
    event: Value,
    status: StatusCode,
}

fn set_query(event: &mut Value, name: &str, value: Option<&str>) {
    let params = event["queryStringParameters"].as_object_mut().unwrap();
    match value {
        Some(v) => params.insert(name.to_owned(), v.into()),
        None => params.remove(name),
    };
    let raw: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!("{k}={}", form_urlencoded::byte_serialize(v.as_str().unwrap().as_bytes()).collect::<String>())
        })
        .collect();
    event["rawQueryString"] = raw.join("&").into();
}

/// A safe-mode event whose `Encrypt` is `encrypt`, correctly signed.
fn signed_safe_event(account: &TestAccount, encrypt: &str, now: i64) -> Value {
    let mut event = account.push_event(&account.text_xml("oBad", now, 1, "x"), now);
    let ts = now.to_string();
    let nonce = event["queryStringParameters"]["nonce"].as_str().unwrap().to_owned();
    set_query(&mut event, "msg_signature", Some(&signature::sign(&[&account.token, &ts, &nonce, encrypt])));
    event["body"] = format!(
        "<xml><ToUserName><![CDATA[{}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>",
        account.account.gh_id
    )
    .into();
    event
}

#[tokio::test]
async fn every_bad_input_gets_its_status_a_reason_and_writes_nothing() {
    let setup = Setup::new(Mode::Safe, Strategy::UserList).await;
    let plain_account =
        TestAccount::new(&format!("plain-{:x}", rand::random::<u32>()), Mode::Plaintext, Strategy::Time);
    plain_account.register(&setup.aws, &setup.store).await;
    let account = &setup.account;
    let now = unix_now();
    let good = account.push_event(&account.text_xml("oBad", now, 1, "hello"), now);
    let good_plain = plain_account.push_event(&plain_account.text_xml("oBad", now, 1, "hello"), now);
    let other_appid = {
        let mut other = account.clone();
        other.account.appid = "wx00000000000000ff".into();
        other.key().encrypt(&account.text_xml("oBad", now, 1, "x"), &other.account.appid)
    };
    let valid = account.key().encrypt(&account.text_xml("oBad", now, 1, "x"), &account.account.appid);
    // Flip bits of the last block: the padding no longer checks out.
    let bad_padding = {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let mut raw = engine.decode(&valid).unwrap();
        let n = raw.len();
        for b in &mut raw[n - 16..] {
            *b ^= 0xA5;
        }
        engine.encode(raw)
    };
    let with = |mut e: Value, f: &dyn Fn(&mut Value)| {
        f(&mut e);
        e
    };
    let cases = vec![
        Bad {
            name: "missing signature",
            event: with(good_plain.clone(), &|e| set_query(e, "signature", None)),
            status: StatusCode::UNAUTHORIZED,
        },
        Bad {
            name: "wrong signature",
            event: with(good_plain.clone(), &|e| set_query(e, "signature", Some("deadbeef"))),
            status: StatusCode::UNAUTHORIZED,
        },
        Bad {
            name: "missing msg_signature",
            event: with(good.clone(), &|e| set_query(e, "msg_signature", None)),
            status: StatusCode::UNAUTHORIZED,
        },
        Bad {
            name: "wrong msg_signature",
            event: with(good.clone(), &|e| set_query(e, "msg_signature", Some(&"1".repeat(40)))),
            status: StatusCode::UNAUTHORIZED,
        },
        Bad {
            name: "signed long ago",
            event: account.push_event(&account.text_xml("oBad", now, 1, "x"), now - 3600),
            status: StatusCode::UNAUTHORIZED,
        },
        Bad {
            name: "malformed XML",
            event: with(good_plain.clone(), &|e| e["body"] = "<xml><ToUserName>gh".into()),
            status: StatusCode::BAD_REQUEST,
        },
        Bad {
            name: "DTD",
            event: with(good_plain.clone(), &|e| {
                e["body"] =
                    "<!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><Content>&e;</Content></xml>".into()
            }),
            status: StatusCode::BAD_REQUEST,
        },
        Bad {
            name: "entity reference",
            event: with(good_plain.clone(), &|e| e["body"] = "<xml><Content>&lol;</Content></xml>".into()),
            status: StatusCode::BAD_REQUEST,
        },
        Bad {
            name: "bad base64",
            event: signed_safe_event(account, "%%%not-base64%%%", now),
            status: StatusCode::BAD_REQUEST,
        },
        Bad {
            name: "bad padding",
            event: signed_safe_event(account, &bad_padding, now),
            status: StatusCode::BAD_REQUEST,
        },
        Bad {
            name: "wrong appid",
            event: signed_safe_event(account, &other_appid, now),
            status: StatusCode::BAD_REQUEST,
        },
        Bad {
            name: "body over 64 KiB",
            event: with(good_plain.clone(), &|e| e["body"] = "x".repeat(64 * 1024 + 1).into()),
            status: StatusCode::PAYLOAD_TOO_LARGE,
        },
        Bad {
            name: "other method",
            event: api_event("DELETE", &format!("/wechat/{}", account.account.id), &[], None),
            status: StatusCode::METHOD_NOT_ALLOWED,
        },
        Bad {
            name: "unknown account",
            event: api_event("POST", "/wechat/no-such-account", &[], Some("<xml/>")),
            status: StatusCode::NOT_FOUND,
        },
    ];
    let ingest = setup.ingest();
    for case in cases {
        let (status, reason) = body(webhook::handle(&ingest, request(&case.event)).await.unwrap()).await;
        assert_eq!(status, case.status, "{}: {reason}", case.name);
        assert!(!reason.is_empty() && reason.len() < 100, "{}: a short reason, got {reason:?}", case.name);
    }
    assert_eq!(setup.kinds().await, vec!["account", "account"], "nothing but the two accounts was written");

    // The good requests still work afterwards.
    assert_eq!(body(webhook::handle(&ingest, request(&good_plain)).await.unwrap()).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// The webhook binary itself, under `cargo lambda watch` (started by `make test`).
#[tokio::test]
async fn the_webhook_answers_under_cargo_lambda_watch() {
    let url = std::env::var("WEBHOOK_URL").expect("WEBHOOK_URL is not set: run the tests through `make test`");
    let table = std::env::var("TABLE_NAME").expect("TABLE_NAME is not set: run the tests through `make test`");
    let aws = LocalAws::connect().await;
    whosent::store::schema::create_table(&aws.dynamo(), &table).await.unwrap();
    let store = DynamoStore::new(aws.dynamo(), &table);
    let account = TestAccount::new(&format!("watch-{:x}", rand::random::<u32>()), Mode::Safe, Strategy::Time);
    account.register(&aws, &store).await;
    let http = reqwest::Client::new();

    let (ts, nonce) = (unix_now().to_string(), "4242".to_owned());
    let check = format!(
        "{url}/wechat/{}?signature={}&timestamp={ts}&nonce={nonce}&echostr=hello-watch",
        account.account.id,
        signature::sign(&[&account.token, &ts, &nonce])
    );
    let response = http.get(&check).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "hello-watch");

    let event = account.push_event(&account.text_xml("oWatch", unix_now(), 5, "via watch"), unix_now());
    let query = event["rawQueryString"].as_str().unwrap();
    let push = format!("{url}/wechat/{}?{query}", account.account.id);
    let response = http.post(&push).body(event["body"].as_str().unwrap().to_owned()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "success");
    let messages = store.messages(&account.account.id, 10).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].features.content.as_deref(), Some("via watch"));

    let response = http.put(&push).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
}
