//! Every message and event kind the platform sends, in each body mode,
//! through the webhook and DynamoDB and back from the lookup's messages
//! route: every element of the message XML is answered, in the common
//! fields or in `details`.

use std::time::Duration;

use platform::{Body, Config, Knobs, Outgoing};
use serde_json::Value;
use whosent::lookup::{ListParams, Lookup, LookupConfig};
use whosent::push::Elements;
use whosent::store::Strategy;
use whosent_integration::emulated::Emulated;

/// One body of each kind (an unsubscribe comes before each subscribe), the
/// optional fields present, with text that must come back as sent.
fn every_kind() -> Vec<Body> {
    let s = |text: &str| text.to_owned();
    vec![
        Body::text("<b>bold</b> & \"quoted\""),
        Body::Image { pic_url: s("http://mmbiz.qpic.cn/mmbiz/abc/0"), media_id: s("media-image") },
        Body::Voice { media_id: s("media-voice"), format: s("amr"), recognition: Some(s("<script>x</script>你好")) },
        Body::Voice { media_id: s("media-voice-2"), format: s("speex"), recognition: None },
        Body::Video { media_id: s("media-video"), thumb_media_id: s("thumb-video") },
        Body::ShortVideo { media_id: s("media-short"), thumb_media_id: s("thumb-short") },
        Body::Location {
            x: s("30.195360"), y: s("109.323050"), scale: s("15"), label: s("湖北省恩施市 \u{202e}RTL")
        },
        Body::Link { title: s("t & u"), description: s("d <i>"), url: s("http://mp.weixin.qq.com/s?a=1&b=2#rd") },
        Body::Subscribe { scene: Some(s("1000")), ticket: Some(s("ticket-1")) },
        Body::Subscribe { scene: None, ticket: None },
        Body::Scan { scene: s("2000"), ticket: Some(s("ticket-2")) },
        Body::LocationEvent { latitude: s("23.100000"), longitude: s("113.300000"), precision: s("65.000000") },
        Body::Click { key: s("MENU_KEY") },
        Body::View { url: s("http://example.com/menu?a=1&b=2"), menu_id: Some(s("123456789")) },
    ]
}

/// `Location_X` → `location_x`, `ThumbMediaId` → `thumb_media_id`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Where the listing answers element `name`; `ToUserName` is the account's.
fn answered(message: &Value, name: &str) -> Option<String> {
    let field = |f: &str| match &message[f] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match name {
        "FromUserName" => field("open_id"),
        "CreateTime" => field("create_time"),
        "MsgType" => field("msg_type"),
        "MsgId" => field("msg_id"),
        "Event" => field("event"),
        "Content" if message["msg_type"] == "text" => field("content"),
        _ => message["details"][snake(name)].as_str().map(str::to_owned),
    }
}

#[tokio::test]
async fn every_kind_comes_back_from_the_messages_route_with_every_field() {
    // Three accounts: the world gives them plaintext, compatible and safe mode.
    let e = Emulated::start(Config::small(43, 3, 20).knobs(Knobs::instant()), &[Strategy::Time]).await;
    let mut sent = Vec::new();
    for account in 0..e.accounts.len() {
        let fans = e.follower_fakeids(account);
        for (i, body) in every_kind().into_iter().enumerate() {
            let fan = fans[i % fans.len()];
            // Only a follower who left can follow again.
            let bodies = match body {
                Body::Subscribe { .. } => vec![Body::Unsubscribe, body],
                _ => vec![body],
            };
            for body in bodies {
                sent.push((account, e.send(Outgoing::new(account, fan, body)).await.xml));
            }
        }
    }
    let config = LookupConfig { api_keys_secret: "unused".into(), cache_ttl: Duration::from_secs(60) };
    let lookup = Lookup::new(e.store.clone(), e.secrets.clone(), config);
    let params = ListParams { limit: Some("100"), ..ListParams::default() };
    let mut checked = 0;
    for (index, account) in e.accounts.iter().enumerate() {
        let answer = serde_json::to_value(lookup.messages(&account.id, &params).await.expect("a page")).unwrap();
        let messages = answer["messages"].as_array().expect("messages");
        let pushes: Vec<_> = sent.iter().filter(|(a, _)| *a == index).map(|(_, xml)| xml).collect();
        assert_eq!(messages.len(), pushes.len(), "{}", account.id);
        for xml in pushes {
            let elements = Elements::parse(xml).expect("the platform's XML");
            let answers_every_element = |message: &&Value| {
                elements
                    .iter()
                    .filter(|(name, _)| *name != "ToUserName")
                    .all(|(name, value)| answered(message, name).as_deref() == Some(value.trim()))
            };
            assert!(messages.iter().any(|m| answers_every_element(&m)), "{} lost a field of {xml}", account.id);
            checked += elements.len();
        }
    }
    assert!(checked >= 3 * 16 * 6, "{checked} elements checked");
}
