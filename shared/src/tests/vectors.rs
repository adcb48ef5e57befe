//! Every captured push of `tests/vectors/messages` goes through the webhook's
//! logic and comes back from the lookup's messages answer with every element
//! it was sent with: in the common fields or in `details`.

use std::time::Duration;

use serde_json::Value;

use crate::ingest::{Ingest, IngestConfig};
use crate::lookup::{ListParams, Lookup, LookupConfig};
use crate::push::signature::sign;
use crate::push::{AesKey, BodyMode, Elements, Push, PushQuery};
use crate::secrets::MemorySecrets;
use crate::store::{Account, MemoryStore, Strategy};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors");
const PLAIN_TOKEN: &str = "vectors-token";
/// The official sample's account, for the encrypted vectors (`crypto.json`,
/// `official-mp-sample-decrypt`).
const SAMPLE_GH_ID: &str = "gh_10f6c3c3ac5a";

/// The vector files, by name.
fn message_vectors() -> TestResult<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(format!("{VECTORS}/messages"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "xml") {
            let name = path.file_name().and_then(|n| n.to_str()).ok_or("a file name")?.to_owned();
            files.push((name, std::fs::read_to_string(&path)?));
        }
    }
    files.sort();
    Ok(files)
}

fn sample_vector() -> TestResult<Value> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(format!("{VECTORS}/crypto.json"))?)?;
    let vectors = doc["vectors"].as_array().ok_or("vectors")?;
    Ok(vectors.iter().find(|v| v["id"] == "official-mp-sample-decrypt").ok_or("the sample vector")?.clone())
}

fn text<'a>(v: &'a Value, field: &str) -> TestResult<&'a str> {
    Ok(v[field].as_str().ok_or_else(|| format!("field {field}"))?)
}

/// Two accounts: a plaintext one the captures are readdressed to, and the
/// official sample's, which opens the encrypted captures.
fn stand() -> TestResult<(MemoryStore, MemorySecrets, Account, Account)> {
    let (store, secrets) = (MemoryStore::new(), MemorySecrets::new());
    let mut plain = Account::new("vectors", "wx0000000000000001", "gh_0123456789ab", Strategy::Time);
    plain.mode = BodyMode::Plaintext;
    let sample_vector = sample_vector()?;
    let sample = Account::new("sample", text(&sample_vector, "receive_id")?, SAMPLE_GH_ID, Strategy::Time);
    let key = text(&sample_vector, "encoding_aes_key")?;
    for (account, token) in [(&plain, PLAIN_TOKEN), (&sample, text(&sample_vector, "token")?)] {
        let push_secret = serde_json::json!({"token": token, "encoding_aes_key": key});
        secrets.put(&account.push_secret, push_secret.to_string());
        secrets.put(&account.marker_secret, serde_json::json!({"marker_key": "vectors-marker"}).to_string());
        store.put_account(account.clone());
    }
    Ok((store, secrets, plain, sample))
}

/// The capture readdressed to `account` from its own openID `open_id`, and
/// the signed query it goes with.
fn readdressed(xml: &str, account: &Account, open_id: &str, nonce: usize) -> TestResult<(String, PushQuery)> {
    let original = Push::parse(xml)?;
    let xml = xml
        .replace(&format!("[CDATA[{}]]", original.to_user), &format!("[CDATA[{}]]", account.gh_id))
        .replace(&format!("[CDATA[{}]]", original.from_user), &format!("[CDATA[{open_id}]]"));
    let (timestamp, nonce) = (original.create_time.to_string(), nonce.to_string());
    let query = PushQuery {
        signature: Some(sign(&[PLAIN_TOKEN, &timestamp, &nonce])),
        timestamp: Some(timestamp),
        nonce: Some(nonce),
        ..PushQuery::default()
    };
    Ok((xml, query))
}

/// The sample's query and the message XML its `Encrypt` holds.
fn sealed(body: &str, sample_vector: &Value) -> TestResult<(String, PushQuery)> {
    let key = AesKey::from_encoding_aes_key(text(sample_vector, "encoding_aes_key")?)?;
    let encrypt = Elements::parse(body)?.get("Encrypt").ok_or("an Encrypt")?.to_owned();
    let xml = key.decrypt(&encrypt, text(sample_vector, "receive_id")?)?;
    let query = PushQuery {
        timestamp: Some(text(sample_vector, "timestamp")?.into()),
        nonce: Some(text(sample_vector, "nonce")?.into()),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(text(sample_vector, "msg_signature")?.into()),
        ..PushQuery::default()
    };
    Ok((xml, query))
}

/// `Location_X` → `location_x`, `ThumbMediaId` → `thumb_media_id`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Where the listing answers element `name` of a message.
fn answered(message: &Value, gh_id: &str, name: &str) -> Option<String> {
    let field = |f: &str| match &message[f] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match name {
        // The listing is the account's, and ingest took only pushes addressed to it.
        "ToUserName" => Some(gh_id.to_owned()),
        "FromUserName" => field("open_id"),
        "CreateTime" => field("create_time"),
        "MsgType" => field("msg_type"),
        "MsgId" => field("msg_id"),
        "Event" => field("event"),
        "Content" if message["msg_type"] == "text" => field("content"),
        // Every capture is of a known type: its fields are answered in snake_case.
        _ => message["details"][snake(name)].as_str().map(str::to_owned),
    }
}

#[tokio::test]
async fn every_captured_push_comes_back_with_every_element() -> TestResult {
    let (store, secrets, plain, sample) = stand()?;
    let config = IngestConfig { timestamp_window_secs: None, ..IngestConfig::default() };
    let ingest = Ingest::new(store.clone(), store.clone(), secrets.clone(), config);
    let sample_vector = sample_vector()?;
    // Per account: the XML of every push sent, by the openID it came from.
    let mut sent: Vec<(&Account, String, String)> = Vec::new();
    for (n, (name, body)) in message_vectors()?.into_iter().enumerate() {
        let (account, xml, query, wire) = if body.contains("<Encrypt>") {
            let (xml, query) = sealed(&body, &sample_vector)?;
            (&sample, xml, query, body)
        } else {
            let (xml, query) = readdressed(&body, &plain, &format!("o{n}-{}", name.replace('.', "-")), n)?;
            (&plain, xml.clone(), query, xml)
        };
        ingest.push(&account.id, &query, wire.as_bytes(), 1_800_000_000).await.map_err(|e| format!("{name}: {e}"))?;
        let open_id = Push::parse(&xml)?.from_user;
        if !sent.iter().any(|(a, o, x)| a.id == account.id && *o == open_id && *x == xml) {
            sent.push((account, open_id, xml));
        }
    }
    let lookup = Lookup::new(
        store,
        secrets,
        LookupConfig { api_keys_secret: "whosent/api-keys".into(), cache_ttl: Duration::from_secs(60) },
    );
    let params = ListParams { limit: Some("100"), ..ListParams::default() };
    let mut checked = 0;
    for account in [&plain, &sample] {
        let answer = serde_json::to_value(lookup.messages(&account.id, &params).await?)?;
        let messages = answer["messages"].as_array().ok_or("messages")?;
        let pushes: Vec<_> = sent.iter().filter(|(a, _, _)| a.id == account.id).collect();
        assert_eq!(messages.len(), pushes.len(), "{}: one message a distinct push", account.id);
        for (_, open_id, xml) in pushes {
            let message = messages.iter().find(|m| m["open_id"] == open_id.as_str()).ok_or("the push's message")?;
            for (name, value) in Elements::parse(xml)?.iter() {
                assert_eq!(
                    answered(message, &account.gh_id, name).as_deref(),
                    Some(value.trim()),
                    "<{name}> of {open_id}'s push: {message}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 90, "{checked} elements checked");
    Ok(())
}
