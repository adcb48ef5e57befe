//! Console sessions and the login guard (docs/console.md, "Login" and "Sessions").
//!
//! A session is a token plus five cookies. Every call must carry the token
//! and all five cookies as issued; a session ends after an idle time and
//! after a maximum age, and a new login does not end older ones. After
//! `captcha_after` failed logins in a row a username must pass a captcha.

use std::collections::{HashMap, VecDeque};

use rand::RngExt;

use crate::knobs::Knobs;
use crate::rng::{self, ALNUM, HEX, Rng};
use crate::world::Account;

/// The cookies a login sets, in the order they are sent.
pub const COOKIE_NAMES: [&str; 5] = ["slave_user", "slave_sid", "bizuin", "data_bizuin", "data_ticket"];
/// The cookie `verifycode` sets, which must come back with `imgcode`.
pub const CAPTCHA_COOKIE: &str = "sig";

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub account: usize,
    pub token: String,
    pub cookies: [String; 5],
    pub ticket: String,
    created_ms: i64,
    last_ms: i64,
    recent: VecDeque<i64>,
}

/// Why a request has no usable session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Missing or unknown token, missing or wrong cookies, expired: 200003.
    Invalid,
    /// The session asked too often: 200013.
    Limited,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct LoginGuard {
    pub failures: u32,
    pub captcha_required: bool,
    pub captcha: Option<Captcha>,
}

#[derive(Debug, Clone)]
pub(crate) struct Captcha {
    pub text: String,
    pub sig: String,
}

#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_token: HashMap<String, Session>,
    pub guards: HashMap<String, LoginGuard>,
}

impl Sessions {
    /// Opens a session for `account`.
    pub fn open(&mut self, account: &Account, rng: &mut Rng, now_ms: i64) -> &Session {
        let token = loop {
            let token = rng.random_range(100_000_000u64..2_000_000_000).to_string();
            if !self.by_token.contains_key(&token) {
                break token;
            }
        };
        let uin = account.uin.to_string();
        let cookies = [
            account.gh_id.clone(),
            rng::string_from(rng, ALNUM, 64),
            uin.clone(),
            uin,
            rng::string_from(rng, ALNUM, 44),
        ];
        let session = Session {
            account: account.index,
            token: token.clone(),
            cookies,
            ticket: rng::string_from(rng, HEX, 40),
            created_ms: now_ms,
            last_ms: now_ms,
            recent: VecDeque::new(),
        };
        self.by_token.entry(token).or_insert(session)
    }

    /// Checks the token and cookies of a request and counts it against the
    /// session's frequency limit.
    pub fn check<'c>(
        &mut self,
        token: Option<&str>,
        cookie: impl Fn(&str) -> Option<&'c str>,
        knobs: &Knobs,
        now_ms: i64,
    ) -> Result<&Session, Refusal> {
        let token = token.filter(|t| !t.is_empty()).ok_or(Refusal::Invalid)?;
        let session = self.by_token.get(token).ok_or(Refusal::Invalid)?;
        let cookies_match = COOKIE_NAMES.iter().zip(&session.cookies).all(|(name, value)| cookie(name) == Some(value));
        if !cookies_match {
            return Err(Refusal::Invalid);
        }
        let idle = now_ms - session.last_ms > knobs.session_idle_secs * 1000;
        let old = now_ms - session.created_ms > knobs.session_max_age_secs * 1000;
        if idle || old {
            self.by_token.remove(token);
            return Err(Refusal::Invalid);
        }
        let session = self.by_token.get_mut(token).ok_or(Refusal::Invalid)?;
        if let Some(limit) = knobs.frequency_limit {
            let window = (limit.per_secs * 1000.0) as i64;
            while session.recent.front().is_some_and(|&t| t <= now_ms - window) {
                session.recent.pop_front();
            }
            if session.recent.len() >= limit.requests as usize {
                return Err(Refusal::Limited);
            }
            session.recent.push_back(now_ms);
        }
        session.last_ms = now_ms;
        Ok(session)
    }

    /// Ends the session with this token; whether there was one.
    pub fn end(&mut self, token: &str) -> bool {
        self.by_token.remove(token).is_some()
    }

    /// Ends every session of `account`.
    pub fn end_all(&mut self, account: usize) -> usize {
        let before = self.by_token.len();
        self.by_token.retain(|_, s| s.account != account);
        before - self.by_token.len()
    }

    pub fn len(&self) -> usize {
        self.by_token.len()
    }
}

/// A fresh captcha: four digits and the cookie value that goes with it.
pub(crate) fn new_captcha(rng: &mut Rng) -> Captcha {
    Captcha { text: format!("{:04}", rng.random_range(0..10_000)), sig: rng::string_from(rng, HEX, 32) }
}

impl Sessions {
    /// The five cookie values of the session with this token.
    pub fn cookies_of(&self, token: &str) -> Option<[String; 5]> {
        self.by_token.get(token).map(|s| s.cookies.clone())
    }

    /// The session with this token, without checking or touching it.
    pub fn get(&self, token: &str) -> Option<&Session> {
        self.by_token.get(token)
    }
}
