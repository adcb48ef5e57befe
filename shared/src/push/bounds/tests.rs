use super::super::message::{MessageError, Push};
use super::*;

fn text(from: &str, to: &str, msg_id: &str, create_time: &str) -> String {
    format!(
        "<xml><ToUserName>{to}</ToUserName><FromUserName>{from}</FromUserName>\
         <CreateTime>{create_time}</CreateTime><MsgType>text</MsgType><Content>hi</Content>\
         <MsgId>{msg_id}</MsgId></xml>"
    )
}

fn event(name: &str, key: &str) -> String {
    format!(
        "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>\
         <MsgType>event</MsgType><Event>{name}</Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    )
}

fn refused(xml: &str) -> Option<&'static str> {
    match Push::parse(xml) {
        Ok(_) => None,
        Err(MessageError::Bounds { element, .. }) => Some(element),
        Err(other) => panic!("refused for another reason: {other}"),
    }
}

#[test]
fn each_field_is_accepted_at_its_limit_and_refused_one_byte_over() {
    let name = |n: usize| "a".repeat(n);
    let ok = |xml: String| assert_eq!(refused(&xml), None, "{xml}");
    ok(text(&name(NAME_MAX), "gh_1", "1", "1"));
    ok(text("o1", &name(NAME_MAX), "1", "1"));
    ok(text("o1", "gh_1", &"0".repeat(MSG_ID_DIGITS_MAX), "1"));
    ok(text("o1", "gh_1", "1", &CREATE_TIME_MAX.to_string()));
    ok(event(&name(NAME_MAX), ""));
    ok(event("VIEW", &"k".repeat(EVENT_KEY_MAX)));

    assert_eq!(refused(&text(&name(NAME_MAX + 1), "gh_1", "1", "1")), Some("FromUserName"));
    assert_eq!(refused(&text("o1", &name(NAME_MAX + 1), "1", "1")), Some("ToUserName"));
    assert_eq!(refused(&text("o1", "gh_1", &"0".repeat(MSG_ID_DIGITS_MAX + 1), "1")), Some("MsgId"));
    assert_eq!(refused(&text("o1", "gh_1", "1", &(CREATE_TIME_MAX + 1).to_string())), Some("CreateTime"));
    assert_eq!(refused(&text("o1", "gh_1", "1", "-1")), Some("CreateTime"));
    assert_eq!(refused(&event(&name(NAME_MAX + 1), "")), Some("Event"));
    assert_eq!(refused(&event("VIEW", &"k".repeat(EVENT_KEY_MAX + 1))), Some("EventKey"));
}

#[test]
fn names_keep_to_their_alphabet() {
    assert_eq!(refused(&text("o1\r\nx", "gh_1", "1", "1")), Some("FromUserName"));
    assert_eq!(refused(&text("o1#SESSION", "gh_1", "1", "1")), Some("FromUserName"));
    assert_eq!(refused(&text("os-IKuHd9pJ6xsn4mS7GyL4HxqI4", "gh_1", "1", "1")), None);
    assert_eq!(refused(&event("sub scribe", "")), Some("Event"));
    assert!(check_open_id("x".repeat(65).as_str()).is_err());
}
