//! Bounds on the push fields that become store keys or index keys, or that
//! name what a push is (docs/push.md, "Field bounds").
//!
//! Every push is checked against these before anything is stored, so that no
//! input from outside can reach DynamoDB's key limits (2,048 bytes for a
//! partition key, 1,024 for a sort key) or put control characters into a
//! log line. The limits are generous against what the platform sends (a
//! 28-character openID, a 15-character `gh_…` id) and far inside the store's.

use super::message::MessageError;

/// The longest openID, `ToUserName`, `MsgType` or `Event`, in bytes. An
/// openID (28 characters on the platform) becomes part of the sender's, the
/// resolve request's and the pending index's keys; `ToUserName` is the
/// account's `gh_…` id (15 characters); `MsgType` and `Event` are names
/// such as `text` or `TEMPLATESENDJOBFINISH`.
pub const NAME_MAX: usize = 64;
/// `EventKey`: a menu key (128 bytes at most), a QR scene or a menu URL
/// (1,024 bytes at most).
pub const EVENT_KEY_MAX: usize = 1024;
/// `MsgId`: a 64-bit number, 20 digits at most.
pub const MSG_ID_DIGITS_MAX: usize = 20;
/// `CreateTime`: Unix seconds in 10 digits, so that messages sort by time.
pub const CREATE_TIME_MAX: i64 = 9_999_999_999;

/// Checks an openID: 1 to 64 letters, digits, `-` or `_`.
pub fn check_open_id(open_id: &str) -> Result<(), MessageError> {
    let ok = open_id.len() <= NAME_MAX && open_id.bytes().all(|b| is_name_byte(b) || b == b'-');
    ok.then_some(()).ok_or(bounds("FromUserName", "must be 1 to 64 letters, digits, '-' or '_'"))
}

/// Checks the fields the webhook keys on or names a push by.
pub(super) fn check(
    to_user: &str,
    from_user: &str,
    msg_type: &str,
    msg_id: Option<&str>,
    create_time: i64,
    event: Option<&str>,
    event_key: Option<&str>,
) -> Result<(), MessageError> {
    check_open_id(from_user)?;
    check_name("ToUserName", to_user)?;
    check_name("MsgType", msg_type)?;
    if let Some(event) = event {
        check_name("Event", event)?;
    }
    if msg_id.is_some_and(|id| id.len() > MSG_ID_DIGITS_MAX) {
        return Err(bounds("MsgId", "must have at most 20 digits"));
    }
    if !(0..=CREATE_TIME_MAX).contains(&create_time) {
        return Err(bounds("CreateTime", "must be Unix seconds of at most 10 digits"));
    }
    if event_key.is_some_and(|key| key.len() > EVENT_KEY_MAX) {
        return Err(bounds("EventKey", "must be at most 1024 bytes"));
    }
    Ok(())
}

fn check_name(element: &'static str, value: &str) -> Result<(), MessageError> {
    let ok = value.len() <= NAME_MAX && value.bytes().all(is_name_byte);
    ok.then_some(()).ok_or(bounds(element, "must be 1 to 64 letters, digits or '_'"))
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn bounds(element: &'static str, rule: &'static str) -> MessageError {
    MessageError::Bounds { element, rule }
}

#[cfg(test)]
mod tests;
