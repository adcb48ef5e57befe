//! A console that counts what is asked of it: requests by endpoint, logins
//! that opened a session and those refused, and frequency-control answers
//! (200013) by endpoint. It wraps the console of one invocation (any
//! adapter or twin) and is read once at the end, for the metrics.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Console, ConsoleError, ContactInfo, Dialog, FollowerPage, Home, MessageItem, MessageQuery, SessionState};
use crate::metrics::{CONSOLE_LOGINS, CONSOLE_REQUESTS, ENDPOINT, FREQUENCY_CONTROL, Metrics, OUTCOME};
use crate::secrets::Secret;

/// A console endpoint, by the name the metrics give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Login,
    Home,
    Followers,
    CreateGroup,
    MoveToGroup,
    ContactInfo,
    Avatar,
    Messages,
    NewMessageCount,
    Dialog,
}

impl Endpoint {
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Login => "login",
            Endpoint::Home => "home",
            Endpoint::Followers => "followers",
            Endpoint::CreateGroup => "create_group",
            Endpoint::MoveToGroup => "move_to_group",
            Endpoint::ContactInfo => "contact_info",
            Endpoint::Avatar => "avatar",
            Endpoint::Messages => "messages",
            Endpoint::NewMessageCount => "new_message_count",
            Endpoint::Dialog => "dialog",
        }
    }
}

/// What was asked of the console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleCounts {
    pub requests: BTreeMap<Endpoint, usize>,
    pub frequency_control: BTreeMap<Endpoint, usize>,
    /// Logins that opened a session.
    pub logins: usize,
    /// Logins the console refused or that failed.
    pub logins_refused: usize,
}

impl ConsoleCounts {
    /// Adds these counts to an invocation's metrics.
    pub fn record(&self, metrics: &mut Metrics) {
        for (endpoint, n) in &self.requests {
            metrics.count(CONSOLE_REQUESTS, &[(ENDPOINT, endpoint.name())], *n);
        }
        for (endpoint, n) in &self.frequency_control {
            metrics.count(FREQUENCY_CONTROL, &[(ENDPOINT, endpoint.name())], *n);
        }
        if self.logins > 0 {
            metrics.count(CONSOLE_LOGINS, &[(OUTCOME, "ok")], self.logins);
        }
        if self.logins_refused > 0 {
            metrics.count(CONSOLE_LOGINS, &[(OUTCOME, "refused")], self.logins_refused);
        }
    }
}

/// The wrapped console, counting.
pub struct CountingConsole<'a, C> {
    inner: &'a C,
    counts: Mutex<ConsoleCounts>,
}

impl<'a, C: Console> CountingConsole<'a, C> {
    pub fn new(inner: &'a C) -> Self {
        Self { inner, counts: Mutex::default() }
    }

    /// What was counted so far.
    pub fn counts(&self) -> ConsoleCounts {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Counts one answer of `endpoint` and hands it on.
    fn counted<T>(&self, endpoint: Endpoint, answer: Result<T, ConsoleError>) -> Result<T, ConsoleError> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *counts.requests.entry(endpoint).or_default() += 1;
        if matches!(answer, Err(ConsoleError::FrequencyControl)) {
            *counts.frequency_control.entry(endpoint).or_default() += 1;
        }
        if endpoint == Endpoint::Login {
            match answer {
                Ok(_) => counts.logins += 1,
                Err(_) => counts.logins_refused += 1,
            }
        }
        answer
    }
}

impl<C: Console> Console for CountingConsole<'_, C> {
    async fn login(
        &self,
        username: &str,
        password: &Secret<String>,
        imgcode: Option<&str>,
        now: i64,
    ) -> Result<SessionState, ConsoleError> {
        self.counted(Endpoint::Login, self.inner.login(username, password, imgcode, now).await)
    }
    async fn home(&self, session: &SessionState) -> Result<Home, ConsoleError> {
        self.counted(Endpoint::Home, self.inner.home(session).await)
    }
    async fn followers(
        &self,
        s: &SessionState,
        group: i64,
        page: u32,
        size: u32,
    ) -> Result<FollowerPage, ConsoleError> {
        self.counted(Endpoint::Followers, self.inner.followers(s, group, page, size).await)
    }
    async fn create_group(&self, session: &SessionState, name: &str) -> Result<i64, ConsoleError> {
        self.counted(Endpoint::CreateGroup, self.inner.create_group(session, name).await)
    }
    async fn move_to_group(&self, session: &SessionState, ids: &[u64], group: i64) -> Result<(), ConsoleError> {
        self.counted(Endpoint::MoveToGroup, self.inner.move_to_group(session, ids, group).await)
    }
    async fn contact_info(&self, session: &SessionState, fake_id: u64) -> Result<ContactInfo, ConsoleError> {
        self.counted(Endpoint::ContactInfo, self.inner.contact_info(session, fake_id).await)
    }
    async fn avatar(&self, session: &SessionState, fake_id: u64) -> Result<Vec<u8>, ConsoleError> {
        self.counted(Endpoint::Avatar, self.inner.avatar(session, fake_id).await)
    }
    async fn messages(&self, session: &SessionState, query: MessageQuery) -> Result<Vec<MessageItem>, ConsoleError> {
        self.counted(Endpoint::Messages, self.inner.messages(session, query).await)
    }
    async fn new_message_count(&self, session: &SessionState, last: u64) -> Result<u64, ConsoleError> {
        self.counted(Endpoint::NewMessageCount, self.inner.new_message_count(session, last).await)
    }
    async fn dialog(&self, s: &SessionState, to: u64, uin: u64, at: i64) -> Result<Dialog, ConsoleError> {
        self.counted(Endpoint::Dialog, self.inner.dialog(s, to, uin, at).await)
    }
}

#[cfg(test)]
mod tests;
