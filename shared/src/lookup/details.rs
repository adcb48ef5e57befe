//! The fields of each push type (docs/push.md, "Message XML"), read again
//! from a stored message's XML when the messages route lists it.
//!
//! A stored message keeps its common fields as [`Features`](crate::push::Features)
//! and the whole message XML beside them. The webhook writes nothing more;
//! the listing parses that XML with the push parser and answers the type's
//! own fields in snake_case (`pic_url`, `recognition`, `location_x`, …),
//! then every other element the platform sent, under its own name. A row
//! whose XML no longer parses as a push gets no details.

use serde::{Serialize, Serializer};

use crate::push::Push;

/// The most elements answered for one message: a type's own fields are at
/// most six, the rest is for elements this version does not know.
pub const MAX_ELEMENTS: usize = 32;

/// Elements the listing answers elsewhere: the account (`ToUserName`), and
/// `open_id`, `create_time`, `msg_type`, `msg_id` and `event` of the features.
const COMMON: [&str; 6] = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId", "Event"];

/// Each type's fields as docs/push.md lists them: element name, answered name.
const TEXT: &[(&str, &str)] = &[("MsgDataId", "msg_data_id"), ("Idx", "idx")];
const IMAGE: &[(&str, &str)] = &[("PicUrl", "pic_url"), ("MediaId", "media_id")];
const VOICE: &[(&str, &str)] = &[("MediaId", "media_id"), ("Format", "format"), ("Recognition", "recognition")];
const VIDEO: &[(&str, &str)] = &[("MediaId", "media_id"), ("ThumbMediaId", "thumb_media_id")];
const LOCATION: &[(&str, &str)] =
    &[("Location_X", "location_x"), ("Location_Y", "location_y"), ("Scale", "scale"), ("Label", "label")];
const LINK: &[(&str, &str)] = &[("Title", "title"), ("Description", "description"), ("Url", "url")];
const EVENT: &[(&str, &str)] = &[
    ("EventKey", "event_key"),
    ("Ticket", "ticket"),
    ("Latitude", "latitude"),
    ("Longitude", "longitude"),
    ("Precision", "precision"),
    ("MenuId", "menu_id"),
];

/// A message's fields besides the common ones, answered as a JSON object:
/// the type's own fields first, in the order above, each when its element
/// was sent (empty or not); then the other elements in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details(Vec<(String, String)>);

impl Details {
    /// The details of a stored message XML; none when it is not a push.
    pub fn from_xml(raw_xml: &str) -> Self {
        Push::parse(raw_xml).map(|push| Self::of(&push)).unwrap_or_default()
    }

    /// The details of a parsed push.
    pub fn of(push: &Push) -> Self {
        let own = fields(&push.msg_type);
        let mut details = Details(Vec::with_capacity(own.len()));
        for (element, name) in own {
            if let Some(value) = push.elements.get(element) {
                details.0.push(((*name).to_owned(), value.to_owned()));
            }
        }
        // `Content` is the features' `content` for a text, and a field like
        // any other for a type that does not know it.
        let answered = |element: &str| {
            COMMON.contains(&element)
                || (element == "Content" && push.msg_type == "text")
                || own.iter().any(|(known, _)| *known == element)
        };
        for (element, value) in push.elements.iter() {
            if details.0.len() == MAX_ELEMENTS {
                break;
            }
            if !answered(element) && details.get(element).is_none() {
                details.0.push((element.to_owned(), value.to_owned()));
            }
        }
        details
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The value answered under `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every (name, value), in the order answered.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl Serialize for Details {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// The fields docs/push.md lists for a `MsgType`; none for an unknown one.
fn fields(msg_type: &str) -> &'static [(&'static str, &'static str)] {
    match msg_type {
        "text" => TEXT,
        "image" => IMAGE,
        "voice" => VOICE,
        "video" | "shortvideo" => VIDEO,
        "location" => LOCATION,
        "link" => LINK,
        "event" => EVENT,
        _ => &[],
    }
}

#[cfg(test)]
mod tests;
