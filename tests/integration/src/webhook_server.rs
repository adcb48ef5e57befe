//! The webhook handler behind a real HTTP listener, as API Gateway puts it:
//! each request becomes an API Gateway 2.0 event, so that the platform
//! emulator can push to it over HTTP.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use whosent::ingest::Ingest;
use whosent::secrets::SecretSource;
use whosent::store::{AccountRegistry, PushLedger};

/// A running webhook; stops when dropped.
pub struct WebhookServer {
    /// Base of the `/wechat/{account}` routes.
    pub url: String,
    task: JoinHandle<()>,
}

impl Drop for WebhookServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WebhookServer {
    /// Serves `ingest` (on moto's store, or on the in-memory twin).
    pub async fn start<R, L, S>(ingest: Arc<Ingest<R, L, S>>) -> Self
    where
        R: AccountRegistry + 'static,
        L: PushLedger + 'static,
        S: SecretSource + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let ingest = ingest.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(ingest.clone(), request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Self { url, task }
    }
}

async fn answer<R, L, S>(
    ingest: Arc<Ingest<R, L, S>>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible>
where
    R: AccountRegistry,
    L: PushLedger,
    S: SecretSource,
{
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query: Vec<(String, String)> =
        request.uri().query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let body = String::from_utf8_lossy(&body).into_owned();
    let event = crate::api_event(&method, &path, &query, Some(&body));
    let response = match webhook::handle(&ingest, crate::request(&event)).await {
        Ok(response) => response,
        Err(_) => return Ok(Response::builder().status(500).body(Full::new(Bytes::new())).unwrap_or_default()),
    };
    let (parts, body) = response.into_parts();
    let mut out = Response::new(Full::new(Bytes::from(body.as_ref().to_vec())));
    *out.status_mut() = parts.status;
    *out.headers_mut() = parts.headers;
    Ok(out)
}
