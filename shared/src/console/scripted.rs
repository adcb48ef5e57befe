//! A console whose calls can be intercepted: a test decides, per endpoint,
//! to let the call through to the wrapped console (the emulator's over HTTP,
//! or [`super::MemoryConsole`]) or to answer it with an error, and may act
//! on the world behind the console first.

use super::{Console, ConsoleError, ContactInfo, Dialog, FollowerPage, Home, MessageItem, MessageQuery, SessionState};
use crate::secrets::Secret;

/// The endpoint a call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
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

/// What a script returns for a call: `None` lets it through.
type Script<'a> = Box<dyn Fn(Call) -> Option<ConsoleError> + Send + Sync + 'a>;

/// The wrapped console, with `script` asked before every call.
pub struct ScriptedConsole<'a, C> {
    inner: C,
    script: Script<'a>,
}

impl<'a, C: Console> ScriptedConsole<'a, C> {
    pub fn new(inner: C, script: impl Fn(Call) -> Option<ConsoleError> + Send + Sync + 'a) -> Self {
        Self { inner, script: Box::new(script) }
    }

    /// The wrapped console.
    pub fn inner(&self) -> &C {
        &self.inner
    }

    fn ask(&self, call: Call) -> Result<(), ConsoleError> {
        (self.script)(call).map_or(Ok(()), Err)
    }
}

impl<C: Console> Console for ScriptedConsole<'_, C> {
    async fn login(
        &self,
        username: &str,
        password: &Secret<String>,
        imgcode: Option<&str>,
        now: i64,
    ) -> Result<SessionState, ConsoleError> {
        self.ask(Call::Login)?;
        self.inner.login(username, password, imgcode, now).await
    }
    async fn home(&self, session: &SessionState) -> Result<Home, ConsoleError> {
        self.ask(Call::Home)?;
        self.inner.home(session).await
    }
    async fn followers(
        &self,
        s: &SessionState,
        group: i64,
        page: u32,
        size: u32,
    ) -> Result<FollowerPage, ConsoleError> {
        self.ask(Call::Followers)?;
        self.inner.followers(s, group, page, size).await
    }
    async fn create_group(&self, session: &SessionState, name: &str) -> Result<i64, ConsoleError> {
        self.ask(Call::CreateGroup)?;
        self.inner.create_group(session, name).await
    }
    async fn move_to_group(&self, session: &SessionState, ids: &[u64], group: i64) -> Result<(), ConsoleError> {
        self.ask(Call::MoveToGroup)?;
        self.inner.move_to_group(session, ids, group).await
    }
    async fn contact_info(&self, session: &SessionState, fake_id: u64) -> Result<ContactInfo, ConsoleError> {
        self.ask(Call::ContactInfo)?;
        self.inner.contact_info(session, fake_id).await
    }
    async fn avatar(&self, session: &SessionState, fake_id: u64) -> Result<Vec<u8>, ConsoleError> {
        self.ask(Call::Avatar)?;
        self.inner.avatar(session, fake_id).await
    }
    async fn messages(&self, session: &SessionState, query: MessageQuery) -> Result<Vec<MessageItem>, ConsoleError> {
        self.ask(Call::Messages)?;
        self.inner.messages(session, query).await
    }
    async fn new_message_count(&self, session: &SessionState, last: u64) -> Result<u64, ConsoleError> {
        self.ask(Call::NewMessageCount)?;
        self.inner.new_message_count(session, last).await
    }
    async fn dialog(&self, s: &SessionState, to: u64, uin: u64, at: i64) -> Result<Dialog, ConsoleError> {
        self.ask(Call::Dialog)?;
        self.inner.dialog(s, to, uin, at).await
    }
}
