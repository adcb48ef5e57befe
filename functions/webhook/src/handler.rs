//! From an HTTP request to an answer. Thin: routing, one error type mapped
//! once to an HTTP status (and to a reason's name), one structured log line
//! per answer, and its counts as EMF metrics (`docs/metrics.md`).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use whosent::ingest::{self, Ingest, IngestError, PushOutcome, SenderStatus};
use whosent::metrics::{Metrics, OUTCOME, PUSHES, REASON, REFUSED, URL_CHECKS};
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

    /// The reason as a name, for the metrics: a small closed set.
    fn name(&self) -> &'static str {
        match self {
            WebhookError::NoRoute => "no_route",
            WebhookError::Method => "method_not_allowed",
            WebhookError::Ingest(err) => match err {
                IngestError::UnknownAccount => "unknown_account",
                IngestError::TooLarge => "too_large",
                IngestError::Replayed => "replayed",
                IngestError::Secrets(_) => "secrets_unavailable",
                IngestError::Store(_) => "store_error",
                IngestError::Push(err) => match err {
                    PushError::MissingParameter(_) => "missing_parameter",
                    PushError::BadSignature => "bad_signature",
                    PushError::Stale => "stale",
                    PushError::NotUtf8 => "not_utf8",
                    PushError::MissingEncrypt => "missing_encrypt",
                    PushError::NotEncrypted => "not_encrypted",
                    PushError::WrongAccount => "wrong_account",
                    PushError::Xml(_) => "bad_xml",
                    PushError::Message(_) => "bad_message",
                    PushError::Crypto(_) => "bad_crypto",
                },
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

/// What became of a push, as a name for the metrics.
fn outcome_name(outcome: &PushOutcome) -> &'static str {
    match outcome.sender {
        _ if outcome.duplicate => "duplicate",
        SenderStatus::Known => "known_sender",
        SenderStatus::AwaitingProfile => "awaiting_profile",
        SenderStatus::Unresolved => "new_sender",
    }
}

/// Handles one request; its metrics go to standard output as EMF lines.
pub async fn handle<R, L, S>(ingest: &Ingest<R, L, S>, request: Request) -> Result<Response<Body>, Error>
where
    R: AccountRegistry,
    L: PushLedger,
    S: SecretSource,
{
    let mut metrics = Metrics::new();
    let response = answer(ingest, &request, &mut metrics).await;
    metrics.emit();
    Ok(response)
}

/// Answers one request, with one log line, and counts it in `metrics`.
pub(crate) async fn answer<R, L, S>(
    ingest: &Ingest<R, L, S>,
    request: &Request,
    metrics: &mut Metrics,
) -> Response<Body>
where
    R: AccountRegistry,
    L: PushLedger,
    S: SecretSource,
{
    let started = Instant::now();
    let account = account_from(request);
    let result = route(ingest, request, account.as_deref()).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let account = account.as_deref().unwrap_or("-");
    let method = request.method().as_str();
    match result {
        Ok(Handled::Echo(body)) => {
            metrics.count(URL_CHECKS, &[], 1);
            tracing::info!(account, method, status = 200, outcome = "url_check", elapsed_ms, "answered");
            text(StatusCode::OK, body)
        }
        Ok(Handled::Push(outcome)) => {
            metrics.count(PUSHES, &[(OUTCOME, outcome_name(&outcome))], 1);
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
            metrics.count(REFUSED, &[(REASON, err.name())], 1);
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
    }
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
mod tests;
