//! Known senders remembered past `sender_cache_ttl` (made zero here): each
//! push is written with a proof that the sender still holds what it is
//! stamped with, in one request; a sender that changed meanwhile is handed
//! back by the refused write and the push judged again, with no read.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lambda_http::http::StatusCode;
use whosent::ingest::{Ingest, IngestConfig};
use whosent::store::{
    MemoryStore, Profile, ProfileState, PushEntry, PushLedger, Recorded, Sender, SenderField, StoreError,
};

use super::super::handle;
use super::forgery::{fresh_nonce, signed_event, text_body};
use super::{TestResult, World, body_text, request, sample_account};

const FOLLOWER: &str = "oRemembered";

/// The ledger of the twin, counting reads and writes.
#[derive(Default)]
struct Counted {
    store: MemoryStore,
    reads: AtomicUsize,
    writes: AtomicUsize,
}

impl PushLedger for Counted {
    async fn sender(&self, account: &str, open_id: &str) -> Result<Option<Sender>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.store.sender(account, open_id).await
    }

    async fn record(&self, entry: &PushEntry) -> Result<Recorded, StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.store.record(entry).await
    }
}

impl Counted {
    /// Reads and writes since the last call.
    fn take(&self) -> (usize, usize) {
        (self.reads.swap(0, Ordering::SeqCst), self.writes.swap(0, Ordering::SeqCst))
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

fn push_event(msg_id: &str) -> TestResult<serde_json::Value> {
    let to = sample_account("sample-plain")?.gh_id;
    signed_event("sample-plain", "test", &text_body(&to, FOLLOWER, msg_id, "hi"), &fresh_nonce())
}

/// The store of the sample accounts, behind a counting ledger.
fn counted() -> TestResult<(World, Counted)> {
    let world = World::new()?;
    let counted = Counted { store: world.store.clone(), ..Counted::default() };
    Ok((world, counted))
}

fn ingest<'a>(
    world: &'a World,
    ledger: &'a Counted,
) -> Ingest<&'a MemoryStore, &'a Counted, &'a whosent::secrets::MemorySecrets> {
    let config =
        IngestConfig { timestamp_window_secs: None, sender_cache_ttl: Duration::ZERO, ..IngestConfig::default() };
    Ingest::new(&world.store, ledger, &world.secrets, config)
}

/// Each message's sender, oldest first.
fn senders(world: &World) -> Vec<SenderField> {
    let mut messages = world.store.messages("sample-plain");
    messages.sort_by(|a, b| a.features.msg_id.cmp(&b.features.msg_id));
    messages.into_iter().map(|m| m.sender).collect()
}

fn nickname(field: &SenderField) -> &str {
    match field {
        SenderField::Known(snapshot) => &snapshot.profile.nickname,
        other => panic!("not stamped: {other:?}"),
    }
}

#[tokio::test]
async fn a_remembered_sender_costs_one_write_and_a_changed_one_is_stamped_as_it_stands() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest(&world, &ledger);
    for msg_id in ["1", "2"] {
        let response = handle(&ingest, request(&push_event(msg_id)?)?).await?;
        assert_eq!((response.status(), body_text(&response)?), (StatusCode::OK, "success".to_owned()));
    }
    assert_eq!(ledger.take(), (1, 2), "read once, then remembered");

    // The profile is fetched again: the remembered one no longer holds.
    world.store.put_sender(sender(Some(7), "Ann B.", Some(hours_ago(1)?)));
    handle(&ingest, request(&push_event("3")?)?).await?;
    assert_eq!(ledger.take(), (0, 2), "refused, handed back, written: no read");
    handle(&ingest, request(&push_event("4")?)?).await?;
    assert_eq!(ledger.take(), (0, 1), "the sender as handed back is remembered");
    let names: Vec<_> = senders(&world).iter().map(|s| nickname(s).to_owned()).collect();
    assert_eq!(names, ["Ann", "Ann", "Ann B.", "Ann B."]);
    assert!(world.store.resolve_requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_remembered_sender_that_lost_its_mapping_is_not_stamped() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest(&world, &ledger);
    handle(&ingest, request(&push_event("1")?)?).await?;
    // An operator cleared the follower: it is unknown again.
    world.store.put_sender(sender(None, "", None));
    handle(&ingest, request(&push_event("2")?)?).await?;
    assert_eq!(ledger.take(), (1, 3));
    let fields = senders(&world);
    assert_eq!(nickname(&fields[0]), "Ann");
    assert_eq!(fields[1], SenderField::Pending, "never stamped with the remembered FakeID");
    assert_eq!(world.store.resolve_requests().len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_retry_of_a_remembered_push_is_a_duplicate_even_once_the_sender_changed() -> TestResult {
    let (world, ledger) = counted()?;
    world.store.put_sender(sender(Some(7), "Ann", Some(hours_ago(2)?)));
    let ingest = ingest(&world, &ledger);
    handle(&ingest, request(&push_event("1")?)?).await?;
    let event = push_event("2")?;
    let first = handle(&ingest, request(&event)?).await?;
    world.store.put_sender(sender(Some(7), "Ann B.", Some(hours_ago(1)?)));
    let retry = handle(&ingest, request(&event)?).await?;
    assert_eq!((retry.status(), body_text(&retry)?), (first.status(), body_text(&first)?));
    assert_eq!(ledger.take(), (1, 3), "the retry is answered from its dedupe record");
    let names: Vec<_> = senders(&world).iter().map(|s| nickname(s).to_owned()).collect();
    assert_eq!(names, ["Ann", "Ann"], "the retry wrote nothing");
    Ok(())
}
