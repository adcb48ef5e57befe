//! The push protocol (docs/push.md): signatures, safe-mode crypto, message XML,
//! passive replies, and [`open`], which turns a request into a verified push.

pub mod bounds;
pub mod crypto;
pub mod message;
pub mod reply;
pub mod signature;
pub mod xml;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

pub use crypto::{AesKey, CryptoError};
pub use message::{DedupeKey, Event, Features, Kind, MessageError, Push};
pub use reply::{Envelope, Reply};
pub use xml::{Elements, XmlError};

/// The query parameters of the URL check and of a push.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushQuery {
    pub signature: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub echostr: Option<String>,
    pub openid: Option<String>,
    pub encrypt_type: Option<String>,
    pub msg_signature: Option<String>,
}

impl PushQuery {
    /// Picks the known parameters out of `(name, value)` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut query = Self::default();
        for (name, value) in pairs {
            let slot = match name {
                "signature" => &mut query.signature,
                "timestamp" => &mut query.timestamp,
                "nonce" => &mut query.nonce,
                "echostr" => &mut query.echostr,
                "openid" => &mut query.openid,
                "encrypt_type" => &mut query.encrypt_type,
                "msg_signature" => &mut query.msg_signature,
                _ => continue,
            };
            slot.get_or_insert_with(|| value.to_owned());
        }
        query
    }

    fn encrypted(&self) -> bool {
        self.encrypt_type.as_deref() == Some("aes")
    }
}

/// How a push body is sent: the platform's per-account setting, recorded
/// with the account, and how one push came in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyMode {
    /// The message XML as is.
    Plaintext,
    /// Plain fields and `<Encrypt>` side by side.
    Compatible,
    /// Only `<ToUserName>` and `<Encrypt>`: the platform's recommended setting.
    #[default]
    Safe,
}

impl BodyMode {
    pub fn is_encrypted(self) -> bool {
        self != BodyMode::Plaintext
    }
}

/// Which of the account's keys opened an encrypted push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySlot {
    Current,
    Previous,
}

/// The account's push credentials, borrowed for one request.
#[derive(Debug, Clone, Copy)]
pub struct PushKeys<'a> {
    pub token: &'a str,
    pub appid: &'a str,
    /// The account's `gh_…` id: every push must be addressed to it.
    pub gh_id: &'a str,
    /// The account's body mode: safe and compatible accept only encrypted pushes.
    pub mode: BodyMode,
    pub current: &'a AesKey,
    pub previous: Option<&'a AesKey>,
}

impl<'a> PushKeys<'a> {
    pub fn key(&self, slot: KeySlot) -> &'a AesKey {
        match (slot, self.previous) {
            (KeySlot::Previous, Some(previous)) => previous,
            _ => self.current,
        }
    }
}

/// The replay window for signed requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// Now, in Unix seconds.
    pub now: i64,
    /// The largest accepted distance between `timestamp` and now; `None`
    /// accepts any age (for replaying the old published samples).
    pub window_secs: Option<u64>,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error("missing query parameter {0}")]
    MissingParameter(&'static str),
    #[error("signature does not match")]
    BadSignature,
    #[error("timestamp is outside the accepted window")]
    Stale,
    #[error("body is not UTF-8")]
    NotUtf8,
    #[error("encrypted push without <Encrypt>")]
    MissingEncrypt,
    #[error("this account takes only encrypted pushes (encrypt_type=aes, msg_signature)")]
    NotEncrypted,
    #[error("ToUserName is not this account")]
    WrongAccount,
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error(transparent)]
    Message(#[from] MessageError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl PushError {
    /// Whether fresher credentials might accept the request: the token or the
    /// keys may have rotated since they were cached.
    pub fn may_be_stale_credentials(&self) -> bool {
        matches!(
            self,
            PushError::BadSignature
                | PushError::Crypto(
                    CryptoError::BadPadding | CryptoError::BadFrame | CryptoError::WrongAppId | CryptoError::NotUtf8
                )
        )
    }
}

/// A push whose signature, freshness, encryption and addressee were checked.
#[derive(Debug, Clone)]
pub struct Verified {
    pub push: Push,
    pub mode: BodyMode,
    /// The key that opened it, for encrypting the reply with the same one.
    pub key: Option<KeySlot>,
}

impl Verified {
    /// The message XML as the platform sent it (decrypted in safe and
    /// compatible mode): the document the push was read from.
    pub fn xml(&self) -> &str {
        self.push.elements.document()
    }
}

/// The URL check: returns `echostr` when the signature matches.
pub fn check_url<'q>(query: &'q PushQuery, token: &str, freshness: Freshness) -> Result<&'q str, PushError> {
    let (timestamp, nonce) = signed_params(query)?;
    let signature = query.signature.as_deref().ok_or(PushError::MissingParameter("signature"))?;
    if !signature::verify(signature, &[token, timestamp, nonce]) {
        return Err(PushError::BadSignature);
    }
    check_fresh(timestamp, freshness)?;
    query.echostr.as_deref().ok_or(PushError::MissingParameter("echostr"))
}

/// Verifies and opens a push body in any of the three modes.
///
/// Encrypted pushes are checked against `msg_signature` (not `signature`),
/// decrypted with the current key and then the previous one, and their
/// trailing appid must be the account's. A plaintext body is accepted only
/// by a plaintext account: its `signature` covers the query, not the body,
/// so on a safe or compatible account it would let anyone who saw a push
/// URL write in a follower's name.
pub fn open(query: &PushQuery, body: &[u8], keys: &PushKeys<'_>, freshness: Freshness) -> Result<Verified, PushError> {
    let (timestamp, nonce) = signed_params(query)?;
    let body = simdutf8::basic::from_utf8(body).map_err(|_| PushError::NotUtf8)?;
    let verified = if query.encrypted() {
        let msg_signature = query.msg_signature.as_deref().ok_or(PushError::MissingParameter("msg_signature"))?;
        let sealed = Sealed::read(body)?;
        let encrypt = sealed.encrypt.as_deref().ok_or(PushError::MissingEncrypt)?;
        if !signature::verify(msg_signature, &[keys.token, timestamp, nonce, encrypt]) {
            return Err(PushError::BadSignature);
        }
        check_fresh(timestamp, freshness)?;
        let (xml, slot) = decrypt_with_either(encrypt, keys)?;
        let mode = if sealed.plain_fields { BodyMode::Compatible } else { BodyMode::Safe };
        let push = Push::from_elements(Elements::from_document(xml)?)?;
        Verified { push, mode, key: Some(slot) }
    } else {
        let signature = query.signature.as_deref().ok_or(PushError::MissingParameter("signature"))?;
        if !signature::verify(signature, &[keys.token, timestamp, nonce]) {
            return Err(PushError::BadSignature);
        }
        check_fresh(timestamp, freshness)?;
        if keys.mode.is_encrypted() {
            return Err(PushError::NotEncrypted);
        }
        let push = Push::parse(body)?;
        Verified { push, mode: BodyMode::Plaintext, key: None }
    };
    if verified.push.to_user != keys.gh_id {
        return Err(PushError::WrongAccount);
    }
    Ok(verified)
}

/// Seals a reply the way the push came in: plain XML for plaintext pushes,
/// an encrypted envelope (with the key that opened the push) otherwise.
pub fn seal_reply(verified: &Verified, keys: &PushKeys<'_>, reply_xml: &str, now: i64) -> String {
    match verified.key {
        None => reply_xml.to_owned(),
        Some(slot) => {
            let nonce = rand::random_range(100_000_000u32..4_000_000_000).to_string();
            Envelope::seal(keys.key(slot), keys.token, keys.appid, reply_xml, now, &nonce).to_xml()
        }
    }
}

/// What `open` reads of an encrypted body: the first `Encrypt`, borrowed
/// from the body, and whether plain fields came beside it (compatible mode).
struct Sealed<'b> {
    encrypt: Option<Cow<'b, str>>,
    plain_fields: bool,
}

impl<'b> Sealed<'b> {
    /// Reads the body in one pass, under the rules of [`Elements::parse`].
    fn read(body: &'b str) -> Result<Self, XmlError> {
        let mut sealed = Sealed { encrypt: None, plain_fields: false };
        xml::walk(body, |name, value| match &*name {
            "Encrypt" if sealed.encrypt.is_none() => sealed.encrypt = Some(value),
            "FromUserName" => sealed.plain_fields = true,
            _ => {}
        })?;
        Ok(sealed)
    }
}

fn signed_params(query: &PushQuery) -> Result<(&str, &str), PushError> {
    let timestamp = query.timestamp.as_deref().ok_or(PushError::MissingParameter("timestamp"))?;
    let nonce = query.nonce.as_deref().ok_or(PushError::MissingParameter("nonce"))?;
    Ok((timestamp, nonce))
}

fn check_fresh(timestamp: &str, freshness: Freshness) -> Result<(), PushError> {
    let Some(window) = freshness.window_secs else {
        return Ok(());
    };
    let ts: i64 = timestamp.trim().parse().map_err(|_| PushError::Stale)?;
    if freshness.now.abs_diff(ts) > window {
        return Err(PushError::Stale);
    }
    Ok(())
}

fn decrypt_with_either(encrypt: &str, keys: &PushKeys<'_>) -> Result<(String, KeySlot), CryptoError> {
    match keys.current.decrypt(encrypt, keys.appid) {
        Ok(xml) => Ok((xml, KeySlot::Current)),
        Err(CryptoError::BadBase64) => Err(CryptoError::BadBase64),
        Err(first) => match keys.previous.map(|key| key.decrypt(encrypt, keys.appid)) {
            Some(Ok(xml)) => Ok((xml, KeySlot::Previous)),
            _ => Err(first),
        },
    }
}
