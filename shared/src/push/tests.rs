use std::borrow::Cow;

use super::*;

const TOKEN: &str = "spamtest";
const APPID: &str = "wx2c2769f8efd9abc2";
const GH_ID: &str = "gh_10f6c3c3ac5a";
const ANY_AGE: Freshness = Freshness { now: 0, window_secs: None };

fn key() -> AesKey {
    AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap()
}

fn message() -> String {
    format!(
        "<xml><ToUserName><![CDATA[{GH_ID}]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
         <CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
         <MsgId>1</MsgId></xml>"
    )
}

/// A query signed for `encrypt`, the way the platform signs a safe-mode push.
fn query_for(encrypt: &str) -> PushQuery {
    let (ts, nonce) = ("1409735669", "1320562132");
    PushQuery {
        timestamp: Some(ts.into()),
        nonce: Some(nonce.into()),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(signature::sign(&[TOKEN, ts, nonce, encrypt])),
        ..PushQuery::default()
    }
}

fn open_body(query: &PushQuery, body: &str) -> Result<Verified, PushError> {
    let key = key();
    let keys =
        PushKeys { token: TOKEN, appid: APPID, gh_id: GH_ID, mode: BodyMode::Safe, current: &key, previous: None };
    open(query, body.as_bytes(), &keys, ANY_AGE)
}

#[test]
fn the_encrypt_value_is_read_without_a_copy() {
    let body = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt></xml>";
    let sealed = Sealed::read(body).unwrap();
    assert!(matches!(sealed.encrypt, Some(Cow::Borrowed("abc="))));
    assert!(!sealed.plain_fields);
    let compatible = Sealed::read("<xml><FromUserName>o1</FromUserName><Encrypt>x</Encrypt></xml>").unwrap();
    assert!(compatible.plain_fields);
    assert_eq!(compatible.encrypt.as_deref(), Some("x"));
}

#[test]
fn the_first_of_duplicated_encrypt_elements_is_the_one_opened() {
    let encrypt = key().encrypt(&message(), APPID);
    let body = format!("<xml><Encrypt>{encrypt}</Encrypt><Encrypt>second</Encrypt></xml>");
    assert_eq!(Sealed::read(&body).unwrap().encrypt.as_deref(), Some(encrypt.as_str()));
    let verified = open_body(&query_for(&encrypt), &body).unwrap();
    assert_eq!(verified.mode, BodyMode::Safe);
    assert_eq!(verified.xml(), message());
    assert_eq!(verified.push.from_user, "o1");
    // Signed for the second one instead: refused.
    assert_eq!(open_body(&query_for("second"), &body).unwrap_err(), PushError::BadSignature);
}

#[test]
fn an_encrypted_push_needs_an_encrypt_element_in_a_well_formed_body() {
    let query = query_for("x");
    let missing = "<xml><ToUserName>gh_1</ToUserName></xml>";
    assert_eq!(open_body(&query, missing).unwrap_err(), PushError::MissingEncrypt);
    let doctype = "<!DOCTYPE xml><xml><Encrypt>x</Encrypt></xml>";
    assert_eq!(open_body(&query, doctype).unwrap_err(), PushError::Xml(XmlError::Doctype));
    let unclosed = "<xml><Encrypt>x</Encrypt>";
    assert!(matches!(open_body(&query, unclosed).unwrap_err(), PushError::Xml(XmlError::Malformed(_))));
    let key = key();
    let keys =
        PushKeys { token: TOKEN, appid: APPID, gh_id: GH_ID, mode: BodyMode::Safe, current: &key, previous: None };
    assert_eq!(open(&query, b"<xml>\xff</xml>", &keys, ANY_AGE).unwrap_err(), PushError::NotUtf8);
}

#[test]
fn an_encrypt_value_with_entities_is_opened_as_its_text() {
    let encrypt = key().encrypt(&message(), APPID);
    // The platform never escapes base64, but an escaped '/' or '+' is still the same text.
    let escaped = encrypt.replace('+', "&#43;").replace('/', "&#x2F;");
    let body = format!("<xml><Encrypt>{escaped}</Encrypt></xml>");
    let verified = open_body(&query_for(&encrypt), &body).unwrap();
    assert_eq!(verified.xml(), message());
}
