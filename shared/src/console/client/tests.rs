use super::*;

#[test]
fn the_password_travels_as_lowercase_hex_md5() {
    assert_eq!(password_digest("password"), "5f4dcc3b5aa765d61d8327deb882cf99");
}

#[test]
fn answers_decode_as_console_md_shows_them() {
    let followers = r#"{"base_resp":{"ret":0,"err_msg":"ok"},
 "contact_list":"{\"contacts\":[{\"id\":2431798261,\"nick_name\":\"Doraemonext\",\"remark_name\":\"\",\"group_id\":0}]}",
 "group_list":"{\"groups\":[{\"id\":0,\"name\":\"未分组\",\"cnt\":8},{\"id\":1,\"name\":\"黑名单\",\"cnt\":0},{\"id\":2,\"name\":\"星标组\",\"cnt\":0}]}"}"#;
    let page: FollowersAnswer = decode(followers.as_bytes()).unwrap();
    assert_eq!(page.contact_list.contacts[0].fake_id, 2431798261);
    assert_eq!(page.group_list.groups.len(), 3);

    let list = r#"{"base_resp":{"ret":0,"err_msg":"ok"},
 "msg_items":"{\"msg_item\":[{\"id\":206439583,\"type\":1,\"fakeid\":\"844735403\",\"nick_name\":\"Doraemonext\",\"date_time\":1408671892,\"content\":\"测试消息\",\"source\":\"\",\"msg_status\":4,\"has_reply\":0,\"refuse_reason\":\"\",\"multi_item\":[],\"to_uin\":2391068708}]}"}"#;
    let items: MessageListAnswer = decode(list.as_bytes()).unwrap();
    let item = &items.msg_items.msg_item[0];
    assert_eq!(
        (item.id, item.fake_id, item.date_time, item.to_uin),
        (206439583, 844735403, 1408671892, Some(2391068708))
    );
    assert_eq!(item.content, "测试消息");

    let info = r#"{"base_resp":{"ret":0,"err_msg":"ok"},
 "contact_info":{"fake_id":844735403,"nick_name":"Doraemonext","user_name":"",
   "remark_name":"","signature":"","country":"中国","province":"湖北",
   "city":"武汉","gender":1,"group_id":0}}"#;
    let info: ContactInfoAnswer = decode(info.as_bytes()).unwrap();
    assert_eq!((info.contact_info.city.as_str(), info.contact_info.gender), ("武汉", 1));

    let moved: Status = decode(br#"{"ret":"0","base_resp":{"ret":0,"err_msg":"ok"}}"#).unwrap();
    assert_eq!(moved.base_resp.ret, 0);
}

#[test]
fn every_code_becomes_a_typed_error() {
    for (ret, expected) in [
        (200003, ConsoleError::SessionExpired),
        (200013, ConsoleError::FrequencyControl),
        (200002, ConsoleError::InvalidArgument),
        (-1, ConsoleError::Busy),
        (-8, ConsoleError::CaptchaRequired),
        (-21, ConsoleError::NoSuchAccount),
        (-23, ConsoleError::WrongPassword),
        (-27, ConsoleError::WrongCaptcha),
        (-7, ConsoleError::Restricted),
    ] {
        let body = format!(r#"{{"base_resp":{{"ret":{ret},"err_msg":"x"}}}}"#);
        assert_eq!(decode::<Status>(body.as_bytes()).unwrap_err(), expected);
    }
    let other = decode::<Status>(br#"{"base_resp":{"ret":"10706","err_msg":"48h"}}"#).unwrap_err();
    assert_eq!(other, ConsoleError::Refused { ret: 10706, message: r#""48h""#.into() });
    assert!(matches!(decode::<Status>(b"<html>login</html>"), Err(ConsoleError::Malformed(_))));
}
