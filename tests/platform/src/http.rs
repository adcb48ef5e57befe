//! The HTTP plumbing: a small server loop (which can drop a connection
//! without answering, as the fault knob needs) and a small client (which the
//! push side uses, dropping the connection when a try times out).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::client::conn::http1 as client_http1;
use hyper::server::conn::http1 as server_http1;
use hyper::service::service_fn;
use hyper::{Request, Response, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// What a handler returns to close the connection without an answer.
#[derive(Debug, Clone, Copy)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

pub(crate) type Answer = Result<Response<Full<Bytes>>, Dropped>;
pub(crate) type Handler = Arc<dyn Fn(Request<Incoming>) -> Pin<Box<dyn Future<Output = Answer> + Send>> + Send + Sync>;

/// Serves `handler` on `listener` until `shutdown` turns true.
pub(crate) fn serve(listener: TcpListener, handler: Handler, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let handler = handler.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |request| handler(request));
                        let _ = server_http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                _ = shutdown.changed() => break,
            }
        }
        connections.abort_all();
    })
}

/// Reads a whole request body, up to `limit` bytes.
pub(crate) async fn read_body(body: Incoming, limit: usize) -> Option<Bytes> {
    Limited::new(body, limit).collect().await.ok().map(|b| b.to_bytes())
}

/// An answer as the client saw it.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl HttpResponse {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every header called `name`.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[derive(Debug)]
pub enum HttpError {
    BadUrl(String),
    Connect(std::io::Error),
    Http(hyper::Error),
    /// No complete answer in time; the connection was dropped.
    Timeout,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::BadUrl(url) => write!(f, "bad URL {url:?}"),
            HttpError::Connect(e) => write!(f, "connect: {e}"),
            HttpError::Http(e) => write!(f, "http: {e}"),
            HttpError::Timeout => f.write_str("timed out"),
        }
    }
}

impl std::error::Error for HttpError {}

/// One request on a fresh connection, answer read in full within `timeout`.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
    timeout: Duration,
) -> Result<HttpResponse, HttpError> {
    let uri: Uri = url.parse().map_err(|_| HttpError::BadUrl(url.to_owned()))?;
    let host = uri.host().ok_or_else(|| HttpError::BadUrl(url.to_owned()))?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let target = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let body = body.into();
    let attempt = async move {
        let mut connection = Connection::connect_host(&host, port).await?;
        connection.send(method, &target, headers, body).await
    };
    tokio::time::timeout(timeout, attempt).await.map_err(|_| HttpError::Timeout)?
}

/// A kept-alive client connection: requests go one after the other.
pub struct Connection {
    sender: client_http1::SendRequest<Full<Bytes>>,
    host: String,
    driver: AbortOnDrop,
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Connection {
    pub async fn connect(addr: SocketAddr) -> Result<Self, HttpError> {
        Self::connect_host(&addr.ip().to_string(), addr.port()).await
    }

    async fn connect_host(host: &str, port: u16) -> Result<Self, HttpError> {
        let stream = TcpStream::connect((host, port)).await.map_err(HttpError::Connect)?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = client_http1::handshake(TokioIo::new(stream)).await.map_err(HttpError::Http)?;
        let driver = AbortOnDrop(tokio::spawn(async move {
            let _ = connection.await;
        }));
        let host = if port == 80 { host.to_owned() } else { format!("{host}:{port}") };
        Ok(Self { sender, host, driver })
    }

    /// Sends a request for `target` (path and query) and reads the whole answer.
    pub async fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<HttpResponse, HttpError> {
        let mut builder = Request::builder().method(method).uri(target).header("host", &self.host);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(Full::new(body.into())).map_err(|_| HttpError::BadUrl(target.to_owned()))?;
        self.sender.ready().await.map_err(HttpError::Http)?;
        let response = self.sender.send_request(request).await.map_err(HttpError::Http)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = response.into_body().collect().await.map_err(HttpError::Http)?.to_bytes();
        let _ = &self.driver;
        Ok(HttpResponse { status, headers, body })
    }
}
