//! `accounts add` on an account already registered, against moto: the body
//! mode kept unless given, a new password resuming what the refused one held
//! up, a marker key moved out of an older push secret.

mod common;

use aws_sdk_dynamodb::types::AttributeValue;
use common::{KEY_A, input, marker_secret, push_secret, put_request, raw_secret, setup, unique};
use local_stack::filter::Filters;
use local_stack::record::StreamRecord;
use whosent::push::BodyMode;
use whosent::secrets::Secret;
use whosent::store::{AccountState, ProfileState, ResolveState, ResolverStore, Sender, SessionStore, Strategy};
use whosent_admin::{Cleared, MarkerOrigin, unix_now};

#[tokio::test]
async fn a_new_password_for_a_rejected_account_resumes_its_waiting_work() {
    let (aws, table, admin) = setup().await;
    let id = unique("fix");
    admin.add_account(&input(&id)).await.unwrap();
    admin.store.set_account_state(&id, AccountState::CredentialsRejected, Some("-23"), None, unix_now()).await.unwrap();
    put_request(&admin, &id, "oWaiting", ResolveState::Waiting).await;
    put_request(&admin, &id, "oPending", ResolveState::Pending).await;
    let waiting = Sender {
        account: id.clone(),
        open_id: "oMapped".into(),
        fake_id: Some(42),
        profile_state: Some(ProfileState::Waiting),
        profile_reason: Some("account cannot log in: CredentialsRejected".into()),
        ..Sender::default()
    };
    admin.store.put_sender(&waiting).await.unwrap();

    let mut fixed = input(&id);
    fixed.password = Secret::new("second-password".into());
    let added = admin.add_account(&fixed).await.unwrap();
    assert!(added.lifted_rejection);
    assert_eq!(added.resumed, Some(Cleared { requests: 1, profiles: 1 }));
    let request = admin.store.request(&id, "oWaiting").await.unwrap().unwrap();
    assert_eq!((request.state, request.reason), (ResolveState::Pending, None));
    let asked = admin.store.sender_record(&id, "oMapped").await.unwrap().unwrap();
    assert_eq!((asked.profile_state, asked.profile_reason), (Some(ProfileState::Wanted), None));

    // The stream carries them to the resolver and the profile function.
    let filters = Filters::parse(include_str!("../../events/filters.json")).unwrap();
    let selected = |name: &str, records: &[StreamRecord]| -> Vec<String> {
        let filter = filters.get(name);
        records
            .iter()
            .filter(|r| r.event_name() == "MODIFY" && filter.matches(&r.json))
            .filter_map(|r| r.image_string("open_id").map(str::to_owned))
            .collect()
    };
    let records = aws.stream_records(&table).await;
    assert_eq!(selected("resolver", &records), ["oWaiting"]);
    assert_eq!(selected("profile", &records), ["oMapped"]);

    // Nothing waits any more: the same password again resumes nothing.
    let again = admin.add_account(&fixed).await.unwrap();
    assert_eq!((again.lifted_rejection, again.resumed), (false, None));
}

#[tokio::test]
async fn the_body_mode_is_safe_unless_given_and_kept_when_not() {
    let (_aws, _table, admin) = setup().await;
    let id = unique("mode");
    let added = admin.add_account(&input(&id)).await.unwrap();
    assert_eq!(added.account.mode, BodyMode::Safe, "a new account is safe by default");

    let mut plaintext = input(&id);
    plaintext.mode = Some(BodyMode::Plaintext);
    admin.add_account(&plaintext).await.unwrap();
    assert_eq!(admin.store.account_now(&id).await.unwrap().unwrap().mode, BodyMode::Plaintext);

    // A later add without --mode (a new password, say) leaves the mode alone.
    let mut fixed = input(&id);
    fixed.password = Secret::new("second-password".into());
    let kept = admin.add_account(&fixed).await.unwrap();
    assert_eq!(kept.account.mode, BodyMode::Plaintext);
    assert_eq!(admin.store.account_now(&id).await.unwrap().unwrap().mode, BodyMode::Plaintext);
    assert_eq!(admin.show(&id).await.unwrap().account.mode, BodyMode::Plaintext);

    let mut compatible = fixed.clone();
    compatible.mode = Some(BodyMode::Compatible);
    admin.add_account(&compatible).await.unwrap();
    let listed = admin.accounts().await.unwrap().into_iter().find(|a| a.id == id).unwrap();
    assert_eq!(listed.mode, BodyMode::Compatible);
}

#[tokio::test]
async fn a_marker_key_in_an_older_push_secret_moves_to_the_marker_secret_once() {
    let (_aws, _table, admin) = setup().await;
    let id = unique("older");
    // As written before the marker secret: the key in the push secret, no
    // marker secret named in the registry item.
    let push_name = format!("whosent/{id}/push");
    let older = format!(r#"{{"token":"Token2013","encoding_aes_key":"{KEY_A}","marker_key":"older-marker-key-0123"}}"#);
    admin.secrets.put(&push_name, &Secret::new(older)).await.unwrap();
    let mut item: std::collections::HashMap<String, AttributeValue> = serde_dynamo::to_item(
        whosent::store::Account::new(&id, "wx0123456789abcdef", "gh_0123456789ab", Strategy::UserList),
    )
    .unwrap();
    item.remove("marker_secret");
    item.insert("pk".into(), AttributeValue::S(format!("ACCT#{id}")));
    item.insert("sk".into(), AttributeValue::S("ACCOUNT".into()));
    item.insert("kind".into(), AttributeValue::S("account".into()));
    admin.store.client().put_item().table_name(admin.store.table()).set_item(Some(item)).send().await.unwrap();
    let registered = admin.store.account_now(&id).await.unwrap().expect("the older record reads");
    assert_eq!(registered.marker_secret, format!("whosent/{id}/marker"));

    let moved = admin.add_account(&input(&id)).await.unwrap();
    assert_eq!((moved.marker, moved.marker_written, moved.push_written), (MarkerOrigin::CarriedOver, true, true));
    assert_eq!(marker_secret(&admin, &id).await.marker_key.expose(), "older-marker-key-0123");
    assert!(!raw_secret(&admin, &push_name).await.contains("marker_key"), "the push secret keeps no copy");
    assert_eq!(push_secret(&admin, &id).await.token.expose(), "Token2013");
    let account = admin.store.account_now(&id).await.unwrap().unwrap();
    assert_eq!(account.marker_secret, format!("whosent/{id}/marker"));

    let again = admin.add_account(&input(&id)).await.unwrap();
    assert_eq!((again.marker, again.marker_written, again.push_written), (MarkerOrigin::Kept, false, false));

    let mut given = input(&id);
    given.marker_key = Some(Secret::new("a-new-marker-key-456".into()));
    let replaced = admin.add_account(&given).await.unwrap();
    assert_eq!((replaced.marker, replaced.marker_written, replaced.push_written), (MarkerOrigin::Given, true, false));
    assert_eq!(marker_secret(&admin, &id).await.marker_key.expose(), "a-new-marker-key-456");
}
