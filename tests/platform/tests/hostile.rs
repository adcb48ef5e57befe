//! Hostile people: their nicknames and signatures reach the console's readers
//! as they are (docs/console.md serves nicknames unescaped), their texts are
//! escaped in the message list like any other and pushed intact, and the
//! truth port names them.

mod common;

use common::{Console, Received, Receiver, twice};
use platform::{Config, Knobs, Mix, Mode, Pace, Person, Platform, Traffic};
use whosent::push::{AesKey, BodyMode, Freshness, Kind, PushKeys, PushQuery, open};

const T0: i64 = 1_408_671_892;

async fn start() -> Platform {
    let mut config = Config::small(31, 2, 40).frozen_at(T0).knobs(Knobs::instant());
    config.world.modes = vec![Mode::Plaintext];
    Platform::start(config).await.unwrap()
}

fn hostile(platform: &Platform) -> Vec<Person> {
    platform.world().people.iter().filter(|p| p.hostile).cloned().collect()
}

/// The text of a plaintext push, opened the way the webhook opens it.
fn pushed_text(platform: &Platform, received: &Received) -> Option<(String, String)> {
    let id = received.target.split('?').next()?.rsplit('/').next()?;
    let account = platform.account(id)?;
    let key = AesKey::from_encoding_aes_key(&account.encoding_aes_key).ok()?;
    let keys = PushKeys {
        token: &account.token,
        appid: &account.appid,
        gh_id: &account.gh_id,
        mode: BodyMode::Plaintext,
        current: &key,
        previous: None,
    };
    let query = PushQuery::from_pairs(received.query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let verified = open(&query, &received.body, &keys, Freshness { now: T0, window_secs: None }).ok()?;
    match verified.push.kind {
        Kind::Text { content } => Some((verified.push.from_user, content)),
        _ => None,
    }
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
async fn hostile_texts_are_pushed_intact_and_escaped_in_the_console() {
    let platform = start().await;
    let receiver = Receiver::start(|_, _| common::Answer::ok("success")).await;
    platform.set_callback_base(&receiver.base);
    let traffic = Traffic {
        count: 120,
        hostile_share: 0.5,
        mix: Mix::texts(),
        pace: Pace::Virtual,
        concurrency: 4,
        ..Traffic::default()
    };
    let report = platform.run(&traffic).await;
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let hostile = hostile(&platform);
    let mut written = Vec::new();
    for got in receiver.received() {
        let (openid, content) = pushed_text(&platform, &got).expect("every push opens");
        let account = platform.account(got.target.split('?').next().unwrap().rsplit('/').next().unwrap()).unwrap();
        let fakeid = platform.fakeid_of(account.index, &openid).unwrap();
        if hostile.iter().any(|p| p.fakeid == fakeid) {
            written.push(content);
        }
    }
    assert!(written.len() >= 30, "about half the texts: {}", written.len());
    assert!(written.iter().any(|t| t.contains("<img src=x")), "{written:?}");
    assert!(written.iter().any(|t| t.contains("]]>")), "CDATA's end survives the XML");
    assert!(written.iter().any(|t| t.chars().count() == 500));
    // The console escapes them as it escapes every content, and unescaping gives them back.
    let mut listed = 0;
    for account in platform.accounts() {
        let console = Console::login(&platform.console_url(), &account.username, &account.password).await;
        platform.clock().advance(std::time::Duration::from_secs(10));
        let list = twice(&console.message_list(100, 7, "", 0).await["msg_items"]);
        for row in list["msg_item"].as_array().unwrap() {
            let content = row["content"].as_str().unwrap();
            let bare = content.replace("<br/>", "");
            assert!(!bare.contains('<') && !bare.contains('"'), "escaped: {content}");
            let fakeid = row["fakeid"].as_str().and_then(|f| f.parse::<u64>().ok());
            if hostile.iter().any(|p| Some(p.fakeid) == fakeid) {
                assert!(written.contains(&unescape(content)), "{content}");
                listed += 1;
            }
        }
    }
    assert!(listed >= 20, "{listed} hostile rows listed");
}

#[tokio::test]
async fn the_console_serves_hostile_nicknames_and_signatures_as_they_are() {
    let platform = start().await;
    let hostile = hostile(&platform);
    assert_eq!(hostile.len(), platform::hostile::count());
    let first = &hostile[0];
    let follows = |account: usize, fakeid: u64| {
        platform.followers(account).iter().any(|f| f.person == platform.world().person_by_fakeid(fakeid).unwrap().index)
    };
    for account in platform.accounts() {
        assert!(follows(account.index, first.fakeid), "the first follows every account");
        let console = Console::login(&platform.console_url(), &account.username, &account.password).await;
        let contacts = twice(&console.contacts(100, 0, None).await["contact_list"]);
        let listed: Vec<&str> =
            contacts["contacts"].as_array().unwrap().iter().map(|c| c["nick_name"].as_str().unwrap()).collect();
        for person in hostile.iter().filter(|p| follows(account.index, p.fakeid)) {
            assert!(listed.contains(&person.nick_name.as_str()), "{}", person.nick_name);
            let id = person.fakeid.to_string();
            let form = [("t", "ajax-getcontactinfo"), ("fakeid", id.as_str()), ("ajax", "1"), ("lang", "zh_CN")];
            let info = console.post("/cgi-bin/getcontactinfo", &form, &[]).await.json().unwrap();
            assert_eq!(info["contact_info"]["nick_name"], person.nick_name.as_str());
            assert_eq!(info["contact_info"]["signature"], person.signature.as_str());
        }
    }
    // The truth port names them.
    let url = format!("{}/truth/people?hostile=1", platform.truth_url());
    let people: serde_json::Value = common::get(&url, &[]).await.json().unwrap();
    let fakeids: Vec<u64> = people.as_array().unwrap().iter().map(|p| p["fakeid"].as_u64().unwrap()).collect();
    assert_eq!(fakeids, hostile.iter().map(|p| p.fakeid).collect::<Vec<_>>());
    assert!(people[0]["nick_name"].as_str().unwrap().contains("onerror"));
}
