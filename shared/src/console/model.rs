//! The console's answers (docs/console.md), decoded.

use serde::{Deserialize, Serialize};

use super::de::{i64_loose, opt_u64_loose, twice, u64_loose, unescape_content};
use crate::secrets::Secret;

/// A logged-in console session: the token every call carries, and the
/// session cookies. Kept in the store so that invocations share it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    pub token: String,
    /// The `Cookie` header value of the session (`name=value; …`).
    pub cookies: Secret<String>,
    /// The account's own FakeID, from the home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uin: Option<u64>,
    /// When the login happened (Unix seconds).
    pub created_at: i64,
}

/// `base_resp` of every JSON answer.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BaseResp {
    #[serde(deserialize_with = "i64_loose")]
    pub ret: i64,
    #[serde(default)]
    pub err_msg: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Status {
    pub base_resp: BaseResp,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LoginAnswer {
    #[serde(default)]
    pub redirect_url: String,
}

/// What the home page says about the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    pub uin: u64,
    pub user_name: Option<String>,
    pub nick_name: Option<String>,
}

/// One follower in a page of the follower list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Contact {
    #[serde(rename = "id", deserialize_with = "u64_loose")]
    pub fake_id: u64,
    #[serde(default)]
    pub nick_name: String,
    #[serde(default)]
    pub remark_name: String,
    #[serde(deserialize_with = "i64_loose")]
    pub group_id: i64,
}

/// A follower group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Group {
    #[serde(deserialize_with = "i64_loose")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "i64_loose")]
    pub cnt: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ContactList {
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GroupList {
    #[serde(default)]
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FollowersAnswer {
    #[serde(deserialize_with = "twice")]
    pub contact_list: ContactList,
    #[serde(deserialize_with = "twice")]
    pub group_list: GroupList,
}

/// One page of followers, and every group with its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerPage {
    pub contacts: Vec<Contact>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GroupCreated {
    #[serde(deserialize_with = "i64_loose")]
    pub group_id: i64,
}

/// One person's profile as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ContactInfo {
    #[serde(deserialize_with = "u64_loose")]
    pub fake_id: u64,
    #[serde(default)]
    pub nick_name: String,
    #[serde(default)]
    pub user_name: String,
    #[serde(default)]
    pub remark_name: String,
    #[serde(default)]
    pub signature: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub city: String,
    #[serde(default, deserialize_with = "i64_loose")]
    pub gender: i64,
    #[serde(default, deserialize_with = "i64_loose")]
    pub group_id: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ContactInfoAnswer {
    pub contact_info: ContactInfo,
}

/// A message in the message list or a dialog page. `content` is unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessageItem {
    #[serde(deserialize_with = "u64_loose")]
    pub id: u64,
    /// 1 text (and the text rendering of other kinds), 2 image, 3 voice, 4 video.
    #[serde(rename = "type", deserialize_with = "i64_loose")]
    pub kind: i64,
    #[serde(rename = "fakeid", deserialize_with = "u64_loose")]
    pub fake_id: u64,
    #[serde(default)]
    pub nick_name: String,
    #[serde(deserialize_with = "i64_loose")]
    pub date_time: i64,
    #[serde(default, deserialize_with = "content")]
    pub content: String,
    /// `"biz"` for the account's own messages.
    #[serde(default)]
    pub source: String,
    #[serde(default, deserialize_with = "opt_u64_loose")]
    pub to_uin: Option<u64>,
}

impl MessageItem {
    /// Whether the account itself sent this message.
    pub fn from_account(&self) -> bool {
        self.source == "biz"
    }
}

fn content<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(unescape_content(&String::deserialize(d)?))
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MessageItems {
    #[serde(default)]
    pub msg_item: Vec<MessageItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MessageListAnswer {
    #[serde(deserialize_with = "twice")]
    pub msg_items: MessageItems,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NewCountAnswer {
    #[serde(rename = "newTotalMsgCount", deserialize_with = "i64_loose")]
    pub new_total: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PageInfo {
    #[serde(default)]
    pub to_nick_name: String,
    #[serde(deserialize_with = "twice")]
    pub msg_items: MessageItems,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DialogAnswer {
    pub page_info: PageInfo,
}

/// One follower's dialog page: messages both ways, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dialog {
    pub to_nick_name: String,
    pub messages: Vec<MessageItem>,
}

/// Which slice of the message list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageQuery {
    /// At most 100.
    pub count: u32,
    /// 0 today, 1 yesterday, 2 the day before, 3 older, 7 all.
    pub day: u32,
    /// Only messages older than this id; 0 from the newest.
    pub from_msg_id: u64,
    pub offset: u32,
}

impl Default for MessageQuery {
    fn default() -> Self {
        Self { count: 100, day: 7, from_msg_id: 0, offset: 0 }
    }
}
