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
