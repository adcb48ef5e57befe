//! Harness for tests against a local AWS (a moto server): clients on the
//! endpoint in `AWS_ENDPOINT_URL`, fresh tables, sample accounts, signed
//! pushes as API Gateway events, a DynamoDB request counter and a stream reader.
//!
//! `make test` starts moto and sets `AWS_ENDPOINT_URL`; for a single test,
//! start the test stack (`STACK_DIR=.local/test STACK_SERVICES=minimal
//! scripts/stack.sh up`), source its `endpoints.env`, then `cargo test`.

pub mod cold_start;
pub mod emulated;
pub mod webhook_server;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::interceptors::{BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef};
use aws_sdk_dynamodb::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_dynamodb::types::AttributeValue;
use local_stack::record::StreamRecord;
use local_stack::source::StreamSource;
use serde_json::{Value, json};
use whosent::push::{AesKey, BodyMode, signature};
use whosent::store::{Account, DynamoStore, Strategy};

/// Clients on the local AWS endpoint.
#[derive(Clone)]
pub struct LocalAws {
    pub config: SdkConfig,
}

impl LocalAws {
    /// Connects to `AWS_ENDPOINT_URL`; panics with a hint when it is not set.
    pub async fn connect() -> Self {
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .expect("AWS_ENDPOINT_URL is not set: run the integration tests through `make test`");
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "local"))
            .load()
            .await;
        Self { config }
    }

    pub fn dynamo(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    /// A DynamoDB client whose requests are counted.
    pub fn counted_dynamo(&self) -> (aws_sdk_dynamodb::Client, RequestCounter) {
        let counter = RequestCounter::default();
        let config = aws_sdk_dynamodb::config::Builder::from(&self.config).interceptor(counter.clone()).build();
        (aws_sdk_dynamodb::Client::from_conf(config), counter)
    }

    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.config)
    }

    /// A new table with a unique name, created from the shared schema.
    pub async fn fresh_table(&self, prefix: &str) -> String {
        let name = format!("{prefix}-{:016x}", rand::random::<u64>());
        whosent::store::schema::create_table(&self.dynamo(), &name).await.expect("create table");
        name
    }

    /// Every item of a table (a test helper: tables here are small).
    pub async fn scan(&self, table: &str) -> Vec<HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self.dynamo().scan().table_name(table).set_exclusive_start_key(start).send().await.expect("scan");
            items.extend(out.items().iter().cloned());
            start = out.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// The `(eventName, kind)` of every record on the table's stream, in order.
    pub async fn stream_events(&self, table: &str) -> Vec<(String, String)> {
        self.stream_records(table)
            .await
            .iter()
            .map(|r| (r.event_name().to_owned(), r.image_string("kind").unwrap_or_default().to_owned()))
            .collect()
    }

    /// Every record on the table's stream, in order, as Lambda would hand it
    /// to a function.
    pub async fn stream_records(&self, table: &str) -> Vec<StreamRecord> {
        StreamSource::new(&self.config).read_all(table).await.expect("read the table's stream")
    }
}

/// Counts the requests a DynamoDB client sends, by operation, and the round
/// trips they took: requests sent while others were still waiting for their
/// answer share a round trip.
#[derive(Clone, Debug, Default)]
pub struct RequestCounter(Arc<Mutex<Requests>>);

/// What a [`RequestCounter`] has seen so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requests {
    pub total: usize,
    /// Requests by operation (`GetItem`, `TransactWriteItems`…).
    pub by_operation: BTreeMap<String, usize>,
    /// Round trips one after the other: a request sent when none was in flight starts one.
    pub round_trips: usize,
    in_flight: usize,
}

impl Requests {
    /// What happened between `earlier` and this.
    pub fn since(&self, earlier: &Requests) -> Requests {
        let mut by_operation = self.by_operation.clone();
        for (op, n) in &earlier.by_operation {
            if let Some(count) = by_operation.get_mut(op) {
                *count -= n;
            }
        }
        by_operation.retain(|_, n| *n > 0);
        Requests {
            total: self.total - earlier.total,
            by_operation,
            round_trips: self.round_trips - earlier.round_trips,
            in_flight: 0,
        }
    }
}

impl RequestCounter {
    pub fn count(&self) -> usize {
        self.snapshot().total
    }

    pub fn snapshot(&self) -> Requests {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Requests> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
        let mut requests = self.lock();
        requests.total += 1;
        *requests.by_operation.entry(operation).or_default() += 1;
        if requests.in_flight == 0 {
            requests.round_trips += 1;
        }
        requests.in_flight += 1;
        Ok(())
    }

    fn read_after_attempt(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let mut requests = self.lock();
        requests.in_flight = requests.in_flight.saturating_sub(1);
        Ok(())
    }
}

/// How a test account receives pushes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Plaintext,
    Compatible,
    Safe,
}

impl Mode {
    /// The mode the account is registered with.
    pub fn body_mode(self) -> BodyMode {
        match self {
            Mode::Plaintext => BodyMode::Plaintext,
            Mode::Compatible => BodyMode::Compatible,
            Mode::Safe => BodyMode::Safe,
        }
    }
}

/// A test account: registered in the table, its push secret in Secrets Manager.
#[derive(Clone, Debug)]
pub struct TestAccount {
    pub account: Account,
    pub token: String,
    pub encoding_aes_key: String,
    pub mode: Mode,
}

impl TestAccount {
    /// A new account with random credentials.
    pub fn new(id: &str, mode: Mode, strategy: Strategy) -> Self {
        // 43 characters of the base64 alphabet make a valid EncodingAESKey.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let encoding_aes_key = (0..43).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
        let mut account = Account::new(
            id,
            &format!("wx{:016x}", rand::random::<u64>()),
            &format!("gh_{:012x}", rand::random::<u64>() >> 16),
            strategy,
        );
        account.mode = mode.body_mode();
        Self { account, token: format!("tok{:x}", rand::random::<u32>()), encoding_aes_key, mode }
    }

    pub fn key(&self) -> AesKey {
        AesKey::from_encoding_aes_key(&self.encoding_aes_key).expect("valid key")
    }

    /// Writes the registry item, the push secret and the marker secret.
    pub async fn register(&self, aws: &LocalAws, store: &DynamoStore) {
        store.put_account(&self.account).await.expect("put account");
        let secret = json!({"token": self.token, "encoding_aes_key": self.encoding_aes_key});
        put_secret(aws, &self.account.push_secret, &secret.to_string()).await;
        let marker = json!({ "marker_key": "marker-key" });
        put_secret(aws, &self.account.marker_secret, &marker.to_string()).await;
    }

    /// A text message from `open_id` as the platform would send it.
    pub fn text_xml(&self, open_id: &str, create_time: i64, msg_id: u64, content: &str) -> String {
        format!(
            "<xml><ToUserName><![CDATA[{}]]></ToUserName><FromUserName><![CDATA[{open_id}]]></FromUserName>\
             <CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>\
             <Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>",
            self.account.gh_id
        )
    }

    /// An API Gateway 2.0 event carrying `xml` as a signed push in the account's mode.
    pub fn push_event(&self, xml: &str, timestamp: i64) -> Value {
        let ts = timestamp.to_string();
        let nonce = format!("{}", rand::random::<u32>());
        let mut query = vec![
            ("signature".to_owned(), signature::sign(&[&self.token, &ts, &nonce])),
            ("timestamp".to_owned(), ts.clone()),
            ("nonce".to_owned(), nonce.clone()),
            ("openid".to_owned(), "o".to_owned()),
        ];
        let body = match self.mode {
            Mode::Plaintext => xml.to_owned(),
            Mode::Compatible | Mode::Safe => {
                let encrypt = self.key().encrypt(xml, &self.account.appid);
                query.push(("encrypt_type".to_owned(), "aes".to_owned()));
                query.push(("msg_signature".to_owned(), signature::sign(&[&self.token, &ts, &nonce, &encrypt])));
                if self.mode == Mode::Safe {
                    format!(
                        "<xml><ToUserName><![CDATA[{}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>",
                        self.account.gh_id
                    )
                } else {
                    xml.replace("</xml>", &format!("<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"))
                }
            }
        };
        api_event("POST", &format!("/wechat/{}", self.account.id), &query, Some(&body))
    }
}

/// Creates or updates a secret.
pub async fn put_secret(aws: &LocalAws, name: &str, value: &str) {
    let client = aws.secrets();
    let created = client.create_secret().name(name).secret_string(value).send().await;
    if created.is_err() {
        client.put_secret_value().secret_id(name).secret_string(value).send().await.expect("put secret value");
    }
}

/// An API Gateway HTTP API (payload 2.0) event.
pub fn api_event(method: &str, path: &str, query: &[(String, String)], body: Option<&str>) -> Value {
    let raw_query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()))
        .collect();
    let params: serde_json::Map<String, Value> =
        query.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
    let account = path.rsplit('/').next().unwrap_or_default();
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{method} /wechat/{{account}}"),
        "rawPath": path,
        "rawQueryString": raw_query.join("&"),
        "headers": {"content-type": "text/xml", "host": "local", "user-agent": "Mozilla/4.0"},
        "queryStringParameters": params,
        "pathParameters": {"account": account},
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": "local", "domainPrefix": "local",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "Mozilla/4.0"},
            "requestId": "test", "routeKey": format!("{method} /wechat/{{account}}"), "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0
        },
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        event["body"] = Value::from(body);
    }
    event
}

/// Turns an event into the request the handler receives.
pub fn request(event: &Value) -> lambda_http::Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event")
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
