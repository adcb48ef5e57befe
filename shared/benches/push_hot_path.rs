//! The webhook's hot path on one core: verify `msg_signature`, decrypt, parse
//! and extract the features of a 1 KB safe-mode text push. Its steps are
//! measured alone in the same run, so their shares of the whole can be read
//! side by side.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use whosent::push::{self, AesKey, BodyMode, Freshness, Push, PushKeys, PushQuery, signature, xml};

const TOKEN: &str = "spamtest";
const APPID: &str = "wx2c2769f8efd9abc2";
const GH_ID: &str = "gh_10f6c3c3ac5a";
const ENCODING_AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// A text push whose XML is about 1 KB, mixing Chinese and Latin text.
fn one_kb_text() -> String {
    let content = "你好，whosent! ".repeat(44);
    let xml = format!(
        "<xml><ToUserName><![CDATA[{GH_ID}]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\
         <CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>\
         <MsgId>6054768590064713728</MsgId></xml>"
    );
    assert!((950..1100).contains(&xml.len()), "{} bytes", xml.len());
    xml
}

fn bench(c: &mut Criterion) {
    let key = AesKey::from_encoding_aes_key(ENCODING_AES_KEY).unwrap();
    let keys =
        PushKeys { token: TOKEN, appid: APPID, gh_id: GH_ID, mode: BodyMode::Safe, current: &key, previous: None };
    let xml = one_kb_text();
    let encrypt = key.encrypt(&xml, APPID);
    let (ts, nonce) = ("1409735669", "1320562132");
    let body =
        format!("<xml><ToUserName><![CDATA[{GH_ID}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
    let query = PushQuery {
        signature: Some(signature::sign(&[TOKEN, ts, nonce])),
        timestamp: Some(ts.into()),
        nonce: Some(nonce.into()),
        openid: Some("oyORnuP8q7ou2gfYjqLzSIWZf0rs".into()),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(signature::sign(&[TOKEN, ts, nonce, &encrypt])),
        echostr: None,
    };
    let freshness = Freshness { now: 1409735669, window_secs: Some(300) };
    assert!(push::open(&query, body.as_bytes(), &keys, freshness).is_ok());
    write_push(&serde_json::json!({
        "token": TOKEN,
        "encoding_aes_key": ENCODING_AES_KEY,
        "appid": APPID,
        "timestamp": ts,
        "nonce": nonce,
        "msg_signature": query.msg_signature,
        "body": body,
        "xml": xml,
    }));

    let mut group = c.benchmark_group("safe-mode 1 KB text push");
    group.bench_function("whole hot path", |b| {
        b.iter(|| {
            let verified = push::open(black_box(&query), black_box(body.as_bytes()), &keys, freshness).unwrap();
            black_box((verified.push.features(), verified.push.dedupe_key()))
        })
    });
    group.bench_function("step: envelope (Encrypt)", |b| {
        b.iter(|| {
            let mut encrypt = None;
            xml::walk(black_box(&body), |name, value| {
                if name == "Encrypt" && encrypt.is_none() {
                    encrypt = Some(value);
                }
            })
            .unwrap();
            encrypt
        })
    });
    group.bench_function("step: msg_signature", |b| {
        b.iter(|| signature::verify(black_box(query.msg_signature.as_deref().unwrap()), &[TOKEN, ts, nonce, &encrypt]))
    });
    group.bench_function("step: decrypt", |b| b.iter(|| key.decrypt(black_box(&encrypt), APPID).unwrap()));
    group.bench_function("step: parse message", |b| b.iter(|| Push::parse(black_box(&xml)).unwrap()));
    group.bench_function("step: features and dedupe key", |b| {
        let push = Push::parse(&xml).unwrap();
        b.iter(|| black_box((push.features(), push.dedupe_key())))
    });
    group.finish();
}

/// Writes the push for the anchor beside criterion's own output.
fn write_push(push: &serde_json::Value) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("push_hot_path");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("push.json"), serde_json::to_string_pretty(push).unwrap()).unwrap();
}

criterion_group!(benches, bench);
criterion_main!(benches);
