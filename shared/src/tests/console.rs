//! The in-memory console keeps console.md's rules: the login codes and the
//! captcha after three failures, sessions ending when idle or old, pages by
//! group, group moves, the message list's slices and the dialog page.

use super::{T0, World};
use crate::console::memory::{SESSION_IDLE_SECS, captcha_text};
use crate::console::{Console, ConsoleError, MessageQuery, SessionState};
use crate::secrets::Secret;
use crate::store::Strategy;

async fn login(w: &World, password: &str, imgcode: Option<&str>) -> Result<SessionState, ConsoleError> {
    w.console.login("acct0@example.com", &Secret::new(password.to_owned()), imgcode, T0).await
}

#[tokio::test]
async fn logins_answer_the_consoles_codes_and_demand_a_captcha_after_three_failures() {
    let w = World::new(&[Strategy::Time], 0);
    let nobody = w.console.login("nobody", &Secret::new("x".into()), None, T0).await;
    assert_eq!(nobody, Err(ConsoleError::NoSuchAccount));
    for _ in 0..3 {
        assert_eq!(login(&w, "wrong", None).await, Err(ConsoleError::WrongPassword));
    }
    assert_eq!(login(&w, &w.passwords[0], None).await, Err(ConsoleError::CaptchaRequired));
    assert_eq!(login(&w, &w.passwords[0], Some("nope")).await, Err(ConsoleError::WrongCaptcha));
    let captcha = captcha_text("acct0@example.com");
    let session = login(&w, &w.passwords[0], Some(&captcha)).await.unwrap();
    assert!(session.token.bytes().all(|b| b.is_ascii_digit()) && session.cookies.expose().contains("slave_sid="));
    assert_eq!(session.created_at, T0);
    assert!(login(&w, &w.passwords[0], None).await.is_ok(), "a login with the captcha clears the guard");
    w.console.set_blocked(0, true);
    assert_eq!(login(&w, &w.passwords[0], None).await, Err(ConsoleError::Restricted));
}

#[tokio::test]
async fn sessions_need_their_cookies_and_end_when_idle() {
    let w = World::new(&[Strategy::Time], 0);
    let session = login(&w, &w.passwords[0], None).await.unwrap();
    let other = login(&w, &w.passwords[0], None).await.unwrap();
    assert_eq!(w.console.home(&session).await.unwrap().uin, 3_000_000_000, "a new login ends no older session");
    let forged = SessionState { cookies: Secret::new("slave_sid=forged".into()), ..session.clone() };
    assert_eq!(w.console.home(&forged).await, Err(ConsoleError::SessionExpired));
    w.console.advance(SESSION_IDLE_SECS - 1);
    assert!(w.console.home(&session).await.is_ok());
    w.console.advance(SESSION_IDLE_SECS + 1);
    assert_eq!(w.console.home(&session).await, Err(ConsoleError::SessionExpired));
    assert_eq!(w.console.home(&other).await, Err(ConsoleError::SessionExpired));
}

#[tokio::test]
async fn followers_come_by_group_newest_first_and_move_between_groups() {
    let w = World::new(&[Strategy::Time], 25);
    let session = login(&w, &w.passwords[0], None).await.unwrap();
    let fans = w.fans(0);
    let page = w.console.followers(&session, 0, 1, 10).await.unwrap();
    let ids: Vec<u64> = page.contacts.iter().map(|c| c.fake_id).collect();
    assert_eq!(ids, fans[10..20]);
    assert_eq!(page.groups.iter().map(|g| (g.id, g.cnt)).collect::<Vec<_>>(), [(0, 25), (1, 0), (2, 0)]);
    assert!(w.console.followers(&session, 0, 3, 10).await.unwrap().contacts.is_empty(), "past the last page");

    let group = w.console.create_group(&session, "resolved").await.unwrap();
    assert_eq!(group, 100);
    assert_eq!(w.console.create_group(&session, "again").await, Ok(101));
    assert_eq!(w.console.create_group(&session, " ").await, Err(ConsoleError::InvalidArgument));
    w.console.move_to_group(&session, &fans[..2], group).await.unwrap();
    let moved = w.console.followers(&session, group, 0, 10).await.unwrap();
    assert_eq!(moved.contacts.iter().map(|c| c.fake_id).collect::<Vec<_>>(), fans[..2]);
    assert_eq!(moved.groups[0].cnt, 23);
    assert_eq!(w.console.move_to_group(&session, &fans[..1], 7).await, Err(ConsoleError::InvalidArgument));
    assert_eq!(w.console.move_to_group(&session, &[1], group).await, Err(ConsoleError::InvalidArgument));
    assert_eq!(w.console.contact_info(&session, fans[0]).await.unwrap().group_id, group);
    assert_eq!(w.console.contact_info(&session, 1).await, Err(ConsoleError::InvalidArgument));
    assert!(w.console.avatar(&session, fans[0]).await.unwrap().starts_with(&[0xFF, 0xD8]));
}

#[tokio::test]
async fn the_message_list_shows_follower_rows_newest_first_in_slices() {
    let w = World::new(&[Strategy::Time], 5);
    let fans = w.fans(0);
    let mut ids = Vec::new();
    for (i, fake_id) in fans.iter().enumerate() {
        ids.push(w.console.receive(0, *fake_id, 1, &format!("row {i}")));
        w.console.reply(0, *fake_id, "thanks");
        w.console.advance(1);
    }
    let session = login(&w, &w.passwords[0], None).await.unwrap();
    let all = w.console.messages(&session, MessageQuery::default()).await.unwrap();
    assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), ids.iter().rev().copied().collect::<Vec<_>>());
    assert!(all.iter().all(|m| !m.from_account() && m.to_uin == Some(3_000_000_000)), "no replies in the list");
    let older = MessageQuery { count: 2, from_msg_id: ids[3], ..MessageQuery::default() };
    let older = w.console.messages(&session, older).await.unwrap();
    assert_eq!(older.iter().map(|m| m.id).collect::<Vec<_>>(), [ids[2], ids[1]]);
    let skipped = MessageQuery { offset: 4, ..MessageQuery::default() };
    assert_eq!(w.console.messages(&session, skipped).await.unwrap()[0].id, ids[0]);
    let bad_day = MessageQuery { day: 5, ..MessageQuery::default() };
    assert_eq!(w.console.messages(&session, bad_day).await, Err(ConsoleError::InvalidArgument));
    assert_eq!(w.console.new_message_count(&session, ids[2]).await, Ok(2));

    let dialog = w.console.dialog(&session, fans[1], 3_000_000_000, 0).await.unwrap();
    assert_eq!(dialog.messages.len(), 2, "both ways");
    assert!(dialog.messages[0].from_account() && dialog.messages[0].fake_id == 3_000_000_000);
    assert_eq!(dialog.messages[0].to_uin, Some(fans[1]));
    let later = w.console.dialog(&session, fans[1], 3_000_000_000, T0 + 2).await.unwrap();
    assert!(later.messages.is_empty(), "createtime keeps only later messages");
    w.console.unfollow(0, fans[1]);
    assert_eq!(w.console.dialog(&session, fans[1], 0, 0).await, Err(ConsoleError::InvalidArgument));
}
