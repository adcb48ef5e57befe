//! From an HTTP request to an answer. Thin: routing, one error type mapped
//! once to an HTTP status, and one structured log line per answer.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use whosent::ingest::{self, Ingest, IngestError, PushOutcome};
use whosent::push::{PushError, PushQuery};
use whosent::secrets::SecretSource;
use whosent::store::{AccountRegistry, PushLedger};

/// Why a request got an error answer.
#[derive(Debug, thiserror::Error)]
enum WebhookError {
    #[error("no such route")]
    NoRoute,
    #[error("method not allowed")]
    Method,
    #[error(transparent)]
    Ingest(#[from] IngestError),
}

impl WebhookError {
    /// The one place where errors become HTTP statuses.
    fn status(&self) -> StatusCode {
        match self {
            WebhookError::NoRoute => StatusCode::NOT_FOUND,
            WebhookError::Method => StatusCode::METHOD_NOT_ALLOWED,
            WebhookError::Ingest(err) => match err {
                IngestError::UnknownAccount => StatusCode::NOT_FOUND,
                IngestError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                IngestError::Push(PushError::MissingParameter("echostr")) => StatusCode::BAD_REQUEST,
                IngestError::Push(
                    PushError::MissingParameter(_)
                    | PushError::BadSignature
                    | PushError::Stale
                    | PushError::NotEncrypted,
                )
                | IngestError::Replayed => StatusCode::UNAUTHORIZED,
                IngestError::Push(_) => StatusCode::BAD_REQUEST,
                IngestError::Secrets(_) | IngestError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// The reason given to the caller: short, and without internals for 5xx.
    fn public_reason(&self) -> String {
        if self.status().is_server_error() { "internal error".to_owned() } else { self.to_string() }
    }
}

/// What was answered, for the log line.
enum Handled {
    Echo(String),
    Push(PushOutcome),
}

/// Handles one request.
pub async fn handle<R, L, S>(ingest: &Ingest<R, L, S>, request: Request) -> Result<Response<Body>, Error>
where
    R: AccountRegistry,
    L: PushLedger,
    S: SecretSource,
{
    let started = Instant::now();
    let account = account_from(&request);
    let result = route(ingest, &request, account.as_deref()).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let account = account.as_deref().unwrap_or("-");
    let method = request.method().as_str();
    let response = match result {
        Ok(Handled::Echo(body)) => {
            tracing::info!(account, method, status = 200, outcome = "url_check", elapsed_ms, "answered");
            text(StatusCode::OK, body)
        }
        Ok(Handled::Push(outcome)) => {
            tracing::info!(
                account,
                method,
                status = 200,
                outcome = if outcome.duplicate { "duplicate" } else { "recorded" },
                mode = ?outcome.mode,
                msg_type = outcome.msg_type,
                sender = ?outcome.sender,
                elapsed_ms,
                "answered"
            );
            match outcome.body {
                ingest::Body::Text(body) => text(StatusCode::OK, body),
                ingest::Body::Xml(xml) => respond(StatusCode::OK, "text/xml; charset=utf-8", xml),
            }
        }
        Err(err) => {
            let status = err.status();
            if status.is_server_error() {
                tracing::error!(account, method, status = status.as_u16(), reason = %err, elapsed_ms, "refused");
            } else {
                tracing::warn!(account, method, status = status.as_u16(), reason = %err, elapsed_ms, "refused");
            }
            let mut response = text(status, err.public_reason());
            if status == StatusCode::METHOD_NOT_ALLOWED {
                response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
            }
            response
        }
    };
    Ok(response)
}

async fn route<R, L, S>(
    ingest: &Ingest<R, L, S>,
    request: &Request,
    account: Option<&str>,
) -> Result<Handled, WebhookError>
where
    R: AccountRegistry,
    L: PushLedger,
    S: SecretSource,
{
    let account = account.ok_or(WebhookError::NoRoute)?;
    let params = request.query_string_parameters();
    let query = PushQuery::from_pairs(params.iter());
    let now = unix_now();
    match *request.method() {
        Method::GET => Ok(Handled::Echo(ingest.url_check(account, &query, now).await?)),
        Method::POST => Ok(Handled::Push(ingest.push(account, &query, request.body().as_ref(), now).await?)),
        _ => Err(WebhookError::Method),
    }
}

/// The `{account}` of `/wechat/{account}`: the path parameter under API
/// Gateway, else the segment after `wechat` (under `cargo lambda watch`, and
/// behind a stage prefix). Only `[A-Za-z0-9_-]{1,64}` names an account.
fn account_from(request: &Request) -> Option<String> {
    let from_params = request.path_parameters_ref().and_then(|p| p.first("account")).map(str::to_owned);
    let account = from_params.or_else(|| {
        let segments: Vec<&str> = request.uri().path().split('/').filter(|s| !s.is_empty()).collect();
        match segments.iter().rposition(|s| *s == "wechat") {
            Some(at) if at + 2 == segments.len() => Some(segments[at + 1].to_owned()),
            _ => None,
        }
    })?;
    let valid = !account.is_empty()
        && account.len() <= 64
        && account.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    valid.then_some(account)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    respond(status, "text/plain; charset=utf-8", body)
}

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
#[path = "tests/handler.rs"]
mod tests;

#[cfg(test)]
#[path = "tests/forgery.rs"]
mod forgery_tests;

#[cfg(test)]
#[path = "tests/senders.rs"]
mod sender_tests;
