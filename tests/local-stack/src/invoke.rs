//! Invoking a function: through the Lambda invoke API that `cargo lambda
//! watch` serves, or an in-memory twin for tests.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

/// Why an invocation gave no answer the mapping can use. Lambda retries the
/// batch on any of these (and bisects it, when the mapping says so).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The function ran and failed (an error payload, or a non-2xx answer).
    #[error("function error ({status}): {body}")]
    Function { status: u16, body: String },
    /// The function could not be reached.
    #[error("invocation failed: {0}")]
    Transport(String),
    /// No answer within the function's timeout (a hung or crashed instance):
    /// Lambda fails the invocation, and the batch with it.
    #[error("{function}: task timed out after {:.2} seconds", .after.as_secs_f64())]
    TimedOut { function: String, after: Duration },
}

/// Something that runs a function on an event and answers its payload.
pub trait Invoker: Send + Sync {
    fn invoke(&self, function: &str, event: &Value) -> impl Future<Output = Result<Value, InvokeError>> + Send;
}

impl<T: Invoker> Invoker for std::sync::Arc<T> {
    fn invoke(&self, function: &str, event: &Value) -> impl Future<Output = Result<Value, InvokeError>> + Send {
        (**self).invoke(function, event)
    }
}

/// `POST {base}/2015-03-31/functions/{name}/invocations`, as the Lambda API
/// (and `cargo lambda watch`) serves it.
#[derive(Clone, Debug)]
pub struct HttpInvoker {
    base: String,
    client: reqwest::Client,
    /// Each function's timeout (the template's `Timeout`).
    timeouts: BTreeMap<String, Duration>,
    default_timeout: Duration,
}

impl HttpInvoker {
    /// `base` like `http://127.0.0.1:9000`; `timeout` bounds one invocation
    /// of a function given no timeout of its own (Lambda's longest is 15
    /// minutes).
    pub fn new(base: &str, timeout: Duration) -> Result<Self, InvokeError> {
        let client = reqwest::Client::builder().build().map_err(|e| InvokeError::Transport(e.to_string()))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            client,
            timeouts: BTreeMap::new(),
            default_timeout: timeout,
        })
    }

    /// Invocations of `function` give up after `timeout`, as Lambda's do.
    pub fn with_timeout(mut self, function: &str, timeout: Duration) -> Self {
        self.timeouts.insert(function.to_owned(), timeout);
        self
    }

    /// How long an invocation of `function` may take.
    pub fn timeout(&self, function: &str) -> Duration {
        self.timeouts.get(function).copied().unwrap_or(self.default_timeout)
    }
}

impl Invoker for HttpInvoker {
    async fn invoke(&self, function: &str, event: &Value) -> Result<Value, InvokeError> {
        let url = format!("{}/2015-03-31/functions/{function}/invocations", self.base);
        let timeout = self.timeout(function);
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                InvokeError::TimedOut { function: function.to_owned(), after: timeout }
            } else {
                InvokeError::Transport(format!("{url}: {e}"))
            }
        };
        let response = self.client.post(&url).timeout(timeout).json(event).send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let function_error = response.headers().contains_key("x-amz-function-error");
        let body = response.text().await.map_err(failed)?;
        if !(200..300).contains(&status) || function_error {
            return Err(InvokeError::Function { status, body: short(&body) });
        }
        payload(status, &body)
    }
}

/// The payload of a successful answer; an error payload
/// (`{"errorType": …, "errorMessage": …}`) is a function error.
pub fn payload(status: u16, body: &str) -> Result<Value, InvokeError> {
    if body.trim().is_empty() {
        return Ok(Value::Null);
    }
    let value: Value = serde_json::from_str(body).map_err(|_| InvokeError::Function { status, body: short(body) })?;
    if value.get("errorType").is_some() || value.get("errorMessage").is_some() {
        return Err(InvokeError::Function { status, body: short(body) });
    }
    Ok(value)
}

fn short(body: &str) -> String {
    const MAX: usize = 500;
    match body.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_owned(),
    }
}

/// One invocation the twin received.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub function: String,
    pub event: Value,
}

type Script = Box<dyn Fn(&str, &Value) -> Result<Value, InvokeError> + Send + Sync>;

/// The in-memory twin: answers with a closure, or with queued answers
/// first, and keeps every call.
pub struct MemoryInvoker {
    script: Script,
    queued: Mutex<VecDeque<Result<Value, InvokeError>>>,
    calls: Mutex<Vec<Call>>,
}

impl MemoryInvoker {
    /// Answers every invocation with `script(function, event)`.
    pub fn new(script: impl Fn(&str, &Value) -> Result<Value, InvokeError> + Send + Sync + 'static) -> Self {
        Self { script: Box::new(script), queued: Mutex::default(), calls: Mutex::default() }
    }

    /// Answers success (no batch item failures) unless answers are queued.
    pub fn succeeding() -> Self {
        Self::new(|_, _| Ok(serde_json::json!({ "batchItemFailures": [] })))
    }

    /// The next invocation gets this answer instead of the script's.
    pub fn queue(&self, answer: Result<Value, InvokeError>) {
        self.queued.lock().unwrap_or_else(|e| e.into_inner()).push_back(answer);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The sequence numbers of each call's records.
    pub fn batches(&self) -> Vec<Vec<String>> {
        self.calls()
            .iter()
            .map(|call| {
                call.event["Records"]
                    .as_array()
                    .map(|records| {
                        records
                            .iter()
                            .map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap_or_default().to_owned())
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

impl Invoker for MemoryInvoker {
    async fn invoke(&self, function: &str, event: &Value) -> Result<Value, InvokeError> {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Call { function: function.to_owned(), event: event.clone() });
        let queued = self.queued.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        match queued {
            Some(answer) => answer,
            None => (self.script)(function, event),
        }
    }
}

#[cfg(test)]
mod tests;
