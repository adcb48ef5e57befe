//! The counts each answer adds to the invocation's metrics, and the EMF
//! lines they become.

use serde_json::Value;
use whosent::metrics::{self, Metrics, OUTCOME, PUSHES, REASON, REFUSED, URL_CHECKS};
use whosent::store::{Profile, Sender};

use super::super::answer;
use super::{TestResult, World, event_json, request, set_query};

/// The metrics of answering `events` in turn, on one world.
async fn answered(world: &World, events: &[Value]) -> TestResult<Metrics> {
    let ingest = world.ingest();
    let mut metrics = Metrics::new();
    for event in events {
        answer(&ingest, &request(event)?, &mut metrics).await;
    }
    Ok(metrics)
}

#[tokio::test]
async fn a_new_sender_then_its_duplicate_then_a_url_check() -> TestResult {
    let world = World::new()?;
    let push = event_json("webhook-post-plaintext.json")?;
    let m = answered(&world, &[push.clone(), push, event_json("webhook-url-check.json")?]).await?;
    assert_eq!(m.counted(PUSHES, &[(OUTCOME, "new_sender")]), Some(1.0));
    assert_eq!(m.counted(PUSHES, &[(OUTCOME, "duplicate")]), Some(1.0));
    assert_eq!(m.counted(PUSHES, &[(OUTCOME, "known_sender")]), None);
    assert_eq!(m.counted(URL_CHECKS, &[]), Some(1.0));

    let mut out = Vec::new();
    m.write_to(&mut out, "whosent-dev-WebhookFunction-x", 1_700_000_000_000)?;
    let lines: Vec<Value> = String::from_utf8(out)?.lines().map(serde_json::from_str).collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), 3, "one line per dimension set: {lines:#?}");
    for line in &lines {
        metrics::check(line)?;
    }
    let duplicate = lines.iter().find(|l| l["Outcome"] == "duplicate").ok_or("the duplicate's line")?;
    assert_eq!(duplicate["Pushes"], 1.0);
    assert_eq!(duplicate["Function"], "whosent-dev-WebhookFunction-x");
    Ok(())
}

#[tokio::test]
async fn a_known_sender_and_one_awaiting_its_profile() -> TestResult {
    let world = World::new()?;
    let sender = |profile: Option<Profile>| Sender {
        account: "sample-safe".into(),
        open_id: "oyORnuP8q7ou2gfYjqLzSIWZf0rs".into(),
        fake_id: Some(844735403),
        profile,
        ..Sender::default()
    };
    world.store.put_sender(sender(Some(Profile { nickname: "Doraemonext".into(), ..Profile::default() })));
    let m = answered(&world, &[event_json("webhook-post-safe.json")?]).await?;
    assert_eq!(m.counted(PUSHES, &[(OUTCOME, "known_sender")]), Some(1.0));

    let world = World::new()?;
    world.store.put_sender(sender(None));
    let m = answered(&world, &[event_json("webhook-post-safe.json")?]).await?;
    assert_eq!(m.counted(PUSHES, &[(OUTCOME, "awaiting_profile")]), Some(1.0));
    Ok(())
}

#[tokio::test]
async fn refusals_are_counted_by_reason_and_never_by_what_the_caller_sent() -> TestResult {
    let safe = event_json("webhook-post-safe.json")?;
    let plain = event_json("webhook-post-plaintext.json")?;
    let mut unknown = safe.clone();
    unknown["rawPath"] = "/wechat/nobody".into();
    unknown["pathParameters"]["account"] = "nobody".into();
    let mut put = safe.clone();
    put["requestContext"]["http"]["method"] = "PUT".into();
    let mut forged = plain.clone();
    set_query(&mut forged, "signature", Some(&"0".repeat(40)))?;
    let mut large = plain.clone();
    large["body"] = format!("<xml>{}</xml>", " ".repeat(64 * 1024)).into();
    let mut malformed = plain;
    malformed["body"] = "<xml><ToUserName>".into();
    let world = World::new()?;
    let m = answered(&world, &[unknown, put, forged.clone(), forged, large, malformed]).await?;
    let refused = |reason| m.counted(REFUSED, &[(REASON, reason)]);
    assert_eq!(refused("unknown_account"), Some(1.0));
    assert_eq!(refused("method_not_allowed"), Some(1.0));
    assert_eq!(refused("bad_signature"), Some(2.0));
    assert_eq!(refused("too_large"), Some(1.0));
    assert_eq!(refused("bad_message"), Some(1.0), "{m:?}");
    assert_eq!(m.counted(PUSHES, &[(OUTCOME, "new_sender")]), None);
    let mut out = Vec::new();
    m.write_to(&mut out, "f", 1_700_000_000_000)?;
    let text = String::from_utf8(out)?;
    assert!(!text.contains("nobody"), "the account named in the URL is not a dimension");
    Ok(())
}
