//! The push side (docs/push.md): what a follower sends becomes a signed (and in
//! compatible and safe mode, encrypted) POST to the account's callback URL,
//! tried up to three times with a 5-second wait each; the answer decides
//! what the follower sees, and a passive reply lands in the dialog page.

pub mod traffic;
mod xml;

use std::time::{Duration, Instant};

use rand::RngExt;
use serde::{Deserialize, Serialize};
use whosent::push::signature::sign;
use whosent::push::{Elements, Envelope};

use crate::Inner;
use crate::http;
use crate::rng::{self, Rng};
use crate::state::ConsoleRecord;
use crate::world::{Account, Mode};

/// What a follower sends: a message or an event (docs/push.md, "Message XML").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    Text {
        content: String,
    },
    Image {
        pic_url: String,
        media_id: String,
    },
    Voice {
        media_id: String,
        format: String,
        recognition: Option<String>,
    },
    Video {
        media_id: String,
        thumb_media_id: String,
    },
    ShortVideo {
        media_id: String,
        thumb_media_id: String,
    },
    Location {
        x: String,
        y: String,
        scale: String,
        label: String,
    },
    Link {
        title: String,
        description: String,
        url: String,
    },
    /// A follow; `scene` when it came through a parametric QR code.
    Subscribe {
        scene: Option<String>,
        ticket: Option<String>,
    },
    Unsubscribe,
    Scan {
        scene: String,
        ticket: Option<String>,
    },
    LocationEvent {
        latitude: String,
        longitude: String,
        precision: String,
    },
    Click {
        key: String,
    },
    View {
        url: String,
        menu_id: Option<String>,
    },
}

impl Body {
    pub fn text(content: impl Into<String>) -> Self {
        Body::Text { content: content.into() }
    }

    /// `MsgType` in the XML.
    pub fn msg_type(&self) -> &'static str {
        match self {
            Body::Text { .. } => "text",
            Body::Image { .. } => "image",
            Body::Voice { .. } => "voice",
            Body::Video { .. } => "video",
            Body::ShortVideo { .. } => "shortvideo",
            Body::Location { .. } => "location",
            Body::Link { .. } => "link",
            _ => "event",
        }
    }

    pub fn is_event(&self) -> bool {
        self.msg_type() == "event"
    }

    /// How the console lists it: `(type, content)`, or `None` for events
    /// (docs/console.md: text 1, image 2, voice 3, video 4; location, link and
    /// short video as type 1 with a text rendering).
    pub fn console_row(&self) -> Option<(u8, String)> {
        Some(match self {
            Body::Text { content } => (1, content.clone()),
            Body::Image { .. } => (2, String::new()),
            Body::Voice { .. } => (3, String::new()),
            Body::Video { .. } => (4, String::new()),
            Body::ShortVideo { .. } => (1, "[小视频]".to_owned()),
            Body::Location { label, .. } => (1, format!("[位置] {label}")),
            Body::Link { title, .. } => (1, format!("[链接] {title}")),
            _ => return None,
        })
    }
}

/// One push to make: `fakeid` sends `body` to account number `account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    pub account: usize,
    pub fakeid: u64,
    /// `CreateTime`; the platform clock's now when `None`.
    #[serde(default)]
    pub create_time: Option<i64>,
    pub body: Body,
}

impl Outgoing {
    pub fn new(account: usize, fakeid: u64, body: Body) -> Self {
        Self { account, fakeid, create_time: None, body }
    }

    pub fn at(mut self, create_time: i64) -> Self {
        self.create_time = Some(create_time);
        self
    }
}

/// Why a push could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SendError {
    UnknownAccount(usize),
    UnknownPerson(u64),
    /// Only followers write (and unsubscribe).
    NotFollowing {
        account: usize,
        fakeid: u64,
    },
    /// A follower cannot subscribe again.
    AlreadyFollowing {
        account: usize,
        fakeid: u64,
    },
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::UnknownAccount(a) => write!(f, "no account number {a}"),
            SendError::UnknownPerson(p) => write!(f, "no person with FakeID {p}"),
            SendError::NotFollowing { account, fakeid } => write!(f, "{fakeid} does not follow account {account}"),
            SendError::AlreadyFollowing { account, fakeid } => write!(f, "{fakeid} already follows account {account}"),
        }
    }
}

impl std::error::Error for SendError {}

/// What became of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Delivery {
    /// The account has no callback URL: nothing was sent.
    NoCallback,
    /// `success` or an empty body.
    Acknowledged,
    /// A valid passive reply, recorded in the follower's dialog.
    Replied { msg_type: String, content: Option<String>, xml: String },
    /// Any other answer: the follower saw "this account cannot provide
    /// service right now".
    Unavailable { reason: String },
    /// No answer on any try.
    Unanswered,
}

impl Delivery {
    /// `success`, an empty body or a valid reply.
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, Delivery::Acknowledged | Delivery::Replied { .. })
    }
}

/// One try of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Try {
    pub timestamp: i64,
    pub nonce: String,
    /// `HTTP 200`, `timed out`, `connect: …`.
    pub result: String,
    pub elapsed_ms: u64,
}

/// A push and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushOutcome {
    /// The platform's push counter.
    pub seq: u64,
    pub account: usize,
    pub fakeid: u64,
    pub openid: String,
    pub create_time: i64,
    pub msg_id: Option<u64>,
    /// The console's id of the follower's message (messages only).
    pub console_id: Option<u64>,
    /// The message XML (before encryption).
    pub xml: String,
    /// The POST body as sent (the XML, or its compatible or safe envelope).
    pub body: String,
    pub tries: Vec<Try>,
    pub delivery: Delivery,
}

/// A push ready to go: every random draw already made.
struct Prepared {
    outcome: PushOutcome,
    account: Account,
    callback: Option<String>,
    encrypt: Option<String>,
    nonces: Vec<String>,
    timeout: Duration,
    person: usize,
    rng: Rng,
}

/// Makes one push and waits for its outcome.
pub(crate) async fn send(inner: &Inner, out: Outgoing) -> Result<PushOutcome, SendError> {
    let prepared = prepare(inner, &out)?;
    Ok(deliver(inner, prepared).await)
}

/// Applies the push to the world (follows, console) and builds its bytes.
/// Synchronous, so that pushes prepared in order draw in order.
fn prepare(inner: &Inner, out: &Outgoing) -> Result<Prepared, SendError> {
    let world = &inner.world;
    let account = world.accounts.get(out.account).ok_or(SendError::UnknownAccount(out.account))?;
    let person = world.person_by_fakeid(out.fakeid).ok_or(SendError::UnknownPerson(out.fakeid))?.index;
    let mut state = inner.lock();
    let now_ms = inner.clock.now_ms();
    let create_time = out.create_time.unwrap_or(now_ms.div_euclid(1000));
    let following = state.active_follow(account.index, person).is_some();
    let (who, fakeid) = (account.index, out.fakeid);
    match out.body {
        Body::Subscribe { .. } if following => return Err(SendError::AlreadyFollowing { account: who, fakeid }),
        Body::Subscribe { .. } => {}
        _ if !following => return Err(SendError::NotFollowing { account: who, fakeid }),
        _ => {}
    }
    let seq = state.next_push_seq;
    state.next_push_seq += 1;
    let mut rng = rng::stream(world.config.seed, "push", seq);
    let openid = world.openid(account.index, person);
    match out.body {
        Body::Subscribe { .. } => state.subscribe(account.index, person, openid.clone(), create_time),
        Body::Unsubscribe => state.unsubscribe(account.index, person),
        _ => {}
    }
    let msg_id = (!out.body.is_event()).then(|| state.next_msg_id(&mut rng, person));
    let console_id = out.body.console_row().map(|(type_code, content)| {
        let delay = state.knobs.console_delay.sample(&mut rng).max(0.0);
        let skew = state.knobs.skew.sample(&mut rng).round() as i64;
        state.record(ConsoleRecord {
            id: 0,
            account: account.index,
            person,
            fakeid: out.fakeid,
            from_biz: false,
            type_code,
            content,
            date_time: create_time + skew,
            visible_at_ms: now_ms + (delay * 1000.0) as i64,
            has_reply: false,
            create_time: Some(create_time),
            msg_id,
        })
    });
    let xml = xml::message(&account.gh_id, &openid, create_time, msg_id, &out.body);
    let random: [u8; 16] = rng.random();
    let tries = state.knobs.push_tries.max(1);
    let nonces = (0..tries).map(|_| rng.random_range(100_000_000u32..4_000_000_000).to_string()).collect();
    let encrypt =
        account.mode.is_encrypted().then(|| account.aes_key.encrypt_with_random(&xml, &account.appid, &random));
    let body = match (&encrypt, account.mode) {
        (Some(encrypt), Mode::Compatible) => xml::compatible(&xml, encrypt),
        (Some(encrypt), _) => xml::safe(&account.gh_id, encrypt),
        (None, _) => xml.clone(),
    };
    let callback = state.callbacks[account.index].clone();
    if callback.is_some() {
        state.counters.pushes_sent += 1;
    } else {
        state.counters.pushes_without_callback += 1;
    }
    Ok(Prepared {
        outcome: PushOutcome {
            seq,
            account: account.index,
            fakeid: out.fakeid,
            openid,
            create_time,
            msg_id,
            console_id,
            xml,
            body,
            tries: Vec::new(),
            delivery: Delivery::NoCallback,
        },
        account: account.clone(),
        callback,
        encrypt,
        nonces,
        timeout: Duration::from_millis(state.knobs.push_timeout_ms),
        person,
        rng,
    })
}

/// Tries the callback until it answers or the tries run out, then records
/// the outcome.
async fn deliver(inner: &Inner, mut prepared: Prepared) -> PushOutcome {
    let Some(callback) = prepared.callback.clone() else { return prepared.outcome };
    let account = &prepared.account;
    let mut delivery = Delivery::Unanswered;
    for nonce in &prepared.nonces {
        let timestamp = inner.clock.now();
        let url = push_url(&callback, account, &prepared.outcome.openid, timestamp, nonce, prepared.encrypt.as_deref());
        inner.lock().counters.push_tries += 1;
        let started = Instant::now();
        let headers = [("content-type", "text/xml"), ("user-agent", "Mozilla/4.0")];
        let answer = http::request("POST", &url, &headers, prepared.outcome.body.clone(), prepared.timeout).await;
        let result = match &answer {
            Ok(response) => format!("HTTP {}", response.status),
            Err(e) => e.to_string(),
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        prepared.outcome.tries.push(Try { timestamp, nonce: nonce.clone(), result, elapsed_ms });
        if let Ok(response) = answer {
            delivery = classify(account, &prepared.outcome.openid, response.status, &response.body);
            break;
        }
    }
    finish(inner, &mut prepared, &delivery);
    prepared.outcome.delivery = delivery;
    prepared.outcome
}

/// `callback?signature=…&timestamp=…&nonce=…&openid=…[&encrypt_type=aes&msg_signature=…]`.
fn push_url(
    callback: &str,
    account: &Account,
    openid: &str,
    timestamp: i64,
    nonce: &str,
    encrypt: Option<&str>,
) -> String {
    let ts = timestamp.to_string();
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("signature", &sign(&[&account.token, &ts, nonce]));
    query.append_pair("timestamp", &ts);
    query.append_pair("nonce", nonce);
    query.append_pair("openid", openid);
    if let Some(encrypt) = encrypt {
        query.append_pair("encrypt_type", "aes");
        query.append_pair("msg_signature", &sign(&[&account.token, &ts, nonce, encrypt]));
    }
    let separator = if callback.contains('?') { '&' } else { '?' };
    format!("{callback}{separator}{}", query.finish())
}

const REPLY_TYPES: [&str; 6] = ["text", "image", "voice", "video", "music", "news"];

/// What the platform makes of an answer (docs/push.md, "Answering").
fn classify(account: &Account, openid: &str, status: u16, body: &[u8]) -> Delivery {
    let unavailable = |reason: &str| Delivery::Unavailable { reason: reason.to_owned() };
    if status != 200 {
        return unavailable(&format!("HTTP {status}"));
    }
    let Ok(text) = std::str::from_utf8(body) else { return unavailable("body is not UTF-8") };
    let text = text.trim();
    if text.is_empty() || text == "success" {
        return Delivery::Acknowledged;
    }
    let Ok(outer) = Elements::parse(text) else { return unavailable("not XML") };
    let xml = if outer.get("Encrypt").is_some() {
        if account.mode == Mode::Plaintext {
            return unavailable("encrypted reply to a plaintext push");
        }
        let Some(envelope) = Envelope::parse(text) else { return unavailable("incomplete encrypted reply") };
        if !envelope.verify(&account.token) {
            return unavailable("reply MsgSignature does not match");
        }
        match account.aes_key.decrypt(&envelope.encrypt, &account.appid) {
            Ok(xml) => xml,
            Err(e) => return unavailable(&format!("reply does not decrypt: {e}")),
        }
    } else if account.mode == Mode::Safe {
        return unavailable("plain reply in safe mode");
    } else {
        text.to_owned()
    };
    let Ok(reply) = Elements::parse(&xml) else { return unavailable("reply is not XML") };
    if reply.get("ToUserName").map(str::trim) != Some(openid) {
        return unavailable("reply ToUserName is not the sender");
    }
    if reply.get("FromUserName").map(str::trim) != Some(account.gh_id.as_str()) {
        return unavailable("reply FromUserName is not the account");
    }
    if reply.get("CreateTime").and_then(|t| t.trim().parse::<i64>().ok()).is_none() {
        return unavailable("reply CreateTime is missing");
    }
    let msg_type = reply.get("MsgType").map(str::trim).unwrap_or_default().to_owned();
    if !REPLY_TYPES.contains(&msg_type.as_str()) {
        return unavailable("unknown reply MsgType");
    }
    let content = reply.get("Content").map(str::to_owned);
    if msg_type == "text" && content.is_none() {
        return unavailable("text reply without Content");
    }
    Delivery::Replied { msg_type, content, xml }
}

/// Counts the outcome and records a reply in the follower's dialog.
fn finish(inner: &Inner, prepared: &mut Prepared, delivery: &Delivery) {
    let mut state = inner.lock();
    let counters = &mut state.counters;
    match delivery {
        Delivery::NoCallback => {}
        Delivery::Acknowledged => counters.pushes_acknowledged += 1,
        Delivery::Replied { .. } => counters.pushes_replied += 1,
        Delivery::Unavailable { .. } => {
            counters.pushes_unavailable += 1;
            counters.pushes_unacknowledged += 1;
        }
        Delivery::Unanswered => {
            counters.pushes_unanswered += 1;
            counters.pushes_unacknowledged += 1;
        }
    }
    let Delivery::Replied { msg_type, content, .. } = delivery else { return };
    let (type_code, text) = match msg_type.as_str() {
        "text" => (1, content.clone().unwrap_or_default()),
        "image" => (2, String::new()),
        "voice" => (3, String::new()),
        "video" => (4, String::new()),
        "music" => (1, "[音乐]".to_owned()),
        _ => (1, "[图文消息]".to_owned()),
    };
    let now_ms = inner.clock.now_ms();
    let delay = state.knobs.console_delay.sample(&mut prepared.rng).max(0.0);
    let outcome = &prepared.outcome;
    state.record(ConsoleRecord {
        id: 0,
        account: outcome.account,
        person: prepared.person,
        fakeid: outcome.fakeid,
        from_biz: true,
        type_code,
        content: text,
        date_time: now_ms.div_euclid(1000),
        visible_at_ms: now_ms + (delay * 1000.0) as i64,
        has_reply: false,
        create_time: None,
        msg_id: None,
    });
    if let Some(record) = outcome.console_id.and_then(|id| state.record_mut(outcome.account, id)) {
        record.has_reply = true;
    }
}

/// What the URL check (docs/push.md, "URL check") found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlCheck {
    pub url: String,
    pub echostr: String,
    /// The callback answered `echostr` exactly.
    pub passed: bool,
    /// `HTTP 200: …` or the transport error.
    pub answer: String,
}

/// The GET the platform makes when an account sets its callback URL.
pub(crate) async fn check_url(inner: &Inner, account: usize) -> Option<UrlCheck> {
    let account = inner.world.accounts.get(account)?;
    let (callback, seq) = {
        let mut state = inner.lock();
        let seq = state.url_checks;
        state.url_checks += 1;
        (state.callbacks[account.index].clone()?, seq)
    };
    let mut rng = rng::stream(inner.world.config.seed, "url-check", seq);
    let nonce = rng.random_range(100_000_000u32..4_000_000_000).to_string();
    let echostr = rng.random_range(1_000_000_000_000_000_000u64..10_000_000_000_000_000_000).to_string();
    let ts = inner.clock.now().to_string();
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("signature", &sign(&[&account.token, &ts, &nonce]));
    query.append_pair("timestamp", &ts);
    query.append_pair("nonce", &nonce);
    query.append_pair("echostr", &echostr);
    let separator = if callback.contains('?') { '&' } else { '?' };
    let url = format!("{callback}{separator}{}", query.finish());
    let timeout = Duration::from_millis(inner.lock().knobs.push_timeout_ms);
    let (passed, answer) = match http::request("GET", &url, &[("user-agent", "Mozilla/4.0")], Vec::new(), timeout).await
    {
        Ok(response) => (
            response.status == 200 && response.body == echostr.as_bytes(),
            format!("HTTP {}: {}", response.status, response.text()),
        ),
        Err(e) => (false, e.to_string()),
    };
    Some(UrlCheck { url, echostr, passed, answer })
}
