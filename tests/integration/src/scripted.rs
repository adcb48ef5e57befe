//! A console client whose calls can be intercepted: a test decides, per
//! endpoint, to let the call through to the real client (the emulator's) or
//! to answer it with an error, and may act on the emulator first.

use whosent::console::{
    Console, ConsoleError, ContactInfo, Dialog, FollowerPage, Home, HttpConsole, MessageItem, MessageQuery,
    SessionState,
};
use whosent::secrets::Secret;

/// The endpoint a call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The real client, with `script` asked before every call.
pub struct ScriptedConsole<'a> {
    inner: HttpConsole,
    script: Script<'a>,
}

impl<'a> ScriptedConsole<'a> {
    pub fn new(inner: HttpConsole, script: impl Fn(Call) -> Option<ConsoleError> + Send + Sync + 'a) -> Self {
        Self { inner, script: Box::new(script) }
    }

    fn ask(&self, call: Call) -> Result<(), ConsoleError> {
        (self.script)(call).map_or(Ok(()), Err)
    }
}

impl Console for ScriptedConsole<'_> {
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
