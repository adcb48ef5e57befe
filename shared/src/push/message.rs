//! The typed view of a push (docs/push.md, "Message XML").

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use super::bounds;
use super::xml::{Elements, XmlError};

/// Why a well-formed document is not a push.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("missing element <{0}>")]
    Missing(&'static str),
    #[error("element <{0}> is not a number")]
    NotANumber(&'static str),
    #[error("element <{element}> {rule}")]
    Bounds { element: &'static str, rule: &'static str },
}

/// One push: the common fields, the type-specific ones, and every element as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// The account's `gh_…` id.
    pub to_user: String,
    /// The sender's openID under this account.
    pub from_user: String,
    /// Unix seconds, the platform's clock.
    pub create_time: i64,
    /// The `MsgType` as sent (`text`, `image`, …, `event`).
    pub msg_type: String,
    /// 64-bit message id; events have none.
    pub msg_id: Option<u64>,
    pub kind: Kind,
    /// Every element of the document, known or not, in order.
    pub elements: Elements,
}

/// What the follower sent, by `MsgType`.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
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
    Event(Event),
    /// A `MsgType` this version does not know; its elements are kept.
    Other,
}

/// An event push, by `Event`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A follow; `scene` is set when it came through a parametric QR code.
    Subscribe {
        scene: Option<String>,
        ticket: Option<String>,
    },
    Unsubscribe,
    Scan {
        scene: String,
        ticket: Option<String>,
    },
    Location {
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
    /// An event this version does not know; its elements are kept.
    Other {
        event: String,
    },
}

/// The features the patent's step 12 extracts from a push, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    pub open_id: String,
    pub create_time: i64,
    pub msg_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<String>,
    /// The text of a text message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The event name of an event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The `EventKey` of an event, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_key: Option<String>,
}

impl Push {
    /// Parses the message XML of a push.
    pub fn parse(xml: &str) -> Result<Self, MessageError> {
        Self::from_elements(Elements::parse(xml)?)
    }

    /// Builds the typed view from parsed elements.
    pub fn from_elements(elements: Elements) -> Result<Self, MessageError> {
        let common = Common::find(&elements);
        let field = |name| elements.get(name).unwrap_or_default().to_owned();
        let opt = |name| elements.get(name).map(str::to_owned);
        let to_user = required(common.to_user, "ToUserName")?;
        let from_user = required(common.from_user, "FromUserName")?;
        let create_time =
            required(common.create_time, "CreateTime")?.parse().map_err(|_| MessageError::NotANumber("CreateTime"))?;
        let msg_type = required(common.msg_type, "MsgType")?;
        let msg_id_text = common.msg_id.map(str::trim).filter(|id| !id.is_empty());
        bounds::check(
            to_user,
            from_user,
            msg_type,
            msg_id_text,
            create_time,
            common.event.map(str::trim),
            common.event_key,
        )?;
        let msg_id = msg_id_text.map(|id| id.parse().map_err(|_| MessageError::NotANumber("MsgId"))).transpose()?;
        let kind = match msg_type {
            "text" => Kind::Text { content: common.content.unwrap_or_default().to_owned() },
            "image" => Kind::Image { pic_url: field("PicUrl"), media_id: field("MediaId") },
            "voice" => {
                Kind::Voice { media_id: field("MediaId"), format: field("Format"), recognition: opt("Recognition") }
            }
            "video" => Kind::Video { media_id: field("MediaId"), thumb_media_id: field("ThumbMediaId") },
            "shortvideo" => Kind::ShortVideo { media_id: field("MediaId"), thumb_media_id: field("ThumbMediaId") },
            "location" => Kind::Location {
                x: field("Location_X"),
                y: field("Location_Y"),
                scale: field("Scale"),
                label: field("Label"),
            },
            "link" => Kind::Link { title: field("Title"), description: field("Description"), url: field("Url") },
            "event" => Kind::Event(parse_event(&elements, &common)?),
            _ => Kind::Other,
        };
        let (to_user, from_user, msg_type) = (to_user.to_owned(), from_user.to_owned(), msg_type.to_owned());
        Ok(Self { to_user, from_user, create_time, msg_type, msg_id, kind, elements })
    }

    /// The event, when this push is one.
    pub fn event(&self) -> Option<&Event> {
        match &self.kind {
            Kind::Event(event) => Some(event),
            _ => None,
        }
    }

    /// Step 12: openID, CreateTime, MsgType, MsgId, content or event key.
    pub fn features(&self) -> Features {
        let common = Common::find(&self.elements);
        Features {
            open_id: self.from_user.clone(),
            create_time: self.create_time,
            msg_type: self.msg_type.clone(),
            msg_id: self.msg_id.map(|id| itoa::Buffer::new().format(id).to_owned()),
            content: match &self.kind {
                Kind::Text { content } => Some(content.clone()),
                _ => None,
            },
            event: common.event.map(|event| event.trim().to_owned()),
            event_key: common.event_key.map(str::to_owned),
        }
    }

    /// The deduplication key of docs/push.md: `MsgId` + `FromUserName` + `CreateTime`
    /// for messages (MsgIds collide across senders), `FromUserName` +
    /// `CreateTime` + `Event` + `EventKey` for events.
    ///
    /// A message without a `MsgId` (not seen, but not ruled out) falls back to
    /// the event form over its type and every element value, so that two
    /// different pushes never share a key.
    pub fn dedupe_key(&self) -> DedupeKey {
        let mut hasher = Sha1::new();
        let mut part = |s: &str| {
            hasher.update((s.len() as u64).to_be_bytes());
            hasher.update(s.as_bytes());
        };
        let mut create_time = itoa::Buffer::new();
        let create_time = create_time.format(self.create_time);
        match (self.msg_id, &self.kind) {
            (Some(msg_id), _) => {
                part("msg");
                part(itoa::Buffer::new().format(msg_id));
                part(&self.from_user);
                part(create_time);
            }
            (None, Kind::Event(_)) => {
                part("event");
                part(&self.from_user);
                part(create_time);
                part(self.elements.get("Event").unwrap_or_default());
                part(self.elements.get("EventKey").unwrap_or_default());
            }
            (None, _) => {
                part("untyped");
                part(&self.from_user);
                part(create_time);
                for (name, value) in self.elements.iter() {
                    part(name);
                    part(value);
                }
            }
        }
        let mut hex = [0u8; 40];
        // 20 bytes always fit in 40 hex digits.
        let _ = hex::encode_to_slice(hasher.finalize(), &mut hex);
        DedupeKey(std::str::from_utf8(&hex).unwrap_or_default().to_owned())
    }
}

/// A fixed-length digest of the docs/push.md deduplication fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DedupeKey(pub String);

impl DedupeKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The elements every push is read by, each the first of its name, found
/// in one pass over the document.
#[derive(Default)]
struct Common<'e> {
    to_user: Option<&'e str>,
    from_user: Option<&'e str>,
    create_time: Option<&'e str>,
    msg_type: Option<&'e str>,
    msg_id: Option<&'e str>,
    content: Option<&'e str>,
    event: Option<&'e str>,
    event_key: Option<&'e str>,
}

impl<'e> Common<'e> {
    fn find(elements: &'e Elements) -> Self {
        let mut common = Self::default();
        for (name, value) in elements.iter() {
            let slot = match name {
                "ToUserName" => &mut common.to_user,
                "FromUserName" => &mut common.from_user,
                "CreateTime" => &mut common.create_time,
                "MsgType" => &mut common.msg_type,
                "MsgId" => &mut common.msg_id,
                "Content" => &mut common.content,
                "Event" => &mut common.event,
                "EventKey" => &mut common.event_key,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        common
    }
}

/// The trimmed value of a required element, refused when blank.
fn required<'e>(value: Option<&'e str>, name: &'static str) -> Result<&'e str, MessageError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(MessageError::Missing(name)),
    }
}

fn parse_event(elements: &Elements, common: &Common<'_>) -> Result<Event, MessageError> {
    let event = required(common.event, "Event")?;
    let key = common.event_key.unwrap_or_default().to_owned();
    let ticket = elements.get("Ticket").map(str::to_owned);
    let field = |name| elements.get(name).unwrap_or_default().to_owned();
    // Event names have been seen in several cases (`subscribe`, `SCAN`, `CLICK`).
    Ok(match event.to_ascii_lowercase().as_str() {
        "subscribe" => Event::Subscribe { scene: key.strip_prefix("qrscene_").map(str::to_owned), ticket },
        "unsubscribe" => Event::Unsubscribe,
        "scan" => Event::Scan { scene: key, ticket },
        "location" => Event::Location {
            latitude: field("Latitude"),
            longitude: field("Longitude"),
            precision: field("Precision"),
        },
        "click" => Event::Click { key },
        "view" => Event::View { url: key, menu_id: elements.get("MenuId").map(str::to_owned) },
        _ => Event::Other { event: event.to_owned() },
    })
}
