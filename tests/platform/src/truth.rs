//! Truth and counters, for tests only, on their own port: which FakeID
//! each openID really is, and what the platform was asked and did. Product
//! code never reads these. The same port carries the controls of a running
//! emulator (clock, callbacks, knobs, pushes, traffic).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use serde::{Deserialize, Serialize};

use crate::http::{self, Answer, Dropped};
use crate::knobs::{Fault, Knobs};
use crate::push::{Outgoing, traffic::Traffic};
use crate::{Inner, push};

/// The true identity behind one follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthRow {
    /// The account's number and product id.
    pub account: usize,
    pub account_id: String,
    pub gh_id: String,
    pub openid: String,
    pub fakeid: u64,
    /// Whether the person follows the account now.
    pub following: bool,
    pub follow_time: i64,
    pub group_id: u32,
}

/// What the platform was asked and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Console requests per endpoint path (`other` for unknown paths).
    pub requests: BTreeMap<String, u64>,
    /// Console requests made under a valid session, per account id, per path.
    pub by_account: BTreeMap<String, BTreeMap<String, u64>>,
    pub logins: u64,
    pub failed_logins: u64,
    /// Logins answered `-8`.
    pub captcha_demanded: u64,
    /// Requests answered `200003` (or the login page).
    pub invalid_sessions: u64,
    /// Requests answered `200013`.
    pub frequency_limited: u64,
    /// `singlesend` calls refused for their Referer.
    pub referer_refused: u64,
    pub messages_sent: u64,
    /// Injected faults by kind.
    pub faults: BTreeMap<String, u64>,
    /// Pushes made to a callback URL.
    pub pushes_sent: u64,
    /// Pushes made while the account had no callback URL.
    pub pushes_without_callback: u64,
    /// HTTP tries, the first ones included.
    pub push_tries: u64,
    pub pushes_acknowledged: u64,
    pub pushes_replied: u64,
    /// Unavailable plus unanswered.
    pub pushes_unacknowledged: u64,
    pub pushes_unavailable: u64,
    pub pushes_unanswered: u64,
}

impl Counters {
    pub(crate) fn count_request(&mut self, path: &str) {
        *self.requests.entry(path.to_owned()).or_insert(0) += 1;
    }

    pub(crate) fn count_account(&mut self, account: &str, path: &str) {
        *self.by_account.entry(account.to_owned()).or_default().entry(path.to_owned()).or_insert(0) += 1;
    }

    pub(crate) fn count_fault(&mut self, fault: Fault) {
        let name = match fault {
            Fault::SystemError => "system_error",
            Fault::Http5xx => "http_5xx",
            Fault::Slow => "slow",
            Fault::Drop => "drop",
            Fault::ExpireSession => "expire_session",
        };
        *self.faults.entry(name.to_owned()).or_insert(0) += 1;
    }

    /// Requests to `path`, all accounts together.
    pub fn requests_to(&self, path: &str) -> u64 {
        self.requests.get(path).copied().unwrap_or(0)
    }

    /// Requests to `path` under a session of `account_id`.
    pub fn account_requests_to(&self, account_id: &str, path: &str) -> u64 {
        self.by_account.get(account_id).and_then(|m| m.get(path)).copied().unwrap_or(0)
    }
}

/// The truth port's HTTP entry point.
pub(crate) async fn serve(inner: Arc<Inner>, request: Request<Incoming>) -> Answer {
    let (parts, body) = request.into_parts();
    let Some(body) = http::read_body(body, 16 << 20).await else { return Err(Dropped) };
    let query: Vec<(String, String)> =
        parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let param = |name: &str| query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let account = |name: Option<&str>| name.and_then(|n| inner.world.account_by_name(n).map(|a| a.index));
    let get = parts.method == Method::GET;
    let post = parts.method == Method::POST;
    let answer = match parts.uri.path() {
        "/truth/followers" if get => json(&crate::truth_rows(&inner, account(param("account")))),
        "/truth/people" if get => {
            let hostile_only = param("hostile").is_some_and(|v| v == "1" || v == "true");
            let people: Vec<_> = inner.world.people.iter().filter(|p| p.hostile || !hostile_only).collect();
            json(&people)
        }
        "/truth/accounts" if get => {
            let callbacks = inner.lock().callbacks.clone();
            let accounts: Vec<_> = inner
                .world
                .accounts
                .iter()
                .zip(callbacks)
                .map(|(a, callback)| serde_json::json!({ "account": a, "callback_url": callback }))
                .collect();
            json(&accounts)
        }
        "/truth/counters" if get => json(&inner.lock().counters),
        "/truth/counters/reset" if post => {
            inner.lock().counters = Counters::default();
            json(&"ok")
        }
        "/truth/captcha" if get => {
            let username = param("username").unwrap_or_default();
            let text =
                inner.lock().sessions.guards.get(username).and_then(|g| g.captcha.as_ref().map(|c| c.text.clone()));
            json(&serde_json::json!({ "username": username, "captcha": text }))
        }
        "/truth/clock" if get => {
            json(&serde_json::json!({ "now": inner.clock.now(), "frozen": inner.clock.is_frozen() }))
        }
        "/truth/clock" if post => {
            if let Some(secs) = param("advance").and_then(|s| s.parse::<f64>().ok()) {
                inner.clock.advance(Duration::from_secs_f64(secs.max(0.0)));
            }
            if let Some(at) = param("set").and_then(|s| s.parse::<i64>().ok()) {
                inner.clock.set(at);
            }
            if param("resume").is_some() {
                inner.clock.resume();
            }
            json(&serde_json::json!({ "now": inner.clock.now(), "frozen": inner.clock.is_frozen() }))
        }
        "/truth/callback" if post => {
            let mut state = inner.lock();
            if let Some(base) = param("base") {
                for a in &inner.world.accounts {
                    state.callbacks[a.index] = Some(crate::callback_for(base, a));
                }
                json(&state.callbacks)
            } else if let Some(index) = account(param("account")) {
                state.callbacks[index] = param("url").filter(|u| !u.is_empty()).map(str::to_owned);
                json(&state.callbacks)
            } else {
                error(400, "give base=URL, or account=ID and url=URL")
            }
        }
        "/truth/knobs" if get => json(&inner.lock().knobs),
        "/truth/knobs" if post => match serde_json::from_slice::<Knobs>(&body) {
            Ok(knobs) => {
                inner.lock().knobs = knobs.clone();
                json(&knobs)
            }
            Err(e) => error(400, &e.to_string()),
        },
        "/truth/messages" if get => match account(param("account")) {
            Some(index) => json(&inner.lock().messages[index]),
            None => error(400, "give account=ID"),
        },
        "/truth/push" if post => match serde_json::from_slice::<Outgoing>(&body) {
            Ok(outgoing) => match push::send(&inner, outgoing).await {
                Ok(outcome) => json(&outcome),
                Err(refused) => error(409, &refused.to_string()),
            },
            Err(e) => error(400, &e.to_string()),
        },
        "/truth/traffic" if post => match serde_json::from_slice::<Traffic>(&body) {
            Ok(traffic) => json(&crate::run_traffic(inner.clone(), &traffic).await),
            Err(e) => error(400, &e.to_string()),
        },
        _ => error(404, "unknown truth path"),
    };
    Ok(answer)
}

fn json(value: &impl Serialize) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn error(status: u16, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(&serde_json::json!({ "error": message })).unwrap_or_default();
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
