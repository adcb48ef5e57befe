//! From an HTTP request to an answer. Thin: the API key, routing, one
//! mapping of errors to HTTP statuses, and one log line per answer. Every
//! answer carries the security headers of [`crate::page`].

use std::time::Instant;

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use serde::Serialize;
use whosent::lookup::{Avatar, ListParams, Lookup, LookupError};
use whosent::secrets::SecretSource;
use whosent::store::LookupStore;

use crate::page::{self, API_CACHE_CONTROL, Asset};

/// The header that carries the caller's API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The routes, read from the end of the path so that a stage or a
/// `cargo lambda watch` prefix does not matter. The page's files need no key.
#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    Page(&'static Asset),
    Accounts,
    Account { account: &'a str },
    Sender { account: &'a str, open_id: &'a str },
    Avatar { account: &'a str, open_id: &'a str },
    Messages { account: &'a str },
    Person { fake_id: &'a str },
}

fn route(path: &str) -> Option<Route<'_>> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [.., "accounts", account, "senders", open_id, "avatar"] => Some(Route::Avatar { account, open_id }),
        [.., "accounts", account, "senders", open_id] => Some(Route::Sender { account, open_id }),
        [.., "accounts", account, "messages"] => Some(Route::Messages { account }),
        [.., "people", fake_id] => Some(Route::Person { fake_id }),
        [.., "accounts", account] => Some(Route::Account { account }),
        [.., "accounts"] => Some(Route::Accounts),
        _ => page::asset(path).map(Route::Page),
    }
}

/// Why a request got an error answer.
#[derive(Debug, thiserror::Error)]
enum ApiError {
    #[error("no such route")]
    NoRoute,
    #[error("method not allowed")]
    Method,
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

impl ApiError {
    /// The one place where errors become HTTP statuses.
    fn status(&self) -> StatusCode {
        match self {
            ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::Method => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Lookup(err) => match err {
                LookupError::Unauthorized => StatusCode::UNAUTHORIZED,
                LookupError::BadRequest(_) => StatusCode::BAD_REQUEST,
                LookupError::NotFound(_) => StatusCode::NOT_FOUND,
                LookupError::Store(_) | LookupError::Secrets(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn public_reason(&self) -> String {
        if self.status().is_server_error() { "internal error".to_owned() } else { self.to_string() }
    }
}

enum Answer {
    Json(String),
    Image(Avatar),
    Page(&'static Asset),
}

/// Handles one request.
pub async fn handle<St, Se>(lookup: &Lookup<St, Se>, request: Request) -> Result<Response<Body>, Error>
where
    St: LookupStore,
    Se: SecretSource,
{
    let started = Instant::now();
    let path = request.uri().path().to_owned();
    let result = answer(lookup, &request, &path).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    // The path holds openIDs and FakeIDs, not secrets; the key is never logged.
    let response = match result {
        Ok(Answer::Json(body)) => {
            tracing::info!(path, status = 200, elapsed_ms, "answered");
            respond(StatusCode::OK, "application/json", API_CACHE_CONTROL, Body::Text(body))
        }
        Ok(Answer::Image(avatar)) => {
            tracing::info!(path, status = 200, bytes = avatar.bytes.len(), elapsed_ms, "answered");
            respond(StatusCode::OK, avatar.content_type, API_CACHE_CONTROL, Body::Binary(avatar.bytes))
        }
        Ok(Answer::Page(asset)) => {
            tracing::info!(path, status = 200, elapsed_ms, "answered");
            respond(StatusCode::OK, asset.content_type, asset.cache_control, Body::Text(asset.body.to_owned()))
        }
        Err(err) => {
            let status = err.status();
            if status.is_server_error() {
                tracing::error!(path, status = status.as_u16(), reason = %err, elapsed_ms, "refused");
            } else {
                tracing::warn!(path, status = status.as_u16(), reason = %err, elapsed_ms, "refused");
            }
            let body = serde_json::json!({ "error": err.public_reason() }).to_string();
            let mut response = respond(status, "application/json", API_CACHE_CONTROL, Body::Text(body));
            if status == StatusCode::METHOD_NOT_ALLOWED {
                response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("GET"));
            }
            response
        }
    };
    Ok(response)
}

async fn answer<St, Se>(lookup: &Lookup<St, Se>, request: &Request, path: &str) -> Result<Answer, ApiError>
where
    St: LookupStore,
    Se: SecretSource,
{
    let route = route(path).ok_or(ApiError::NoRoute)?;
    if request.method() != Method::GET {
        return Err(ApiError::Method);
    }
    match route {
        Route::Page(asset) => Ok(Answer::Page(asset)),
        api => {
            let key = request.headers().get(API_KEY_HEADER).and_then(|v| v.to_str().ok());
            lookup.authorize(key).await?;
            read(lookup, request, api).await
        }
    }
}

/// Answers an API route, once the key was accepted.
async fn read<St, Se>(lookup: &Lookup<St, Se>, request: &Request, route: Route<'_>) -> Result<Answer, ApiError>
where
    St: LookupStore,
    Se: SecretSource,
{
    match route {
        Route::Page(asset) => Ok(Answer::Page(asset)),
        Route::Accounts => json(&lookup.accounts().await?),
        Route::Account { account } => json(&lookup.account_status(account).await?),
        Route::Sender { account, open_id } => json(&lookup.sender(account, open_id).await?),
        Route::Avatar { account, open_id } => Ok(Answer::Image(lookup.avatar(account, open_id).await?)),
        Route::Messages { account } => {
            let query = request.query_string_parameters();
            let params =
                ListParams { since: query.first("since"), limit: query.first("limit"), cursor: query.first("cursor") };
            json(&lookup.messages(account, &params).await?)
        }
        Route::Person { fake_id } => json(&lookup.person(fake_id).await?),
    }
}

fn json(value: &impl Serialize) -> Result<Answer, ApiError> {
    // Serializing plain structs of strings and numbers cannot fail; say so if it ever does.
    serde_json::to_string(value)
        .map(Answer::Json)
        .map_err(|e| ApiError::Lookup(LookupError::BadRequest(format!("answer not serializable: {e}"))))
}

fn respond(status: StatusCode, content_type: &'static str, cache: &'static str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    page::secure(headers, cache);
    response
}

#[cfg(test)]
mod tests;
