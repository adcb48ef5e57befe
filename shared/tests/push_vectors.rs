//! The push protocol against every published vector and captured sample in
//! `tests/vectors/` (see its SOURCES.json and the `source` of each vector).

use std::path::PathBuf;

use serde_json::Value;
use whosent::push::{
    self, AesKey, BodyMode, CryptoError, Envelope, Event, Freshness, KeySlot, Kind, Push, PushError, PushKeys,
    PushQuery, Reply, XmlError, signature,
};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn crypto_vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(vectors_dir().join("crypto.json")).expect("crypto.json");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    doc["vectors"].as_array().expect("vectors").clone()
}

fn vector(id: &str) -> Value {
    crypto_vectors().into_iter().find(|v| v["id"] == id).unwrap_or_else(|| panic!("vector {id}"))
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_else(|| panic!("field {field}"))
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(vectors_dir().join("messages").join(name)).expect("sample")
}

const ANY_AGE: Freshness = Freshness { now: 0, window_secs: None };

#[test]
fn every_crypto_vector_kind_is_covered() {
    let kinds: Vec<String> = crypto_vectors().iter().map(|v| s(v, "kind").to_owned()).collect();
    for kind in &kinds {
        assert!(
            ["plain_signature", "sha1_sorted", "decrypt", "encrypt_fixed_random"].contains(&kind.as_str()),
            "a vector of kind {kind} has no test"
        );
    }
}

#[test]
fn plain_signatures_match_and_a_changed_digit_is_rejected() {
    let mut seen = 0;
    for v in crypto_vectors().iter().filter(|v| v["kind"] == "plain_signature") {
        let parts = [s(v, "token"), s(v, "timestamp"), s(v, "nonce")];
        assert_eq!(signature::sign(&parts), s(v, "signature"), "{}", v["id"]);
        assert!(signature::verify(s(v, "signature"), &parts));
        assert!(signature::verify(&s(v, "signature").to_uppercase(), &parts));
        if let Some(negative) = v["negative"]["signature"].as_str() {
            assert!(!signature::verify(negative, &parts), "{}", v["id"]);
        }
        seen += 1;
    }
    assert!(seen >= 2);
}

#[test]
fn sorted_sha1_ignores_the_order_of_its_inputs() {
    let v = vector("silenceper-signature-abc");
    let inputs: Vec<&str> = v["inputs"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    assert_eq!(signature::sign(&inputs), s(&v, "signature"));
    let reversed: Vec<&str> = inputs.iter().rev().copied().collect();
    assert_eq!(signature::sign(&reversed), s(&v, "signature"));
}

#[test]
fn url_check_answers_echostr_only_with_the_right_signature() {
    let v = vector("official-mp-sample-get-signature");
    let mut query = PushQuery {
        signature: Some(s(&v, "signature").into()),
        timestamp: Some(s(&v, "timestamp").into()),
        nonce: Some(s(&v, "nonce").into()),
        echostr: Some(s(&v, "echostr").into()),
        ..PushQuery::default()
    };
    assert_eq!(push::check_url(&query, s(&v, "token"), ANY_AGE), Ok(s(&v, "echostr")));
    assert_eq!(push::check_url(&query, "othertoken", ANY_AGE), Err(PushError::BadSignature));
    query.signature = None;
    assert_eq!(push::check_url(&query, s(&v, "token"), ANY_AGE), Err(PushError::MissingParameter("signature")));
}

#[test]
fn url_check_refuses_an_old_timestamp_when_the_window_is_on() {
    let v = vector("official-mp-sample-get-signature");
    let query = PushQuery {
        signature: Some(s(&v, "signature").into()),
        timestamp: Some(s(&v, "timestamp").into()),
        nonce: Some(s(&v, "nonce").into()),
        echostr: Some(s(&v, "echostr").into()),
        ..PushQuery::default()
    };
    let ts: i64 = s(&v, "timestamp").parse().unwrap();
    let fresh = Freshness { now: ts + 299, window_secs: Some(300) };
    let stale = Freshness { now: ts + 301, window_secs: Some(300) };
    assert!(push::check_url(&query, s(&v, "token"), fresh).is_ok());
    assert_eq!(push::check_url(&query, s(&v, "token"), stale), Err(PushError::Stale));
}

#[test]
fn the_official_sample_decrypts_to_its_expected_fields() {
    let v = vector("official-mp-sample-decrypt");
    let key = AesKey::from_encoding_aes_key(s(&v, "encoding_aes_key")).unwrap();
    let parts = [s(&v, "token"), s(&v, "timestamp"), s(&v, "nonce"), s(&v, "encrypt")];
    assert_eq!(signature::sign(&parts), s(&v, "msg_signature"));
    let xml = key.decrypt(s(&v, "encrypt"), s(&v, "receive_id")).unwrap();
    let push = Push::parse(&xml).unwrap();
    let expected = &v["expected_fields"];
    for (name, value) in expected.as_object().unwrap() {
        assert_eq!(push.elements.get(name), value.as_str(), "element {name}");
    }
    assert_eq!(key.decrypt(s(&v, "encrypt"), "wx0000000000000000"), Err(CryptoError::WrongAppId));
}

#[test]
fn the_fixed_random_vector_encrypts_byte_for_byte_and_round_trips() {
    let v = vector("wxjava-encrypt-1");
    let key = AesKey::from_encoding_aes_key(s(&v, "encoding_aes_key")).unwrap();
    let random: [u8; 16] = s(&v, "random").as_bytes().try_into().unwrap();
    let encrypted = key.encrypt_with_random(s(&v, "plaintext"), s(&v, "receive_id"), &random);
    assert_eq!(encrypted, s(&v, "expected_encrypt"));
    assert_eq!(key.decrypt(&encrypted, s(&v, "receive_id")).unwrap(), s(&v, "plaintext"));
}

#[test]
fn encoding_aes_keys_decode_leniently_but_must_have_43_characters() {
    // The sample key's last character carries non-zero trailing bits.
    let v = vector("official-mp-sample-decrypt");
    assert!(AesKey::from_encoding_aes_key(s(&v, "encoding_aes_key")).is_ok());
    assert_eq!(AesKey::from_encoding_aes_key("abc").unwrap_err(), CryptoError::BadKey);
    assert_eq!(AesKey::from_encoding_aes_key(&"!".repeat(43)).unwrap_err(), CryptoError::BadKey);
}

struct Account {
    token: String,
    appid: String,
    gh_id: String,
    key: AesKey,
}

fn sample_account() -> Account {
    let v = vector("official-mp-sample-decrypt");
    Account {
        token: s(&v, "token").into(),
        appid: s(&v, "receive_id").into(),
        gh_id: "gh_10f6c3c3ac5a".into(),
        key: AesKey::from_encoding_aes_key(s(&v, "encoding_aes_key")).unwrap(),
    }
}

impl Account {
    fn keys<'a>(&'a self, previous: Option<&'a AesKey>) -> PushKeys<'a> {
        PushKeys {
            token: &self.token,
            appid: &self.appid,
            gh_id: &self.gh_id,
            mode: BodyMode::Safe,
            current: &self.key,
            previous,
        }
    }
}

fn sample_encrypted_query() -> PushQuery {
    let v = vector("official-mp-sample-decrypt");
    PushQuery {
        signature: Some("unused-in-encrypted-mode".into()),
        timestamp: Some(s(&v, "timestamp").into()),
        nonce: Some(s(&v, "nonce").into()),
        openid: Some("oyORnuP8q7ou2gfYjqLzSIWZf0rs".into()),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(s(&v, "msg_signature").into()),
        echostr: None,
    }
}

#[test]
fn safe_and_compatible_bodies_open_with_msg_signature() {
    let account = sample_account();
    for (file, mode) in
        [("17_mp_compat_mode_post_body.xml", BodyMode::Compatible), ("18_mp_safe_mode_post_body.xml", BodyMode::Safe)]
    {
        let body = sample(file);
        let verified = push::open(&sample_encrypted_query(), body.as_bytes(), &account.keys(None), ANY_AGE).unwrap();
        assert_eq!(verified.mode, mode, "{file}");
        assert_eq!(verified.key, Some(KeySlot::Current));
        assert_eq!(verified.push.from_user, "oyORnuP8q7ou2gfYjqLzSIWZf0rs");
        assert_eq!(verified.push.create_time, 1409735668);
        assert_eq!(verified.push.msg_id, Some(6054768590064713728));
        assert_eq!(verified.push.kind, Kind::Text { content: "abcdteT".into() });
    }
}

#[test]
fn an_encrypted_push_is_not_accepted_on_its_plain_signature() {
    let account = sample_account();
    let mut query = sample_encrypted_query();
    query.msg_signature = None;
    let body = sample("18_mp_safe_mode_post_body.xml");
    let err = push::open(&query, body.as_bytes(), &account.keys(None), ANY_AGE).unwrap_err();
    assert_eq!(err, PushError::MissingParameter("msg_signature"));
    let mut query = sample_encrypted_query();
    query.msg_signature = Some("5d197aaffba7e9b25a30732f161a50dee96bd5fb".into());
    let err = push::open(&query, body.as_bytes(), &account.keys(None), ANY_AGE).unwrap_err();
    assert_eq!(err, PushError::BadSignature);
}

#[test]
fn the_previous_key_opens_a_push_after_rotation() {
    let old = sample_account();
    let rotated = Account {
        key: AesKey::from_encoding_aes_key("ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut").unwrap(),
        ..sample_account()
    };
    let body = sample("18_mp_safe_mode_post_body.xml");
    let query = sample_encrypted_query();
    let err = push::open(&query, body.as_bytes(), &rotated.keys(None), ANY_AGE).unwrap_err();
    assert!(matches!(err, PushError::Crypto(_)), "{err:?}");
    assert!(err.may_be_stale_credentials());
    let verified = push::open(&query, body.as_bytes(), &rotated.keys(Some(&old.key)), ANY_AGE).unwrap();
    assert_eq!(verified.key, Some(KeySlot::Previous));
}

#[test]
fn a_push_for_another_appid_or_account_is_refused() {
    let account = Account { appid: "wx0000000000000000".into(), ..sample_account() };
    let body = sample("18_mp_safe_mode_post_body.xml");
    let err = push::open(&sample_encrypted_query(), body.as_bytes(), &account.keys(None), ANY_AGE).unwrap_err();
    assert_eq!(err, PushError::Crypto(CryptoError::WrongAppId));

    let account = Account { gh_id: "gh_000000000000".into(), ..sample_account() };
    let err = push::open(&sample_encrypted_query(), body.as_bytes(), &account.keys(None), ANY_AGE).unwrap_err();
    assert_eq!(err, PushError::WrongAccount);
}

/// Re-encrypts a tampered plaintext frame with the sample key so that the
/// signature is right and only the frame is wrong.
fn signed_query_for(encrypt: &str) -> PushQuery {
    let account = sample_account();
    let mut query = sample_encrypted_query();
    let ts = query.timestamp.clone().unwrap();
    let nonce = query.nonce.clone().unwrap();
    query.msg_signature = Some(signature::sign(&[&account.token, &ts, &nonce, encrypt]));
    query
}

fn safe_body(encrypt: &str) -> String {
    format!("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
}

#[test]
fn bad_base64_and_bad_padding_are_refused_after_the_signature_check() {
    let account = sample_account();
    let keys = account.keys(None);
    let bad = "not*base64";
    let err = push::open(&signed_query_for(bad), safe_body(bad).as_bytes(), &keys, ANY_AGE).unwrap_err();
    assert_eq!(err, PushError::Crypto(CryptoError::BadBase64));

    // A valid ciphertext with its last block replaced: the padding byte is garbage.
    let v = vector("official-mp-sample-decrypt");
    let mut raw = base64_decode(s(&v, "encrypt"));
    let n = raw.len();
    raw[n - 16..].copy_from_slice(&[0x55; 16]);
    let tampered = base64_encode(&raw);
    let err = push::open(&signed_query_for(&tampered), safe_body(&tampered).as_bytes(), &keys, ANY_AGE).unwrap_err();
    assert!(matches!(err, PushError::Crypto(CryptoError::BadPadding | CryptoError::BadFrame)), "{err:?}");

    // Not a whole number of 32-byte blocks.
    let short = base64_encode(&raw[..n - 16]);
    let err = push::open(&signed_query_for(&short), safe_body(&short).as_bytes(), &keys, ANY_AGE).unwrap_err();
    assert_eq!(err, PushError::Crypto(CryptoError::BadLength));
}

#[test]
fn padding_bytes_outside_1_to_32_are_rejected() {
    // Frames built by hand and encrypted with the sample key.
    let account = sample_account();
    // 16 random + 4 length + 26 XML + 18 appid = 64 bytes: a full block of pad 32 follows.
    let xml = "<xml><A>01234567</A></xml>";
    assert_eq!(16 + 4 + xml.len() + account.appid.len(), 64);
    let good = frame(xml, &account.appid, 32, 32);
    assert_eq!(account.key.decrypt(&raw_encrypt(&good), &account.appid).as_deref(), Ok(xml));
    let mut inconsistent = frame(xml, &account.appid, 32, 32);
    inconsistent[70] = 7; // one byte of the padding block disagrees
    for (value, len) in [(0u8, 32usize), (33, 32)] {
        let bad = frame(xml, &account.appid, value, len);
        assert_eq!(
            account.key.decrypt(&raw_encrypt(&bad), &account.appid),
            Err(CryptoError::BadPadding),
            "{len} bytes of {value}"
        );
    }
    assert_eq!(account.key.decrypt(&raw_encrypt(&inconsistent), &account.appid), Err(CryptoError::BadPadding));
}

fn frame(xml: &str, appid: &str, pad_value: u8, pad_len: usize) -> Vec<u8> {
    let mut frame = vec![7u8; 16];
    frame.extend_from_slice(&(xml.len() as u32).to_be_bytes());
    frame.extend_from_slice(xml.as_bytes());
    frame.extend_from_slice(appid.as_bytes());
    frame.extend(std::iter::repeat_n(pad_value, pad_len));
    frame
}

fn raw_encrypt(frame: &[u8]) -> String {
    use aes::Aes256;
    use cbc::cipher::block_padding::NoPadding;
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
    let v = vector("official-mp-sample-decrypt");
    let key = base64_lenient(s(&v, "encoding_aes_key"));
    let mut buf = frame.to_vec();
    let n = buf.len();
    let key32: [u8; 32] = key.try_into().unwrap();
    let iv: [u8; 16] = key32[..16].try_into().unwrap();
    cbc::Encryptor::<Aes256>::new(&key32.into(), &iv.into()).encrypt_padded::<NoPadding>(&mut buf, n).unwrap();
    base64_encode(&buf)
}

fn base64_lenient(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(text).unwrap()
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn an_encrypted_reply_round_trips_through_its_envelope() {
    let account = sample_account();
    let body = sample("18_mp_safe_mode_post_body.xml");
    let verified = push::open(&sample_encrypted_query(), body.as_bytes(), &account.keys(None), ANY_AGE).unwrap();
    let reply = Reply::Text { content: "你好 ]]> <b>&".into() }.to_xml(
        &verified.push.from_user,
        &verified.push.to_user,
        1409735670,
    );
    let sealed = push::seal_reply(&verified, &account.keys(None), &reply, 1409735670);
    let envelope = Envelope::parse(&sealed).expect("an envelope");
    assert!(envelope.verify(&account.token));
    assert!(!envelope.verify("othertoken"));
    assert_eq!(envelope.timestamp, 1409735670);
    let inner = account.key.decrypt(&envelope.encrypt, &account.appid).unwrap();
    assert_eq!(inner, reply);
    let parsed = push::Elements::parse(&inner).unwrap();
    assert_eq!(parsed.get("ToUserName"), Some("oyORnuP8q7ou2gfYjqLzSIWZf0rs"));
    assert_eq!(parsed.get("FromUserName"), Some("gh_10f6c3c3ac5a"));
    assert_eq!(parsed.get("MsgType"), Some("text"));
    assert_eq!(parsed.get("Content"), Some("你好 ]]> <b>&"));
}

fn plain(name: &str) -> Push {
    Push::parse(&sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_message_sample_parses_to_its_type() {
    let text = plain("01_text.xml");
    assert_eq!(text.kind, Kind::Text { content: "hhhhhjjjjjjjjj".into() });
    assert_eq!(text.msg_id, Some(6260957665266699303));
    assert_eq!(text.from_user, "os-IKuHd9pJ6xsn4mS7GyL4HxqI4");
    assert_eq!(text.to_user, "gh_21ee2dc92d7d");
    assert_eq!(text.create_time, 1457742803);

    let image = plain("02_image.xml");
    assert!(matches!(&image.kind, Kind::Image { pic_url, media_id }
        if pic_url.starts_with("http://mmbiz.qpic.cn/") && media_id.starts_with("XbQZ2aq1")));
    assert_eq!(image.msg_id, Some(6260957742576110634), "MsgId before MediaId");

    assert_eq!(
        plain("04_voice.xml").kind,
        Kind::Voice { media_id: "media_id".into(), format: "Format".into(), recognition: None }
    );
    assert_eq!(
        plain("05_video.xml").kind,
        Kind::Video { media_id: "media_id".into(), thumb_media_id: "thumb_media_id".into() }
    );
    assert!(matches!(plain("06_shortvideo.xml").kind, Kind::ShortVideo { .. }));
    assert_eq!(
        plain("07_location.xml").kind,
        Kind::Location {
            x: "30.195360".into(),
            y: "109.32305".into(),
            scale: "10".into(),
            label: "湖北省恩施土家族苗族自治州恩施市".into()
        }
    );
    let link = plain("08_link.xml");
    assert!(matches!(&link.kind, Kind::Link { url, .. } if url.contains("&idx=2&sn=") && url.ends_with("#rd")));
}

#[test]
fn every_event_sample_parses_without_a_msg_id() {
    let cases = [
        ("09_event_subscribe.xml", Event::Subscribe { scene: None, ticket: None }),
        ("11_event_unsubscribe.xml", Event::Unsubscribe),
        ("14_event_CLICK.xml", Event::Click { key: "EVENTKEY".into() }),
        ("15_event_VIEW.xml", Event::View { url: "www.qq.com".into(), menu_id: None }),
    ];
    for (file, expected) in cases {
        let push = plain(file);
        assert_eq!(push.event(), Some(&expected), "{file}");
        assert_eq!(push.msg_id, None, "{file}");
    }
    let qr = plain("10_event_subscribe_qrscene.xml");
    assert!(matches!(qr.event(), Some(Event::Subscribe { scene: Some(scene), ticket: Some(_) }) if scene == "1000000"));
    let scan = plain("12_event_SCAN.xml");
    assert!(matches!(scan.event(), Some(Event::Scan { scene, ticket: Some(_) }) if scene == "1000000"));
    let location = plain("13_event_LOCATION.xml");
    assert_eq!(
        location.event(),
        Some(&Event::Location {
            latitude: "30.443105".into(),
            longitude: "116.654735".into(),
            precision: "2703.000000".into()
        })
    );
}

#[test]
fn features_are_the_patents_step_12() {
    let text = plain("01_text.xml").features();
    assert_eq!(text.open_id, "os-IKuHd9pJ6xsn4mS7GyL4HxqI4");
    assert_eq!(text.create_time, 1457742803);
    assert_eq!(text.msg_type, "text");
    assert_eq!(text.msg_id.as_deref(), Some("6260957665266699303"));
    assert_eq!(text.content.as_deref(), Some("hhhhhjjjjjjjjj"));
    let click = plain("14_event_CLICK.xml").features();
    assert_eq!(click.event.as_deref(), Some("CLICK"));
    assert_eq!(click.event_key.as_deref(), Some("EVENTKEY"));
    assert_eq!(click.msg_id, None);
}

#[test]
fn dedupe_keys_follow_push_md() {
    let text = sample("01_text.xml");
    let a = Push::parse(&text).unwrap();
    // Same MsgId from another sender: a different message.
    let other_sender = Push::parse(&text.replace("os-IKuHd9pJ6xsn4mS7GyL4HxqI4", "oOTHERSENDER")).unwrap();
    assert_ne!(a.dedupe_key(), other_sender.dedupe_key());
    // Same MsgId, sender and time, different formatting: the same push.
    let reformatted = Push::parse(&text.replace('\n', "")).unwrap();
    assert_eq!(a.dedupe_key(), reformatted.dedupe_key());

    let click = sample("14_event_CLICK.xml");
    let e1 = Push::parse(&click).unwrap();
    let e2 = Push::parse(&click.replace("EVENTKEY", "OTHERKEY")).unwrap();
    assert_ne!(e1.dedupe_key(), e2.dedupe_key());
    let sub = Push::parse(&sample("09_event_subscribe.xml")).unwrap();
    let unsub = Push::parse(&sample("11_event_unsubscribe.xml").replace("1457752129", "1457752147")).unwrap();
    assert_ne!(sub.dedupe_key(), unsub.dedupe_key(), "the Event is part of the key");
}

#[test]
fn elements_come_in_any_order_and_unknown_ones_are_kept() {
    let xml = "<xml><Content><![CDATA[hi]]></Content><Extra><a>1</a><b/></Extra><MsgId>1</MsgId>\
               <CreateTime>5</CreateTime><MsgType>text</MsgType><FromUserName>o1</FromUserName>\
               <ToUserName>gh_1</ToUserName><Future>x &amp; y&#33;</Future></xml>";
    let push = Push::parse(xml).unwrap();
    assert_eq!(push.kind, Kind::Text { content: "hi".into() });
    assert_eq!(push.elements.get("Extra"), Some("<a>1</a><b/>"));
    assert_eq!(push.elements.get("Future"), Some("x & y!"));
    assert_eq!(push.elements.len(), 8);
}

#[test]
fn doctype_entities_and_broken_documents_are_refused() {
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY a \"aaaa\">]><xml><Content>&a;</Content></xml>";
    assert_eq!(push::Elements::parse(bomb), Err(XmlError::Doctype));
    assert_eq!(
        push::Elements::parse("<xml><Content>&a;</Content></xml>"),
        Err(XmlError::UnknownEntity(r#""&a;""#.into()))
    );
    assert_eq!(push::Elements::parse("<root><A>1</A></root>"), Err(XmlError::Root));
    assert_eq!(push::Elements::parse(""), Err(XmlError::Empty));
    for broken in ["<xml><A>1</B></xml>", "<xml><A>1</A>", "<xml></xml><xml></xml>", "<xml>text</xml>"] {
        assert!(
            matches!(push::Elements::parse(broken), Err(XmlError::Malformed(_))),
            "{broken}: {:?}",
            push::Elements::parse(broken)
        );
    }
}

#[test]
fn a_message_without_its_common_fields_is_refused() {
    let text = sample("01_text.xml");
    for field in ["ToUserName", "FromUserName", "CreateTime", "MsgType"] {
        let start = text.find(&format!("<{field}>")).unwrap();
        let end = text.find(&format!("</{field}>")).unwrap() + field.len() + 3;
        let without = format!("{}{}", &text[..start], &text[end..]);
        assert!(Push::parse(&without).is_err(), "without {field}");
    }
}

#[test]
fn plaintext_pushes_are_checked_against_signature() {
    let token = "test";
    let (ts, nonce) = ("1457742803", "42");
    let body = sample("01_text.xml");
    let key = AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
    let keys = PushKeys {
        token,
        appid: "wx1",
        gh_id: "gh_21ee2dc92d7d",
        mode: BodyMode::Plaintext,
        current: &key,
        previous: None,
    };
    let mut query = PushQuery {
        signature: Some(signature::sign(&[token, ts, nonce])),
        timestamp: Some(ts.into()),
        nonce: Some(nonce.into()),
        ..PushQuery::default()
    };
    let verified = push::open(&query, body.as_bytes(), &keys, ANY_AGE).unwrap();
    assert_eq!(verified.mode, BodyMode::Plaintext);
    assert_eq!(verified.xml(), body);
    let reply = push::seal_reply(&verified, &keys, "<xml/>", 1);
    assert_eq!(reply, "<xml/>", "a plaintext push gets a plaintext reply");
    // `signature` does not cover the body: an account set to safe or
    // compatible mode refuses a plaintext body however well it is signed.
    for mode in [BodyMode::Safe, BodyMode::Compatible] {
        let encrypted_only = PushKeys { mode, ..keys };
        assert_eq!(push::open(&query, body.as_bytes(), &encrypted_only, ANY_AGE).unwrap_err(), PushError::NotEncrypted);
    }
    query.signature = Some(signature::sign(&["other", ts, nonce]));
    assert_eq!(push::open(&query, body.as_bytes(), &keys, ANY_AGE).unwrap_err(), PushError::BadSignature);
    query.timestamp = None;
    assert_eq!(
        push::open(&query, body.as_bytes(), &keys, ANY_AGE).unwrap_err(),
        PushError::MissingParameter("timestamp")
    );
}

#[test]
fn arbitrary_mutations_of_valid_bodies_never_panic() {
    use rand::{Rng, SeedableRng};
    let account = sample_account();
    let keys = account.keys(None);
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(vectors_dir().join("messages"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for round in 0..4000 {
        let mut body = seeds[round % seeds.len()].clone();
        for _ in 0..(1 + rng.next_u32() % 8) {
            if body.is_empty() {
                break;
            }
            let at = rng.next_u32() as usize % body.len();
            match rng.next_u32() % 3 {
                0 => body[at] = rng.next_u32() as u8,
                1 => {
                    body.remove(at);
                }
                _ => body.insert(at, b"<>&;[]!/"[rng.next_u32() as usize % 8]),
            }
        }
        let q = if round % 2 == 0 { sample_encrypted_query() } else { signed_query_for("x") };
        let _ = push::open(&q, &body, &keys, ANY_AGE);
        if let Ok(text) = std::str::from_utf8(&body) {
            let _ = Push::parse(text);
        }
    }
}
