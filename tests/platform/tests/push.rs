//! The push side against docs/push.md: every body mode opens with the product's
//! own `whosent::push::open`, the three-try rule, answers, replies, the URL
//! check, determinism, traffic, and a round trip through the console.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{Answer, Console, Received, Receiver, twice};
use platform::{Body, Config, Delivery, Knobs, Mix, Mode, Outgoing, Pace, Platform, Traffic};
use whosent::push::{
    AesKey, BodyMode, Elements, Envelope, Freshness, Kind, PushKeys, PushQuery, Reply, Verified, open,
};

const T0: i64 = 1_408_671_892;

async fn start(seed: u64, followers: usize, knobs: Knobs) -> Platform {
    Platform::start(Config::small(seed, 3, followers).frozen_at(T0).knobs(knobs)).await.unwrap()
}

fn fakeid(platform: &Platform, account: usize, nth: usize) -> u64 {
    platform.world().people[platform.followers(account)[nth].person].fakeid
}

/// Opens a received push the way the webhook does, with the account's keys.
fn open_push(platform: &Platform, received: &Received) -> Verified {
    let id = received.target.split('?').next().unwrap().rsplit('/').next().unwrap();
    let account = platform.account(id).expect("callback path names the account");
    let key = AesKey::from_encoding_aes_key(&account.encoding_aes_key).unwrap();
    let mode = match account.mode {
        Mode::Plaintext => BodyMode::Plaintext,
        Mode::Compatible => BodyMode::Compatible,
        Mode::Safe => BodyMode::Safe,
    };
    let keys = PushKeys {
        token: &account.token,
        appid: &account.appid,
        gh_id: &account.gh_id,
        mode,
        current: &key,
        previous: None,
    };
    let query = PushQuery::from_pairs(received.query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let verified = open(&query, &received.body, &keys, Freshness { now: T0, window_secs: None });
    verified.unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&received.body)))
}

fn every_kind() -> Vec<Body> {
    vec![
        Body::text("你好 & <hi>]]>"),
        Body::Image { pic_url: "http://mmbiz.qpic.cn/mmbiz/x/0".into(), media_id: "media".into() },
        Body::Voice { media_id: "v".into(), format: "amr".into(), recognition: Some("你好".into()) },
        Body::Video { media_id: "v".into(), thumb_media_id: "t".into() },
        Body::ShortVideo { media_id: "v".into(), thumb_media_id: "t".into() },
        Body::Location {
            x: "30.195360".into(),
            y: "109.32305".into(),
            scale: "10".into(),
            label: "湖北省恩施市".into(),
        },
        Body::Link { title: "标题".into(), description: "d".into(), url: "http://a/?b=1&c=2".into() },
        Body::Scan { scene: "1000000".into(), ticket: Some("gQH".into()) },
        Body::LocationEvent {
            latitude: "30.443105".into(),
            longitude: "116.654735".into(),
            precision: "2703.000000".into(),
        },
        Body::Click { key: "EVENTKEY".into() },
        Body::View { url: "www.qq.com".into(), menu_id: Some("208396938".into()) },
        Body::Unsubscribe,
        Body::Subscribe { scene: Some("1000000".into()), ticket: Some("gQH".into()) },
    ]
}

#[tokio::test]
async fn every_body_mode_and_kind_opens_with_the_webhook_code() {
    let platform = start(21, 30, Knobs::instant()).await;
    let receiver = Receiver::start(|_, _| Answer::ok("success")).await;
    platform.set_callback_base(&receiver.base);
    let modes = [BodyMode::Safe, BodyMode::Compatible, BodyMode::Plaintext];
    assert_eq!(
        platform.accounts().iter().map(|a| a.mode).collect::<Vec<_>>(),
        [Mode::Safe, Mode::Compatible, Mode::Plaintext]
    );
    let mut sent = Vec::new();
    for account in 0..3 {
        let sender = fakeid(&platform, account, 0);
        for body in every_kind() {
            let outcome = platform.send(Outgoing::new(account, sender, body.clone())).await.unwrap();
            assert_eq!(outcome.delivery, Delivery::Acknowledged);
            assert_eq!(outcome.tries.len(), 1);
            sent.push((account, sender, body, outcome));
        }
    }
    let received = receiver.received();
    assert_eq!(received.len(), sent.len());
    for (got, (account, sender, body, outcome)) in received.iter().zip(&sent) {
        let account = &platform.accounts()[*account];
        assert_eq!(got.method, "POST");
        for name in ["signature", "timestamp", "nonce", "openid"] {
            assert!(got.param(name).is_some(), "{name} always in the query");
        }
        let encrypted = account.mode != Mode::Plaintext;
        assert_eq!(got.param("encrypt_type") == Some("aes"), encrypted);
        assert_eq!(got.param("msg_signature").is_some(), encrypted);
        // `signature` is the plain one in every mode.
        let (ts, nonce) = (got.param("timestamp").unwrap(), got.param("nonce").unwrap());
        assert_eq!(got.param("signature").unwrap(), whosent::push::signature::sign(&[&account.token, ts, nonce]));
        let verified = open_push(&platform, got);
        assert_eq!(verified.mode, modes[account.index]);
        let push = &verified.push;
        assert_eq!(push.to_user, account.gh_id);
        assert_eq!(got.param("openid"), Some(push.from_user.as_str()));
        assert_eq!(platform.fakeid_of(account.index, &push.from_user), Some(*sender), "truth maps the openID back");
        assert_eq!(push.create_time, outcome.create_time);
        assert_eq!(push.msg_type, body.msg_type());
        assert_eq!(push.msg_id.is_some(), !body.is_event(), "events carry no MsgId");
        assert_eq!(push.msg_id, outcome.msg_id);
        match (body, &push.kind) {
            (Body::Text { content }, Kind::Text { content: got }) => assert_eq!(got, content),
            (Body::Location { label, x, .. }, Kind::Location { label: l, x: gx, .. }) => {
                assert_eq!((l, gx), (label, x))
            }
            (Body::Link { url, .. }, Kind::Link { url: u, .. }) => assert_eq!(u, url),
            (Body::Voice { recognition, .. }, Kind::Voice { recognition: r, .. }) => assert_eq!(r, recognition),
            (Body::Subscribe { scene, .. }, Kind::Event(whosent::push::Event::Subscribe { scene: s, .. })) => {
                assert_eq!(s, scene)
            }
            (Body::View { url, .. }, Kind::Event(whosent::push::Event::View { url: u, .. })) => assert_eq!(u, url),
            (Body::Click { key }, Kind::Event(whosent::push::Event::Click { key: k })) => assert_eq!(k, key),
            (Body::Unsubscribe, Kind::Event(whosent::push::Event::Unsubscribe)) => {}
            (Body::Image { .. }, Kind::Image { .. })
            | (Body::Video { .. }, Kind::Video { .. })
            | (Body::ShortVideo { .. }, Kind::ShortVideo { .. })
            | (Body::Scan { .. }, Kind::Event(whosent::push::Event::Scan { .. }))
            | (Body::LocationEvent { .. }, Kind::Event(whosent::push::Event::Location { .. })) => {}
            (body, kind) => panic!("{body:?} arrived as {kind:?}"),
        }
        // Safe mode: only ToUserName and Encrypt; compatible: both side by side.
        let outer = Elements::parse(std::str::from_utf8(&got.body).unwrap()).unwrap();
        let names: Vec<&str> = outer.iter().map(|(n, _)| n).collect();
        match account.mode {
            Mode::Safe => assert_eq!(names, ["ToUserName", "Encrypt"]),
            Mode::Compatible => assert!(names.contains(&"FromUserName") && names.contains(&"Encrypt")),
            Mode::Plaintext => assert!(!names.contains(&"Encrypt")),
        }
    }
}

#[tokio::test]
async fn three_tries_against_a_slow_receiver_then_gives_up() {
    let knobs = Knobs { push_timeout_ms: 300, ..Knobs::instant() };
    let platform = start(22, 10, knobs).await;
    let receiver = Receiver::start(|_, _| Answer::ok("success").after(Duration::from_secs(2))).await;
    platform.set_callback(0, Some(format!("{}/wechat/acct-1", receiver.base)));
    let started = Instant::now();
    let outcome = platform.send(Outgoing::new(0, fakeid(&platform, 0, 0), Body::text("慢"))).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(outcome.delivery, Delivery::Unanswered);
    assert_eq!(outcome.tries.len(), 3);
    assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_millis(1900), "{elapsed:?}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 3, "three tries in all");
    assert!(received.iter().all(|r| r.body == received[0].body), "the same push each time");
    let counters = platform.counters();
    assert_eq!((counters.pushes_sent, counters.push_tries), (1, 3));
    assert_eq!((counters.pushes_unanswered, counters.pushes_unacknowledged), (1, 1));
}

#[tokio::test]
async fn a_third_try_in_time_is_acknowledged() {
    let knobs = Knobs { push_timeout_ms: 300, ..Knobs::instant() };
    let platform = start(23, 10, knobs).await;
    let receiver =
        Receiver::start(
            |n, _| if n < 2 { Answer::ok("success").after(Duration::from_secs(1)) } else { Answer::ok("") },
        )
        .await;
    platform.set_callback_base(&receiver.base);
    let outcome = platform.send(Outgoing::new(1, fakeid(&platform, 1, 0), Body::text("x"))).await.unwrap();
    assert_eq!(outcome.delivery, Delivery::Acknowledged, "an empty body acknowledges");
    assert_eq!(outcome.tries.len(), 3);
    let received = receiver.received();
    let nonces: Vec<_> = received.iter().map(|r| r.param("nonce").unwrap().to_owned()).collect();
    assert!(nonces[0] != nonces[1] && nonces[1] != nonces[2], "each try is signed afresh");
    for got in &received {
        open_push(&platform, got);
    }
    // The push timing is 5 seconds unless a test shortens it.
    assert_eq!(Knobs::default().push_timeout_ms, 5_000);
    assert_eq!(Knobs::default().push_tries, 3);
}

#[tokio::test]
async fn anything_but_success_empty_or_a_reply_is_service_unavailable() {
    let platform = start(24, 10, Knobs::instant()).await;
    let answers: [&'static str; 4] = ["{\"ok\":true}", "<xml><broken>", "<html>error</html>", "SUCCESS!"];
    for (i, body) in answers.into_iter().enumerate() {
        let receiver = Receiver::start(move |_, _| Answer::ok(body)).await;
        platform.set_callback_base(&receiver.base);
        let outcome = platform.send(Outgoing::new(2, fakeid(&platform, 2, i), Body::text("x"))).await.unwrap();
        assert!(matches!(outcome.delivery, Delivery::Unavailable { .. }), "{body}: {:?}", outcome.delivery);
        assert_eq!(outcome.tries.len(), 1, "an answer is not retried");
    }
    let receiver = Receiver::start(|_, _| Answer { status: 500, body: "success".into(), delay: Duration::ZERO }).await;
    platform.set_callback_base(&receiver.base);
    let outcome = platform.send(Outgoing::new(2, fakeid(&platform, 2, 5), Body::text("x"))).await.unwrap();
    assert!(matches!(outcome.delivery, Delivery::Unavailable { .. }));
    let counters = platform.counters();
    assert_eq!(counters.pushes_unavailable, 5);
    assert_eq!(counters.pushes_unacknowledged, 5);
    // Nobody listening: three tries, unanswered.
    platform.set_callback(2, Some("http://127.0.0.1:1/wechat/acct-3".into()));
    let outcome = platform.send(Outgoing::new(2, fakeid(&platform, 2, 6), Body::text("x"))).await.unwrap();
    assert_eq!((outcome.delivery, outcome.tries.len()), (Delivery::Unanswered, 3));
    // No callback: nothing sent, but the console has the message.
    platform.set_callback(2, None);
    let outcome = platform.send(Outgoing::new(2, fakeid(&platform, 2, 7), Body::text("x"))).await.unwrap();
    assert_eq!(outcome.delivery, Delivery::NoCallback);
    assert!(platform.console_records(2).iter().any(|r| Some(r.id) == outcome.console_id));
}

/// A receiver that answers each push with a passive text reply, sealed the
/// way the webhook seals it.
async fn replying_receiver(platform: &Platform, encrypt: bool, token_override: Option<&str>) -> Receiver {
    let accounts = platform.accounts().to_vec();
    let token_override = token_override.map(str::to_owned);
    Receiver::start(move |_, got| {
        let id = got.target.split('?').next().unwrap().rsplit('/').next().unwrap();
        let account = accounts.iter().find(|a| a.id == id).unwrap();
        let openid = got.param("openid").unwrap();
        let xml = Reply::Text { content: format!("收到 & 谢谢 {}", &openid[..6]) }.to_xml(openid, &account.gh_id, T0);
        if !encrypt {
            return Answer::ok(xml);
        }
        let key = AesKey::from_encoding_aes_key(&account.encoding_aes_key).unwrap();
        let token = token_override.as_deref().unwrap_or(&account.token);
        Answer::ok(Envelope::seal(&key, token, &account.appid, &xml, T0, "1320562132").to_xml())
    })
    .await
}

#[tokio::test]
async fn passive_replies_land_in_the_dialog_as_the_accounts_messages() {
    let platform = start(25, 20, Knobs::instant()).await;
    // Safe mode: an encrypted reply.
    let receiver = replying_receiver(&platform, true, None).await;
    platform.set_callback_base(&receiver.base);
    let follower = fakeid(&platform, 0, 2);
    let outcome = platform.send(Outgoing::new(0, follower, Body::text("hi"))).await.unwrap();
    let openid = platform.openid_of(0, follower).unwrap();
    let expected = format!("收到 & 谢谢 {}", &openid[..6]);
    match &outcome.delivery {
        Delivery::Replied { msg_type, content, .. } => {
            assert_eq!(msg_type, "text");
            assert_eq!(content.as_deref(), Some(expected.as_str()));
        }
        other => panic!("{other:?}"),
    }
    let account = platform.accounts()[0].clone();
    let console = Console::login(&platform.console_url(), &account.username, &account.password).await;
    let page = console.dialog(follower, account.uin, 0).await;
    let items = page["page_info"]["msg_items"]["msg_item"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["source"], "biz");
    assert_eq!(items[0]["fakeid"], account.uin.to_string());
    assert_eq!(items[0]["to_uin"], follower);
    assert_eq!(items[0]["content"], expected.replace('&', "&amp;").replace(' ', "&nbsp;"));
    assert_eq!(items[1]["content"], "hi");
    let list = twice(&console.message_list(10, 7, "", 0).await["msg_items"]);
    assert_eq!(list["msg_item"].as_array().unwrap().len(), 1, "replies are not in the message list");
    assert_eq!(list["msg_item"][0]["has_reply"], 1);

    // Safe mode with a plain reply, or a reply signed with the wrong token: unavailable.
    let plain = replying_receiver(&platform, false, None).await;
    platform.set_callback_base(&plain.base);
    let outcome = platform.send(Outgoing::new(0, follower, Body::text("x"))).await.unwrap();
    assert!(matches!(outcome.delivery, Delivery::Unavailable { .. }), "{:?}", outcome.delivery);
    let forged = replying_receiver(&platform, true, Some("not-the-token")).await;
    platform.set_callback_base(&forged.base);
    let outcome = platform.send(Outgoing::new(0, follower, Body::text("x"))).await.unwrap();
    assert!(matches!(outcome.delivery, Delivery::Unavailable { .. }), "{:?}", outcome.delivery);
    // Plaintext and compatible mode accept a plain reply.
    platform.set_callback_base(&plain.base);
    for account in [1, 2] {
        let outcome =
            platform.send(Outgoing::new(account, fakeid(&platform, account, 0), Body::text("x"))).await.unwrap();
        assert!(matches!(outcome.delivery, Delivery::Replied { .. }), "{:?}", outcome.delivery);
    }
    let counters = platform.counters();
    assert_eq!(counters.pushes_replied, 3);
    assert_eq!(counters.pushes_unavailable, 2);
}

#[tokio::test]
async fn url_check_sends_a_signed_echostr() {
    let platform = start(26, 5, Knobs::instant()).await;
    let accounts = platform.accounts().to_vec();
    let receiver = Receiver::start(move |_, got| {
        let token = &accounts[0].token;
        let ok = got.param("signature")
            == Some(&whosent::push::signature::sign(&[
                token,
                got.param("timestamp").unwrap(),
                got.param("nonce").unwrap(),
            ]));
        Answer::ok(if ok { got.param("echostr").unwrap().to_owned() } else { "bad".into() })
    })
    .await;
    platform.set_callback_base(&receiver.base);
    assert!(platform.check_url(0).await.unwrap().passed);
    assert!(!platform.check_url(1).await.unwrap().passed, "signed with another account's token");
    assert_eq!(receiver.received()[0].method, "GET");
}

/// Runs a fixed scenario and returns every byte the receiver saw, plus some console answers.
async fn transcript(seed: u64) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let platform = start(seed, 60, Knobs::default()).await;
    let receiver = Receiver::start(|_, _| Answer::ok("success")).await;
    let traffic = Traffic { count: 60, pace: Pace::Virtual, concurrency: 1, ..Traffic::default() };
    let plan = platform.plan(&traffic);
    // The receiver's port differs between runs; the request targets (path and query) do not.
    platform.set_callback_base(&receiver.base);
    let report = platform.run_plan(plan, Pace::Virtual, 1).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let pushes = receiver.received().into_iter().map(|r| (r.target, r.body)).collect();
    let account = &platform.accounts()[0];
    let base = platform.console_url();
    let login = common::login(&base, &account.username, &common::md5_hex(&account.password), "", &[]).await;
    let console = Console::from_login(&base, &login);
    let mut pages = vec![login.text(), console.cookie_header()];
    platform.clock().advance(Duration::from_secs(10));
    for page in [
        "/cgi-bin/contactmanage?t=user/index&pagesize=100&pageidx=0&type=0&lang=zh_CN&f=json",
        "/cgi-bin/message?t=message/list&f=json&lang=zh_CN&count=100&day=7",
        "/cgi-bin/home?t=home/index&lang=zh_CN",
    ] {
        pages.push(console.get(page).await.text());
    }
    let fakeid = fakeid(&platform, 0, 0);
    pages.push(format!("{:?}", console.get(&format!("/misc/getheadimg?fakeid={fakeid}")).await.body));
    (pushes, pages)
}

#[tokio::test]
async fn same_seed_same_bytes() {
    let (pushes_a, pages_a) = transcript(42).await;
    let (pushes_b, pages_b) = transcript(42).await;
    assert_eq!(pushes_a.len(), 60);
    assert_eq!(pushes_a, pushes_b, "same pushes, byte for byte");
    assert_eq!(pages_a, pages_b, "same console answers");
    let (pushes_c, _) = transcript(43).await;
    assert_ne!(pushes_a, pushes_c);
}

fn unescape(s: &str) -> String {
    s.replace("<br/>", "\n")
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn round_trip_pushed_messages_match_the_console() {
    let platform = start(27, 200, Knobs::instant()).await;
    let receiver = Receiver::start(|_, _| Answer::ok("success")).await;
    platform.set_callback_base(&receiver.base);
    let traffic = Traffic {
        count: 300,
        same_second_share: 0.2,
        repeat_share: 0.1,
        pace: Pace::Virtual,
        concurrency: 8,
        ..Traffic::default()
    };
    let report = platform.run(&traffic).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(report.acknowledged, 300);
    // What the webhook would have stored: every push, opened.
    let opened: Vec<(usize, whosent::push::Push)> = receiver
        .received()
        .iter()
        .map(|r| {
            let v = open_push(&platform, r);
            let account = platform.account(&v.push.to_user).unwrap().index;
            (account, v.push)
        })
        .collect();
    assert_eq!(opened.len(), 300);
    for account in platform.accounts() {
        let console = Console::login(&platform.console_url(), &account.username, &account.password).await;
        let mut rows = Vec::new();
        let mut from = String::new();
        loop {
            let page = twice(&console.message_list(100, 7, &from, 0).await["msg_items"]);
            let page = page["msg_item"].as_array().unwrap().clone();
            let Some(last) = page.last() else { break };
            from = last["id"].to_string();
            rows.extend(page);
        }
        let pushes: Vec<&whosent::push::Push> =
            opened.iter().filter(|(a, p)| *a == account.index && p.msg_id.is_some()).map(|(_, p)| p).collect();
        assert_eq!(rows.len(), pushes.len(), "one row per message push, none for events");
        let mut unmatched: HashMap<u64, usize> = HashMap::new();
        for push in &pushes {
            let fakeid = platform.fakeid_of(account.index, &push.from_user).unwrap();
            let want_type = match push.msg_type.as_str() {
                "image" => 2,
                "voice" => 3,
                "video" => 4,
                _ => 1,
            };
            let fakeid_string = fakeid.to_string();
            let found = rows.iter().filter(|row| {
                row["fakeid"] == fakeid_string
                    && row["date_time"] == push.create_time
                    && row["type"] == want_type
                    && match &push.kind {
                        Kind::Text { content } => unescape(row["content"].as_str().unwrap()) == *content,
                        _ => true,
                    }
            });
            *unmatched.entry(fakeid).or_default() += usize::from(found.count() == 0);
        }
        assert!(unmatched.values().all(|&n| n == 0), "every push has its row: {unmatched:?}");
    }
}

#[tokio::test]
async fn traffic_plans_are_seeded_and_shaped_as_asked() {
    let platform = start(28, 1000, Knobs::instant()).await;
    let traffic = Traffic { count: 6000, rate: 20.0, same_second_share: 0.1, repeat_share: 0.05, ..Traffic::default() };
    let plan = platform.plan(&traffic);
    assert_eq!(plan, platform.plan(&traffic), "same seed, same plan");
    assert_ne!(plan, platform.plan(&Traffic { seed: Some(99), ..traffic.clone() }));
    assert_eq!(plan.len(), 6000);
    assert!(plan.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    let seconds = plan.last().unwrap().at_ms as f64 / 1000.0;
    let rate = 6000.0 / seconds;
    assert!(rate > 18.0 && rate < 26.0, "about 20 a second plus the extra ones: {rate}");
    // Every kind of message and event.
    let kinds: std::collections::HashSet<String> = plan
        .iter()
        .map(|p| match &p.outgoing.body {
            Body::Subscribe { .. } => "subscribe".to_owned(),
            Body::Unsubscribe => "unsubscribe".to_owned(),
            Body::Scan { .. } => "SCAN".to_owned(),
            Body::LocationEvent { .. } => "LOCATION".to_owned(),
            Body::Click { .. } => "CLICK".to_owned(),
            Body::View { .. } => "VIEW".to_owned(),
            other => other.msg_type().to_owned(),
        })
        .collect();
    assert_eq!(kinds.len(), 13, "{kinds:?}");
    // Zipf: the busiest sender of an account writes far more than the median one.
    let mut per_sender: HashMap<(usize, u64), usize> = HashMap::new();
    for p in &plan {
        *per_sender.entry((p.outgoing.account, p.outgoing.fakeid)).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_sender.iter().filter(|((a, _), _)| *a == 0).map(|(_, n)| *n).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    assert!(counts[0] >= 10 * counts[counts.len() / 2], "{:?}", &counts[..5]);
    // Different followers of one account in the same second.
    let mut by_second: HashMap<(usize, i64), std::collections::HashSet<u64>> = HashMap::new();
    for p in plan.iter().filter(|p| !p.outgoing.body.is_event()) {
        by_second.entry((p.outgoing.account, p.at_ms / 1000)).or_default().insert(p.outgoing.fakeid);
    }
    let shared = by_second.values().filter(|s| s.len() >= 2).count();
    assert!(shared >= 300, "{shared} seconds with two or more senders");
    // The same follower repeating a text.
    let texts: Vec<(&Outgoing, i64)> =
        plan.iter().map(|p| (&p.outgoing, p.at_ms)).filter(|(o, _)| matches!(o.body, Body::Text { .. })).collect();
    let mut repeated = 0;
    for (i, (a, at)) in texts.iter().enumerate() {
        if texts[i + 1..]
            .iter()
            .take_while(|(_, t)| *t <= at + 3000)
            .any(|(b, _)| b.fakeid == a.fakeid && b.body == a.body)
        {
            repeated += 1;
        }
    }
    assert!(repeated >= 100, "{repeated} repeated texts");
    // Only followers write: playing it through is never refused.
    let report = platform.run_plan(plan, Pace::Virtual, 16).await;
    assert!(report.refused.is_empty(), "{:?}", &report.refused[..report.refused.len().min(3)]);
    assert_eq!(report.no_callback, 6000);
}

#[tokio::test]
async fn truth_port_serves_the_mapping() {
    let platform = start(29, 30, Knobs::instant()).await;
    let rows: Vec<platform::TruthRow> =
        serde_json::from_slice(&common::get(&format!("{}/truth/followers", platform.truth_url()), &[]).await.body)
            .unwrap();
    assert_eq!(rows.len(), platform.truth().len());
    for row in &rows {
        assert_eq!(platform.fakeid_of(row.account, &row.openid), Some(row.fakeid));
        assert_eq!(platform.openid_of(row.account, row.fakeid).as_deref(), Some(row.openid.as_str()));
    }
    // A push through the control API.
    let outgoing = Outgoing::new(1, rows.iter().find(|r| r.account == 1).unwrap().fakeid, Body::text("via HTTP"));
    let body = serde_json::to_vec(&outgoing).unwrap();
    let answer =
        platform::http::request("POST", &format!("{}/truth/push", platform.truth_url()), &[], body, common::TIMEOUT)
            .await
            .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json().unwrap()["delivery"]["kind"], "no_callback");
    // The traffic mix can be narrowed to texts.
    let plan = platform.plan(&Traffic { count: 50, mix: Mix::texts(), ..Traffic::default() });
    assert!(plan.iter().all(|p| matches!(p.outgoing.body, Body::Text { .. })));
}
