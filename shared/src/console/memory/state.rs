//! What the in-memory console holds, and the rules it answers by: sessions
//! and the login guard, follows and groups, the message records.

use std::collections::HashMap;

use super::super::scripted::Call;
use super::super::{ConsoleError, Contact, ContactInfo, Group, MessageItem, SessionState};

/// Idle time after which a session ends (console.md: 30 minutes).
pub const SESSION_IDLE_SECS: i64 = 30 * 60;
/// Age after which a session ends (console.md: 6 hours).
pub const SESSION_MAX_AGE_SECS: i64 = 6 * 3600;
/// Failed logins in a row after which a captcha is demanded.
pub const CAPTCHA_AFTER: u32 = 3;
/// Days of follower messages the message list shows.
pub const RETENTION_DAYS: i64 = 5;
/// Groups every account has: ungrouped, blacklist, starred.
pub const FIXED_GROUPS: [(i64, &str); 3] = [(0, "未分组"), (1, "黑名单"), (2, "星标组")];
/// Ids of groups an account creates start here.
pub const FIRST_CREATED_GROUP: i64 = 100;
/// The console's days start at midnight China Standard Time (UTC+8).
const TZ_OFFSET: i64 = 8 * 3600;

/// An account as the console knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleAccount {
    pub username: String,
    pub password: String,
    /// The account's own FakeID.
    pub uin: u64,
    /// The account's `gh_…` id.
    pub user_name: String,
    pub nick_name: String,
}

/// One message the console keeps, either way between the account and a follower.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The console's message id; 0 when added: the next id is given.
    pub id: u64,
    /// The follower the message is from or to.
    pub fake_id: u64,
    /// Written by the account (a passive reply).
    pub from_account: bool,
    /// 1 text, 2 image, 3 voice, 4 video.
    pub kind: i64,
    /// Unescaped text.
    pub content: String,
    /// The console's own clock.
    pub date_time: i64,
    /// From when the console shows it (Unix seconds).
    pub visible_at: i64,
}

#[derive(Debug, Default)]
pub(super) struct Books {
    pub account: Option<ConsoleAccount>,
    pub blocked: bool,
    /// Current followers, newest follow first: (FakeID, group).
    pub follows: Vec<(u64, i64)>,
    pub groups: Vec<(i64, String)>,
    /// In id order.
    pub rows: Vec<Row>,
}

#[derive(Debug)]
struct Session {
    account: usize,
    cookies: String,
    created: i64,
    last: i64,
}

#[derive(Debug, Default)]
struct Guard {
    failures: u32,
    captcha_required: bool,
}

/// Everything, under one lock.
#[derive(Debug)]
pub(super) struct State {
    pub now: i64,
    pub books: Vec<Books>,
    pub people: HashMap<u64, ContactInfo>,
    pub avatars: HashMap<u64, Vec<u8>>,
    sessions: HashMap<String, Session>,
    guards: HashMap<String, Guard>,
    next_token: u64,
    pub next_id: u64,
    faults: Vec<(Call, ConsoleError, usize)>,
    pub calls: HashMap<Call, usize>,
    pub logins: usize,
    pub failed_logins: usize,
}

impl State {
    pub fn new(now: i64) -> Self {
        Self {
            now,
            books: Vec::new(),
            people: HashMap::new(),
            avatars: HashMap::new(),
            sessions: HashMap::new(),
            guards: HashMap::new(),
            next_token: 373_179_898,
            next_id: 206_439_583,
            faults: Vec::new(),
            calls: HashMap::new(),
            logins: 0,
            failed_logins: 0,
        }
    }

    pub fn add_fault(&mut self, call: Call, error: ConsoleError, times: usize) {
        self.faults.push((call, error, times));
    }

    /// Counts the call and takes an error scripted for it, if any.
    pub fn enter(&mut self, call: Call) -> Option<ConsoleError> {
        *self.calls.entry(call).or_default() += 1;
        let fault = self.faults.iter_mut().find(|(c, _, left)| *c == call && *left > 0)?;
        fault.2 -= 1;
        Some(fault.1.clone())
    }

    /// Checks a login; the new session, or the console's refusal.
    pub fn login(&mut self, username: &str, pwd: &str, imgcode: &str) -> Result<SessionState, ConsoleError> {
        let index = self
            .books
            .iter()
            .position(|b| b.account.as_ref().is_some_and(|a| a.username == username))
            .ok_or(ConsoleError::NoSuchAccount)?;
        let books = &self.books[index];
        let account = books.account.clone().ok_or(ConsoleError::NoSuchAccount)?;
        let guard = self.guards.entry(username.to_owned()).or_default();
        if guard.captcha_required {
            if imgcode.is_empty() {
                return Err(ConsoleError::CaptchaRequired);
            }
            if imgcode != captcha_text(username) {
                return Err(ConsoleError::WrongCaptcha);
            }
        }
        if !pwd.eq_ignore_ascii_case(&super::super::password_digest(&account.password)) {
            guard.failures += 1;
            guard.captcha_required |= guard.failures >= CAPTCHA_AFTER;
            return Err(ConsoleError::WrongPassword);
        }
        if books.blocked {
            return Err(ConsoleError::Restricted);
        }
        *guard = Guard::default();
        self.next_token += 7_919;
        let token = self.next_token.to_string();
        let cookies = format!(
            "slave_user={}; slave_sid=sid{token}; bizuin={uin}; data_bizuin={uin}; data_ticket=ticket{token}",
            account.user_name,
            uin = account.uin
        );
        let session = Session { account: index, cookies: cookies.clone(), created: self.now, last: self.now };
        self.sessions.insert(token.clone(), session);
        Ok(SessionState { token, cookies: crate::secrets::Secret::new(cookies), uin: None, created_at: 0 })
    }

    /// The account whose session this is, if it is still open.
    pub fn session(&mut self, session: &SessionState) -> Result<usize, ConsoleError> {
        let now = self.now;
        let open = self.sessions.get_mut(&session.token).filter(|s| s.cookies == *session.cookies.expose());
        let Some(open) = open else { return Err(ConsoleError::SessionExpired) };
        if now - open.last > SESSION_IDLE_SECS || now - open.created > SESSION_MAX_AGE_SECS {
            self.sessions.remove(&session.token);
            return Err(ConsoleError::SessionExpired);
        }
        open.last = now;
        Ok(open.account)
    }

    pub fn end_session(&mut self, token: &str) {
        self.sessions.remove(token);
    }

    pub fn end_sessions(&mut self, account: usize) -> usize {
        let before = self.sessions.len();
        self.sessions.retain(|_, s| s.account != account);
        before - self.sessions.len()
    }

    pub fn follows(&self, account: usize, fake_id: u64) -> bool {
        self.books[account].follows.iter().any(|(f, _)| *f == fake_id)
    }

    /// A follower's contact entry (`InvalidArgument` when not a follower).
    pub fn contact(&self, account: usize, fake_id: u64) -> Result<ContactInfo, ConsoleError> {
        let group = self.books[account].follows.iter().find(|(f, _)| *f == fake_id).map(|(_, g)| *g);
        let group_id = group.ok_or(ConsoleError::InvalidArgument)?;
        let person = self.people.get(&fake_id).cloned().unwrap_or_else(|| unnamed(fake_id));
        Ok(ContactInfo { group_id, ..person })
    }

    pub fn page(&self, account: usize, group: i64, page: u32, size: u32) -> (Vec<Contact>, Vec<Group>) {
        let size = size.clamp(1, 100) as usize;
        let books = &self.books[account];
        let contacts = books
            .follows
            .iter()
            .filter(|(_, g)| *g == group)
            .skip((page as usize).saturating_mul(size))
            .take(size)
            .filter_map(|(f, _)| self.contact(account, *f).ok())
            .map(|c| Contact {
                fake_id: c.fake_id,
                nick_name: c.nick_name,
                remark_name: c.remark_name,
                group_id: c.group_id,
            })
            .collect();
        let groups = books
            .groups
            .iter()
            .map(|(id, name)| Group {
                id: *id,
                name: name.clone(),
                cnt: books.follows.iter().filter(|(_, g)| g == id).count() as i64,
            })
            .collect();
        (contacts, groups)
    }

    /// Follower messages the list shows now, oldest first.
    pub fn listed(&self, account: usize) -> impl DoubleEndedIterator<Item = &Row> {
        let (now, kept_from) = (self.now, self.now - RETENTION_DAYS * 86_400);
        self.books[account]
            .rows
            .iter()
            .filter(move |r| !r.from_account && r.visible_at <= now && r.date_time >= kept_from)
    }

    /// A row as the list and the dialog page show it.
    pub fn item(&self, account: usize, row: &Row) -> MessageItem {
        let uin = self.books[account].account.as_ref().map_or(0, |a| a.uin);
        let nick = |fake_id: u64| self.people.get(&fake_id).map(|p| p.nick_name.clone()).unwrap_or_default();
        let (fake_id, nick_name, to_uin) = if row.from_account {
            (uin, self.books[account].account.as_ref().map(|a| a.nick_name.clone()).unwrap_or_default(), row.fake_id)
        } else {
            (row.fake_id, nick(row.fake_id), uin)
        };
        MessageItem {
            id: row.id,
            kind: row.kind,
            fake_id,
            nick_name,
            date_time: row.date_time,
            content: row.content.clone(),
            source: if row.from_account { "biz".to_owned() } else { String::new() },
            to_uin: Some(to_uin),
        }
    }
}

/// The `[from, until)` span of `day`: 0 today, 1 yesterday, 2 the day
/// before, 3 older, 7 all.
pub(super) fn day_span(day: u32, now: i64) -> Option<(i64, i64)> {
    let today = (now + TZ_OFFSET).div_euclid(86_400) * 86_400 - TZ_OFFSET;
    match day {
        0 => Some((today, i64::MAX)),
        1 => Some((today - 86_400, today)),
        2 => Some((today - 2 * 86_400, today - 86_400)),
        3 => Some((i64::MIN, today - 2 * 86_400)),
        7 => Some((i64::MIN, i64::MAX)),
        _ => None,
    }
}

/// The text of the captcha the console shows `username` (what a person
/// would read off the image).
pub fn captcha_text(username: &str) -> String {
    format!("{:04}", username.bytes().map(u32::from).sum::<u32>() % 10_000)
}

/// A person the console has no details of: a nickname from the FakeID.
pub(super) fn unnamed(fake_id: u64) -> ContactInfo {
    ContactInfo {
        fake_id,
        nick_name: format!("fan{fake_id}"),
        user_name: String::new(),
        remark_name: String::new(),
        signature: String::new(),
        country: String::new(),
        province: String::new(),
        city: String::new(),
        gender: 0,
        group_id: 0,
    }
}
