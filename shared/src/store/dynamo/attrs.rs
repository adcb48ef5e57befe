//! The names of the attributes the adapter writes or reads in expressions
//! and item maps. Key attributes (`pk`, `sk`, `kind`, the index keys,
//! `expires_at`) are in [`super::super::keys`].
//!
//! Items are written from the model types with serde, so most of these names
//! are also field names there; the tests below keep the two in step.

// Shared by several items.
pub const ACCOUNT: &str = "account";
pub const OPEN_ID: &str = "open_id";
pub const FAKE_ID: &str = "fake_id";
/// A resolve request's state, or an account's.
pub const STATE: &str = "state";
pub const FETCHED_AT: &str = "fetched_at";

// Replay guard and dedupe record.
pub const MESSAGE_DIGEST: &str = "message_digest";

// Resolve request.
pub const FIRST_SEEN_AT: &str = "first_seen_at";
pub const UPDATED_AT: &str = "updated_at";
pub const FIRST_HINT: &str = "first_hint";
pub const LAST_HINT: &str = "last_hint";
pub const MESSAGE_COUNT: &str = "message_count";
pub const REASON: &str = "reason";

// Sender.
pub const FOLLOW_STATE: &str = "follow_state";
pub const FOLLOW_CHANGED_AT: &str = "follow_changed_at";
/// When the follower last subscribed or unsubscribed (written, for operators).
pub const SUBSCRIBED_AT: &str = "subscribed_at";
pub const UNSUBSCRIBED_AT: &str = "unsubscribed_at";
pub const RESOLUTION: &str = "resolution";
pub const CONFLICT: &str = "conflict";
pub const MOVED: &str = "moved";
pub const PROFILE: &str = "profile";
pub const PROFILE_STATE: &str = "profile_state";
pub const PROFILE_WANTED_AT: &str = "profile_wanted_at";
pub const PROFILE_FETCHED_AT: &str = "profile_fetched_at";
pub const PROFILE_REASON: &str = "profile_reason";
pub const REMARK_NAME: &str = "remark_name";
pub const GROUP_ID: &str = "group_id";

// Message.
pub const CREATE_TIME: &str = "create_time";
pub const MSG_TYPE: &str = "msg_type";
pub const MSG_ID: &str = "msg_id";
pub const CONTENT: &str = "content";
pub const EVENT: &str = "event";
pub const EVENT_KEY: &str = "event_key";
pub const SENDER: &str = "sender";

// Account.
pub const STATE_CHANGED_AT: &str = "state_changed_at";
pub const STATE_REASON: &str = "state_reason";
pub const REJECTED_SECRET_VERSION: &str = "rejected_secret_version";
pub const RESOLVED_GROUP_ID: &str = "resolved_group_id";

// Avatar.
pub const JPEG: &str = "jpeg";

// Sessions table.
pub const SESSION: &str = "session";
/// The session's token, inside [`SESSION`].
pub const SESSION_TOKEN: &str = "session.token";
pub const LEASE_OWNER: &str = "lease_owner";
pub const LEASE_UNTIL: &str = "lease_until";

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::console::SessionState;
    use crate::push::Features;
    use crate::secrets::Secret;
    use crate::store::model::{
        Account, AvatarState, FollowState, MessageRecord, Method, Person, Profile, ProfileState, Resolution,
        ResolveHint, Sender, SenderField, Strategy,
    };
    use crate::store::ports::{ResolveRequest, ResolveState, SessionRecord};

    fn fields(value: impl serde::Serialize) -> Value {
        serde_json::to_value(value).unwrap()
    }

    fn assert_has(value: &Value, names: &[&str]) {
        for name in names {
            let mut at = value;
            for part in name.split('.') {
                at = at.get(part).unwrap_or_else(|| panic!("no `{name}` in {value}"));
            }
        }
    }

    #[test]
    fn sender_names_are_its_fields() {
        let resolution = Resolution { fake_id: 1, method: Method::Time, evidence: "row".into(), resolved_at: 2 };
        let sender = Sender {
            account: "a".into(),
            open_id: "o".into(),
            fake_id: Some(1),
            profile: Some(Profile::default()),
            follow_state: Some(FollowState::Following),
            follow_changed_at: Some(3),
            resolution: Some(resolution.clone()),
            conflict: Some(resolution),
            moved: true,
            profile_state: Some(ProfileState::Fetched),
            profile_fetched_at: Some(4),
            profile_wanted_at: Some(5),
            profile_reason: Some("why".into()),
            remark_name: Some("remark".into()),
            group_id: Some(6),
        };
        assert_has(
            &fields(sender),
            &[
                ACCOUNT,
                OPEN_ID,
                FAKE_ID,
                PROFILE,
                FOLLOW_STATE,
                FOLLOW_CHANGED_AT,
                RESOLUTION,
                CONFLICT,
                MOVED,
                PROFILE_STATE,
                PROFILE_FETCHED_AT,
                PROFILE_WANTED_AT,
                PROFILE_REASON,
                REMARK_NAME,
                GROUP_ID,
            ],
        );
    }

    #[test]
    fn request_message_and_account_names_are_their_fields() {
        let hint = ResolveHint {
            create_time: 1,
            msg_type: "text".into(),
            msg_id: None,
            content: None,
            marker_planted: false,
            event: None,
        };
        let request = ResolveRequest {
            account: "a".into(),
            open_id: "o".into(),
            state: ResolveState::Pending,
            message_count: 1,
            first_hint: hint.clone(),
            last_hint: hint,
            first_seen_at: 1,
            updated_at: 2,
            reason: Some("why".into()),
            fake_id: Some(3),
        };
        let names = [ACCOUNT, OPEN_ID, STATE, MESSAGE_COUNT, FIRST_HINT, LAST_HINT, FIRST_SEEN_AT, UPDATED_AT];
        assert_has(&fields(request), &[&names[..], &[REASON, FAKE_ID]].concat());
        let features = Features {
            open_id: "o".into(),
            create_time: 1,
            msg_type: "event".into(),
            msg_id: Some("1".into()),
            content: Some("hi".into()),
            event: Some("CLICK".into()),
            event_key: Some("k".into()),
        };
        let message = MessageRecord {
            account: "a".into(),
            features,
            dedupe_key: "d".into(),
            raw_xml: "<xml/>".into(),
            received_at: 2,
            sender: SenderField::Pending,
        };
        let names = [OPEN_ID, CREATE_TIME, MSG_TYPE, MSG_ID, CONTENT, EVENT, EVENT_KEY, SENDER];
        assert_has(&fields(message), &names);
        let mut account = Account::new("a", "wx0123456789abcdef", "gh_0123456789ab", Strategy::Time);
        account.state_reason = Some("why".into());
        account.state_changed_at = Some(1);
        account.rejected_secret_version = Some("v1".into());
        account.resolved_group_id = Some(100);
        let names = [STATE, STATE_CHANGED_AT, STATE_REASON, REJECTED_SECRET_VERSION, RESOLVED_GROUP_ID];
        assert_has(&fields(account), &names);
    }

    #[test]
    fn person_and_session_names_are_their_fields() {
        let person = Person {
            fake_id: 1,
            profile: Profile::default(),
            fetched_at: 2,
            fetched_via: "a".into(),
            avatar: AvatarState::Stored,
            avatar_bytes: 3,
        };
        assert_has(&fields(person), &[FAKE_ID, FETCHED_AT]);
        let session = SessionState { token: "t".into(), cookies: Secret::new("c".into()), uin: None, created_at: 1 };
        let record = SessionRecord { session: Some(session), lease_owner: Some("x".into()), lease_until: Some(2) };
        assert_has(&fields(record), &[SESSION, SESSION_TOKEN, LEASE_OWNER, LEASE_UNTIL]);
    }
}
