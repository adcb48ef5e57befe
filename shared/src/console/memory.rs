//! The in-memory twin of the console port: a small model of the 2013 web
//! console as [`super::HttpConsole`] sees it (console.md), held to the
//! platform emulator by a contract test. Logins with the password's digest,
//! the login guard and its captcha, sessions that end when idle or old,
//! follower pages by group, groups created and moved into, profiles and
//! avatars, the message list, the new-message count and dialog pages.
//!
//! A test builds the world through hooks (accounts, people, follows,
//! messages either way, the console's clock) and can make calls fail: a
//! scripted error for the next calls to an endpoint, every session of an
//! account ended, an account blocked. Clones share the same console.

mod state;

use std::sync::{Arc, Mutex, MutexGuard};

use state::{Books, State, day_span};
pub use state::{
    CAPTCHA_AFTER, ConsoleAccount, FIRST_CREATED_GROUP, FIXED_GROUPS, RETENTION_DAYS, Row, SESSION_IDLE_SECS,
    SESSION_MAX_AGE_SECS, captcha_text,
};

use super::scripted::Call;
use super::{
    Console, ConsoleError, ContactInfo, Dialog, FollowerPage, Home, MessageItem, MessageQuery, SessionState,
    password_digest,
};
use crate::secrets::Secret;

/// The console in memory.
#[derive(Debug, Clone)]
pub struct MemoryConsole {
    state: Arc<Mutex<State>>,
}

impl MemoryConsole {
    /// An empty console whose clock reads `now` (Unix seconds).
    pub fn new(now: i64) -> Self {
        Self { state: Arc::new(Mutex::new(State::new(now))) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The console's clock.
    pub fn now(&self) -> i64 {
        self.lock().now
    }

    pub fn set_now(&self, now: i64) {
        self.lock().now = now;
    }

    pub fn advance(&self, secs: i64) {
        self.lock().now += secs;
    }

    /// Adds an account with the fixed groups and no followers; its index.
    pub fn add_account(&self, account: ConsoleAccount) -> usize {
        let mut state = self.lock();
        let groups = FIXED_GROUPS.iter().map(|(id, name)| (*id, (*name).to_owned())).collect();
        state.books.push(Books { account: Some(account), groups, ..Books::default() });
        state.books.len() - 1
    }

    /// Adds or replaces a person's profile (`group_id` is ignored).
    pub fn add_person(&self, person: ContactInfo) {
        self.lock().people.insert(person.fake_id, person);
    }

    pub fn set_avatar(&self, fake_id: u64, jpeg: Vec<u8>) {
        self.lock().avatars.insert(fake_id, jpeg);
    }

    /// `fake_id` follows `account` now, newest of its followers, in group 0.
    pub fn follow(&self, account: usize, fake_id: u64) {
        self.follow_in(account, fake_id, 0);
    }

    /// Like [`MemoryConsole::follow`], in `group`.
    pub fn follow_in(&self, account: usize, fake_id: u64, group: i64) {
        let mut state = self.lock();
        let follows = &mut state.books[account].follows;
        follows.retain(|(f, _)| *f != fake_id);
        follows.insert(0, (fake_id, group));
    }

    /// `fake_id` leaves the account's followers.
    pub fn unfollow(&self, account: usize, fake_id: u64) {
        self.lock().books[account].follows.retain(|(f, _)| *f != fake_id);
    }

    /// The account's followers, newest first, with their groups.
    pub fn follows(&self, account: usize) -> Vec<(u64, i64)> {
        self.lock().books[account].follows.clone()
    }

    /// The group a follower is in now.
    pub fn group_of(&self, account: usize, fake_id: u64) -> Option<i64> {
        self.lock().books[account].follows.iter().find(|(f, _)| *f == fake_id).map(|(_, g)| *g)
    }

    /// Adds a message record (the next id when `row.id` is 0); its id.
    pub fn add_row(&self, account: usize, mut row: Row) -> u64 {
        let mut state = self.lock();
        if row.id == 0 {
            row.id = state.next_id;
        }
        state.next_id = state.next_id.max(row.id + 1);
        let rows = &mut state.books[account].rows;
        let at = rows.partition_point(|r| r.id < row.id);
        let id = row.id;
        rows.insert(at, row);
        id
    }

    /// A follower's message, dated and shown now; its id.
    pub fn receive(&self, account: usize, fake_id: u64, kind: i64, content: &str) -> u64 {
        let now = self.now();
        self.add_row(account, Row::new(fake_id, false, kind, content, now))
    }

    /// The account's text to a follower (a passive reply), dated and shown now; its id.
    pub fn reply(&self, account: usize, fake_id: u64, content: &str) -> u64 {
        let now = self.now();
        self.add_row(account, Row::new(fake_id, true, 1, content, now))
    }

    /// Every record of the account, in id order.
    pub fn rows(&self, account: usize) -> Vec<Row> {
        self.lock().books[account].rows.clone()
    }

    /// Blocks (or unblocks) an account: its logins get [`ConsoleError::Restricted`].
    pub fn set_blocked(&self, account: usize, blocked: bool) {
        self.lock().books[account].blocked = blocked;
    }

    /// Ends every session of an account; how many there were.
    pub fn end_sessions(&self, account: usize) -> usize {
        self.lock().end_sessions(account)
    }

    /// The next `times` calls to `call` answer `error`. A scripted
    /// [`ConsoleError::SessionExpired`] also ends the session the call carried.
    pub fn fail(&self, call: Call, error: ConsoleError, times: usize) {
        self.lock().add_fault(call, error, times);
    }

    /// How many calls reached `call` (failed ones included).
    pub fn calls(&self, call: Call) -> usize {
        self.lock().calls.get(&call).copied().unwrap_or(0)
    }

    /// Successful and refused logins so far.
    pub fn logins(&self) -> (usize, usize) {
        let state = self.lock();
        (state.logins, state.failed_logins)
    }

    /// Counts `call`, answers a scripted error, else runs `f` with the
    /// account the session belongs to.
    fn with_session<T>(
        &self,
        call: Call,
        session: &SessionState,
        f: impl FnOnce(&mut State, usize) -> Result<T, ConsoleError>,
    ) -> Result<T, ConsoleError> {
        let mut state = self.lock();
        if let Some(error) = state.enter(call) {
            if error.is_session_expired() {
                state.end_session(&session.token);
            }
            return Err(error);
        }
        let account = state.session(session)?;
        f(&mut state, account)
    }
}

impl Row {
    /// A record shown from the time it is dated.
    pub fn new(fake_id: u64, from_account: bool, kind: i64, content: &str, date_time: i64) -> Self {
        Self { id: 0, fake_id, from_account, kind, content: content.to_owned(), date_time, visible_at: date_time }
    }
}

/// A stand-in JPEG: start and end markers around the FakeID.
fn stand_in_avatar(fake_id: u64) -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend_from_slice(&fake_id.to_be_bytes());
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

impl Console for MemoryConsole {
    async fn login(
        &self,
        username: &str,
        password: &Secret<String>,
        imgcode: Option<&str>,
        now: i64,
    ) -> Result<SessionState, ConsoleError> {
        let mut state = self.lock();
        if let Some(error) = state.enter(Call::Login) {
            return Err(error);
        }
        let result = state.login(username, &password_digest(password.expose()), imgcode.unwrap_or("").trim());
        match &result {
            Ok(_) => state.logins += 1,
            Err(_) => state.failed_logins += 1,
        }
        result.map(|session| SessionState { created_at: now, ..session })
    }

    async fn home(&self, session: &SessionState) -> Result<Home, ConsoleError> {
        self.with_session(Call::Home, session, |state, account| {
            let account = state.books[account].account.clone().ok_or(ConsoleError::SessionExpired)?;
            Ok(Home { uin: account.uin, user_name: Some(account.user_name), nick_name: Some(account.nick_name) })
        })
    }

    async fn followers(
        &self,
        session: &SessionState,
        group_id: i64,
        page_idx: u32,
        page_size: u32,
    ) -> Result<FollowerPage, ConsoleError> {
        self.with_session(Call::Followers, session, |state, account| {
            let (contacts, groups) = state.page(account, group_id, page_idx, page_size);
            Ok(FollowerPage { contacts, groups })
        })
    }

    async fn create_group(&self, session: &SessionState, name: &str) -> Result<i64, ConsoleError> {
        self.with_session(Call::CreateGroup, session, |state, account| {
            let name = name.trim();
            if name.is_empty() {
                return Err(ConsoleError::InvalidArgument);
            }
            let groups = &mut state.books[account].groups;
            let id = groups.iter().map(|(id, _)| id + 1).max().unwrap_or(0).max(FIRST_CREATED_GROUP);
            groups.push((id, name.to_owned()));
            Ok(id)
        })
    }

    async fn move_to_group(&self, session: &SessionState, fake_ids: &[u64], group_id: i64) -> Result<(), ConsoleError> {
        self.with_session(Call::MoveToGroup, session, |state, account| {
            let books = &mut state.books[account];
            let known = books.groups.iter().any(|(id, _)| *id == group_id);
            let following = fake_ids.iter().all(|f| books.follows.iter().any(|(g, _)| g == f));
            if !known || !following || fake_ids.is_empty() {
                return Err(ConsoleError::InvalidArgument);
            }
            for (fake_id, group) in &mut books.follows {
                if fake_ids.contains(fake_id) {
                    *group = group_id;
                }
            }
            Ok(())
        })
    }

    async fn contact_info(&self, session: &SessionState, fake_id: u64) -> Result<ContactInfo, ConsoleError> {
        self.with_session(Call::ContactInfo, session, |state, account| state.contact(account, fake_id))
    }

    async fn avatar(&self, session: &SessionState, fake_id: u64) -> Result<Vec<u8>, ConsoleError> {
        self.with_session(Call::Avatar, session, |state, account| {
            if !state.follows(account, fake_id) {
                // The console answers `ret` 200002 as JSON, which the HTTP
                // client takes for an answer of the wrong type.
                return Err(ConsoleError::Malformed(r#"avatar of type "application/json; charset=UTF-8""#.into()));
            }
            Ok(state.avatars.get(&fake_id).cloned().unwrap_or_else(|| stand_in_avatar(fake_id)))
        })
    }

    async fn messages(&self, session: &SessionState, query: MessageQuery) -> Result<Vec<MessageItem>, ConsoleError> {
        self.with_session(Call::Messages, session, |state, account| {
            let (since, until) = day_span(query.day, state.now).ok_or(ConsoleError::InvalidArgument)?;
            let from = Some(query.from_msg_id).filter(|&id| id != 0);
            let items = state
                .listed(account)
                .rev()
                .filter(|r| from.is_none_or(|from| r.id < from))
                .filter(|r| (since..until).contains(&r.date_time))
                .skip(query.offset as usize)
                .take(query.count.clamp(1, 100) as usize)
                .map(|r| state.item(account, r))
                .collect();
            Ok(items)
        })
    }

    async fn new_message_count(&self, session: &SessionState, last_msg_id: u64) -> Result<u64, ConsoleError> {
        self.with_session(Call::NewMessageCount, session, |state, account| {
            Ok(state.listed(account).filter(|r| r.id > last_msg_id).count() as u64)
        })
    }

    async fn dialog(
        &self,
        session: &SessionState,
        to_fake_id: u64,
        _account_uin: u64,
        create_time: i64,
    ) -> Result<Dialog, ConsoleError> {
        self.with_session(Call::Dialog, session, |state, account| {
            let to_nick_name = state.contact(account, to_fake_id)?.nick_name;
            let now = state.now;
            let messages = state.books[account]
                .rows
                .iter()
                .rev()
                .filter(|r| r.fake_id == to_fake_id && r.visible_at <= now && r.date_time >= create_time)
                .map(|r| state.item(account, r))
                .collect();
            Ok(Dialog { to_nick_name, messages })
        })
    }
}
