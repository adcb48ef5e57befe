use aws_sdk_dynamodbstreams::primitives::{Blob, DateTime};
use aws_sdk_dynamodbstreams::types::{OperationType, StreamRecord as SdkChange, StreamViewType};

use super::*;

const ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/whosent/stream/2026-01-01T00:00:00.000";

fn sdk_record() -> Record {
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let keys = HashMap::from([("pk".to_owned(), s("ACCT#a")), ("sk".to_owned(), s("RESOLVE#o1"))]);
    let mut new = keys.clone();
    new.insert("kind".into(), s("resolve_request"));
    new.insert("message_count".into(), AttributeValue::N("2".into()));
    new.insert("marker".into(), AttributeValue::Bool(true));
    new.insert("raw".into(), AttributeValue::B(Blob::new(b"\x00\x01".to_vec())));
    new.insert("tags".into(), AttributeValue::Ss(vec!["a".into()]));
    new.insert("none".into(), AttributeValue::Null(true));
    new.insert(
        "hint".into(),
        AttributeValue::M(HashMap::from([("list".to_owned(), AttributeValue::L(vec![AttributeValue::N("1".into())]))])),
    );
    let mut old = keys.clone();
    old.insert("state".into(), s("unresolved"));
    Record::builder()
        .event_id("e1")
        .event_name(OperationType::Modify)
        .event_version("1.1")
        .event_source("aws:dynamodb")
        .aws_region("us-east-1")
        .dynamodb(
            SdkChange::builder()
                .approximate_creation_date_time(DateTime::from_secs(1_795_740_000))
                .set_keys(Some(keys))
                .set_new_image(Some(new))
                .set_old_image(Some(old))
                .sequence_number("1100000000000000000001")
                .size_bytes(120)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build(),
        )
        .build()
}

#[test]
fn a_stream_record_becomes_what_lambda_hands_the_function() {
    let record = StreamRecord::from_sdk(&sdk_record(), ARN, "eu-west-1");
    assert_eq!(record.sequence_number, "1100000000000000000001");
    assert_eq!(record.created_at, Some(1_795_740_000));
    assert_eq!(record.event_name(), "MODIFY");
    assert_eq!(record.image_string("kind"), Some("resolve_request"));
    let json = &record.json;
    assert_eq!(json["eventSource"], "aws:dynamodb");
    assert_eq!(json["awsRegion"], "us-east-1");
    assert_eq!(json["eventSourceARN"], ARN);
    assert_eq!(json["dynamodb"]["NewImage"]["raw"], json!({"B": "AAE="}));
    assert_eq!(json["dynamodb"]["NewImage"]["hint"], json!({"M": {"list": {"L": [{"N": "1"}]}}}));
    assert_eq!(json["dynamodb"]["OldImage"]["state"], json!({"S": "unresolved"}));
    assert_eq!(json["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");

    // The functions read it with aws_lambda_events.
    let batch: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(event(&[record])).unwrap();
    let parsed = &batch.records[0];
    assert_eq!(parsed.event_id, "e1");
    assert_eq!(parsed.event_name, "MODIFY");
    assert_eq!(parsed.event_source_arn.as_deref(), Some(ARN));
    assert_eq!(parsed.change.sequence_number.as_deref(), Some("1100000000000000000001"));
    assert_eq!(parsed.change.size_bytes, 120);
    assert_eq!(parsed.change.approximate_creation_date_time.timestamp(), 1_795_740_000);
    assert_eq!(parsed.change.new_image.get("kind"), Some(&serde_dynamo::AttributeValue::S("resolve_request".into())));
    assert_eq!(parsed.change.new_image.get("message_count"), Some(&serde_dynamo::AttributeValue::N("2".into())));
}

#[test]
fn the_sample_batch_of_events_reads_as_stream_records() {
    let sample: Value = serde_json::from_str(include_str!("../../../../events/resolver-stream-batch.json")).unwrap();
    let records: Vec<StreamRecord> =
        sample["Records"].as_array().unwrap().iter().cloned().map(StreamRecord::from_json).collect();
    assert_eq!(records[0].sequence_number, "1110000000001100015463");
    assert_eq!(records[1].created_at, Some(1_795_740_003));
    assert_eq!(event(&records), sample);
}
