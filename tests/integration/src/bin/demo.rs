//! `make demo`: the whole pipeline on the local stack. The platform emulator
//! plays a traffic scenario to the webhook (under `cargo lambda watch`); the
//! stream stand-in hands new resolve requests to the resolver and new
//! mappings to the profile function; this program shows progress, then a
//! table of the messages with their senders and a summary.
//!
//! Environment (from `make up`'s `endpoints.env`): `AWS_ENDPOINT_URL`,
//! `TABLE_NAME`, `TRUTH_URL`. `DEMO_PUSHES` (default 240) and `DEMO_RATE`
//! (pushes per second, default 8) size the scenario.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use local_stack::record::StreamRecord;
use local_stack::source::{Position, StreamSource, lineage_order};
use platform::{Counters, Pace, Traffic};
use serde_json::Value;
use whosent::store::{
    Account, AccountRegistry, DynamoStore, MessageRecord, ResolveRequest, ResolveState, Sender, SenderField,
};
use whosent_integration::LocalAws;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The pause between two looks at the table.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// The part of the emulator's traffic report the summary shows.
#[derive(serde::Deserialize)]
struct Report {
    planned: usize,
    acknowledged: usize,
    replied: usize,
    unavailable: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("demo failed: {err}");
            ExitCode::FAILURE
        }
    }
}

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn run() -> Result<(), Error> {
    let table = std::env::var("TABLE_NAME")?;
    let truth = std::env::var("TRUTH_URL")?;
    let aws = LocalAws::connect().await;
    let store = DynamoStore::new(aws.dynamo(), &table);
    let http = reqwest::Client::new();

    let emulated: Value = http.get(format!("{truth}/truth/accounts")).send().await?.json().await?;
    let mut accounts = Vec::new();
    for entry in emulated.as_array().ok_or("the emulator lists no accounts")? {
        let id = entry["account"]["id"].as_str().unwrap_or_default();
        if let Some(account) = store.account(id).await? {
            accounts.push(account);
        }
    }
    if accounts.is_empty() {
        return Err("no emulator account is onboarded".into());
    }
    for account in &accounts {
        println!("account {:<8} strategy {:?}", account.id, account.strategy);
    }

    let count = env_number("DEMO_PUSHES", 240.0) as usize;
    let rate = env_number("DEMO_RATE", 8.0);
    let traffic =
        Traffic { count, rate, pace: Pace::RealTime, same_second_share: 0.05, concurrency: 16, ..Traffic::default() };
    println!("\nthe platform sends {count} pushes at {rate}/s (Zipf senders, 5 % same-second, repeats, events)\n");
    let started = Instant::now();
    let mut play = Some({
        let (http, url) = (http.clone(), format!("{truth}/truth/traffic"));
        let body = serde_json::to_vec(&traffic)?;
        tokio::spawn(async move {
            let answer = http.post(url).body(body).send().await?.error_for_status()?;
            Ok::<Report, Error>(answer.json::<Report>().await?)
        })
    });

    let mut watch = Watch::new(&aws, &table, &accounts).await?;
    let mut report = None;
    let mut quiet_since: Option<Instant> = None;
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let snapshot = watch.look().await?;
        if let Some(handle) = play.take_if(|p| p.is_finished()) {
            report = Some(handle.await??);
            println!();
        }
        print!(
            "\r{:>5.1}s  messages {:>4}  senders {:>3}  resolved {:>3}  profiles {:>3}  waiting {:>3}  ",
            started.elapsed().as_secs_f64(),
            snapshot.messages,
            snapshot.senders,
            snapshot.resolved,
            snapshot.profiled,
            snapshot.open,
        );
        use std::io::Write;
        std::io::stdout().flush()?;
        // Done when the traffic is over and nothing moved for a while, or it took too long.
        if report.is_some() {
            let settled = snapshot.open == 0 || quiet_since.is_some_and(|t| t.elapsed() > Duration::from_secs(30));
            if snapshot.open > 0 && quiet_since.is_none() {
                quiet_since = Some(Instant::now());
            }
            if snapshot.changed {
                quiet_since = Some(Instant::now());
            }
            if settled || started.elapsed() > Duration::from_secs(count as u64 / rate.max(1.0) as u64 + 120) {
                break;
            }
        }
    }
    println!("\n");
    let report = report.ok_or("the traffic did not finish")?;
    let counters: Counters = http.get(format!("{truth}/truth/counters")).send().await?.json().await?;

    for account in &accounts {
        print_messages(&store, account).await?;
    }
    summary(&store, &accounts, &report, &counters, &watch).await
}

/// What the watcher saw of each sender: when its first push was stored and
/// when its profile appeared. It tails the table's stream as the event source
/// does, so that watching costs the store next to nothing.
struct Watch {
    source: StreamSource,
    stream_arn: String,
    accounts: HashSet<String>,
    /// Each shard's next iterator (`None`: read to its end).
    shards: HashMap<String, Option<String>>,
    discovered_at: Option<Instant>,
    first_seen: HashMap<(String, String), Instant>,
    profiled_at: HashMap<(String, String), Instant>,
    mapped_at: HashMap<(String, String), Instant>,
    messages: usize,
    resolved: HashSet<(String, String)>,
    /// Requests pending and profiles wanted, by sender.
    open_requests: HashSet<(String, String)>,
    open_profiles: HashSet<(String, String)>,
    last: (usize, usize, usize),
    /// How long each look took: the latencies are as coarse as the slowest.
    looks: Vec<Duration>,
}

struct Snapshot {
    messages: usize,
    senders: usize,
    resolved: usize,
    profiled: usize,
    open: usize,
    changed: bool,
}

impl Watch {
    async fn new(aws: &LocalAws, table: &str, accounts: &[Account]) -> Result<Self, Error> {
        let source = StreamSource::new(&aws.config);
        let stream_arn = source.stream_arn(table).await?;
        Ok(Self {
            source,
            stream_arn,
            accounts: accounts.iter().map(|a| a.id.clone()).collect(),
            shards: HashMap::new(),
            discovered_at: None,
            first_seen: HashMap::new(),
            profiled_at: HashMap::new(),
            mapped_at: HashMap::new(),
            messages: 0,
            resolved: HashSet::new(),
            open_requests: HashSet::new(),
            open_profiles: HashSet::new(),
            last: (0, 0, 0),
            looks: Vec::new(),
        })
    }

    async fn look(&mut self) -> Result<Snapshot, Error> {
        let now = Instant::now();
        if self.discovered_at.is_none_or(|at| at.elapsed() > Duration::from_secs(5)) {
            for shard in lineage_order(self.source.shards(&self.stream_arn).await?) {
                if !self.shards.contains_key(&shard.id) {
                    let iterator = self.source.iterator(&self.stream_arn, &shard.id, &Position::TrimHorizon).await?;
                    self.shards.insert(shard.id, iterator);
                }
            }
            self.discovered_at = Some(now);
        }
        let ids: Vec<String> = self.shards.keys().cloned().collect();
        for id in ids {
            while let Some(Some(iterator)) = self.shards.get(&id).cloned() {
                let (records, next) = self.source.read(&self.stream_arn, &iterator).await?;
                let done = records.is_empty();
                for record in &records {
                    self.see(record, now);
                }
                self.shards.insert(id.clone(), next);
                if done {
                    break;
                }
            }
        }
        self.looks.push(now.elapsed());
        let profiled = self.profiled_at.len();
        let changed = (self.messages, self.resolved.len(), profiled) != self.last;
        self.last = (self.messages, self.resolved.len(), profiled);
        Ok(Snapshot {
            messages: self.messages,
            senders: self.first_seen.len(),
            resolved: self.resolved.len(),
            profiled,
            open: self.open_requests.len() + self.open_profiles.len(),
            changed,
        })
    }

    fn see(&mut self, record: &StreamRecord, now: Instant) {
        let text = |name: &str| record.image_string(name).unwrap_or_default().to_owned();
        let account = text("account");
        if !self.accounts.contains(&account) {
            return;
        }
        let key = (account, text("open_id"));
        match text("kind").as_str() {
            "message" if record.event_name() == "INSERT" => self.messages += 1,
            "resolve_request" => {
                self.first_seen.entry(key.clone()).or_insert(now);
                if text("state") == "pending" {
                    self.open_requests.insert(key);
                } else {
                    self.open_requests.remove(&key);
                }
            }
            "sender" => {
                if record.image_attribute("fake_id").is_some() {
                    self.resolved.insert(key.clone());
                    self.mapped_at.entry(key.clone()).or_insert(now);
                }
                match text("profile_state").as_str() {
                    "fetched" => {
                        self.profiled_at.entry(key.clone()).or_insert(now);
                        self.open_profiles.remove(&key);
                    }
                    "wanted" => {
                        self.open_profiles.insert(key);
                    }
                    _ => {
                        self.open_profiles.remove(&key);
                    }
                }
            }
            _ => {}
        }
    }

    /// Push-to-profile latencies of an account's senders that were unknown when they first wrote.
    fn latencies(&self, account: &str) -> Vec<Duration> {
        Self::between(&self.first_seen, &self.profiled_at, account)
    }

    /// The two legs of those: push to mapping, mapping to profile.
    fn legs(&self, account: &str) -> (Vec<Duration>, Vec<Duration>) {
        // Only the senders whose profile came, as for the whole.
        let mapped: HashMap<(String, String), Instant> = self
            .mapped_at
            .iter()
            .filter(|(k, _)| self.profiled_at.contains_key(*k))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        (Self::between(&self.first_seen, &mapped, account), Self::between(&mapped, &self.profiled_at, account))
    }

    fn between(
        from: &HashMap<(String, String), Instant>,
        to: &HashMap<(String, String), Instant>,
        account: &str,
    ) -> Vec<Duration> {
        let mut out: Vec<Duration> = to
            .iter()
            .filter(|((a, _), _)| a == account)
            .filter_map(|(key, done)| from.get(key).map(|start| done.saturating_duration_since(*start)))
            .collect();
        out.sort();
        out
    }
}

/// Every item of an account's collection under a sort-key prefix.
async fn items<T: serde::de::DeserializeOwned>(
    store: &DynamoStore,
    account: &str,
    prefix: &str,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = store
            .client()
            .query()
            .table_name(store.table())
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(whosent::store::keys::account_pk(account)))
            .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        for item in page.items() {
            out.push(serde_dynamo::from_item(item.clone())?);
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(out);
        }
    }
}

fn what(message: &MessageRecord) -> String {
    let f = &message.features;
    let text = match (&f.content, &f.event) {
        (Some(content), _) => content.clone(),
        (None, Some(event)) => format!("[{event}] {}", f.event_key.as_deref().unwrap_or_default()),
        (None, None) => format!("[{}]", f.msg_type),
    };
    let text = text.replace('\n', " ");
    if text.chars().count() > 22 { format!("{}…", text.chars().take(21).collect::<String>()) } else { text }
}

async fn print_messages(store: &DynamoStore, account: &Account) -> Result<(), Error> {
    let messages = store.messages(&account.id, 12).await?;
    let senders: HashMap<String, Sender> =
        items::<Sender>(store, &account.id, "SENDER#").await?.into_iter().map(|s| (s.open_id.clone(), s)).collect();
    let requests: HashMap<String, ResolveRequest> = items::<ResolveRequest>(store, &account.id, "RESOLVE#")
        .await?
        .into_iter()
        .map(|r| (r.open_id.clone(), r))
        .collect();
    println!("latest messages of {} ({:?})", account.id, account.strategy);
    println!("  {:<10} {:<10} {:<24} {:<20} {:>11}  method", "CreateTime", "type", "content", "nickname", "FakeID");
    for message in messages {
        let open_id = &message.features.open_id;
        let method =
            senders.get(open_id).and_then(|s| s.resolution.as_ref()).map(|r| method_name(r.method)).unwrap_or_default();
        let (nickname, fake_id) = match &message.sender {
            SenderField::Known(s) => (s.profile.nickname.clone(), s.fake_id.to_string()),
            SenderField::Identified { fake_id } => ("(no profile)".to_owned(), fake_id.to_string()),
            // Read from the sender's item, as the lookup does.
            SenderField::Reference | SenderField::Pending => {
                match senders.get(open_id).map(Sender::as_message_sender) {
                    Some(SenderField::Known(s)) => (s.profile.nickname, s.fake_id.to_string()),
                    Some(SenderField::Identified { fake_id }) => ("(no profile)".to_owned(), fake_id.to_string()),
                    _ => {
                        let state = requests.get(open_id).map(|r| format!("{:?}", r.state).to_lowercase());
                        (format!("({})", state.unwrap_or_else(|| "pending".to_owned())), "-".to_owned())
                    }
                }
            }
        };
        let nickname: String = nickname.chars().take(20).collect();
        println!(
            "  {:<10} {:<10} {:<24} {:<20} {:>11}  {}",
            message.features.create_time,
            message.features.msg_type,
            what(&message),
            nickname,
            fake_id,
            method
        );
    }
    println!();
    Ok(())
}

async fn summary(
    store: &DynamoStore,
    accounts: &[Account],
    report: &Report,
    counters: &Counters,
    watch: &Watch,
) -> Result<(), Error> {
    let (mut stored, mut with_sender) = (0, 0);
    let mut by_method: BTreeMap<String, usize> = BTreeMap::new();
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for account in accounts {
        let messages = store.messages(&account.id, 10_000).await?;
        stored += messages.len();
        let senders = items::<Sender>(store, &account.id, "SENDER#").await?;
        let profiled: HashSet<&str> =
            senders.iter().filter(|s| s.snapshot().is_some()).map(|s| s.open_id.as_str()).collect();
        // As the lookup shows them: a copied sender, or the sender's item.
        with_sender += messages
            .iter()
            .filter(|m| matches!(m.sender, SenderField::Known(_)) || profiled.contains(m.features.open_id.as_str()))
            .count();
        for sender in &senders {
            if let Some(resolution) = &sender.resolution {
                *by_method.entry(method_name(resolution.method)).or_default() += 1;
            }
        }
        for request in items::<ResolveRequest>(store, &account.id, "RESOLVE#").await? {
            *states.entry(format!("{:?}", request.state).to_lowercase()).or_default() += 1;
            if let (ResolveState::Unresolved | ResolveState::Waiting, Some(reason)) = (&request.state, &request.reason)
            {
                *reasons.entry(reason.clone()).or_default() += 1;
            }
        }
    }
    let requests: u64 = counters.requests.values().sum();
    let pct = |latencies: &[Duration], p: f64| -> String {
        if latencies.is_empty() {
            return "-".to_owned();
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        format!("{:.1} s", latencies[i].as_secs_f64())
    };
    println!("summary");
    println!(
        "  pushes             {} planned, {} acknowledged, {} replied (marker), {} unavailable, {} tries in all",
        report.planned, report.acknowledged, report.replied, report.unavailable, counters.push_tries
    );
    println!("  messages stored    {stored} ({with_sender} with their sender)");
    println!("  senders resolved   {}", fmt_counts(&by_method));
    println!("  resolve requests   {}", fmt_counts(&states));
    for (reason, n) in &reasons {
        println!("    {n} × {reason}");
    }
    println!("  console            {requests} requests, {} logins", counters.logins);
    for account in accounts {
        let latencies = watch.latencies(&account.id);
        let (to_mapping, to_profile) = watch.legs(&account.id);
        println!(
            "  push → profile     {} ({:?}): p50 {}  p99 {}  ({} senders; push → mapping p50 {}, mapping → profile p50 {})",
            account.id,
            account.strategy,
            pct(&latencies, 0.5),
            pct(&latencies, 0.99),
            latencies.len(),
            pct(&to_mapping, 0.5),
            pct(&to_profile, 0.5),
        );
    }
    let mut looks = watch.looks.clone();
    looks.sort();
    let ms = |p: f64| looks.get(((looks.len() as f64 * p) as usize).min(looks.len().saturating_sub(1)));
    if let (Some(p50), Some(max)) = (ms(0.5), looks.last()) {
        println!(
            "                     (the table is looked at every {} ms; a look took p50 {} ms, at most {} ms)",
            WATCH_EVERY.as_millis(),
            p50.as_millis(),
            max.as_millis()
        );
    }
    Ok(())
}

/// A method as the store and the API spell it (`time`, `user_list`).
fn method_name(method: whosent::store::Method) -> String {
    serde_json::to_value(method).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn fmt_counts(counts: &BTreeMap<String, usize>) -> String {
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", ")
}
