//! The profile step (patent step 17, claim 6): once a sender is mapped, who
//! the FakeID is. The person and the avatar are stored, the profile is
//! copied onto the sender, and every message that waited for the sender
//! shows it, with no write to the messages. A FakeID that no longer follows, a follower who comes back,
//! sessions that end, fetches that race, a blocked account, a person
//! fetched through another account, redelivery and a batch over two
//! accounts.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Body, World, console_secret, person};
use crate::batch::{Outcome, WorkKey};
use crate::console::{Call, ConsoleError, ScriptedConsole};
use crate::store::{
    AccountState, AvatarState, LookupStore, MessageRecord, Person, Profile, ProfileState, ProfileStore, SenderField,
    SessionStore, Strategy,
};

/// A JPEG for a person: start and end markers around a tag.
fn jpeg(tag: u8) -> Vec<u8> {
    vec![0xFF, 0xD8, 0xFF, 0xE0, tag, 0xFF, 0xD9]
}

/// Followers `fans` of account `account` write `per` texts each; their
/// requests are resolved by time. The keys of the account's senders.
async fn written_and_resolved(w: &World, account: usize, fans: &[u64], per: usize) -> Vec<WorkKey> {
    for round in 0..per {
        for (i, fake_id) in fans.iter().enumerate() {
            w.text(account, *fake_id, &format!("message {round} from follower {i}")).await;
        }
    }
    let id = &w.accounts[account].id;
    let keys: Vec<WorkKey> = w.pending().await.into_iter().filter(|k| &k.account == id).collect();
    assert_eq!(keys.len(), fans.len());
    w.console.advance(10);
    let run = w.resolve(&keys).await;
    assert_eq!(w.check_against_truth(&keys).await, fans.len(), "{run:?}");
    keys
}

/// The avatar stored for a person.
async fn avatar(w: &World, fake_id: u64) -> Option<Vec<u8>> {
    LookupStore::avatar(&w.store, fake_id).await.expect("avatar")
}

async fn stored_person(w: &World, fake_id: u64) -> Option<Person> {
    ProfileStore::person(&w.store, fake_id).await.expect("person")
}

/// The account's messages as the lookup shows them, each with its sender
/// as the sender's item stands.
async fn shown(w: &World, account: &str) -> Vec<MessageRecord> {
    crate::lookup::join::with_senders(&w.store, account, w.store.messages(account)).await.expect("senders read")
}

#[tokio::test(start_paused = true)]
async fn the_person_and_avatar_are_stored_and_every_waiting_message_shows_the_sender() {
    let w = World::new(&[Strategy::Time], 20);
    let fans: Vec<u64> = w.fans(0).into_iter().take(3).collect();
    for fake_id in &fans {
        w.console.set_avatar(*fake_id, jpeg(*fake_id as u8));
    }
    let keys = written_and_resolved(&w, 0, &fans, 2).await;
    let account = &w.accounts[0].id;
    let before = w.store.messages(account);
    assert_eq!(before.len(), 6);
    assert!(before.iter().all(|m| m.sender == SenderField::Pending), "messages wait for their sender");

    let run = w.profiles(&keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done; 3], "{run:?}");
    assert_eq!(run.stats.fetched, 3, "{run:?}");
    assert_eq!(run.logins, 0, "the resolver's stored session is reused");
    for key in &keys {
        let fake_id = w.mapped(0, &key.open_id).await.expect("mapped");
        let truth = person(fake_id);
        let sender = w.store.sender_record(account, &key.open_id).expect("sender");
        assert_eq!(sender.profile_state, Some(ProfileState::Fetched));
        let profile = sender.profile.expect("profile stored with the openID (claim 6)");
        assert_eq!(profile.nickname, truth.nick_name);
        assert_eq!((profile.gender, &profile.province, &profile.city), (1, &truth.province, &truth.city));
        let stored = stored_person(&w, fake_id).await.expect("the person");
        assert_eq!((stored.avatar, stored.profile), (AvatarState::Stored, profile));
        assert_eq!(avatar(&w, fake_id).await, Some(jpeg(fake_id as u8)), "the console's JPEG");
    }
    assert_eq!(w.store.messages(account), before, "the messages are not rewritten");
    for message in shown(&w, account).await {
        let SenderField::Known(snapshot) = &message.sender else { panic!("still waiting: {message:?}") };
        assert_eq!(super::open_id(0, snapshot.fake_id), message.features.open_id);
        assert_eq!(snapshot.profile.nickname, person(snapshot.fake_id).nick_name);
    }
}

#[tokio::test(start_paused = true)]
async fn a_fakeid_that_no_longer_follows_is_flagged_and_its_messages_name_the_fakeid() {
    let w = World::new(&[Strategy::Time], 20);
    let fan = w.fans(0)[2];
    let keys = written_and_resolved(&w, 0, &[fan], 1).await;
    w.push(0, fan, Body::Unsubscribe, w.console.now(), 0).await;

    let run = w.profiles(&keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done], "{run:?}");
    assert_eq!((run.stats.fetched, run.stats.not_following), (0, 1), "{run:?}");
    let account = &w.accounts[0].id;
    let sender = w.store.sender_record(account, &keys[0].open_id).expect("sender");
    assert_eq!(sender.profile_state, Some(ProfileState::NotFollowing));
    assert!(sender.profile.is_none(), "nothing stored as data");
    assert!(stored_person(&w, fan).await.is_none());
    let messages = shown(&w, account).await;
    let text = messages.iter().find(|m| m.features.msg_type == "text").expect("the text");
    assert_eq!(text.sender, SenderField::Identified { fake_id: fan });
}

#[tokio::test(start_paused = true)]
async fn a_follower_back_after_an_unfollow_gets_the_profile_fetched_again() {
    let w = World::new(&[Strategy::Time], 20);
    let fan = w.fans(0)[1];
    let keys = written_and_resolved(&w, 0, &[fan], 1).await;
    assert_eq!(w.profiles(&keys).await.stats.fetched, 1);
    let account = &w.accounts[0].id;
    let first_fetch = w.store.sender_record(account, &keys[0].open_id).expect("sender").profile_fetched_at;

    w.push(0, fan, Body::Unsubscribe, w.console.now(), 0).await;
    w.console.advance(2);
    w.push(0, fan, Body::Subscribe, w.console.now(), 0).await;
    let sender = w.store.sender_record(account, &keys[0].open_id).expect("sender");
    assert_eq!(sender.profile_state, Some(ProfileState::Wanted), "the follow asks for the profile again");
    w.console.advance(1);
    let run = w.profiles(&keys).await;
    assert_eq!((run.stats.fetched, run.stats.reused), (1, 0), "{run:?}");
    let sender = w.store.sender_record(account, &keys[0].open_id).expect("sender");
    assert!(sender.profile_fetched_at > first_fetch, "{sender:?}");
    let messages = shown(&w, account).await;
    let known = messages.iter().all(|m| matches!(m.sender, SenderField::Known(_)));
    assert!(known, "every message, the unfollow's too, shows the profile: {messages:?}");
}

#[tokio::test(start_paused = true)]
async fn a_session_ending_before_the_avatar_logs_in_once_and_the_jpeg_is_stored() {
    let w = World::new(&[Strategy::Time], 20);
    let fan = w.fans(0)[4];
    w.console.set_avatar(fan, jpeg(4));
    let keys = written_and_resolved(&w, 0, &[fan], 1).await;
    // Every session of the account ends just before the first avatar is asked for.
    let ended = AtomicBool::new(false);
    let console = ScriptedConsole::new(w.console.clone(), |call| {
        if call == Call::Avatar && !ended.swap(true, Ordering::SeqCst) {
            assert!(w.console.end_sessions(0) > 0);
        }
        None
    });
    let run = w.profiles_with(&console, &keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done], "{run:?}");
    assert_eq!(run.logins, 1, "one login after the session ended: {run:?}");
    let stored = stored_person(&w, fan).await.expect("stored");
    assert_eq!(stored.avatar, AvatarState::Stored);
    assert_eq!(avatar(&w, fan).await, Some(jpeg(4)), "the JPEG, not the login page");
}

#[tokio::test(start_paused = true)]
async fn an_older_fetch_never_replaces_a_newer_person_or_its_avatar() {
    let w = World::new(&[Strategy::Time], 20);
    let fan = w.fans(0)[3];
    w.console.set_avatar(fan, jpeg(1));
    let keys = written_and_resolved(&w, 0, &[fan], 1).await;
    let newer = |fetched_at: i64, nickname: &str| Person {
        fake_id: fan,
        profile: Profile { nickname: nickname.to_owned(), ..Profile::default() },
        fetched_at,
        fetched_via: "another-account".to_owned(),
        avatar: AvatarState::Stored,
        avatar_bytes: 7,
    };
    // While this step waits for the avatar, a later fetch through another
    // account is stored first.
    let later = w.console.now() + 60;
    let console = ScriptedConsole::new(w.console.clone(), |call| {
        if call == Call::Avatar {
            w.store.put_person(newer(later, "newer"));
            w.store.put_avatar(fan, jpeg(2));
        }
        None
    });
    let run = w.profiles_with(&console, &keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done], "{run:?}");
    assert_eq!(run.stats.fetched, 1, "{run:?}");
    assert_eq!(stored_person(&w, fan).await.expect("stored").profile.nickname, "newer");
    assert_eq!(avatar(&w, fan).await, Some(jpeg(2)), "the avatar goes with its person");

    // Stored one after the other: the older is dropped, a later one replaces both.
    w.store.save_person(&newer(later - 1, "older"), Some(&jpeg(3))).await.unwrap();
    assert_eq!(stored_person(&w, fan).await.expect("stored").profile.nickname, "newer");
    assert_eq!(avatar(&w, fan).await, Some(jpeg(2)));
    w.store.save_person(&newer(later + 1, "latest"), Some(&jpeg(3))).await.unwrap();
    assert_eq!(stored_person(&w, fan).await.expect("stored").profile.nickname, "latest");
    assert_eq!(avatar(&w, fan).await, Some(jpeg(3)));
}

#[tokio::test(start_paused = true)]
async fn a_wrong_password_makes_the_profiles_wait_until_the_secret_changes() {
    let w = World::new(&[Strategy::Time], 20);
    let fans = w.fans(0);
    let keys = written_and_resolved(&w, 0, &fans[..2], 1).await;
    let account = w.accounts[0].clone();
    let username = "acct0@example.com";
    // The password is changed and the sessions end; the next login, the
    // resolver's for a new sender, is refused.
    w.secrets.put(&account.console_secret, console_secret(username, "not-the-password"));
    w.console.end_sessions(0);
    w.text(0, fans[5], "hello").await;
    let newcomer: Vec<WorkKey> = w.pending().await;
    w.console.advance(10);
    w.resolve(&newcomer).await;
    assert_eq!(w.store.account_now(&account.id).await.unwrap().unwrap().state, AccountState::CredentialsRejected);
    let logins = w.console.logins();

    let run = w.profiles(&keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done; 2], "the work waits in the table, not in the stream's retries");
    assert_eq!((run.logins, w.console.logins()), (0, logins), "no login with the refused secret");
    for key in &keys {
        let sender = w.store.sender_record(&account.id, &key.open_id).expect("sender");
        assert_eq!(sender.profile_state, Some(ProfileState::Waiting), "never dropped");
        assert_eq!(sender.profile_reason.as_deref(), Some("account cannot log in: CredentialsRejected"));
    }

    // A new version of the secret lifts the state; the operator asks again.
    w.secrets.put(&account.console_secret, console_secret(username, &w.passwords[0]));
    for key in &keys {
        w.store.set_profile_state(&account.id, &key.open_id, ProfileState::Wanted, None).await.unwrap();
    }
    let run = w.profiles(&keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done; 2], "{run:?}");
    assert_eq!((run.stats.fetched, run.logins), (2, 1), "{run:?}");
    assert_eq!(w.store.account_now(&account.id).await.unwrap().unwrap().state, AccountState::Active);
}

/// The rule when the profile step meets the refused password at its own
/// login: one refused login, then the work waits as it does above.
#[tokio::test(start_paused = true)]
async fn a_wrong_password_met_at_the_profile_steps_login_is_tried_once_and_the_work_waits() {
    let w = World::new(&[Strategy::Time], 20);
    let fans = w.fans(0);
    let keys = written_and_resolved(&w, 0, &fans[..2], 1).await;
    let account = w.accounts[0].clone();
    w.secrets.put(&account.console_secret, console_secret("acct0@example.com", "not-the-password"));
    w.console.end_sessions(0);
    let run = w.profiles(&keys).await;
    assert_eq!(run.outcomes, vec![Outcome::Done; 2], "{run:?}");
    assert_eq!(w.console.logins(), (1, 1), "one refused login: {run:?}");
    assert_eq!(w.store.account_now(&account.id).await.unwrap().unwrap().state, AccountState::CredentialsRejected);
    for key in &keys {
        let sender = w.store.sender_record(&account.id, &key.open_id).expect("sender");
        assert_eq!(sender.profile_state, Some(ProfileState::Waiting));
    }
}

#[tokio::test(start_paused = true)]
async fn a_person_fetched_through_another_account_since_is_reused() {
    // The same people follow both accounts.
    let w = World::new(&[Strategy::Time, Strategy::Time], 20);
    let fan = w.fans(0)[0];
    let first = written_and_resolved(&w, 0, &[fan], 1).await;
    let second = written_and_resolved(&w, 1, &[fan], 1).await;
    w.console.advance(1);
    assert_eq!(w.profiles(&first).await.stats.fetched, 1);
    let calls = w.console.calls(Call::ContactInfo);
    let run = w.profiles(&second).await;
    assert_eq!(run.outcomes, vec![Outcome::Done], "{run:?}");
    assert_eq!((run.stats.fetched, run.stats.reused), (0, 1), "{run:?}");
    assert_eq!(w.console.calls(Call::ContactInfo), calls, "no console call");
    let sender = w.store.sender_record(&second[0].account, &second[0].open_id).expect("sender");
    assert_eq!(sender.profile.expect("copied from the person").nickname, person(fan).nick_name);
}

#[tokio::test(start_paused = true)]
async fn redelivering_a_profile_batch_makes_no_console_call() {
    let w = World::new(&[Strategy::Time], 20);
    let fans: Vec<u64> = w.fans(0).into_iter().take(2).collect();
    let keys = written_and_resolved(&w, 0, &fans, 1).await;
    let first = w.profiles(&keys).await;
    assert_eq!(first.stats.fetched, 2);
    let calls = |w: &World| [Call::Login, Call::ContactInfo, Call::Avatar].map(|c| w.console.calls(c));
    let before = calls(&w);
    let doubled = [keys[0].clone(), keys[1].clone(), keys[0].clone()];
    let again = w.profiles(&doubled).await;
    assert_eq!(again.outcomes, vec![Outcome::Done; 3]);
    assert_eq!((&again.stats, again.logins), (&Default::default(), 0), "{again:?}");
    assert_eq!(calls(&w), before, "no console call");
}

#[tokio::test(start_paused = true)]
async fn two_accounts_are_worked_side_by_side() {
    let w = World::new(&[Strategy::Time, Strategy::Time], 20);
    // Two people: the same people follow both accounts.
    let first = written_and_resolved(&w, 0, &w.fans(0)[..1], 1).await;
    let second = written_and_resolved(&w, 1, &w.fans(1)[1..2], 1).await;
    let (account, open_id) = (second[0].account.clone(), second[0].open_id.clone());
    // The first account's first contact call meets frequency control; each
    // contact call notes whether the second account's profile is stored.
    let seen = Mutex::new(Vec::new());
    let console = ScriptedConsole::new(w.console.clone(), |call| {
        if call != Call::ContactInfo {
            return None;
        }
        let mut seen = seen.lock().unwrap();
        seen.push(w.store.sender_record(&account, &open_id).and_then(|s| s.profile).is_some());
        (seen.len() == 1).then_some(ConsoleError::FrequencyControl)
    });
    let run = w.profiles_with(&console, &[first[0].clone(), second[0].clone()]).await;
    assert_eq!(run.outcomes, vec![Outcome::Done; 2], "{run:?}");
    assert_eq!(
        *seen.lock().unwrap(),
        [false, false, true],
        "the second account is done while the first waits out frequency control"
    );
}

#[tokio::test(start_paused = true)]
async fn each_key_of_a_batch_over_two_accounts_gets_its_own_outcome_in_batch_order() {
    let w = World::new(&[Strategy::Time, Strategy::Time], 20);
    // Four people: the same people follow both accounts.
    let first = written_and_resolved(&w, 0, &w.fans(0)[..2], 1).await;
    let second = written_and_resolved(&w, 1, &w.fans(1)[2..4], 1).await;
    // The second account's sessions end and its console secret cannot be
    // read: its work is retried, the first account's is done.
    w.console.end_sessions(1);
    w.secrets.put(&w.accounts[1].console_secret, "not a secret");
    let batch = [first[0].clone(), second[0].clone(), first[1].clone(), second[1].clone()];
    let run = w.profiles(&batch).await;
    let done: Vec<bool> = run.outcomes.iter().map(|o| *o == Outcome::Done).collect();
    assert_eq!(done, [true, false, true, false], "{run:?}");
    assert_eq!(run.stats.fetched, 2);
    for key in &second {
        let sender = w.store.sender_record(&key.account, &key.open_id).expect("sender");
        assert_eq!(sender.profile_state, Some(ProfileState::Wanted), "left for the retry");
    }
    let stored = w.store.session(&w.accounts[0].id).await.unwrap();
    assert!(stored.and_then(|r| r.session).is_some(), "the first account kept its session");
}
