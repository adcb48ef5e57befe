use super::*;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn batch() -> TestResult<Event> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/resolver-stream-batch.json");
    let event =
        serde_json::from_str(&std::fs::read_to_string(path)?).map_err(|e| format!("a DynamoDB stream event: {e}"))?;
    Ok(event)
}

#[test]
fn the_sample_batch_names_its_resolve_requests() -> TestResult {
    let event = batch()?;
    let keys = keys_of(&event.records);
    assert_eq!(keys.len(), event.records.len());
    let ok: Vec<&WorkKey> = keys.iter().filter_map(|k| k.as_ref().ok()).collect();
    assert!(ok.len() >= 2);
    assert!(ok.iter().all(|k| !k.account.is_empty() && k.open_id.len() > 8));
    Ok(())
}

#[test]
fn a_record_of_another_kind_is_reported_not_resolved() -> TestResult {
    let mut event = batch()?;
    let record = event.records[0].clone();
    let mut other = record.clone();
    other.change.new_image.insert("kind".into(), serde_dynamo::AttributeValue::S("message".into()));
    event.records = vec![record, other];
    let keys = keys_of(&event.records);
    assert!(keys[0].is_ok());
    assert!(keys[1].as_ref().is_err_and(|e| e.contains("message")));
    Ok(())
}

#[test]
fn an_invocations_counts_become_its_metrics() -> TestResult {
    use whosent::console::{ConsoleCounts, Endpoint};
    use whosent::metrics::*;
    let mut stats = whosent::resolve::Stats::default();
    stats.resolutions.insert(("time", "mapped"), 3);
    stats.resolutions.insert(("user_list", "conflict"), 1);
    stats.unresolved.insert("crowded", 2);
    stats.held.insert("captcha_required", 1);
    stats.push_to_mapping_ms = (0..120).map(|i| 1000 + i).collect();
    let mut console = ConsoleCounts { logins: 1, ..ConsoleCounts::default() };
    console.requests.insert(Endpoint::Messages, 4);
    console.frequency_control.insert(Endpoint::Messages, 1);
    let m = metrics_of(&stats, &console, (10, 3, 1));
    assert_eq!(m.counted(RESOLUTIONS, &[(METHOD, "time"), (OUTCOME, "mapped")]), Some(3.0));
    assert_eq!(m.counted(RESOLUTIONS, &[(METHOD, "user_list"), (OUTCOME, "conflict")]), Some(1.0));
    assert_eq!(m.counted(UNRESOLVED, &[(REASON, "crowded")]), Some(2.0));
    assert_eq!(m.counted(HELD, &[(REASON, "captcha_required")]), Some(1.0));
    assert_eq!(m.samples(PUSH_TO_MAPPING, &[]).len(), 120);
    assert_eq!(m.counted(CONSOLE_REQUESTS, &[(ENDPOINT, "messages")]), Some(4.0));
    assert_eq!(m.counted(FREQUENCY_CONTROL, &[(ENDPOINT, "messages")]), Some(1.0));
    assert_eq!(m.counted(CONSOLE_LOGINS, &[(OUTCOME, "ok")]), Some(1.0));
    assert_eq!(m.counted(RECORDS, &[(OUTCOME, "done")]), Some(7.0));
    assert_eq!(m.counted(RECORDS, &[(OUTCOME, "retried")]), Some(2.0));
    assert_eq!(m.counted(RECORDS, &[(OUTCOME, "skipped")]), Some(1.0));

    let mut out = Vec::new();
    m.write_to(&mut out, "whosent-dev-ResolverFunction-x", 1_700_000_000_000)?;
    let mut samples = 0;
    for line in String::from_utf8(out)?.lines() {
        let line: serde_json::Value = serde_json::from_str(line)?;
        check(&line)?;
        samples += line["PushToMapping"].as_array().map_or(0, Vec::len);
    }
    assert_eq!(samples, 120, "every sample, over two lines");
    Ok(())
}
