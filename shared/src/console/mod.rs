//! The platform's web console (docs/console.md), which the resolver and the
//! profile function log into (patent steps 15–17).
//!
//! [`Console`] is the port; [`HttpConsole`] its reqwest adapter. Every call
//! carries the session's token and cookies; every console code becomes a
//! typed [`ConsoleError`]; FakeIDs are accepted as numbers or strings, lists
//! encoded twice are decoded twice, and message content is unescaped.
//!
//! [`CountingConsole`] wraps any of them to count requests by endpoint,
//! logins and frequency-control answers, for the metrics.
//!
//! With the `twins` feature (and in this crate's tests), `MemoryConsole`
//! is the port's in-memory twin and `ScriptedConsole` wraps either to
//! answer chosen calls with errors.

mod client;
mod counting;
mod de;
mod error;
#[cfg(any(test, feature = "twins"))]
pub mod memory;
pub mod model;
#[cfg(any(test, feature = "twins"))]
pub mod scripted;

pub use client::{ConsoleConfig, HttpConsole, password_digest};
pub use counting::{ConsoleCounts, CountingConsole, Endpoint};
pub use error::ConsoleError;
#[cfg(any(test, feature = "twins"))]
pub use memory::MemoryConsole;
pub use model::{Contact, ContactInfo, Dialog, FollowerPage, Group, Home, MessageItem, MessageQuery, SessionState};
#[cfg(any(test, feature = "twins"))]
pub use scripted::{Call, ScriptedConsole};

use crate::secrets::Secret;

/// What whosent asks of the console.
pub trait Console: Send + Sync {
    /// Logs in; `now` stamps the session.
    fn login(
        &self,
        username: &str,
        password: &Secret<String>,
        imgcode: Option<&str>,
        now: i64,
    ) -> impl Future<Output = Result<SessionState, ConsoleError>> + Send;

    /// The home page: the account's own FakeID (`uin`).
    fn home(&self, session: &SessionState) -> impl Future<Output = Result<Home, ConsoleError>> + Send;

    /// One page (from 0) of a group's followers, newest first.
    fn followers(
        &self,
        session: &SessionState,
        group_id: i64,
        page_idx: u32,
        page_size: u32,
    ) -> impl Future<Output = Result<FollowerPage, ConsoleError>> + Send;

    /// Creates a group and returns its id.
    fn create_group(
        &self,
        session: &SessionState,
        name: &str,
    ) -> impl Future<Output = Result<i64, ConsoleError>> + Send;

    /// Moves followers into a group.
    fn move_to_group(
        &self,
        session: &SessionState,
        fake_ids: &[u64],
        group_id: i64,
    ) -> impl Future<Output = Result<(), ConsoleError>> + Send;

    /// One person's profile; [`ConsoleError::InvalidArgument`] when they do not follow.
    fn contact_info(
        &self,
        session: &SessionState,
        fake_id: u64,
    ) -> impl Future<Output = Result<ContactInfo, ConsoleError>> + Send;

    /// The avatar, JPEG bytes.
    fn avatar(
        &self,
        session: &SessionState,
        fake_id: u64,
    ) -> impl Future<Output = Result<Vec<u8>, ConsoleError>> + Send;

    /// A slice of the message list, newest first.
    fn messages(
        &self,
        session: &SessionState,
        query: MessageQuery,
    ) -> impl Future<Output = Result<Vec<MessageItem>, ConsoleError>> + Send;

    /// How many messages arrived after `last_msg_id`.
    fn new_message_count(
        &self,
        session: &SessionState,
        last_msg_id: u64,
    ) -> impl Future<Output = Result<u64, ConsoleError>> + Send;

    /// One follower's dialog page, both directions, newest first, at or after `create_time`.
    fn dialog(
        &self,
        session: &SessionState,
        to_fake_id: u64,
        account_uin: u64,
        create_time: i64,
    ) -> impl Future<Output = Result<Dialog, ConsoleError>> + Send;
}
