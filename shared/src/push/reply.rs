//! Passive replies and their safe-mode envelope (docs/push.md, "Encrypted reply").

use quick_xml::Writer;
use quick_xml::events::{BytesCData, BytesEnd, BytesStart, BytesText, Event};

use super::crypto::AesKey;
use super::signature;
use super::xml::Elements;

/// A passive reply the account gives to a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Text { content: String },
}

impl Reply {
    /// The reply XML, addressed from the account (`gh_…`) to the follower.
    pub fn to_xml(&self, to_open_id: &str, from_gh_id: &str, create_time: i64) -> String {
        let mut doc = Doc::new();
        doc.cdata("ToUserName", to_open_id);
        doc.cdata("FromUserName", from_gh_id);
        doc.number("CreateTime", create_time);
        match self {
            Reply::Text { content } => {
                doc.cdata("MsgType", "text");
                doc.cdata("Content", content);
            }
        }
        doc.finish()
    }
}

/// The four fields of an encrypted reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub encrypt: String,
    pub msg_signature: String,
    pub timestamp: i64,
    pub nonce: String,
}

impl Envelope {
    /// Encrypts `xml` for `appid` and signs it over (token, TimeStamp, Nonce, Encrypt).
    pub fn seal(key: &AesKey, token: &str, appid: &str, xml: &str, timestamp: i64, nonce: &str) -> Self {
        let encrypt = key.encrypt(xml, appid);
        let ts = timestamp.to_string();
        let msg_signature = signature::sign(&[token, &ts, nonce, &encrypt]);
        Self { encrypt, msg_signature, timestamp, nonce: nonce.to_owned() }
    }

    /// Reads an encrypted reply document.
    pub fn parse(xml: &str) -> Option<Self> {
        let elements = Elements::parse(xml).ok()?;
        Some(Self {
            encrypt: elements.get("Encrypt")?.to_owned(),
            msg_signature: elements.get("MsgSignature")?.to_owned(),
            timestamp: elements.get("TimeStamp")?.trim().parse().ok()?,
            nonce: elements.get("Nonce")?.to_owned(),
        })
    }

    /// Whether the signature matches `token`.
    pub fn verify(&self, token: &str) -> bool {
        let ts = self.timestamp.to_string();
        signature::verify(&self.msg_signature, &[token, &ts, &self.nonce, &self.encrypt])
    }

    pub fn to_xml(&self) -> String {
        let mut doc = Doc::new();
        doc.cdata("Encrypt", &self.encrypt);
        doc.cdata("MsgSignature", &self.msg_signature);
        doc.number("TimeStamp", self.timestamp);
        doc.cdata("Nonce", &self.nonce);
        doc.finish()
    }
}

/// A flat `<xml>` document writer.
pub(crate) struct Doc(Writer<Vec<u8>>);

impl Doc {
    pub(crate) fn new() -> Self {
        let mut writer = Writer::new(Vec::with_capacity(256));
        write(&mut writer, Event::Start(BytesStart::new("xml")));
        Self(writer)
    }

    /// `<name><![CDATA[value]]></name>`, splitting any `]]>` in the value.
    pub(crate) fn cdata(&mut self, name: &str, value: &str) {
        write(&mut self.0, Event::Start(BytesStart::new(name)));
        for part in BytesCData::escaped(value) {
            write(&mut self.0, Event::CData(part));
        }
        write(&mut self.0, Event::End(BytesEnd::new(name)));
    }

    pub(crate) fn number(&mut self, name: &str, value: i64) {
        write(&mut self.0, Event::Start(BytesStart::new(name)));
        write(&mut self.0, Event::Text(BytesText::new(&value.to_string())));
        write(&mut self.0, Event::End(BytesEnd::new(name)));
    }

    pub(crate) fn finish(mut self) -> String {
        write(&mut self.0, Event::End(BytesEnd::new("xml")));
        // Only UTF-8 strings were written.
        String::from_utf8(self.0.into_inner()).unwrap_or_default()
    }
}

fn write(writer: &mut Writer<Vec<u8>>, event: Event<'_>) {
    // Writing into a Vec cannot fail.
    let _ = writer.write_event(event);
}
