//! `make demo` (webhook stage): registers the sample accounts on the local
//! stack, sends every captured sample push to the webhook running under
//! `cargo lambda watch`, signed as the platform signs, and shows what was stored.
//!
//! Environment: `AWS_ENDPOINT_URL`, `TABLE_NAME`, `WEBHOOK_URL` (the base of
//! the `/wechat/{account}` routes).

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;
use whosent::push::{Elements, Push, signature};
use whosent::store::{Account, DynamoStore, SenderField};
use whosent_integration::{LocalAws, put_secret, unix_now};

type Error = Box<dyn std::error::Error>;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_json(path: &str) -> Result<Value, Error> {
    Ok(serde_json::from_str(&std::fs::read_to_string(repo().join(path))?)?)
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

async fn run() -> Result<(), Error> {
    let table = std::env::var("TABLE_NAME")?;
    let webhook = std::env::var("WEBHOOK_URL")?;
    let aws = LocalAws::connect().await;
    whosent::store::schema::create_table(&aws.dynamo(), &table).await?;
    let store = DynamoStore::new(aws.dynamo(), &table);

    let mut accounts = Vec::new();
    for entry in read_json("events/sample-accounts.json")?["accounts"].as_array().ok_or("no accounts")? {
        let account: Account = serde_json::from_value(entry["account"].clone())?;
        store.put_account(&account).await?;
        put_secret(&aws, &account.push_secret, &entry["push_secret"].to_string()).await;
        let token = entry["push_secret"]["token"].as_str().ok_or("no token")?.to_owned();
        println!("registered {:<13} {} ({:?})", account.id, account.gh_id, account.strategy);
        accounts.push((account, token));
    }
    // The encrypted captures keep the signature they were published with in 2014.
    let vectors = read_json("tests/vectors/crypto.json")?;
    let sample =
        vectors["vectors"].as_array().and_then(|a| a.iter().find(|v| v["kind"] == "decrypt")).ok_or("vector")?;
    let field = |k: &str| sample[k].as_str().unwrap_or_default().to_owned();

    println!("\nsending the captured sample pushes to {webhook}/wechat/{{account}}");
    let http = reqwest::Client::new();
    let mut samples: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/vectors/messages"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    samples.sort();
    for path in &samples {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let xml = std::fs::read_to_string(path)?;
        let to = Elements::parse(&xml)?.get("ToUserName").unwrap_or_default().to_owned();
        let Some((account, token)) = accounts.iter().find(|(a, _)| a.gh_id == to) else {
            println!("  {name:<36} not sent: no sample account is {to}");
            continue;
        };
        let query = if xml.contains("<Encrypt>") {
            let (ts, nonce) = (field("timestamp"), field("nonce"));
            let plain = signature::sign(&[token, &ts, &nonce]);
            let msg_signature = field("msg_signature");
            format!(
                "signature={plain}&timestamp={ts}&nonce={nonce}&openid=o&encrypt_type=aes&msg_signature={msg_signature}"
            )
        } else {
            let (ts, nonce) = (unix_now().to_string(), rand::random::<u32>().to_string());
            format!("signature={}&timestamp={ts}&nonce={nonce}&openid=o", signature::sign(&[token, &ts, &nonce]))
        };
        let url = format!("{webhook}/wechat/{}?{query}", account.id);
        let tries = if name.starts_with("01_") { 2 } else { 1 };
        for attempt in 0..tries {
            let response = http.post(&url).header("content-type", "text/xml").body(xml.clone()).send().await?;
            let status = response.status().as_u16();
            let answer: String = response.text().await?.chars().take(50).collect();
            let note = if attempt > 0 { "  (sent again, as the platform retries)" } else { "" };
            println!("  {name:<36} → {:<13} {status} {answer}{note}", account.id);
        }
    }

    println!("\nstored, newest first:");
    println!(
        "  {:<13} {:<11} {:<11} {:<29} {:<26} sender",
        "account", "CreateTime", "type", "openID", "content / event"
    );
    for (account, _) in &accounts {
        let messages = store.messages(&account.id, 100).await?;
        for m in &messages {
            let f = &m.features;
            let what = match (&f.content, &f.event) {
                (Some(content), _) => content.clone(),
                (None, Some(event)) => format!("{event} {}", f.event_key.as_deref().unwrap_or_default()),
                (None, None) => Push::parse(&m.raw_xml).map(|p| format!("{:?}", p.kind)).unwrap_or_default(),
            };
            let what: String = what.chars().take(24).collect();
            let sender = match &m.sender {
                SenderField::Pending => "pending".to_owned(),
                SenderField::Known(s) => format!("{} (FakeID {})", s.profile.nickname, s.fake_id),
                SenderField::Identified { fake_id } => format!("FakeID {fake_id}, no profile"),
            };
            println!(
                "  {:<13} {:<11} {:<11} {:<29} {what:<26} {sender}",
                account.id, f.create_time, f.msg_type, f.open_id
            );
        }
        let mut open_ids: Vec<&str> = messages.iter().map(|m| m.features.open_id.as_str()).collect();
        open_ids.sort();
        open_ids.dedup();
        for open_id in open_ids {
            if let Some(r) = store.resolve_request(&account.id, open_id).await? {
                println!(
                    "  {:<13} resolve request for {open_id}: {:?}, {} push(es)",
                    account.id, r.state, r.message_count
                );
            }
        }
    }
    Ok(())
}
