use serde_json::Value;

use super::*;
use crate::console::SessionState;
use crate::push::Features;
use crate::secrets::Secret;
use crate::store::ports::{ResolveRequest, ResolveState, SessionRecord};
use crate::store::{
    Account, AvatarState, FollowState, MessageRecord, Method, Person, Profile, ProfileState, Resolution, ResolveHint,
    Sender, SenderField, Strategy,
};

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
    let names = [OPEN_ID, CREATE_TIME, MSG_TYPE, MSG_ID, CONTENT, EVENT, EVENT_KEY, "sender"];
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
