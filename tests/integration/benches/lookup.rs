//! The lookup API's warm latency against moto, and DynamoDB requests per
//! lookup, for each route (issue 5's figures). One account of the platform
//! emulator, five senders resolved and profiled, then every route asked
//! `ROUNDS` times through the function's handler, in process.
//! `cargo bench -p whosent-integration --bench lookup` (through `make bench`).

use std::time::{Duration, Instant};

use lambda_http::{Body, RequestExt};
use platform::{Config, Knobs};
use whosent::batch::WorkKey;
use whosent::lookup::{Lookup, LookupConfig};
use whosent::secrets::SecretsManager;
use whosent::store::{DynamoStore, Strategy};
use whosent_integration::emulated::Emulated;
use whosent_integration::put_secret;

const KEY: &str = "bench-key-0123456789abcdef";

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 300 } else { 10 };
    let e = Emulated::start(Config::small(31, 1, 40).knobs(Knobs::instant()), &[Strategy::Time]).await;
    for (i, fake_id) in e.follower_fakeids(0).into_iter().take(5).enumerate() {
        e.text(0, fake_id, &format!("bench message {i}")).await;
    }
    let keys = e.pending().await;
    e.resolve(&keys, &Emulated::quick_config()).await;
    let batch: Vec<WorkKey> =
        keys.iter().map(|k| WorkKey { account: k.account.clone(), open_id: k.open_id.clone() }).collect();
    e.profiles(&batch).await;

    let secret = format!("{}/api-keys", e.table());
    put_secret(e.aws(), &secret, &format!(r#"{{"keys":["{KEY}"]}}"#)).await;
    let (client, counter) = e.aws().counted_dynamo();
    let config = LookupConfig { api_keys_secret: secret, cache_ttl: Duration::from_secs(300) };
    let lookup = Lookup::new(DynamoStore::new(client, e.table()), SecretsManager::new(e.aws().secrets()), config);

    let account = &e.accounts[0].id;
    let open_id = &keys[0].open_id;
    let fake_id = e.mapped(0, open_id).await.expect("mapped");
    let routes = [
        ("sender", format!("/accounts/{account}/senders/{open_id}")),
        ("avatar", format!("/accounts/{account}/senders/{open_id}/avatar")),
        ("messages", format!("/accounts/{account}/messages?limit=20")),
        ("person", format!("/people/{fake_id}")),
    ];
    println!("lookup API, warm, against moto ({rounds} requests per route)");
    println!("{:<10} {:>9} {:>9} {:>18}", "route", "p50 ms", "p99 ms", "DynamoDB requests");
    for (name, path) in &routes {
        // Warm: the key and the account are cached once per container.
        assert_eq!(call(&lookup, path).await, 200, "{path}");
        let before = counter.count();
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let started = Instant::now();
            assert_eq!(call(&lookup, path).await, 200);
            times.push(started.elapsed());
        }
        times.sort();
        let per = (counter.count() - before) as f64 / rounds as f64;
        let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
        println!("{name:<10} {:>9.2} {:>9.2} {per:>18.2}", ms(pct(0.5)), ms(pct(0.99)));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn call(lookup: &Lookup<DynamoStore, SecretsManager>, path: &str) -> u16 {
    let query: std::collections::HashMap<String, String> = path
        .split_once('?')
        .map(|(_, q)| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let request = lambda_http::http::Request::builder()
        .uri(format!("https://api.example{path}"))
        .header(lookup::API_KEY_HEADER, KEY)
        .body(Body::Empty)
        .expect("a request")
        .with_query_string_parameters(query);
    lookup::handle(lookup, request).await.expect("an answer").status().as_u16()
}
