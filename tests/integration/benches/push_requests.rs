//! DynamoDB requests per push, by kind of push, through the webhook's
//! handler with its real adapters against moto: how many requests of each
//! operation, how many round trips one after the other (requests in flight
//! together share one), and the median time against the local server.
//! `cargo bench -p whosent-integration --bench push_requests` (through `make bench`).
//!
//! Every push but the first of a container finds the account and the
//! secrets cached, as in a warm container: only the sender varies.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lambda_http::http::StatusCode;
use whosent::ingest::{Ingest, IngestConfig};
use whosent::secrets::SecretsManager;
use whosent::store::{DynamoStore, Profile, Sender, Strategy};
use whosent_integration::{LocalAws, Mode, RequestCounter, Requests, TestAccount, request, unix_now};

/// The kinds of push measured, in the order printed, with the round trips
/// each took when a sender the container did not remember was read before
/// the write: the anchor. A known sender is now written by reference on
/// condition, an unknown one refused once and written again, and then, for
/// a minute, remembered and written pending at once.
const KINDS: [(&str, usize); 6] = [
    ("new sender", 2),
    ("unknown sender, again", 2),
    ("known, first push this container sees", 2),
    ("known, last push over a minute ago", 1),
    ("known, within the minute", 1),
    ("retry of the same push", 1),
];

struct Bench {
    aws: LocalAws,
    store: DynamoStore,
    counter: RequestCounter,
    account: TestAccount,
    now: i64,
    msg_id: Cell<u64>,
}

/// The requests and times of one kind of push.
#[derive(Default)]
struct Tally {
    requests: Vec<Requests>,
    times: Vec<Duration>,
}

impl Bench {
    async fn new() -> Self {
        let aws = LocalAws::connect().await;
        let table = aws.fresh_table("bench-push").await;
        let (client, counter) = aws.counted_dynamo();
        let store = DynamoStore::new(client, &table);
        let account = TestAccount::new(&format!("bench-{:x}", rand::random::<u32>()), Mode::Safe, Strategy::UserList);
        account.register(&aws, &store).await;
        Bench { aws, store, counter, account, now: unix_now(), msg_id: Cell::new(1) }
    }

    fn ingest(&self, config: IngestConfig) -> Ingest<&DynamoStore, &DynamoStore, SecretsManager> {
        Ingest::new(&self.store, &self.store, SecretsManager::new(self.aws.secrets()), config)
    }

    /// A follower already resolved and profiled.
    async fn known(&self, open_id: &str) {
        let sender = Sender {
            account: self.account.account.id.clone(),
            open_id: open_id.into(),
            fake_id: Some(1_000_000 + u64::from(rand::random::<u16>())),
            profile: Some(Profile { nickname: format!("nick {open_id}"), gender: 2, ..Profile::default() }),
            profile_fetched_at: Some(self.now),
            ..Sender::default()
        };
        self.store.put_sender(&sender).await.expect("put sender");
    }

    /// A new text push from `open_id`, as an event.
    fn event(&self, open_id: &str) -> serde_json::Value {
        self.msg_id.set(self.msg_id.get() + 1);
        let xml = self.account.text_xml(open_id, self.now, self.msg_id.get(), "bench");
        self.account.push_event(&xml, self.now)
    }

    /// Hands `event` to the webhook and notes what it cost under `kind`.
    async fn push(
        &self,
        ingest: &Ingest<&DynamoStore, &DynamoStore, SecretsManager>,
        event: &serde_json::Value,
        tally: Option<&mut Tally>,
    ) {
        let before = self.counter.snapshot();
        let started = Instant::now();
        let response = webhook::handle(ingest, request(event)).await.expect("an answer");
        let elapsed = started.elapsed();
        assert_eq!(response.status(), StatusCode::OK);
        if let Some(tally) = tally {
            tally.requests.push(self.counter.snapshot().since(&before));
            tally.times.push(elapsed);
        }
    }
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 40 } else { 5 };
    let b = Bench::new().await;
    let mut tallies: BTreeMap<&str, Tally> = KINDS.iter().map(|(k, _)| (*k, Tally::default())).collect();
    for round in 0..rounds {
        let (new, known) = (format!("oNew{round}"), format!("oKnown{round}"));
        b.known(&known).await;
        // A container that remembers a known sender for a minute.
        let ingest = b.ingest(IngestConfig::default());
        let prime = b.event(&format!("oPrime{round}"));
        b.push(&ingest, &prime, None).await;
        for (kind, open_id) in [
            ("new sender", &new),
            ("unknown sender, again", &new),
            ("known, first push this container sees", &known),
            ("known, within the minute", &known),
        ] {
            let event = b.event(open_id);
            b.push(&ingest, &event, tallies.get_mut(kind)).await;
            if kind == "known, within the minute" {
                b.push(&ingest, &event, tallies.get_mut("retry of the same push")).await;
            }
        }
        // A container whose sender met it over a minute ago (a minute is made zero).
        let ingest = b.ingest(IngestConfig { sender_cache_ttl: Duration::ZERO, ..IngestConfig::default() });
        let first = b.event(&known);
        b.push(&ingest, &first, None).await;
        let later = b.event(&known);
        b.push(&ingest, &later, tallies.get_mut("known, last push over a minute ago")).await;
    }
    print(&tallies, rounds);
}

fn print(tallies: &BTreeMap<&str, Tally>, rounds: usize) {
    println!("DynamoDB requests per push, by kind ({rounds} pushes each, webhook handler against moto)");
    println!(
        "{:<40} {:>8} {:>8} {:>6} {:>8} {:>12} {:>8} {:>8}",
        "push", "GetItem", "Transact", "other", "requests", "round trips", "before", "p50 ms"
    );
    for (kind, before) in KINDS {
        let tally = &tallies[kind];
        let n = tally.requests.len().max(1) as f64;
        let mean = |f: &dyn Fn(&Requests) -> usize| tally.requests.iter().map(f).sum::<usize>() as f64 / n;
        let op = |r: &Requests, name: &str| r.by_operation.get(name).copied().unwrap_or(0);
        let get = mean(&|r| op(r, "GetItem"));
        let transact = mean(&|r| op(r, "TransactWriteItems"));
        let total = mean(&|r| r.total);
        let trips = mean(&|r| r.round_trips);
        let mut times = tally.times.clone();
        times.sort();
        let p50 = times.get(times.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        let other = total - get - transact;
        println!(
            "{kind:<40} {get:>8.2} {transact:>8.2} {other:>6.2} {total:>8.2} {trips:>12.2} {before:>8} {p50:>8.2}"
        );
    }
}
