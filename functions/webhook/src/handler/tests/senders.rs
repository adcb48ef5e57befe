//! What a push costs with its sender unread: a known sender is written by
//! reference in one request, on condition that the sender's item still
//! shows one, in a fresh container as in a warm one; a sender that is not
//! as assumed is handed back by the refused write and the push judged from
//! it, with no read. `sender_cache_ttl` is zero here but where said.

use std::sync::Mutex;
use std::time::Duration;

use lambda_http::http::StatusCode;
use whosent::ingest::{Ingest, IngestConfig};
use whosent::store::{
    MemoryStore, Profile, ProfileState, PushEntry, PushLedger, Recorded, ResolveState, Sender, SenderField, StoreError,
    Strategy,
};

use super::super::handle;
use super::forgery::{fresh_nonce, signed_event, text_body};
use super::{TestResult, World, body_text, request, sample_account};

const FOLLOWER: &str = "oRemembered";

/// The ledger of the twin, noting each write: whether it carried a check
/// on the sender, and what the store answered.
#[derive(Default)]
struct Counted {
    store: MemoryStore,
    writes: Mutex<Vec<(bool, String)>>,
}

impl PushLedger for Counted {
    async fn record(&self, entry: &PushEntry) -> Result<Recorded, StoreError> {
        let recorded = self.store.record(entry).await?;
        let answer = format!("{recorded:?}");
        let kind = answer.split('(').next().unwrap_or_default().to_owned();
        self.writes.lock().map_err(|_| StoreError::Contention)?.push((entry.check.is_some(), kind));
        Ok(recorded)
    }
}

impl Counted {
    /// The writes since the last call.
    fn take(&self) -> Vec<(bool, String)> {
        self.writes.lock().map(|mut w| std::mem::take(&mut *w)).unwrap_or_default()
    }

    /// How many writes since the last call.
    fn count(&self) -> usize {
        self.take().len()
    }
}

fn sender(fake_id: Option<u64>, nickname: &str, fetched_at: Option<i64>) -> Sender {
    Sender {
        account: "sample-plain".into(),
        open_id: FOLLOWER.into(),
        fake_id,
        profile: fetched_at.map(|_| Profile { nickname: nickname.into(), gender: 2, ..Profile::default() }),
        profile_state: fetched_at.map(|_| ProfileState::Fetched),
        profile_fetched_at: fetched_at,
        ..Sender::default()
    }
}

fn hours_ago(hours: i64) -> TestResult<i64> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    Ok(now - hours * 3600)
}

fn signed(body: &str) -> TestResult<serde_json::Value> {
    signed_event("sample-plain", "test", body, &fresh_nonce())
}

fn push_event(msg_id: &str) -> TestResult<serde_json::Value> {
    let to = sample_account("sample-plain")?.gh_id;
    signed(&text_body(&to, FOLLOWER, msg_id, "hi"))
}

/// A `subscribe` or `unsubscribe` from the follower.
fn follow_event(event: &str, create_time: i64) -> TestResult<serde_json::Value> {
    let to = sample_account("sample-plain")?.gh_id;
    signed(&format!(
        "<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{FOLLOWER}]]></FromUserName>\
         <CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[{event}]]></Event><EventKey><![CDATA[]]></EventKey></xml>"
    ))
}

/// The store of the sample accounts, behind a counting ledger.
fn counted() -> TestResult<(World, Counted)> {
    let world = World::new()?;
    let counted = Counted { store: world.store.clone(), ..Counted::default() };
    Ok((world, counted))
}

fn ingest_with<'a>(
    world: &'a World,
    ledger: &'a Counted,
    sender_cache_ttl: Duration,
) -> Ingest<&'a MemoryStore, &'a Counted, &'a whosent::secrets::MemorySecrets> {
    let config = IngestConfig { timestamp_window_secs: None, sender_cache_ttl, ..IngestConfig::default() };
    Ingest::new(&world.store, ledger, &world.secrets, config)
}

fn ingest<'a>(
    world: &'a World,
    ledger: &'a Counted,
) -> Ingest<&'a MemoryStore, &'a Counted, &'a whosent::secrets::MemorySecrets> {
    ingest_with(world, ledger, Duration::ZERO)
}

/// Each message's sender, oldest first.
fn senders(world: &World) -> Vec<SenderField> {
    let mut messages = world.store.messages("sample-plain");
    messages.sort_by(|a, b| {
        (a.features.create_time, &a.features.msg_id).cmp(&(b.features.create_time, &b.features.msg_id))
    });
    messages.into_iter().map(|m| m.sender).collect()
}

fn written(check: bool) -> (bool, String) {
    (check, "New".to_owned())
}

fn refused(check: bool) -> (bool, String) {
    (check, "SenderChanged".to_owned())
}

#[tokio::test]
async fn the_first_push_of_a_known_sender_in_a_fresh_container_is_one_write() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest(&world, &ledger);
    let response = handle(&ingest, request(&push_event("1")?)?).await?;
    assert_eq!(body_text(&response)?, "success");
    assert_eq!(ledger.take(), [written(true)], "one round trip: the write, checked, no read");
    assert_eq!(senders(&world), [SenderField::Reference]);
    assert!(world.store.resolve_requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn within_the_minute_a_known_sender_is_written_with_no_check() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest_with(&world, &ledger, Duration::from_secs(60));
    for msg_id in ["1", "2", "3"] {
        let response = handle(&ingest, request(&push_event(msg_id)?)?).await?;
        assert_eq!((response.status(), body_text(&response)?), (StatusCode::OK, "success".to_owned()));
    }
    assert_eq!(ledger.take(), [written(true), written(false), written(false)]);
    assert_eq!(senders(&world), [SenderField::Reference, SenderField::Reference, SenderField::Reference]);
    Ok(())
}

#[tokio::test]
async fn a_known_sender_whose_profile_is_asked_for_is_stamped_as_handed_back() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest(&world, &ledger);
    handle(&ingest, request(&push_event("1")?)?).await?;
    world.store.put_sender(Sender {
        profile_state: Some(ProfileState::Wanted),
        ..sender(Some(7), "Ann B.", Some(hours_ago(1)?))
    });
    handle(&ingest, request(&push_event("2")?)?).await?;
    assert_eq!(ledger.take(), [written(true), refused(true), written(false)], "refused, handed back, written: no read");
    let fields = senders(&world);
    assert_eq!(fields[0], SenderField::Reference);
    assert!(matches!(&fields[1], SenderField::Known(s) if s.profile.nickname == "Ann B."), "{fields:?}");
    assert!(world.store.resolve_requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_known_sender_that_lost_its_mapping_is_left_pending_and_resolved_again() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest(&world, &ledger);
    handle(&ingest, request(&push_event("1")?)?).await?;
    // An operator cleared the follower: it is unknown again.
    world.store.put_sender(sender(None, "", None));
    handle(&ingest, request(&push_event("2")?)?).await?;
    assert_eq!(ledger.take(), [written(true), refused(true), written(false)]);
    assert_eq!(senders(&world), [SenderField::Reference, SenderField::Pending], "never referred to once unknown");
    assert_eq!(world.store.resolve_requests().len(), 1);
    Ok(())
}

#[tokio::test]
async fn an_unknown_sender_costs_a_refused_write_and_a_write() -> TestResult {
    let (world, ledger) = counted()?;
    let ingest = ingest(&world, &ledger);
    let event = push_event("1")?;
    handle(&ingest, request(&event)?).await?;
    assert_eq!(ledger.take(), [refused(true), written(false)], "no sender item: judged unknown, no read");
    assert_eq!(senders(&world), [SenderField::Pending]);
    assert_eq!(world.store.resolve_requests().len(), 1);
    // The platform's retry: refused by its dedupe record first, whatever the sender.
    handle(&ingest, request(&event)?).await?;
    assert_eq!(ledger.take(), [(true, "Duplicate".to_owned())]);
    assert_eq!(world.store.resolve_requests()[0].message_count, 1);
    Ok(())
}

#[tokio::test]
async fn a_retry_of_a_known_senders_push_is_a_duplicate_even_once_the_sender_changed() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest(&world, &ledger);
    let event = push_event("1")?;
    let first = handle(&ingest, request(&event)?).await?;
    world.store.put_sender(sender(None, "", None));
    let retry = handle(&ingest, request(&event)?).await?;
    assert_eq!((retry.status(), body_text(&retry)?), (first.status(), body_text(&first)?));
    assert_eq!(ledger.take(), [written(true), (true, "Duplicate".to_owned())], "answered from its dedupe record");
    assert_eq!(senders(&world), [SenderField::Reference], "the retry wrote nothing");
    assert!(world.store.resolve_requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_known_follower_leaving_is_one_write_and_coming_back_asks_for_the_profile() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest_with(&world, &ledger, Duration::from_secs(60));
    handle(&ingest, request(&follow_event("unsubscribe", 1457742801)?)?).await?;
    assert_eq!(ledger.count(), 1);
    handle(&ingest, request(&follow_event("subscribe", 1457742802)?)?).await?;
    assert_eq!(ledger.take(), [refused(true), written(false)], "unfollowed: handed back, judged as coming back");
    let stored = world.store.sender_record("sample-plain", FOLLOWER).ok_or("the sender")?;
    assert_eq!(stored.profile_state, Some(ProfileState::Wanted));
    assert_eq!(stored.follow_changed_at, Some(1457742802));
    let fields = senders(&world);
    assert!(fields[0] == SenderField::Reference && matches!(fields[1], SenderField::Known(_)), "{fields:?}");
    // A follow change is never trusted from memory: the next push is checked.
    handle(&ingest, request(&push_event("3")?)?).await?;
    assert_eq!(ledger.take(), [refused(true), written(false)], "the profile is still asked for");
    Ok(())
}

#[tokio::test]
async fn within_the_minute_an_unknown_senders_next_push_is_one_write_left_pending() -> TestResult {
    let (world, ledger) = counted()?;
    let ingest = ingest_with(&world, &ledger, Duration::from_secs(60));
    handle(&ingest, request(&push_event("1")?)?).await?;
    assert_eq!(ledger.take(), [refused(true), written(false)], "the first push: refused, judged unknown");
    handle(&ingest, request(&push_event("2")?)?).await?;
    assert_eq!(ledger.take(), [written(false)], "remembered pending: written at once");
    assert_eq!(senders(&world), [SenderField::Pending, SenderField::Pending]);
    let requests = world.store.resolve_requests();
    assert_eq!((requests.len(), requests[0].message_count), (1, 2));
    Ok(())
}

#[tokio::test]
async fn a_remembered_unknown_sender_mapped_meanwhile_is_judged_again_and_its_request_stays_closed() -> TestResult {
    let (world, ledger) = counted()?;
    let ingest = ingest_with(&world, &ledger, Duration::from_secs(60));
    handle(&ingest, request(&push_event("1")?)?).await?;
    // The resolver maps the follower and closes the request; no profile yet.
    world.store.put_sender(sender(Some(7), "", None));
    let mut request_now = world.store.resolve_requests().remove(0);
    request_now.state = ResolveState::Resolved;
    world.store.put_request(request_now);
    ledger.take();
    handle(&ingest, request(&push_event("2")?)?).await?;
    assert_eq!(ledger.take(), [refused(false), written(false)], "the pending write is refused, the item handed back");
    let requests = world.store.resolve_requests();
    assert_eq!((requests[0].state, requests[0].message_count), (ResolveState::Resolved, 1), "not reopened");
    // Mapped without a profile: still pending, now remembered as awaiting it.
    assert_eq!(senders(&world), [SenderField::Pending, SenderField::Pending]);
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(1)?)));
    handle(&ingest, request(&push_event("3")?)?).await?;
    assert_eq!(ledger.take(), [refused(false), written(false)], "profiled meanwhile: handed back and stamped");
    assert!(matches!(&senders(&world)[2], SenderField::Known(s) if s.profile.nickname == "Ann"));
    Ok(())
}

#[tokio::test]
async fn on_a_user_list_account_an_unknown_sender_is_not_remembered_pending() -> TestResult {
    let (world, ledger) = counted()?;
    let account = whosent::store::Account { strategy: Strategy::UserList, ..sample_account("sample-plain")? };
    world.store.put_account(account);
    let ingest = ingest_with(&world, &ledger, Duration::from_secs(60));
    handle(&ingest, request(&push_event("1")?)?).await?;
    handle(&ingest, request(&push_event("2")?)?).await?;
    // The marker usually has the sender mapped by then: assumed known again.
    assert_eq!(ledger.take(), [refused(true), written(false), refused(true), written(false)]);
    assert_eq!(world.store.resolve_requests()[0].message_count, 2);
    Ok(())
}
