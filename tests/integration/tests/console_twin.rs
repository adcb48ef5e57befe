//! The in-memory console held to the platform emulator: the same world in
//! both, the same calls through [`HttpConsole`] on the emulator and through
//! [`MemoryConsole`], and the answers compared where the resolver and the
//! profile step read them (FakeIDs, times, contents, paging, groups and
//! their moves, error kinds). Tokens, cookies and avatar bytes differ by
//! nature and are compared by shape only.

use platform::{Body, Config, Knobs, Outgoing, Platform};
use whosent::console::memory::{ConsoleAccount, Row};
use whosent::console::{
    Console, ConsoleConfig, ConsoleError, ContactInfo, HttpConsole, MemoryConsole, MessageItem, MessageQuery,
};
use whosent::secrets::Secret;

/// 2014-08-22 09:44:52 +08:00.
const T0: i64 = 1_408_671_892;

/// The emulator's world, copied into a memory console.
fn twin_of(platform: &Platform) -> MemoryConsole {
    let console = MemoryConsole::new(platform.clock().now());
    let world = platform.world();
    for p in &world.people {
        console.add_person(ContactInfo {
            fake_id: p.fakeid,
            nick_name: p.nick_name.clone(),
            user_name: p.user_name.clone(),
            remark_name: p.remark_name.clone(),
            signature: p.signature.clone(),
            country: p.country.clone(),
            province: p.province.clone(),
            city: p.city.clone(),
            gender: i64::from(p.gender),
            group_id: 0,
        });
    }
    for a in platform.accounts() {
        let index = console.add_account(ConsoleAccount {
            username: a.username.clone(),
            password: a.password.clone(),
            uin: a.uin,
            user_name: a.gh_id.clone(),
            nick_name: a.nick_name.clone(),
        });
        // Newest first there: followed oldest first here.
        for follow in platform.followers(a.index).iter().rev() {
            console.follow_in(index, world.people[follow.person].fakeid, i64::from(follow.group_id));
        }
        for r in platform.console_records(a.index) {
            let mut row = Row::new(r.fakeid, r.from_biz, i64::from(r.type_code), &r.content, r.date_time);
            row.id = r.id;
            row.visible_at = (r.visible_at_ms + 999).div_euclid(1000);
            console.add_row(index, row);
        }
    }
    console
}

/// What the resolver reads of a message.
fn item(m: &MessageItem) -> String {
    format!(
        "{} {} {} {} {} {:?} {:?} {:?}",
        m.id, m.kind, m.fake_id, m.date_time, m.source, m.to_uin, m.content, m.nick_name
    )
}

fn kind<T>(answer: &Result<T, ConsoleError>) -> String {
    match answer {
        Ok(_) => "ok".to_owned(),
        Err(err) => format!("{err:?}"),
    }
}

/// The same calls on either console; one line per answer. `end_sessions`
/// ends account 0's sessions in the world behind the console.
async fn transcript<C: Console>(
    console: &C,
    platform: &Platform,
    fans: &[u64],
    end_sessions: impl Fn(),
) -> Vec<String> {
    let mut lines = Vec::new();
    let (a, b) = (&platform.accounts()[0], &platform.accounts()[1]);
    let password = |p: &str| Secret::new(p.to_owned());
    // Login codes, and the captcha after three failures (on account 1).
    lines.push(kind(&console.login("nobody@example.com", &password("x"), None, T0).await));
    for _ in 0..4 {
        lines.push(kind(&console.login(&b.username, &password("wrong"), None, T0).await));
    }
    let session = console.login(&a.username, &password(&a.password), None, T0).await.expect("login");
    let home = console.home(&session).await.expect("home");
    lines.push(format!("home {} {:?} {:?}", home.uin, home.user_name, home.nick_name));

    // Follower pages by group, and the groups with their sizes.
    for (group, page) in [(0, 0), (0, 1), (0, 9), (2, 0)] {
        let found = console.followers(&session, group, page, 10).await.expect("followers");
        let contacts: Vec<_> = found
            .contacts
            .iter()
            .map(|c| format!("{}/{}/{}/{}", c.fake_id, c.nick_name, c.remark_name, c.group_id))
            .collect();
        let groups: Vec<_> = found.groups.iter().map(|g| format!("{}:{}:{}", g.id, g.name, g.cnt)).collect();
        lines.push(format!("followers {group} {page}: {contacts:?} {groups:?}"));
    }
    // A group created, followers moved into it, bad moves refused.
    let group = console.create_group(&session, "whosent resolved").await.expect("group");
    lines.push(format!("created {group}"));
    lines.push(kind(&console.move_to_group(&session, &fans[..3], group).await));
    lines.push(kind(&console.move_to_group(&session, &fans[..1], 99).await));
    lines.push(kind(&console.move_to_group(&session, &[1], group).await));
    let moved = console.followers(&session, group, 0, 10).await.expect("followers");
    lines.push(format!("moved {:?}", moved.contacts.iter().map(|c| c.fake_id).collect::<Vec<_>>()));
    lines.push(format!("sizes {:?}", moved.groups.iter().map(|g| (g.id, g.cnt)).collect::<Vec<_>>()));

    // Profiles and avatars.
    lines.push(format!("{:?}", console.contact_info(&session, fans[0]).await));
    lines.push(kind(&console.contact_info(&session, 1).await));
    lines.push(format!(
        "avatar {:?}",
        console.avatar(&session, fans[1]).await.map(|jpeg| jpeg.starts_with(&[0xFF, 0xD8]))
    ));
    lines.push(kind(&console.avatar(&session, 1).await));

    // The message list: slices, days, the new-message count.
    let all = console.messages(&session, MessageQuery::default()).await.expect("list");
    lines.extend(all.iter().map(item));
    let from = all.get(2).map_or(0, |m| m.id);
    for query in [
        MessageQuery { count: 3, from_msg_id: from, ..MessageQuery::default() },
        MessageQuery { count: 2, offset: 1, ..MessageQuery::default() },
        MessageQuery { day: 0, ..MessageQuery::default() },
        MessageQuery { day: 3, ..MessageQuery::default() },
    ] {
        let slice = console.messages(&session, query).await.expect("list");
        lines.push(format!("{query:?}: {:?}", slice.iter().map(|m| m.id).collect::<Vec<_>>()));
    }
    lines.push(kind(&console.messages(&session, MessageQuery { day: 5, ..MessageQuery::default() }).await));
    lines.push(format!(
        "new {:?} {:?}",
        console.new_message_count(&session, 0).await,
        console.new_message_count(&session, from).await
    ));

    // Dialog pages, both ways, from a time on.
    for (fake_id, since) in [(fans[0], 0), (fans[1], 0), (fans[1], T0), (1, 0)] {
        let dialog = console.dialog(&session, fake_id, home.uin, since).await;
        lines.push(match dialog {
            Ok(d) => format!("dialog {} {:?}", d.to_nick_name, d.messages.iter().map(item).collect::<Vec<_>>()),
            Err(err) => format!("dialog {err:?}"),
        });
    }

    // An ended session.
    end_sessions();
    lines.push(kind(&console.home(&session).await));
    lines.push(kind(&console.followers(&session, 0, 0, 10).await));
    lines.push(kind(&console.avatar(&session, fans[1]).await));
    lines.push(kind(&console.dialog(&session, fans[0], home.uin, 0).await));
    lines
}

#[tokio::test]
async fn the_memory_console_answers_as_the_emulator_does() {
    let mut config = Config::small(61, 2, 40).frozen_at(T0).knobs(Knobs::instant());
    // Messages both ways over the past days, some past what the list keeps;
    // followers in the fixed groups.
    config.world.history = 60;
    config.world.starred_share = 0.2;
    config.world.blacklisted_share = 0.1;
    let platform = Platform::start(config).await.expect("start the platform emulator");
    let fans: Vec<u64> = {
        let world = platform.world();
        platform.followers(0).iter().map(|f| world.people[f.person].fakeid).collect()
    };
    // Messages of today on top of the world's history (no callback: the
    // console records them all the same).
    for (i, fake_id) in fans.iter().take(4).enumerate() {
        let body = Body::text(format!("hello & <welcome> {i}"));
        platform.send(Outgoing::new(0, *fake_id, body).at(T0 - i as i64)).await.expect("push");
    }
    let twin = twin_of(&platform);
    let http = HttpConsole::new(&ConsoleConfig::new(platform.console_url())).expect("client");
    let emulated = transcript(&http, &platform, &fans, || assert!(platform.end_sessions(0) > 0)).await;
    let memory = transcript(&twin, &platform, &fans, || assert!(twin.end_sessions(0) > 0)).await;
    assert!(emulated.len() > 30, "{emulated:#?}");
    for (i, (e, m)) in emulated.iter().zip(&memory).enumerate() {
        assert_eq!(e, m, "answer {i} differs");
    }
    assert_eq!(emulated.len(), memory.len());
}
