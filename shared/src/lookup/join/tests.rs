use std::time::Duration;

use super::*;
use crate::lookup::{ListParams, Lookup, LookupConfig};
use crate::push::Features;
use crate::secrets::MemorySecrets;
use crate::store::{Account, MemoryStore, Profile, ProfileState, SenderSnapshot, Strategy};

const ACCOUNT: &str = "acct-1";

fn message(create_time: i64, open_id: &str, sender: SenderField) -> MessageRecord {
    MessageRecord {
        account: ACCOUNT.into(),
        features: Features {
            open_id: open_id.into(),
            create_time,
            msg_type: "text".into(),
            msg_id: Some(create_time.to_string()),
            content: Some(format!("at {create_time}")),
            event: None,
            event_key: None,
        },
        dedupe_key: format!("{create_time:016x}"),
        raw_xml: "<xml/>".into(),
        received_at: create_time + 1,
        sender,
    }
}

fn sender(open_id: &str, fake_id: Option<u64>, nickname: Option<&str>) -> Sender {
    Sender {
        account: ACCOUNT.into(),
        open_id: open_id.into(),
        fake_id,
        profile: nickname.map(|n| Profile { nickname: n.into(), gender: 2, ..Profile::default() }),
        ..Sender::default()
    }
}

fn known(fake_id: u64, nickname: &str) -> SenderField {
    let profile = Profile { nickname: nickname.into(), gender: 2, ..Profile::default() };
    SenderField::Known(SenderSnapshot { fake_id, profile })
}

/// Senders known, awaiting a profile, gone, and no longer following (no
/// profile can be fetched); messages by reference to each, one with its
/// sender copied on (as older versions wrote), and pending ones: of a sender
/// found since, of one still unknown, and of one no longer following.
fn store() -> MemoryStore {
    let store = MemoryStore::new();
    store.put_account(Account::new(ACCOUNT, "wx570bc396a51b8ff8", "gh_7f083739789a", Strategy::Time));
    store.put_sender(sender("o-ann", Some(7), Some("Ann")));
    store.put_sender(sender("o-bo", Some(8), None));
    store.put_sender(Sender { profile_state: Some(ProfileState::NotFollowing), ..sender("o-cy", Some(9), None) });
    for (at, open_id, field) in [
        (1000, "o-ann", SenderField::Pending),
        (1001, "o-ann", known(7, "Ann before")),
        (1002, "o-ann", SenderField::Reference),
        (1003, "o-bo", SenderField::Reference),
        (1004, "o-gone", SenderField::Reference),
        (1005, "o-new", SenderField::Pending),
        (1006, "o-ann", SenderField::Reference),
        (1008, "o-cy", SenderField::Pending),
    ] {
        store.put_message(message(at, open_id, field));
    }
    store
}

#[tokio::test]
async fn a_reference_or_a_pending_sender_shows_the_sender_as_it_stands() -> Result<(), StoreError> {
    let store = store();
    let joined = with_senders(&store, ACCOUNT, store.messages(ACCOUNT)).await?;
    let mut fields: Vec<_> = joined.iter().map(|m| (m.features.create_time, m.sender.clone())).collect();
    fields.sort_by_key(|(at, _)| *at);
    assert_eq!(
        fields,
        [
            (1000, known(7, "Ann")),
            (1001, known(7, "Ann before")),
            (1002, known(7, "Ann")),
            (1003, SenderField::Pending),
            (1004, SenderField::Pending),
            (1005, SenderField::Pending),
            (1006, known(7, "Ann")),
            (1008, SenderField::Identified { fake_id: 9 }),
        ],
        "a copied snapshot is kept; a reference or a pending sender shows the sender's item now"
    );
    Ok(())
}

#[tokio::test]
async fn the_listing_shows_a_reference_as_a_known_sender_in_the_same_shape() -> Result<(), Box<dyn std::error::Error>> {
    let store = store();
    store.put_message(message(1007, "o-ann", known(7, "Ann")));
    let secrets = MemorySecrets::new();
    secrets.put("keys", r#"{"keys":["k-0123456789abcdef"]}"#.to_owned());
    let config = LookupConfig { api_keys_secret: "keys".into(), cache_ttl: Duration::from_secs(60) };
    let lookup = Lookup::new(store, secrets, config);
    let page = lookup.messages(ACCOUNT, &ListParams::default()).await?;
    let json = serde_json::to_value(&page)?;
    let sender_at = |at: i64| {
        json["messages"].as_array().into_iter().flatten().find(|m| m["create_time"] == at).map(|m| m["sender"].clone())
    };
    let stamped = sender_at(1007).ok_or("the stamped message")?;
    assert_eq!(stamped["state"], "known");
    assert_eq!(sender_at(1006), Some(stamped), "by reference, as if stamped");
    assert_eq!(sender_at(1004), Some(serde_json::json!({"state": "pending"})));
    assert!(!json.to_string().contains("reference"), "{json}");
    Ok(())
}
