use super::*;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn batch() -> TestResult<Event> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/profile-stream-batch.json");
    let event =
        serde_json::from_str(&std::fs::read_to_string(path)?).map_err(|e| format!("a DynamoDB stream event: {e}"))?;
    Ok(event)
}

#[test]
fn the_sample_batch_names_its_senders() -> TestResult {
    let event = batch()?;
    let keys = keys_of(&event.records);
    assert_eq!(keys.len(), event.records.len());
    assert!(keys.len() >= 2);
    for key in &keys {
        let key = key.as_ref().map_err(|e| format!("every sample record is a sender: {e:?}"))?;
        assert!(!key.account.is_empty() && key.open_id.len() > 8);
    }
    Ok(())
}

#[test]
fn a_record_of_another_kind_is_reported_not_fetched() -> TestResult {
    let mut event = batch()?;
    let record = event.records[0].clone();
    let mut other = record.clone();
    other.change.new_image.insert("kind".into(), serde_dynamo::AttributeValue::S("resolve_request".into()));
    event.records = vec![record, other];
    let keys = keys_of(&event.records);
    assert!(keys[0].is_ok());
    assert!(keys[1].as_ref().is_err_and(|e| e.contains("resolve_request")));
    Ok(())
}

#[test]
fn an_invocations_counts_become_its_metrics() -> TestResult {
    use whosent::console::{ConsoleCounts, Endpoint};
    use whosent::metrics::*;
    let mut stats = whosent::profile::Stats { fetched: 2, reused: 1, avatars_refused: 1, ..Default::default() };
    stats.held.insert("restricted", 2);
    stats.mapping_to_profile_ms = vec![1500, 2200];
    let mut console = ConsoleCounts::default();
    console.requests.insert(Endpoint::ContactInfo, 2);
    console.requests.insert(Endpoint::Avatar, 2);
    let m = metrics_of(&stats, &console, (5, 0, 0));
    assert_eq!(m.counted(PROFILES, &[(OUTCOME, "fetched")]), Some(2.0));
    assert_eq!(m.counted(PROFILES, &[(OUTCOME, "reused")]), Some(1.0));
    assert_eq!(m.counted(PROFILES, &[(OUTCOME, "not_following")]), None);
    assert_eq!(m.counted(AVATARS_NOT_STORED, &[]), Some(1.0));
    assert_eq!(m.counted(HELD, &[(REASON, "restricted")]), Some(2.0));
    assert_eq!(m.samples(MAPPING_TO_PROFILE, &[]), [1500.0, 2200.0]);
    assert_eq!(m.counted(CONSOLE_REQUESTS, &[(ENDPOINT, "avatar")]), Some(2.0));
    assert_eq!(m.counted(RECORDS, &[(OUTCOME, "done")]), Some(5.0));
    let mut out = Vec::new();
    m.write_to(&mut out, "whosent-dev-ProfileFunction-x", 1_700_000_000_000)?;
    for line in String::from_utf8(out)?.lines() {
        check(&serde_json::from_str(line)?)?;
    }
    Ok(())
}
