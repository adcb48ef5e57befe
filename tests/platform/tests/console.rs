//! The console against docs/console.md: every endpoint's shape, sessions, the
//! captcha sequence, codes, knobs and faults.

mod common;

use std::time::Duration;

use common::{Console, get, login, md5_hex, post_form, ret, set_cookies, twice};
use platform::{Body, COOKIE_NAMES, Config, Faults, FrequencyLimit, Knobs, Outgoing, Platform};
use serde_json::Value;

/// 2014-08-22 09:44:52 +08:00.
const T0: i64 = 1_408_671_892;

async fn platform(followers: usize) -> Platform {
    Platform::start(Config::small(11, 2, followers).frozen_at(T0).knobs(Knobs::instant())).await.unwrap()
}

async fn logged_in(platform: &Platform, account: usize) -> Console {
    let a = &platform.accounts()[account];
    Console::login(&platform.console_url(), &a.username, &a.password).await
}

fn fakeid_of_follower(platform: &Platform, account: usize, nth: usize) -> u64 {
    let follow = &platform.followers(account)[nth];
    platform.world().people[follow.person].fakeid
}

#[tokio::test]
async fn login_answers_token_and_the_five_cookies() {
    let platform = platform(20).await;
    let account = &platform.accounts()[0];
    let response = login(&platform.console_url(), &account.username, &md5_hex(&account.password), "", &[]).await;
    assert_eq!(response.status, 200);
    let json = response.json().unwrap();
    assert_eq!(json["base_resp"], serde_json::json!({"ret": 0, "err_msg": "ok"}));
    let redirect = json["redirect_url"].as_str().unwrap();
    assert!(redirect.starts_with("/cgi-bin/home?t=home/index&lang=zh_CN&token="), "{redirect}");
    let token = redirect.rsplit_once("token=").unwrap().1;
    assert!(!token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()), "token is digits: {token}");
    let cookies = set_cookies(&response);
    for name in ["slave_user", "slave_sid", "bizuin", "data_bizuin", "data_ticket"] {
        assert!(cookies.iter().any(|(n, _)| n == name), "cookie {name} in {cookies:?}");
    }
    let slave_user = &cookies.iter().find(|(n, _)| n == "slave_user").unwrap().1;
    assert_eq!(slave_user, &account.gh_id);
    // The password hash may come in upper case too; the plain password is refused.
    let upper =
        login(&platform.console_url(), &account.username, &md5_hex(&account.password).to_uppercase(), "", &[]).await;
    assert_eq!(ret(&upper), 0);
    let plain = login(&platform.console_url(), &account.username, &account.password, "", &[]).await;
    assert_eq!(ret(&plain), -23);
}

#[tokio::test]
async fn login_codes_for_unknown_account_wrong_password_and_blocked_account() {
    let platform = platform(10).await;
    let base = platform.console_url();
    let account = &platform.accounts()[1];
    assert_eq!(ret(&login(&base, "nobody@example.com", &md5_hex("x"), "", &[]).await), -21);
    assert_eq!(ret(&login(&base, &account.username, &md5_hex("wrong"), "", &[]).await), -23);
    platform.set_blocked(1, true);
    assert_eq!(ret(&login(&base, &account.username, &md5_hex(&account.password), "", &[]).await), -7);
    platform.set_blocked(1, false);
    assert_eq!(ret(&login(&base, &account.username, &md5_hex(&account.password), "", &[]).await), 0);
    let counters = platform.counters();
    assert_eq!(counters.logins, 1);
    assert_eq!(counters.failed_logins, 3);
}

#[tokio::test]
async fn captcha_after_three_failures_in_a_row_until_a_login_passes_it() {
    let platform = platform(10).await;
    let base = platform.console_url();
    let account = &platform.accounts()[0];
    let good = md5_hex(&account.password);
    let bad = md5_hex("not the password");
    for _ in 0..3 {
        assert_eq!(ret(&login(&base, &account.username, &bad, "", &[]).await), -23);
    }
    // Every further attempt without a captcha: -8, even with the right password.
    assert_eq!(ret(&login(&base, &account.username, &good, "", &[]).await), -8);
    assert_eq!(ret(&login(&base, &account.username, &good, "", &[]).await), -8);
    // Another username is not affected.
    let other = &platform.accounts()[1];
    assert_eq!(ret(&login(&base, &other.username, &md5_hex(&other.password), "", &[]).await), 0);

    // The captcha image comes with a cookie.
    let image = get(&format!("{base}/cgi-bin/verifycode?username={}&r=1408671892123", account.username), &[]).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), Some("image/jpeg"));
    assert!(image.body.starts_with(&[0xFF, 0xD8]));
    let cookie = set_cookies(&image);
    assert_eq!(cookie.len(), 1, "one captcha cookie");
    let cookie_header = format!("{}={}", cookie[0].0, cookie[0].1);
    let text = platform.captcha_text(&account.username).expect("a person reads the captcha");

    // A wrong captcha: -27 (and that captcha is used up).
    assert_eq!(ret(&login(&base, &account.username, &good, "0000x", &[("cookie", &cookie_header)]).await), -27);
    assert_eq!(ret(&login(&base, &account.username, &good, &text, &[("cookie", &cookie_header)]).await), -27);
    // The right text without the image's cookie: -27.
    get(&format!("{base}/cgi-bin/verifycode?username={}&r=2", account.username), &[]).await;
    let text = platform.captcha_text(&account.username).unwrap();
    assert_eq!(ret(&login(&base, &account.username, &good, &text, &[]).await), -27);
    // Right captcha, wrong password: -23, and the captcha is still demanded.
    let image = get(&format!("{base}/cgi-bin/verifycode?username={}&r=3", account.username), &[]).await;
    let cookie = set_cookies(&image);
    let cookie_header = format!("{}={}", cookie[0].0, cookie[0].1);
    let text = platform.captcha_text(&account.username).unwrap();
    assert_eq!(ret(&login(&base, &account.username, &bad, &text, &[("cookie", &cookie_header)]).await), -23);
    assert_eq!(ret(&login(&base, &account.username, &good, "", &[]).await), -8);
    // Right captcha with its cookie and the right password: in, and no more captcha.
    let image = get(&format!("{base}/cgi-bin/verifycode?username={}&r=4", account.username), &[]).await;
    let cookie = set_cookies(&image);
    let cookie_header = format!("{}={}", cookie[0].0, cookie[0].1);
    let text = platform.captcha_text(&account.username).unwrap();
    assert_eq!(ret(&login(&base, &account.username, &good, &text, &[("cookie", &cookie_header)]).await), 0);
    assert_eq!(ret(&login(&base, &account.username, &good, "", &[]).await), 0);
    assert!(platform.counters().captcha_demanded >= 3);
}

#[tokio::test]
async fn every_call_needs_token_and_cookies() {
    let platform = platform(10).await;
    let console = logged_in(&platform, 0).await;
    let page = "/cgi-bin/contactmanage?t=user/index&pagesize=10&pageidx=0&type=0&lang=zh_CN&f=json";
    assert_eq!(ret(&console.get(page).await), 0);
    // No token.
    let url = format!("{}{page}", console.base);
    let no_token = get(&url, &[("cookie", &console.cookie_header())]).await;
    assert_eq!(no_token.status, 200, "HTTP 200 even for errors");
    assert_eq!(ret(&no_token), 200_003);
    // Token, no cookies at all.
    let bare = Console { cookies: Vec::new(), ..console.clone() };
    assert_eq!(ret(&bare.get(page).await), 200_003);
    // Any one cookie missing.
    for name in COOKIE_NAMES {
        assert_eq!(ret(&console.without_cookie(name).get(page).await), 200_003, "without {name}");
    }
    // Another session's cookies with this token.
    let other = logged_in(&platform, 0).await;
    let mixed = Console { token: console.token.clone(), ..other.clone() };
    assert_eq!(ret(&mixed.get(page).await), 200_003);
    // A token in the form works as well as in the query (POST endpoints).
    let fakeid = fakeid_of_follower(&platform, 0, 0).to_string();
    let info = console
        .post(
            "/cgi-bin/getcontactinfo",
            &[("t", "ajax-getcontactinfo"), ("fakeid", &fakeid), ("ajax", "1"), ("lang", "zh_CN"), ("random", "0.5")],
            &[],
        )
        .await;
    assert_eq!(ret(&info), 0);
    // The first session still works after the second login.
    assert_eq!(ret(&console.get(page).await), 0);
    assert_eq!(ret(&other.get(page).await), 0);
}

#[tokio::test]
async fn sessions_end_after_idle_time_and_maximum_age() {
    let platform = platform(10).await;
    let page = "/cgi-bin/getnewmsgnum?f=json&t=ajax-getmsgnum&lastmsgid=0";
    // Idle: 30 minutes by default.
    let console = logged_in(&platform, 0).await;
    platform.clock().advance(Duration::from_secs(29 * 60));
    assert_eq!(ret(&console.get(page).await), 0);
    platform.clock().advance(Duration::from_secs(31 * 60));
    assert_eq!(ret(&console.get(page).await), 200_003);
    // Once expired, always expired.
    assert_eq!(ret(&console.get(page).await), 200_003);

    // Maximum age: 6 hours, however busy.
    let console = logged_in(&platform, 0).await;
    for _ in 0..(6 * 60 / 20) {
        platform.clock().advance(Duration::from_secs(20 * 60));
        assert_eq!(ret(&console.get(page).await), 0);
    }
    platform.clock().advance(Duration::from_secs(20 * 60));
    assert_eq!(ret(&console.get(page).await), 200_003);

    // Knobs shorten them.
    platform.update_knobs(|k| k.session_idle_secs = 60);
    let console = logged_in(&platform, 0).await;
    platform.clock().advance(Duration::from_secs(61));
    assert_eq!(ret(&console.get(page).await), 200_003);
}

#[tokio::test]
async fn home_page_carries_uin_user_name_nick_name_ticket() {
    let platform = platform(10).await;
    let console = logged_in(&platform, 1).await;
    let account = &platform.accounts()[1];
    let home = console.get("/cgi-bin/home?t=home/index&lang=zh_CN").await;
    assert_eq!(home.status, 200);
    assert!(home.header("content-type").unwrap().starts_with("text/html"));
    let html = home.text();
    assert!(html.contains(&format!("uin:\"{}\"", account.uin)), "{html}");
    assert!(html.contains(&format!("user_name:\"{}\"", account.gh_id)));
    assert!(html.contains("nick_name:\""));
    assert!(html.contains("ticket:\""));
    // Without a session: the login page, no uin.
    let expired = Console { token: "1".into(), ..console.clone() };
    let page = expired.get("/cgi-bin/home?t=home/index&lang=zh_CN").await;
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(!page.text().contains("uin:"));
}

#[tokio::test]
async fn followers_are_double_encoded_newest_first_and_paginated() {
    let platform = platform(260).await;
    let console = logged_in(&platform, 0).await;
    let json = console.contacts(10, 0, None).await;
    assert_eq!(json["base_resp"]["ret"], 0);
    assert!(json["contact_list"].is_string(), "contact_list is a JSON string");
    assert!(json["group_list"].is_string(), "group_list is a JSON string");
    let contacts = twice(&json["contact_list"]);
    let first = &contacts["contacts"][0];
    assert!(first["id"].is_u64());
    assert!(first["nick_name"].is_string());
    assert_eq!(first["remark_name"], "");
    assert_eq!(first["group_id"], 0);
    let groups = twice(&json["group_list"]);
    let groups = groups["groups"].as_array().unwrap();
    assert_eq!(groups[0]["id"], 0);
    assert_eq!(groups[0]["name"], "未分组");
    assert_eq!(groups[1]["id"], 1);
    assert_eq!(groups[1]["name"], "黑名单");
    assert_eq!(groups[2]["id"], 2);
    assert_eq!(groups[2]["name"], "星标组");

    // Walk every page of 100 (asking for 500 is clamped to 100).
    let total = groups.iter().map(|g| g["cnt"].as_u64().unwrap()).sum::<u64>() as usize;
    let truth = platform.truth().into_iter().filter(|t| t.account == 0 && t.following).count();
    assert_eq!(total, truth);
    let mut seen = Vec::new();
    for page in 0.. {
        let json = console.contacts(500, page, None).await;
        let contacts = twice(&json["contact_list"]);
        let contacts = contacts["contacts"].as_array().unwrap().clone();
        assert!(contacts.len() <= 100);
        if contacts.is_empty() {
            break;
        }
        seen.extend(contacts.iter().map(|c| c["id"].as_u64().unwrap()));
    }
    assert_eq!(seen.len(), total);
    // Newest followers first.
    let times: Vec<i64> = seen
        .iter()
        .map(|id| platform.truth().into_iter().find(|t| t.account == 0 && t.fakeid == *id).unwrap().follow_time)
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // Far past the end: empty.
    let json = console.contacts(10, 999, None).await;
    assert_eq!(twice(&json["contact_list"])["contacts"], serde_json::json!([]));
}

#[tokio::test]
async fn groups_are_created_from_100_and_followers_moved_into_them() {
    let platform = platform(40).await;
    let console = logged_in(&platform, 0).await;
    let created = console
        .post("/cgi-bin/modifygroup?t=ajax-friend-group", &[("func", "add"), ("name", "已识别"), ("ajax", "1")], &[])
        .await;
    let created = created.json().unwrap();
    assert_eq!(created["base_resp"]["ret"], 0);
    assert_eq!(created["group_id"], 100);
    let second = console
        .post("/cgi-bin/modifygroup?t=ajax-friend-group", &[("func", "add"), ("name", "VIP"), ("ajax", "1")], &[])
        .await;
    assert_eq!(second.json().unwrap()["group_id"], 101);

    let (a, b) = (fakeid_of_follower(&platform, 0, 0), fakeid_of_follower(&platform, 0, 1));
    let list = format!("{a}|{b}|");
    let moved = console
        .post(
            "/cgi-bin/modifycontacts?action=modifycontacts&t=ajax-putinto-group",
            &[("contacttype", "100"), ("tofakeidlist", &list), ("ajax", "1")],
            &[],
        )
        .await;
    let moved = moved.json().unwrap();
    assert_eq!(moved["ret"], "0", "ret is the string \"0\"");
    assert_eq!(moved["base_resp"]["ret"], 0);

    let json = console.contacts(100, 0, None).await;
    let groups = twice(&json["group_list"]);
    let group = groups["groups"].as_array().unwrap().iter().find(|g| g["id"] == 100).unwrap().clone();
    assert_eq!(group["name"], "已识别");
    assert_eq!(group["cnt"], 2);
    let in_group = twice(&console.contacts(100, 0, Some(100)).await["contact_list"]);
    let ids: Vec<u64> = in_group["contacts"].as_array().unwrap().iter().map(|c| c["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&a) && ids.contains(&b));
    let ungrouped = twice(&console.contacts(100, 0, Some(0)).await["contact_list"]);
    assert!(ungrouped["contacts"].as_array().unwrap().iter().all(|c| c["id"] != a && c["group_id"] == 0));

    // Unknown group or a non-follower: 200002, nothing moved.
    let stranger = platform
        .world()
        .people
        .iter()
        .find(|p| {
            platform.openid_of(0, p.fakeid).is_some() && !platform.followers(0).iter().any(|f| f.person == p.index)
        })
        .unwrap()
        .fakeid;
    for (group, list) in [("555", a.to_string()), ("0", format!("{a}|{stranger}"))] {
        let refused = console
            .post(
                "/cgi-bin/modifycontacts?action=modifycontacts&t=ajax-putinto-group",
                &[("contacttype", group), ("tofakeidlist", &list), ("ajax", "1")],
                &[],
            )
            .await;
        assert_eq!(ret(&refused), 200_002);
    }
    let group = twice(&console.contacts(100, 0, Some(100)).await["contact_list"]);
    assert_eq!(group["contacts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn contact_info_and_avatar() {
    let platform = platform(30).await;
    let console = logged_in(&platform, 0).await;
    let fakeid = fakeid_of_follower(&platform, 0, 3);
    let person = platform.world().person_by_fakeid(fakeid).unwrap().clone();
    let id = fakeid.to_string();
    let form =
        [("t", "ajax-getcontactinfo"), ("fakeid", id.as_str()), ("ajax", "1"), ("lang", "zh_CN"), ("random", "0.1")];
    let info = console.post("/cgi-bin/getcontactinfo", &form, &[]).await.json().unwrap();
    assert_eq!(info["base_resp"]["ret"], 0);
    let c = &info["contact_info"];
    assert_eq!(c["fake_id"], fakeid, "fake_id is a number");
    assert_eq!(c["nick_name"], person.nick_name.as_str());
    assert_eq!(c["remark_name"], "");
    for field in ["user_name", "signature", "country", "province", "city"] {
        assert!(c[field].is_string(), "{field}");
    }
    assert!([0, 1, 2].contains(&c["gender"].as_u64().unwrap()));
    assert_eq!(c["group_id"], 0);

    // Not a follower of this account: 200002.
    let outsider = platform
        .world()
        .people
        .iter()
        .find(|p| !platform.followers(0).iter().any(|f| f.person == p.index))
        .unwrap()
        .fakeid
        .to_string();
    let form = [
        ("t", "ajax-getcontactinfo"),
        ("fakeid", outsider.as_str()),
        ("ajax", "1"),
        ("lang", "zh_CN"),
        ("random", "0.1"),
    ];
    assert_eq!(ret(&console.post("/cgi-bin/getcontactinfo", &form, &[]).await), 200_002);

    let avatar = console.get(&format!("/misc/getheadimg?fakeid={fakeid}&lang=zh_CN")).await;
    assert_eq!(avatar.header("content-type"), Some("image/jpeg"));
    assert!(avatar.body.starts_with(&[0xFF, 0xD8, 0xFF]) && avatar.body.ends_with(&[0xFF, 0xD9]));
    let other =
        console.get(&format!("/misc/getheadimg?fakeid={}&lang=zh_CN", fakeid_of_follower(&platform, 0, 4))).await;
    assert_ne!(avatar.body, other.body, "avatars differ per person");
    // An expired session gets the login page, as HTML.
    platform.clock().advance(Duration::from_secs(3600));
    let expired = console.get(&format!("/misc/getheadimg?fakeid={fakeid}&lang=zh_CN")).await;
    assert!(expired.header("content-type").unwrap().starts_with("text/html"));
}

async fn text_from(platform: &Platform, account: usize, nth: usize, content: &str) -> u64 {
    let fakeid = fakeid_of_follower(platform, account, nth);
    platform.send(Outgoing::new(account, fakeid, Body::text(content))).await.unwrap();
    fakeid
}

#[tokio::test]
async fn message_list_shape_order_and_paging() {
    let platform = platform(30).await;
    let account = platform.accounts()[0].clone();
    let a = text_from(&platform, 0, 0, "测试消息").await;
    platform.clock().advance(Duration::from_secs(5));
    let b = text_from(&platform, 0, 1, "Tom & Jerry <3\n第二行").await;
    let fakeid = fakeid_of_follower(&platform, 0, 2);
    platform
        .send(Outgoing::new(0, fakeid, Body::Image { pic_url: "http://x/0".into(), media_id: "m".into() }))
        .await
        .unwrap();
    platform.send(Outgoing::new(0, fakeid, Body::Click { key: "MENU".into() })).await.unwrap();
    platform
        .send(Outgoing::new(
            0,
            fakeid,
            Body::Location { x: "30.1".into(), y: "114.3".into(), scale: "15".into(), label: "武汉".into() },
        ))
        .await
        .unwrap();

    let console = logged_in(&platform, 0).await;
    let json = console.message_list(20, 7, "", 0).await;
    assert_eq!(json["base_resp"]["ret"], 0);
    assert!(json["msg_items"].is_string(), "msg_items is a JSON string");
    let items = twice(&json["msg_items"])["msg_item"].as_array().unwrap().clone();
    assert_eq!(items.len(), 4, "no row for the CLICK event: {items:?}");
    // Newest first.
    let ids: Vec<u64> = items.iter().map(|i| i["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]));
    let location = &items[0];
    assert_eq!(location["type"], 1, "location is listed as text");
    assert!(location["content"].as_str().unwrap().contains("武汉"));
    assert_eq!(items[1]["type"], 2, "image");
    let row_b = &items[2];
    assert_eq!(row_b["fakeid"], b.to_string(), "fakeid is a string");
    assert_eq!(row_b["to_uin"], account.uin, "to_uin is a number");
    assert_eq!(row_b["content"], "Tom&nbsp;&amp;&nbsp;Jerry&nbsp;&lt;3<br/>第二行");
    assert_eq!(row_b["source"], "");
    assert_eq!(row_b["type"], 1);
    assert_eq!(row_b["date_time"], T0 + 5);
    for field in ["nick_name", "refuse_reason"] {
        assert!(row_b[field].is_string(), "{field}");
    }
    assert!(row_b["msg_status"].is_u64() && row_b["has_reply"].is_u64());
    assert_eq!(row_b["multi_item"], serde_json::json!([]));
    assert_eq!(items[3]["fakeid"], a.to_string());
    assert_eq!(items[3]["content"], "测试消息");

    // count, offset, frommsgid.
    let one = twice(&console.message_list(1, 7, "", 0).await["msg_items"]);
    assert_eq!(one["msg_item"].as_array().unwrap().len(), 1);
    let skipped = twice(&console.message_list(2, 7, "", 1).await["msg_items"]);
    assert_eq!(skipped["msg_item"][0]["id"], ids[1]);
    let older = twice(&console.message_list(20, 7, &ids[1].to_string(), 0).await["msg_items"]);
    let older: Vec<u64> = older["msg_item"].as_array().unwrap().iter().map(|i| i["id"].as_u64().unwrap()).collect();
    assert_eq!(older, ids[2..].to_vec());
    let from_zero = twice(&console.message_list(20, 7, "0", 0).await["msg_items"]);
    assert_eq!(from_zero["msg_item"].as_array().unwrap().len(), 4);

    // New messages since an id.
    let count = console.get_json(&format!("/cgi-bin/getnewmsgnum?f=json&t=ajax-getmsgnum&lastmsgid={}", ids[2])).await;
    assert_eq!(count["base_resp"]["ret"], 0);
    assert_eq!(count["newTotalMsgCount"], 2);
}

#[tokio::test]
async fn message_list_count_is_at_most_100_and_day_filters() {
    let platform = platform(30).await;
    for i in 0..120 {
        text_from(&platform, 0, i % 10, &format!("m{i}")).await;
    }
    let console = logged_in(&platform, 0).await;
    let many = twice(&console.message_list(500, 7, "", 0).await["msg_items"]);
    assert_eq!(many["msg_item"].as_array().unwrap().len(), 100);
    // All were written today; tomorrow they are yesterday's.
    let today = twice(&console.message_list(100, 0, "", 0).await["msg_items"]);
    assert_eq!(today["msg_item"].as_array().unwrap().len(), 100);
    platform.clock().advance(Duration::from_secs(86_400));
    let console = logged_in(&platform, 0).await;
    assert_eq!(twice(&console.message_list(100, 0, "", 0).await["msg_items"])["msg_item"], serde_json::json!([]));
    assert_eq!(
        twice(&console.message_list(100, 1, "", 0).await["msg_items"])["msg_item"].as_array().unwrap().len(),
        100
    );
    // Three days later they are "older"; six days later the console no longer keeps them.
    platform.clock().advance(Duration::from_secs(2 * 86_400));
    let console = logged_in(&platform, 0).await;
    assert_eq!(
        twice(&console.message_list(100, 3, "", 0).await["msg_items"])["msg_item"].as_array().unwrap().len(),
        100
    );
    platform.clock().advance(Duration::from_secs(3 * 86_400));
    let console = logged_in(&platform, 0).await;
    assert_eq!(twice(&console.message_list(100, 7, "", 0).await["msg_items"])["msg_item"], serde_json::json!([]));
}

#[tokio::test]
async fn console_delay_and_skew() {
    let knobs =
        Knobs { console_delay: platform::Dist::constant(3.0), skew: platform::Dist::constant(2.0), ..Knobs::default() };
    let platform = Platform::start(Config::small(11, 1, 10).frozen_at(T0).knobs(knobs)).await.unwrap();
    let outcome = platform.send(Outgoing::new(0, fakeid_of_follower(&platform, 0, 0), Body::text("hi"))).await.unwrap();
    let console = logged_in(&platform, 0).await;
    assert_eq!(twice(&console.message_list(10, 7, "", 0).await["msg_items"])["msg_item"], serde_json::json!([]));
    platform.clock().advance(Duration::from_secs(3));
    let items = twice(&console.message_list(10, 7, "", 0).await["msg_items"]);
    assert_eq!(items["msg_item"][0]["date_time"], outcome.create_time + 2);
}

#[tokio::test]
async fn dialog_page_and_sending_with_referer_and_48_hour_rule() {
    let platform = platform(30).await;
    let account = platform.accounts()[0].clone();
    let fakeid = text_from(&platform, 0, 0, "在吗？").await;
    let console = logged_in(&platform, 0).await;
    let referer = format!(
        "{}/cgi-bin/singlesendpage?tofakeid={fakeid}&t=message/send&action=index&token={}&lang=zh_CN",
        console.base, console.token
    );
    // No Referer, or a Referer that is not a dialog page: refused.
    assert_ne!(ret(&console.singlesend(fakeid, "x", None).await), 0);
    let wrong = format!("{}/cgi-bin/message?t=message/list", console.base);
    assert_ne!(ret(&console.singlesend(fakeid, "x", Some(&wrong)).await), 0);
    // Sent.
    platform.clock().advance(Duration::from_secs(10));
    assert_eq!(ret(&console.singlesend(fakeid, "您好 & 欢迎", Some(&referer)).await), 0);
    // Unknown fakeid: -21.
    assert_eq!(ret(&console.singlesend(1, "x", Some(&referer)).await), -21);

    let page = console.dialog(fakeid, account.uin, 0).await;
    assert_eq!(page["base_resp"]["ret"], 0);
    let info = &page["page_info"];
    assert_eq!(info["to_nick_name"], platform.world().person_by_fakeid(fakeid).unwrap().nick_name.as_str());
    let items = info["msg_items"]["msg_item"].as_array().expect("msg_items is an object here, not a string");
    assert_eq!(items.len(), 2);
    let (reply, question) = (&items[0], &items[1]);
    assert_eq!(reply["source"], "biz");
    assert_eq!(reply["fakeid"], account.uin.to_string());
    assert_eq!(reply["to_uin"], fakeid);
    assert_eq!(reply["content"], "您好&nbsp;&amp;&nbsp;欢迎");
    assert_eq!(question["source"], "");
    assert_eq!(question["fakeid"], fakeid.to_string());
    assert_eq!(question["to_uin"], account.uin);
    // createtime keeps messages at or after it.
    let later = console.dialog(fakeid, account.uin, T0 + 5).await;
    assert_eq!(later["page_info"]["msg_items"]["msg_item"].as_array().unwrap().len(), 1);
    // The account's messages are not in the message list.
    let list = twice(&console.message_list(20, 7, "", 0).await["msg_items"]);
    assert!(list["msg_item"].as_array().unwrap().iter().all(|i| i["source"] != "biz"));

    // 48 hours after the follower last wrote: 10706.
    platform.clock().advance(Duration::from_secs(48 * 3600));
    let console = logged_in(&platform, 0).await;
    let referer = format!("{}/cgi-bin/singlesendpage?tofakeid={fakeid}&token={}", console.base, console.token);
    assert_eq!(ret(&console.singlesend(fakeid, "still there?", Some(&referer)).await), 10_706);
    // A dialog page for someone who does not follow: 200002.
    assert_eq!(console.dialog(1, account.uin, 0).await["base_resp"]["ret"], 200_002);
}

#[tokio::test]
async fn unfollowed_users_leave_the_list_and_subscribers_join_it_first() {
    let platform = platform(20).await;
    let leaving = fakeid_of_follower(&platform, 0, 5);
    platform.send(Outgoing::new(0, leaving, Body::Unsubscribe)).await.unwrap();
    let joining = platform
        .world()
        .people
        .iter()
        .find(|p| !platform.followers(0).iter().any(|f| f.person == p.index))
        .unwrap()
        .fakeid;
    platform.send(Outgoing::new(0, joining, Body::Subscribe { scene: None, ticket: None })).await.unwrap();
    let console = logged_in(&platform, 0).await;
    let contacts = twice(&console.contacts(100, 0, None).await["contact_list"]);
    let ids: Vec<u64> = contacts["contacts"].as_array().unwrap().iter().map(|c| c["id"].as_u64().unwrap()).collect();
    assert_eq!(ids[0], joining, "newest follower first");
    assert!(!ids.contains(&leaving));
    let id = leaving.to_string();
    let form =
        [("t", "ajax-getcontactinfo"), ("fakeid", id.as_str()), ("ajax", "1"), ("lang", "zh_CN"), ("random", "0.1")];
    assert_eq!(ret(&console.post("/cgi-bin/getcontactinfo", &form, &[]).await), 200_002);
    // Writing after leaving is not possible.
    assert!(platform.send(Outgoing::new(0, leaving, Body::text("x"))).await.is_err());
}

#[tokio::test]
async fn frequency_control_per_session() {
    let platform = platform(10).await;
    platform.update_knobs(|k| k.frequency_limit = Some(FrequencyLimit { requests: 3, per_secs: 10.0 }));
    let console = logged_in(&platform, 0).await;
    let page = "/cgi-bin/getnewmsgnum?f=json&t=ajax-getmsgnum&lastmsgid=0";
    for _ in 0..3 {
        assert_eq!(ret(&console.get(page).await), 0);
    }
    assert_eq!(ret(&console.get(page).await), 200_013);
    // Another session has its own allowance.
    let other = logged_in(&platform, 0).await;
    assert_eq!(ret(&other.get(page).await), 0);
    platform.clock().advance(Duration::from_secs(11));
    assert_eq!(ret(&console.get(page).await), 0);
    assert!(platform.counters().frequency_limited >= 1);
}

#[tokio::test]
async fn injected_faults() {
    let platform = platform(10).await;
    let console = logged_in(&platform, 0).await;
    let page = "/cgi-bin/getnewmsgnum?f=json&t=ajax-getmsgnum&lastmsgid=0";
    let url = format!("{}{page}&token={}", console.base, console.token);

    platform.update_knobs(|k| k.faults = Faults { system_error: 1.0, ..Faults::default() });
    assert_eq!(ret(&console.get(page).await), -1);
    platform.update_knobs(|k| k.faults = Faults { http_5xx: 1.0, ..Faults::default() });
    let status = console.get(page).await.status;
    assert!(status == 502 || status == 503, "{status}");
    platform.update_knobs(|k| k.faults = Faults { drop: 1.0, ..Faults::default() });
    let dropped = platform::http::request(
        "GET",
        &url,
        &[("cookie", &console.cookie_header())],
        Vec::new(),
        Duration::from_secs(5),
    )
    .await;
    assert!(dropped.is_err(), "dropped connection: {dropped:?}");
    platform.update_knobs(|k| k.faults = Faults { slow: 1.0, slow_secs: 2.0, ..Faults::default() });
    let slow = platform::http::request(
        "GET",
        &url,
        &[("cookie", &console.cookie_header())],
        Vec::new(),
        Duration::from_millis(500),
    )
    .await;
    assert!(matches!(slow, Err(platform::http::HttpError::Timeout)), "slow answer times out: {slow:?}");
    platform.update_knobs(|k| k.faults = Faults { expire_session: 1.0, ..Faults::default() });
    assert_eq!(ret(&console.get(page).await), 200_003);
    platform.update_knobs(|k| k.faults = Faults::default());
    assert_eq!(ret(&console.get(page).await), 200_003, "the session stays ended");

    // Latency.
    platform.update_knobs(|k| k.latency = platform::Dist::constant(0.3));
    let started = std::time::Instant::now();
    get(&format!("{}/cgi-bin/loginpage?t=wxm2-login&lang=zh_CN", console.base), &[]).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    let faults = platform.counters().faults;
    for kind in ["system_error", "http_5xx", "drop", "slow", "expire_session"] {
        assert!(faults.get(kind).copied().unwrap_or(0) >= 1, "{kind} counted: {faults:?}");
    }
}

#[tokio::test]
async fn methods_and_counters() {
    let platform = platform(10).await;
    let console = logged_in(&platform, 0).await;
    // singlesend is a POST.
    let wrong = console.get("/cgi-bin/singlesend?t=ajax-response").await;
    assert_eq!(wrong.status, 405);
    let unknown = get(&format!("{}/cgi-bin/nothing", console.base), &[]).await;
    assert_eq!(unknown.status, 404);
    let form = post_form(&format!("{}/cgi-bin/login", console.base), &[("username", "x")], &[]).await;
    assert_eq!(ret(&form), -21);
    console.contacts(10, 0, None).await;
    console.contacts(10, 1, None).await;
    let counters = platform.counters();
    assert_eq!(counters.requests_to("/cgi-bin/contactmanage"), 2);
    assert_eq!(counters.account_requests_to(&platform.accounts()[0].id, "/cgi-bin/contactmanage"), 2);
    assert_eq!(counters.requests_to("/cgi-bin/login"), 2);
    assert_eq!(counters.logins, 1);
    // The counters are also on the truth port, as JSON.
    let over_http: Value = get(&format!("{}/truth/counters", platform.truth_url()), &[]).await.json().unwrap();
    assert_eq!(over_http["requests"]["/cgi-bin/contactmanage"], 2);
}
