//! A fixed number of runs of the push hot path, or of one of its steps, on
//! the push that `shared/benches/push_hot_path.rs` writes to
//! `target/push_hot_path/push.json` (run the benchmark once first).
//!
//! Made for instruction counts, which stay put on a busy machine where
//! timings do not: run it under `valgrind --tool=callgrind` twice with two
//! counts, and the difference divided by the difference of the counts is
//! the cost of one run. It also prints the median and least time per run of
//! chunks of 100 runs, from the clock.
//!
//!     push_hot_loop [whole|envelope|signature|decrypt|parse|features] [RUNS] [PUSH_JSON]

use std::error::Error;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use whosent::push::{self, AesKey, BodyMode, Freshness, Push, PushKeys, PushQuery, signature, xml};

/// Runs are timed in chunks this long, short enough that most of them run
/// without being preempted on a busy machine: the median chunk is the figure.
const CHUNK: u64 = 100;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let step = args.next().unwrap_or_else(|| "whole".into());
    let runs: u64 = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let path = args.next().map_or_else(default_push, PathBuf::from);
    let push: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let text = |name: &str| push[name].as_str().map(str::to_owned).ok_or(format!("push.json has no {name}"));
    let (token, appid, ts, nonce) = (text("token")?, text("appid")?, text("timestamp")?, text("nonce")?);
    let (body, xml_text, msg_signature) = (text("body")?, text("xml")?, text("msg_signature")?);
    let key = AesKey::from_encoding_aes_key(&text("encoding_aes_key")?)?;
    let parsed = Push::parse(&xml_text)?;
    let keys = PushKeys {
        token: &token,
        appid: &appid,
        gh_id: &parsed.to_user,
        mode: BodyMode::Safe,
        current: &key,
        previous: None,
    };
    let query = PushQuery {
        timestamp: Some(ts.clone()),
        nonce: Some(nonce.clone()),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(msg_signature.clone()),
        ..PushQuery::default()
    };
    let freshness = Freshness { now: 0, window_secs: None };
    let mut encrypt = None;
    xml::walk(&body, |name, value| {
        if name == "Encrypt" {
            encrypt = Some(value.into_owned());
        }
    })?;
    let encrypt = encrypt.ok_or("no Encrypt in the body")?;
    let mut chunks = Vec::new();
    let mut left = runs;
    while left > 0 {
        let chunk = left.min(CHUNK);
        let started = Instant::now();
        for _ in 0..chunk {
            match step.as_str() {
                "whole" => {
                    let verified = push::open(black_box(&query), black_box(body.as_bytes()), &keys, freshness)?;
                    black_box((verified.push.features(), verified.push.dedupe_key()));
                }
                "envelope" => {
                    let mut found = None;
                    xml::walk(black_box(&body), |name, value| {
                        if name == "Encrypt" && found.is_none() {
                            found = Some(value);
                        }
                    })?;
                    black_box(found);
                }
                "signature" => {
                    black_box(signature::verify(black_box(&msg_signature), &[&token, &ts, &nonce, &encrypt]));
                }
                "decrypt" => {
                    black_box(key.decrypt(black_box(&encrypt), &appid)?);
                }
                "parse" => {
                    black_box(Push::parse(black_box(&xml_text))?);
                }
                "features" => {
                    black_box((black_box(&parsed).features(), parsed.dedupe_key()));
                }
                other => return Err(format!("unknown step {other}").into()),
            }
        }
        chunks.push(started.elapsed().as_nanos() as f64 / chunk as f64);
        left -= chunk;
    }
    chunks.sort_by(f64::total_cmp);
    if let (Some(least), Some(median)) = (chunks.first(), chunks.get(chunks.len() / 2)) {
        eprintln!(
            "{step}: {median:.0} ns median, {least:.0} ns least, per run, over {} chunks of {CHUNK}",
            chunks.len()
        );
    }
    Ok(())
}

fn default_push() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("push_hot_path").join("push.json")
}
