//! The patent's user-list method as written: on every push from a sender not
//! yet resolved, read the dialog pages of the unresolved list from the top
//! until the sender's marker shows, then move the follower to the resolved
//! group. One walk a push: a sender whose marker does not show waits for its
//! next push.

use std::collections::HashSet;

use whosent::console::{Console, ConsoleConfig, HttpConsole, SessionState};
use whosent::marker;
use whosent::resolve::by_user_list::decide as by_user_list;
use whosent::secrets::Secret;
use whosent::store::{Method, Resolution, ResolveState, ResolverStore};
use whosent_integration::emulated::MARKER_KEY;

use crate::run::Twin;

/// Pages of 100 followers read at most in one walk.
const MAX_PAGES: u32 = 100;

#[derive(Default)]
pub struct Literal {
    console: Option<(HttpConsole, SessionState)>,
    resolved_group: Option<i64>,
    /// The openIDs resolved so far.
    known: HashSet<String>,
    /// The followers whose page was read at least once.
    pub read: HashSet<u64>,
}

impl Literal {
    async fn login(&mut self, e: &Twin) {
        let console = HttpConsole::new(&ConsoleConfig::new(e.platform.console_url())).expect("client");
        let account = &e.platform.accounts()[0];
        let password = Secret::new(account.password.clone());
        let mut session = console.login(&account.username, &password, None, 0).await.expect("login");
        session.uin = Some(console.home(&session).await.expect("home").uin);
        self.resolved_group = Some(console.create_group(&session, "resolved").await.expect("group"));
        self.console = Some((console, session));
    }

    /// Walks once for each push of `pushes` (account 0's, by FakeID) whose
    /// sender is not resolved yet; returns how many walks it made.
    pub async fn walk(&mut self, e: &Twin, pushes: &[(usize, u64)]) -> u64 {
        if self.console.is_none() {
            self.login(e).await;
        }
        let mut walks = 0;
        for &(account, fake_id) in pushes {
            let Some(open_id) = e.platform.openid_of(account, fake_id) else { continue };
            if account != 0 || self.known.contains(&open_id) {
                continue;
            }
            walks += 1;
            if let Some(found) = self.find(&open_id).await {
                self.record(e, &open_id, found).await;
            }
        }
        walks
    }

    /// Reads the unresolved list's dialog pages from the top until `open_id`'s marker shows.
    async fn find(&mut self, open_id: &str) -> Option<u64> {
        let Self { console, read, .. } = self;
        let (console, session) = console.as_ref()?;
        let wanted = marker::marker(MARKER_KEY.as_bytes(), open_id);
        for page in 0..MAX_PAGES {
            let contacts = console.followers(session, 0, page, 100).await.ok()?.contacts;
            if contacts.is_empty() {
                return None;
            }
            for contact in contacts {
                let uin = session.uin.unwrap_or(0);
                let Ok(dialog) = console.dialog(session, contact.fake_id, uin, 0).await else { continue };
                read.insert(contact.fake_id);
                if by_user_list::markers_in(&dialog, contact.fake_id).iter().any(|m| m.marker == wanted) {
                    return Some(contact.fake_id);
                }
            }
        }
        None
    }

    /// Moves the follower to the resolved group and stores the mapping.
    async fn record(&mut self, e: &Twin, open_id: &str, fake_id: u64) {
        let Some((console, session)) = &self.console else { return };
        let _ = console.move_to_group(session, &[fake_id], self.resolved_group.unwrap_or(100)).await;
        let account = &e.accounts[0];
        let resolution =
            Resolution { fake_id, method: Method::UserList, evidence: "literal walk".into(), resolved_at: 0 };
        let _ = e.store.record_mapping(&account.id, open_id, &resolution).await;
        let _ = e.store.set_request_state(&account.id, open_id, ResolveState::Resolved, None, Some(fake_id), 0).await;
        self.known.insert(open_id.to_owned());
    }
}
