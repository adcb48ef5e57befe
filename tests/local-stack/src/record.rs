//! DynamoDB stream records as Lambda hands them to a function: the JSON of
//! `aws_lambda_events::event::dynamodb::Event` (`{"Records": [...]}`).

use std::collections::HashMap;

use aws_sdk_dynamodbstreams::types::{AttributeValue, Record};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

/// A stream record read from a shard, in Lambda's JSON, with what the
/// mapping needs to order, age and report it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    /// `dynamodb.SequenceNumber`: the `itemIdentifier` of a batch item failure.
    pub sequence_number: String,
    /// `dynamodb.ApproximateCreationDateTime` (Unix seconds).
    pub created_at: Option<i64>,
    /// The record as the function receives it.
    pub json: Value,
}

impl StreamRecord {
    /// The item's partition key (`dynamodb.Keys.pk`), which picks the lane
    /// of a parallelized mapping.
    pub fn partition_key(&self) -> &str {
        self.json.pointer("/dynamodb/Keys/pk/S").and_then(Value::as_str).unwrap_or_default()
    }

    /// Wraps a record already in Lambda's JSON.
    pub fn from_json(json: Value) -> Self {
        let dynamodb = json.get("dynamodb");
        let sequence_number =
            dynamodb.and_then(|d| d.get("SequenceNumber")).and_then(Value::as_str).unwrap_or_default().to_owned();
        let created_at = dynamodb.and_then(|d| d.get("ApproximateCreationDateTime")).and_then(Value::as_f64);
        Self { sequence_number, created_at: created_at.map(|t| t as i64), json }
    }

    /// Converts a record read with the DynamoDB Streams API.
    pub fn from_sdk(record: &Record, stream_arn: &str, region: &str) -> Self {
        Self::from_json(lambda_json(record, stream_arn, region))
    }

    /// `eventName` (`INSERT`, `MODIFY`, `REMOVE`).
    pub fn event_name(&self) -> &str {
        self.json.get("eventName").and_then(Value::as_str).unwrap_or_default()
    }

    /// An attribute of the new image, else of the old one, in DynamoDB JSON.
    pub fn image_attribute(&self, name: &str) -> Option<&Value> {
        let dynamodb = self.json.get("dynamodb")?;
        dynamodb
            .get("NewImage")
            .and_then(|i| i.get(name))
            .or_else(|| dynamodb.get("OldImage").and_then(|i| i.get(name)))
    }

    /// The `S` value of an attribute of the new image, else of the old one.
    pub fn image_string(&self, name: &str) -> Option<&str> {
        self.image_attribute(name).and_then(|v| v.get("S")).and_then(Value::as_str)
    }
}

/// The event a function receives for a batch.
pub fn event(records: &[StreamRecord]) -> Value {
    json!({ "Records": records.iter().map(|r| r.json.clone()).collect::<Vec<_>>() })
}

/// One record in Lambda's JSON. The Streams API gives the region in every
/// record; `region` is used when it does not.
pub fn lambda_json(record: &Record, stream_arn: &str, region: &str) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    };
    put("eventID", record.event_id().map(Value::from));
    put("eventName", record.event_name().map(|n| Value::from(n.as_str())));
    put("eventVersion", Some(Value::from(record.event_version().unwrap_or("1.1"))));
    put("eventSource", Some(Value::from("aws:dynamodb")));
    put("awsRegion", Some(Value::from(record.aws_region().filter(|r| !r.is_empty()).unwrap_or(region))));
    if let Some(change) = record.dynamodb() {
        let mut dynamodb = Map::new();
        if let Some(at) = change.approximate_creation_date_time() {
            dynamodb.insert("ApproximateCreationDateTime".into(), Value::from(at.secs()));
        }
        for (key, image) in
            [("Keys", change.keys()), ("NewImage", change.new_image()), ("OldImage", change.old_image())]
        {
            if let Some(image) = image {
                dynamodb.insert(key.into(), item(image));
            }
        }
        if let Some(sequence) = change.sequence_number() {
            dynamodb.insert("SequenceNumber".into(), Value::from(sequence));
        }
        if let Some(size) = change.size_bytes() {
            dynamodb.insert("SizeBytes".into(), Value::from(size));
        }
        if let Some(view) = change.stream_view_type() {
            dynamodb.insert("StreamViewType".into(), Value::from(view.as_str()));
        }
        put("dynamodb", Some(Value::Object(dynamodb)));
    }
    if let Some(identity) = record.user_identity() {
        put("userIdentity", Some(json!({ "type": identity.r#type(), "principalId": identity.principal_id() })));
    }
    put("eventSourceARN", Some(Value::from(stream_arn)));
    Value::Object(out)
}

/// An item (an image or the keys) in DynamoDB JSON.
pub fn item(image: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(image.iter().map(|(k, v)| (k.clone(), attribute(v))).collect())
}

/// One attribute value in DynamoDB JSON (`{"S": "…"}`, `{"N": "…"}`, …);
/// binaries in base64, as Lambda sends them.
pub fn attribute(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": STANDARD.encode(b.as_ref()) }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::Bs(v) => json!({ "BS": v.iter().map(|b| STANDARD.encode(b.as_ref())).collect::<Vec<_>>() }),
        AttributeValue::L(v) => json!({ "L": v.iter().map(attribute).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": item(m) }),
        _ => json!({ "NULL": true }),
    }
}

#[cfg(test)]
mod tests;
